"""The hand-written DuckDB peer (``peer.sql``) and its comparison with the pipeline's warehouse.

    python -m benchmarks.peer --data-dir DIR --start YYYY-MM-DD --end YYYY-MM-DD [--db peer.duckdb]
        [--warehouse sqlite:///... ]   # also compare with the pipeline's tables on --end

The peer reads the same folder (emails/*.parquet|csv, meetings/*.csv, calls/*.csv|parquet, crm/)
with DuckDB and computes, for every day of the range: pair strength on the days it changes,
published pairs per day, engaged stakeholders and seed 004 engagement per account — the core
the pipeline computes, with the pipeline's default weights taken from ``ScoringConfig`` (so a
changed default changes both). It writes its tables into a DuckDB file.

Where it is simpler than the pipeline (documented, and true of the generated folder): addresses
are matched lower-cased as written (no +tag or alias folding), account domains exactly (no
subdomains), meetings come from CSV only (no .ics, so no declined attendees), every email export
row is ``direct`` unless its subject is an auto-reply or its sender a bounce address (CSV and
Parquet exports carry no list headers), and an account without CRM contacts scores engagement 0
(the pipeline divides by the externals seen instead; every generated account has contacts).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from datetime import date, timedelta
from pathlib import Path
from string import Template

import pandas as pd

from relationship_pipeline.config import ScoringConfig

SQL_FILE = Path(__file__).with_name("peer.sql")
EPOCH = date(1970, 1, 1)
ANSWERED = ("answered", "completed", "complete", "connected", "success", "successful")


def epoch_day(d: date) -> int:
    return (d - EPOCH).days


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(folder: Path, kind: str, columns: list[str]) -> str:
    """A FROM clause over every Parquet and CSV file of a channel folder (or an empty relation)."""
    parts = []
    if any(folder.glob("**/*.parquet")):
        parts.append(
            f"SELECT {', '.join(_q(c) for c in columns)} FROM read_parquet({_quote(str(folder / '**' / '*.parquet'))}, union_by_name = true)"
        )
    if any(folder.glob("**/*.csv")):
        parts.append(
            f"SELECT {', '.join(_q(c) for c in columns)} FROM read_csv({_quote(str(folder / '**' / '*.csv'))}, "
            "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', union_by_name = true)"
        )
    if not parts:
        return "(SELECT " + ", ".join(f"CAST(NULL AS VARCHAR) AS {_q(c)}" for c in columns) + " WHERE false)"
    return (
        "("
        + " UNION ALL ".join(
            f"SELECT {', '.join(_q(c) + '::VARCHAR AS ' + _q(c) for c in columns)} FROM ({p})" for p in parts
        )
        + ")"
    )


def _q(column: str) -> str:
    return '"' + column + '"'


def threshold_strength(score: float, config: ScoringConfig) -> float:
    """The strength whose 0–100 score is ``score``: score = 100 · (1 − 2^(−S/h))."""
    return -config.score_half_strength * math.log2(1.0 - score / 100.0)


def render_sql(data_dir: Path, start: date, end: date, config: ScoringConfig) -> list[str]:
    """peer.sql with the folder, the days and the scoring defaults filled in, split into statements."""
    from relationship_pipeline.sources.email_headers import AUTO_REPLY_SUBJECT_PREFIXES, BOUNCE_LOCAL_PARTS

    cw = config.channel_weights
    bounds = [0] + [d for d, _ in config.recency_weights] + [config.engagement_horizon_days]
    weights = [w for _, w in config.recency_weights] + [config.recency_tail_weight]
    # a touch k days back weighs weights[b] for k in [bounds[b], bounds[b + 1]): steps of the weight
    steps, previous = [], 0.0
    for lo, w in zip(bounds[:-1], weights):
        steps.append(f"({lo}, {w - previous!r})")
        previous = w
    steps.append(f"({bounds[-1]}, {-previous!r})")
    values = {
        "crm": str(data_dir / "crm"),
        "email_source": _source(data_dir / "emails", "email", ["sent_at", "from", "to", "cc", "subject"]),
        "meeting_source": _source(
            data_dir / "meetings", "meeting", ["start", "end", "status", "organizer", "attendees"]
        ),
        "call_source": _source(data_dir / "calls", "call", ["started_at", "duration_s", "status", "caller", "callee"]),
        "auto_reply_condition": "("
        + " OR ".join(f"starts_with(subj, {_quote(p)})" for p in AUTO_REPLY_SUBJECT_PREFIXES)
        + ")",
        "bounce_condition": "regexp_matches(lower(coalesce(sender, '')), "
        + _quote('(^|[<\\s"])(' + "|".join(re.escape(p) for p in sorted(BOUNCE_LOCAL_PARTS)) + ")@")
        + ")",
        "answered_statuses": ", ".join(_quote(s) for s in ANSWERED),
        "email_weight": repr(cw["email"]),
        "meeting_weight": repr(cw["meeting"]),
        "call_weight": repr(cw["call"]),
        "automated_email_weight": repr(config.automated_email_weight),
        "meeting_reference_s": repr(config.reference_duration_s["meeting"]),
        "call_reference_s": repr(config.reference_duration_s["call"]),
        "duration_min": repr(config.duration_factor_min),
        "duration_max": repr(config.duration_factor_max),
        "group_dilution_exponent": repr(config.group_dilution_exponent),
        "half_life": repr(float(config.half_life_days)),
        "balance_cap": repr(float(config.balance_cap)),
        "first_day": str(epoch_day(start)),
        "last_day": str(epoch_day(end)),
        "published_strength": repr(threshold_strength(config.min_published_score, config)),
        "engaged_strength": repr(threshold_strength(config.engaged_min_score, config)),
        "min_published_score": repr(config.min_published_score),
        "engaged_min_score": repr(config.engaged_min_score),
        "channel_weight_cases": " ".join(
            f"WHEN {code} THEN {cw[ch]!r}" for code, ch in enumerate(("email", "meeting", "call"))
        )
        + " ELSE 0.0",
        "recency_steps": ", ".join(steps),
    }
    text = Template(SQL_FILE.read_text()).substitute(values)
    return [
        s.strip()
        for s in text.split("\n;;\n")
        if s.strip() and not all(line.startswith("--") for line in s.strip().splitlines())
    ]


def run_peer(
    data_dir: Path,
    db_path: Path,
    start: date,
    end: date,
    config: ScoringConfig | None = None,
    threads: int | None = None,
) -> dict:
    """Run the peer into ``db_path`` (replaced); returns seconds, per-step seconds and row counts."""
    import duckdb

    config = config or ScoringConfig()
    statements = render_sql(Path(data_dir).resolve(), start, end, config)
    db_path = Path(db_path)
    for suffix in ("", ".wal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    began = time.perf_counter()
    con = duckdb.connect(str(db_path))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    steps = {}
    for sql in statements:
        t0 = time.perf_counter()
        con.execute(sql)
        name = _statement_name(sql)
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t0
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - began
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("inter", "touches", "pair_changes", "account_day")
    }
    used_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.close()
    return {"seconds": seconds, "steps": steps, "rows": counts, "threads": int(used_threads)}


def _statement_name(sql: str) -> str:
    for line in sql.splitlines():
        line = line.strip()
        if line.upper().startswith(("CREATE OR REPLACE TABLE", "CREATE OR REPLACE VIEW")):
            return line.split()[4]
        if line and not line.startswith("--"):
            return line.split()[0].lower()
    return "sql"


# --------------------------------------------------------------------------------------------
# reading results


def peer_pairs_on(db_path: Path, day: date, config: ScoringConfig | None = None) -> pd.DataFrame:
    """Every pair's strength at the end of ``day`` (from its last change at or before it)."""
    import duckdb

    config = config or ScoringConfig()
    d = epoch_day(day)
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            f"""
            SELECT i.address AS internal_address, e.address AS external_address,
                   coalesce(a.account_id, 'unassigned') AS account_id,
                   c.strength * pow(2.0, -({d} - c.day) / {float(config.half_life_days)!r}) AS strength
            FROM pair_changes c
            JOIN people i ON i.pid = c.ip
            JOIN people e ON e.pid = c.ep
            LEFT JOIN accounts a ON a.acc = c.acc
            WHERE c.day <= {d} AND (c.next_day IS NULL OR c.next_day > {d})
            """
        ).df()


