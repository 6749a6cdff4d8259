"""Pure parsers from the input folder's files to canonical frames (no Dagster here)."""
