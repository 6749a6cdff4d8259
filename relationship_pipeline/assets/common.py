"""Shared asset plumbing: partition days, metadata, and GX suites as asset checks."""

from __future__ import annotations

import warnings
from datetime import date

import dagster as dg
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.partitions import daily_partitions
from relationship_pipeline.schemas import TABLES

# backfill_policy is marked beta; single-run backfills are a deliberate choice (see README).
warnings.filterwarnings("ignore", category=dg.BetaWarning)

OWNERS = ["team:revenue-data"]
PREVIEW_ROWS = 10


def table_metadata(table: str) -> dict:
    """Definition metadata: the table's column contract, shown on the asset's page in the UI."""
    columns = [dg.TableColumn(name, dtype) for name, dtype in TABLES[table].items()]
    return {"dagster/column_schema": dg.TableSchema(columns=columns), "warehouse_table": table}


def daily_asset(
    group: str,
    *,
    blocking: bool = True,
    history: dict[str, int] | None = None,
    columns: dict[str, list[str]] | None = None,
    deps: list[str] | None = None,
):
    """``@dg.asset`` for a per-day table: daily partitions, single-run backfills, its GX suite as a check.

    The asset's function name is the table name; ``blocking`` says whether a failed suite stops
    downstream assets in the same run. ``history`` maps an upstream daily asset to how many days
    before the run it also reads (a baseline, a trend, a horizon): the input then holds those
    days too, and the lineage shows the dependency. ``columns`` names the only columns a history
    input loads, so a long window reads what the asset uses. ``deps``: upstream assets read
    from the warehouse rather than loaded as inputs (the lineage still shows them).
    """

    def decorate(fn):
        return dg.asset(
            name=fn.__name__,
            group_name=group,
            owners=OWNERS,
            kinds={"pandas", "sql"},
            partitions_def=daily_partitions,
            backfill_policy=dg.BackfillPolicy.single_run(),
            check_specs=[suite_check_spec(fn.__name__, blocking=blocking)],
            metadata=table_metadata(fn.__name__),
            deps=deps,
            ins={
                name: dg.AssetIn(partition_mapping=days_before(n), metadata=_columns_metadata(name, columns))
                for name, n in (history or {}).items()
            },
        )(fn)

    return decorate


def _columns_metadata(name: str, columns: dict[str, list[str]] | None) -> dict | None:
    return {"columns": list(columns[name])} if columns and name in columns else None


def days_before(days: int) -> dg.TimeWindowPartitionMapping:
    """The run's days and the ``days`` before them (those before the first partition simply absent)."""
    return dg.TimeWindowPartitionMapping(start_offset=-days, allow_nonexistent_upstream_partitions=True)


def in_run(df: pd.DataFrame, context: dg.AssetExecutionContext) -> pd.DataFrame:
    """The rows of a history input that belong to the run's own days."""
    return df[df["as_of"] >= context.partition_keys[0]].reset_index(drop=True)


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """Every day this run materialises: one partition, or a range in a single-run backfill."""
    return [date.fromisoformat(k) for k in context.partition_keys]


def partition_bounds() -> tuple[date, date]:
    """The first and last daily partitions that exist now."""
    keys = daily_partitions.get_partition_keys()
    return date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])


def frame_metadata(df: pd.DataFrame, **extra) -> dict:
    """Row count and a Markdown preview of the first rows, plus any extra values."""
    return {
        "dagster/row_count": len(df),
        "preview": dg.MetadataValue.md(markdown_table(df.head(PREVIEW_ROWS))),
        **extra,
    }


def markdown_table(df: pd.DataFrame) -> str:
    """A small Markdown table (no tabulate dependency)."""
    if df.empty:
        return "_no rows_"
    cols = list(df.columns)

    def cell(v) -> str:
        if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
            return ""
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v).replace("|", "\\|").replace("\n", " ")[:60]

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def suite_check_name(table: str) -> str:
    return f"{table}_expectations"


def suite_check_spec(table: str, *, blocking: bool = True) -> dg.AssetCheckSpec:
    """The GX suite of ``table`` as a check; blocking where downstream assets use the table."""
    return dg.AssetCheckSpec(
        name=suite_check_name(table),
        asset=table,
        blocking=blocking,
        description=f"Great Expectations suite for `{table}` (relationship_pipeline.expectations.suites).",
    )


def suite_check_result(table: str, df: pd.DataFrame, config: ScoringConfig | None = None) -> dg.AssetCheckResult:
    """Validate ``df`` with its table's suite and report it as an AssetCheckResult (GX imported lazily)."""
    from relationship_pipeline.expectations.check_result import to_check_result
    from relationship_pipeline.expectations.suites import expectations_for
    from relationship_pipeline.expectations.validate import validate_frame

    outcome = validate_frame(df, table, expectations_for(table, config))
    return to_check_result(outcome, asset_key=dg.AssetKey(table), check_name=suite_check_name(table))


def counts_check_result(asset: str, name: str, passed: bool, metadata: dict, description: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(asset), check_name=name, passed=bool(passed), metadata=metadata, description=description
    )