def peer_accounts_on(db_path: Path, days: list[date]) -> pd.DataFrame:
    import duckdb

    keys = ", ".join(str(epoch_day(d)) for d in days)
    with duckdb.connect(str(db_path), read_only=True) as con:
        df = con.execute(
            f"SELECT account_id, day, engaged_stakeholders, engagement_points, engagement_score FROM account_day_named WHERE day IN ({keys})"
        ).df()
    df["as_of"] = [(EPOCH + timedelta(days=int(d))).isoformat() for d in df["day"]]
    return df.drop(columns="day")


def our_pair_strength(warehouse, day: date, config: ScoringConfig) -> pd.DataFrame:
    """The pipeline's published pairs at the end of ``day`` (internal_address, external_address,
    strength, score), read the way downstream jobs read them: ``pair_store.pair_strength_as_of``."""
    from relationship_pipeline.identity.addresses import canonical_addresses
    from relationship_pipeline.pair_store import pair_strength_as_of

    always = canonical_addresses(warehouse.read("crm_contacts")["address"], warehouse.read("crm_aliases"))
    return pair_strength_as_of(warehouse, day, config, always=always)


def compare(
    warehouse_url: str,
    db_path: Path,
    day: date,
    config: ScoringConfig | None = None,
    *,
    account_days: list[date] | None = None,
    tolerance: float = 1e-9,
) -> dict:
    """The pipeline's warehouse against the peer on ``day`` (and accounts on ``account_days``).

    Pairs: every pair the pipeline lists has the peer's strength within ``tolerance``, and the
    pairs scoring ≥ min_published_score are the same set. Accounts: engaged_stakeholders equal,
    engagement_score within ``tolerance`` (relative to max(1, |value|)). Returns counts and the
    first mismatches in words; ``equal`` says whether there were none.
    """
    from relationship_pipeline.warehouse import Warehouse

    config = config or ScoringConfig()
    wh = Warehouse(warehouse_url)
    keys = ["internal_address", "external_address"]
    ours = our_pair_strength(wh, day, config)
    peer = peer_pairs_on(db_path, day, config)
    problems: list[str] = []

    both = ours.merge(peer[keys + ["strength"]], on=keys, how="left", suffixes=("", "_peer"))
    missing = both[both["strength_peer"].isna()]
    for r in missing.head(5).itertuples():
        problems.append(
            f"pair {r.internal_address} × {r.external_address}: ours {r.strength:.12g}, peer has no such pair"
        )
    diff = (both["strength"] - both["strength_peer"]).abs()
    bad = both[diff > tolerance]
    for r in bad.head(5).itertuples():
        problems.append(
            f"pair {r.internal_address} × {r.external_address}: strength ours {r.strength:.12g} peer {r.strength_peer:.12g}"
        )
    pub_ours = set(map(tuple, ours.loc[ours["score"] >= config.min_published_score, keys].to_numpy()))
    pub_strength = threshold_strength(config.min_published_score, config)
    pub_peer = set(map(tuple, peer.loc[peer["strength"] >= pub_strength, keys].to_numpy()))
    for pair in sorted(pub_peer - pub_ours)[:5]:
        problems.append(f"pair {pair[0]} × {pair[1]}: published by the peer, not by us")
    for pair in sorted(pub_ours - pub_peer)[:5]:
        problems.append(f"pair {pair[0]} × {pair[1]}: published by us, not by the peer")

    days = sorted(set(account_days or []) | {day})
    acc_ours = pd.concat([wh.read("account_scores", [d.isoformat()]) for d in days], ignore_index=True)
    acc_peer = peer_accounts_on(db_path, days)
    acc = acc_ours[["as_of", "account_id", "engaged_stakeholders", "engagement_score"]].merge(
        acc_peer, on=["as_of", "account_id"], how="outer", suffixes=("", "_peer"), indicator=True
    )
    only = acc[acc["_merge"] != "both"]
    for r in only.head(5).itertuples():
        problems.append(
            f"account {r.account_id} on {r.as_of}: only in {'ours' if r._merge == 'left_only' else 'the peer'}"
        )
    acc = acc[acc["_merge"] == "both"]
    eng_bad = acc[acc["engaged_stakeholders"].astype("int64") != acc["engaged_stakeholders_peer"].astype("int64")]
    for r in eng_bad.head(5).itertuples():
        problems.append(
            f"account {r.account_id} on {r.as_of}: engaged_stakeholders ours {r.engaged_stakeholders} peer {r.engaged_stakeholders_peer}"
        )
    rel = (acc["engagement_score"] - acc["engagement_score_peer"]).abs() / acc["engagement_score"].abs().clip(lower=1.0)
    score_bad = acc[rel > tolerance]
    for r in score_bad.head(5).itertuples():
        problems.append(
            f"account {r.account_id} on {r.as_of}: engagement_score ours {r.engagement_score:.12g} peer {r.engagement_score_peer:.12g}"
        )
    return {
        "equal": not problems,
        "day": day.isoformat(),
        "account_days": len(days),
        "pairs_ours": len(ours),
        "pairs_published_ours": len(pub_ours),
        "pairs_published_peer": len(pub_peer),
        "pairs_missing_in_peer": len(missing),
        "pairs_strength_mismatch": int(len(bad)),
        "max_strength_diff": float(diff.max()) if len(diff.dropna()) else 0.0,
        "accounts_compared": int(len(acc)),
        "engaged_mismatch": int(len(eng_bad)),
        "engagement_mismatch": int(len(score_bad)),
        "max_engagement_rel_diff": float(rel.max()) if len(rel) else 0.0,
        "engaged_stakeholders_total_ours": int(acc["engaged_stakeholders"].sum()),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True)
    parser.add_argument("--db", type=Path, default=Path("peer.duckdb"))
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    parser.add_argument("--warehouse", help="compare with this pipeline warehouse on --end")
    args = parser.parse_args(argv)
    result = run_peer(args.data_dir, args.db, args.start, args.end, threads=args.threads)
    print(json.dumps(result, indent=1))
    if args.warehouse:
        month_ends = [d - timedelta(days=1) for d in pd.date_range(args.start, args.end, freq="MS").date[1:]]
        outcome = compare(args.warehouse, args.db, args.end, account_days=month_ends)
        print(json.dumps(outcome, indent=1))
        return 0 if outcome["equal"] else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
