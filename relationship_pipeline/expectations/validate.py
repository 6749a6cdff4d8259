"""Run a list of Great Expectations expectations against a pandas frame, outside Dagster.

``validate_frame`` wraps the GX 1.x fluent API (one ephemeral data context per process, a pandas
data source and a whole-dataframe batch definition) and turns GX's validation result into plain
dataclasses that the Dagster asset checks (``check_result.py``), the CLI and the tests can read
without knowing GX's result shapes.

What can be done once per process is: the context and batch definition, one GX suite per distinct
expectation list, and two GX settings that change no outcome (no per-row batch fingerprint, a
memoized class-name conversion). Each run asks GX for the BASIC result format (``RESULT_FORMAT``).

Great Expectations takes seconds to import, so it is imported only inside functions here: importing
this module (or ``suites.py``) never imports ``great_expectations``.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# How many offending values an outcome keeps as examples.
MAX_EXAMPLES = 5

# What GX computes per expectation. BASIC has everything an outcome reads (element, missing and
# unexpected counts, the first offending values, observed_value) but, unlike the default SUMMARY,
# no unexpected index list, index query or value counts; GX collects only MAX_EXAMPLES values.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": MAX_EXAMPLES}

_LOCK = threading.RLock()
_BATCH_DEFINITION: Any = None
# (suite name, expectation fingerprints) -> (GX suite, fingerprint -> position); a few dozen entries.
_SUITES: dict[tuple, tuple[Any, dict[str, int]]] = {}
_MAX_SUITES = 256


@dataclass
class ExpectationOutcome:
    """How one expectation fared on one frame."""

    expectation: str  # GX type, e.g. "expect_column_values_to_not_be_null"
    column: str | None  # column, "a, b" for column lists / pairs, None for table-level
    success: bool
    unexpected_count: int | None  # None for table-level expectations or when GX raised
    unexpected_examples: list = field(default_factory=list)
    details: dict = field(default_factory=dict)  # kwargs, element_count, observed_value, error, ...

    @property
    def label(self) -> str:
        """``expectation(column)``, or just the expectation for table-level ones."""
        return f"{self.expectation}({self.column})" if self.column else self.expectation

    def describe(self, rows: int) -> str:
        """One line: "ok", or what went wrong and on how many rows."""
        if self.success:
            return "ok"
        error = self.details.get("error")
        if error:
            return f"ERROR: {error}"
        if self.unexpected_count is not None:
            text = f"{self.unexpected_count} of {rows} rows unexpected"
            if self.unexpected_examples:
                text += f", e.g. {self.unexpected_examples}"
            return text
        if "observed_value" in self.details:
            return f"observed {self.details['observed_value']}"
        return "failed"


@dataclass
class ValidationOutcome:
    """Result of one suite on one frame; ``outcomes`` follow the order of the expectation list."""

    suite: str
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        """Human-readable: each failed expectation, its column and how many rows."""
        if self.success:
            return f"{self.suite}: all {len(self.outcomes)} expectations passed on {self.rows} rows"
        parts = []
        for o in self.failed:
            if o.unexpected_count is not None and not o.details.get("error"):
                parts.append(f"{o.label}: {o.unexpected_count} of {self.rows} rows")
            else:
                parts.append(f"{o.label}: {o.describe(self.rows)}")
        return (
            f"{self.suite}: {len(parts)} of {len(self.outcomes)} expectations failed on "
            f"{self.rows} rows: " + "; ".join(parts)
        )


def _batch_definition() -> Any:
    """The process-wide ephemeral GX context's whole-dataframe batch definition (built once)."""
    global _BATCH_DEFINITION
    with _LOCK:
        if _BATCH_DEFINITION is None:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig
            from great_expectations.execution_engine import pandas_execution_engine

            # GX md5-hashes every row of a pandas batch under 1 GB (twice per validation) only to
            # put a "pandas_data_fingerprint" in the result's batch markers, which we never read:
            # most of the time a large frame takes. A threshold of 0 skips it for every frame.
            if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
                pandas_execution_engine.HASH_THRESHOLD = 0
            _memoize_expectation_type_names()
            ctx = gx.get_context(mode="ephemeral")
            # No tqdm bars in run logs.
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            asset = ctx.data_sources.add_pandas("relationship_pipeline").add_dataframe_asset("frame")
            _BATCH_DEFINITION = asset.add_batch_definition_whole_dataframe("whole_frame")
        return _BATCH_DEFINITION


