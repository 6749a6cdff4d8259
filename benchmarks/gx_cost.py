"""What the Great Expectations asset checks cost: import, fixed time per suite, time per row.

    python -m benchmarks.gx_cost [--rows 1000000] [--tables interactions,participants,pair_touches]
                                 [--repeat 3] [--profile OUT.txt]

* import: ``import great_expectations`` in a fresh interpreter (wall and CPU seconds);
* fixed: every suite of ``schemas.TABLES`` on a valid 10-row frame (best of ``--repeat``, ms);
* per row: the suites of ``--tables`` on a valid ``--rows``-row frame; the figure is
  (time − fixed) ÷ rows × 1 M, i.e. seconds per million rows.

Times are CPU seconds of this process (``time.process_time``), which other work on the machine
disturbs less than wall time; wall time is printed too. The frames come from :func:`synthetic`:
every value valid, string columns not drawn from a value set unique per row.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from relationship_pipeline import schemas
from relationship_pipeline.expectations import suites
from relationship_pipeline.expectations.suites import expectations_for
from relationship_pipeline.expectations.validate import validate_frame

# Columns whose values come from a set (cycled through), or are fixed valid constants.
VALUE_SETS = {
    "channel": schemas.CHANNELS,
    "category": schemas.CATEGORIES,
    "role": schemas.ROLES,
    "response": schemas.RESPONSES,
    "seniority": schemas.SENIORITIES,
    "resolved_by": suites.RESOLVED_BY,
    "direction": suites.DIRECTIONS,
    "kind": suites.ALERT_KINDS,
    "trend": ("rising", "falling", "steady", "new"),
}
CONSTANTS = {"as_of": "2024-03-31", "seen_on": "2024-03-01", "month": "2024-01", "key_roles_total": 3}


def synthetic(table: str, rows: int) -> pd.DataFrame:
    """A valid frame of ``table`` with ``rows`` rows (conformed to its schema)."""
    n = np.arange(rows)
    data: dict = {}
    for col, dtype in schemas.TABLES[table].items():
        if col in CONSTANTS:
            data[col] = np.full(rows, CONSTANTS[col], dtype=object if isinstance(CONSTANTS[col], str) else None)
        elif col in VALUE_SETS:
            values = np.array(VALUE_SETS[col], dtype=object)
            data[col] = values[n % len(values)]
        elif col == "reason":
            data[col] = np.char.add("bad_date: ", n.astype(str)).astype(object)
        elif dtype == "string":
            data[col] = np.char.add(f"{col}-", n.astype(str)).astype(object)
        elif dtype == schemas.UTC_TS:
            data[col] = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(n % 86400, unit="s")
        elif dtype == "bool":
            data[col] = n % 2 == 0
        elif dtype == "int64":
            data[col] = np.ones(rows, dtype="int64")
        else:
            data[col] = np.full(rows, 0.5)
    if "first_interaction_at" in data:  # first <= meaningful <= last
        data["first_interaction_at"] = data["last_meaningful_at"] = data["last_interaction_at"]
    return schemas.conform(pd.DataFrame(data), schemas.TABLES[table])


def run(table: str, df: pd.DataFrame, repeat: int) -> tuple[float, float]:
    """Best CPU and wall seconds of ``repeat`` validations (the frame must pass)."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        outcome = validate_frame(df, table, expectations_for(table))
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - w)
        assert outcome.success, outcome.summary()
    return best_cpu, best_wall


def import_seconds() -> tuple[float, float]:
    code = (
        "import time; c, w = time.process_time(), time.perf_counter(); import great_expectations; "
        "print(time.process_time() - c, time.perf_counter() - w)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    cpu, wall = (float(x) for x in out.split())
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tables", default="interactions,participants,pair_touches")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-import", action="store_true", help="skip the import measurement")
    args = parser.parse_args()

    if not args.no_import:
        cpu, wall = min(import_seconds() for _ in range(args.repeat))
        print(f"import great_expectations: {cpu:.2f} s CPU, {wall:.2f} s wall")

    run("crm_team", synthetic("crm_team", 10), 1)  # warm: context, data source, first suite
    fixed: dict[str, float] = {}
    total_cpu = total_wall = 0.0
    for table in schemas.TABLES:
        cpu, wall = run(table, synthetic(table, 10), args.repeat)
        fixed[table] = cpu
        total_cpu += cpu
        total_wall += wall
    print(f"fixed per suite (10 rows), ms CPU: {' '.join(f'{t}={c * 1000:.0f}' for t, c in fixed.items())}")
    print(
        f"fixed: mean {total_cpu / len(fixed) * 1000:.0f} ms CPU per suite; all {len(fixed)} suites "
        f"{total_cpu:.2f} s CPU, {total_wall:.2f} s wall"
    )

    for table in [t for t in args.tables.split(",") if t]:
        df = synthetic(table, args.rows)
        cpu, wall = run(table, df, max(1, args.repeat - 1))
        per_m = (cpu - fixed[table]) / args.rows * 1e6
        print(f"{table}: {args.rows} rows in {cpu:.2f} s CPU ({wall:.2f} s wall) -> {per_m:.2f} s CPU per M rows")


if __name__ == "__main__":
    main()
