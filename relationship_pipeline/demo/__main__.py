"""``python -m relationship_pipeline.demo --out DIR [--seed N] [--start YYYY-MM-DD] [--days N]``."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from relationship_pipeline.demo.generator import generate_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m relationship_pipeline.demo", description="Write a seeded, realistic demo input folder."
    )
    parser.add_argument("--out", required=True, type=Path, help="folder to write (created if missing)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2025, 1, 1),
        help="first day of the interaction period, YYYY-MM-DD (default 2025-01-01)",
    )
    parser.add_argument("--days", type=int, default=365, help="length of the interaction period (default 365)")
    args = parser.parse_args(argv)
    summary = generate_demo(args.out, seed=args.seed, start=args.start, days=args.days)
    print(summary.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