def _memoize_expectation_type_names() -> None:
    """Cache GX's class-name -> expectation-type conversion (two regex substitutions).

    GX rebuilds an expectation's configuration, and so converts its class name, a dozen times per
    expectation per validation: about a sixth of a small suite's time. The function is pure.
    """
    from great_expectations import util
    from great_expectations.expectations import expectation

    if getattr(expectation, "camel_to_snake", None) is util.camel_to_snake:
        expectation.camel_to_snake = functools.lru_cache(maxsize=1024)(util.camel_to_snake)


def _jsonable(value: Any) -> Any:
    """Make a GX result value safe for JSON / Dagster metadata (NA -> None, timestamps -> ISO)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):  # numpy bool / int / float / str scalars
        return _jsonable(value.item())
    return str(value)


def _column_label(kwargs: dict) -> str | None:
    if kwargs.get("column") is not None:
        return str(kwargs["column"])
    if kwargs.get("column_A") is not None:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if kwargs.get("column_list"):
        return ", ".join(str(c) for c in kwargs["column_list"])
    return None


def _key(expectation_type: str, kwargs: dict) -> str:
    clean = {k: v for k, v in kwargs.items() if k != "batch_id"}
    return expectation_type + json.dumps(clean, sort_keys=True, default=str)


def _error_message(exception_info: Any) -> str | None:
    """GX reports errors either flat or keyed by metric id; return the first message."""
    if not exception_info:
        return None
    if isinstance(exception_info, dict):
        if exception_info.get("raised_exception"):
            return str(exception_info.get("exception_message"))
        for value in exception_info.values():
            if isinstance(value, dict) and value.get("raised_exception"):
                return str(value.get("exception_message"))
    return None


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k != "batch_id"}
    res = dict(result.result or {})
    error = _error_message(result.exception_info)
    table_level = config.type.startswith("expect_table_")
    unexpected = res.get("unexpected_count")
    details: dict = {"kwargs": _jsonable(kwargs)}
    for key in ("element_count", "missing_count", "observed_value"):
        if key in res:
            details[key] = _jsonable(res[key])
    if error:
        details["error"] = error
    if getattr(config, "description", None):
        details["description"] = config.description
    return ExpectationOutcome(
        expectation=config.type,
        column=None if table_level else _column_label(kwargs),
        success=bool(result.success),
        unexpected_count=None if unexpected is None else int(unexpected),
        unexpected_examples=_jsonable(list(res.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]),
        details=details,
    )


def _suite(suite_name: str, expectations: list) -> tuple[Any, dict[str, int]]:
    """A GX suite holding ``expectations`` and each one's position, built once per distinct list.

    Lists rebuilt by ``suites.expectations_for`` on every call are equal field by field, so their
    ``repr`` (every pydantic field) finds the suite built the first time. The suite holds copies,
    so changing a caller's expectation later cannot change a cached suite.
    """
    import great_expectations as gx

    key = (suite_name, *(repr(e) for e in expectations))
    with _LOCK:
        cached = _SUITES.get(key)
        if cached is None:
            suite = gx.ExpectationSuite(name=suite_name)
            order: dict[str, int] = {}
            for i, expectation in enumerate(expectations):
                suite.add_expectation(copy.copy(expectation))
                config = expectation.configuration
                order.setdefault(_key(config.type, dict(config.kwargs)), i)
            if len(_SUITES) >= _MAX_SUITES:
                _SUITES.clear()
            cached = _SUITES[key] = (suite, order)
        return cached


def validate_frame(df: pd.DataFrame, suite_name: str, expectations: list) -> ValidationOutcome:
    """Validate ``df`` against GX expectation objects; outcomes follow the order of ``expectations``.

    An empty frame passes every row-level expectation (there is no row to violate it); table-level
    ones (the column list) are still checked. The expectation objects are not modified and can be
    reused across calls.
    """
    batch_definition = _batch_definition()  # also makes the context current, which suites need
    suite, order = _suite(suite_name, expectations)
    with _LOCK:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format=dict(RESULT_FORMAT))
    outcomes = [_outcome(r) for r in result.results]
    keys = [_key(r.expectation_config.type, dict(r.expectation_config.kwargs)) for r in result.results]
    ranked = sorted(zip(keys, outcomes), key=lambda ko: order.get(ko[0], len(order)))
    outcomes = [o for _, o in ranked]
    return ValidationOutcome(
        suite=suite_name,
        success=bool(result.success) and all(o.success for o in outcomes),
        rows=len(df),
        outcomes=outcomes,
    )
