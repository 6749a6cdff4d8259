"""Environment variables the code location reads, and their defaults (no Dagster import here).

The CLI sets these before it imports the Definitions, so the partitions and resources it builds
are the ones the user asked for.
"""

DATA_DIR_ENV = "RELATIONSHIP_PIPELINE_DATA_DIR"
WAREHOUSE_URL_ENV = "RELATIONSHIP_PIPELINE_WAREHOUSE_URL"
START_DATE_ENV = "RELATIONSHIP_PIPELINE_START_DATE"
SCORING_JSON_ENV = "RELATIONSHIP_PIPELINE_SCORING_JSON"
CRM_SQL_URL_ENV = "RELATIONSHIP_PIPELINE_CRM_SQL_URL"
OUTPUT_DIR_ENV = "RELATIONSHIP_PIPELINE_OUTPUT_DIR"  # reports/ and exports/ go here

DEFAULT_START_DATE = "2025-01-01"  # the demo year; set START_DATE_ENV for older data
# Seconds a DuckDB warehouse waits for another process to release the file before failing.
WAREHOUSE_LOCK_TIMEOUT_ENV = "RELATIONSHIP_PIPELINE_WAREHOUSE_LOCK_TIMEOUT_S"
DEFAULT_LOCK_TIMEOUT_S = 60.0
