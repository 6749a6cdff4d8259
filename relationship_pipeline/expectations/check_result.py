"""Turn a :class:`ValidationOutcome` into a Dagster asset check result (and spec).

Kept apart from ``validate.py`` so the validation itself stays free of Dagster.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from relationship_pipeline.expectations.validate import ValidationOutcome


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(outcome: ValidationOutcome) -> str:
    """One row per expectation: status, expectation, column, unexpected rows, examples / detail."""
    lines = [
        f"**{outcome.suite}**: {'passed' if outcome.success else 'FAILED'} on {outcome.rows} rows",
        "",
        "| status | expectation | column | unexpected | detail |",
        "|---|---|---|---|---|",
    ]
    for o in outcome.outcomes:
        unexpected = "" if o.unexpected_count is None else f"{o.unexpected_count} of {outcome.rows}"
        if o.success:
            detail = ""
        elif o.details.get("error"):
            detail = f"error: {o.details['error']}"
        elif o.unexpected_examples:
            detail = f"e.g. {o.unexpected_examples}"
        elif "observed_value" in o.details:
            detail = f"observed {o.details['observed_value']}"
        else:
            detail = ""
        lines.append(
            f"| {'ok' if o.success else '**FAILED**'} | {_cell(o.expectation)} | {_cell(o.column or '')} "
            f"| {unexpected} | {_cell(detail)} |"
        )
    return "\n".join(lines)


def to_check_result(
    outcome: ValidationOutcome,
    *,
    check_name: str,
    asset_key: Any = None,
) -> dg.AssetCheckResult:
    """``AssetCheckResult`` with ``passed=outcome.success`` and one metadata entry per expectation.

    Metadata: ``"<expectation>(<column>)"`` -> ``"ok"`` or ``"FAILED: 1 of 10 rows unexpected, e.g.
    [...]"``, plus ``rows``, ``failed_expectations``, ``expectations``, ``summary`` and a Markdown
    table ``results``. Severity is ERROR (whether the check blocks is the spec's business).
    """
    metadata: dict[str, Any] = {
        "suite": outcome.suite,
        "rows": outcome.rows,
        "expectations": len(outcome.outcomes),
        "failed_expectations": len(outcome.failed),
        "summary": outcome.summary(),
        "results": dg.MetadataValue.md(markdown_table(outcome)),
    }
    for o in outcome.outcomes:
        key = o.label
        n = 2
        while key in metadata:  # same expectation type on the same column twice
            key = f"{o.label} #{n}"
            n += 1
        metadata[key] = "ok" if o.success else f"FAILED: {o.describe(outcome.rows)}"
    return dg.AssetCheckResult(
        passed=outcome.success,
        check_name=check_name,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=outcome.summary() if not outcome.success else None,
        asset_key=asset_key,
    )


def check_spec(asset: Any, name: str, description: str | None = None, *, blocking: bool = True) -> dg.AssetCheckSpec:
    """An ``AssetCheckSpec`` for a GX suite check on ``asset`` (key, name or AssetsDefinition)."""
    return dg.AssetCheckSpec(name=name, asset=asset, description=description, blocking=blocking)
