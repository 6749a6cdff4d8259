"""Pure scoring functions: decay, pair strength, account scores, alerts, indicators (no Dagster)."""
