"""Who is who: canonical addresses and resolved people (pure pandas, no Dagster)."""
