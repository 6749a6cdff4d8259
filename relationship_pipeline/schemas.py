"""Column contracts of every table the pipeline reads or writes.

Each table is an ordered mapping of column name to pandas dtype. Parsers, scoring functions and
the warehouse all build frames through :func:`empty_frame` / :func:`conform`, so a column never
appears, vanishes or changes type by accident between stages.

Timestamps are tz-aware UTC in memory (``datetime64[ns, UTC]``); ``as_of`` is a calendar date
held as a ``YYYY-MM-DD`` string, which is also the partition key.
"""

from __future__ import annotations

import pandas as pd

UTC_TS = "datetime64[ns, UTC]"

CHANNELS = ("email", "meeting", "call")
# How an interaction reached us; scoring discounts everything that is not "direct".
CATEGORIES = ("direct", "bulk", "auto_reply", "bounce", "report", "mailing_list")
BULK_CATEGORIES = ("bulk", "mailing_list")  # weighed as channel_weights["bulk"]
AUTOMATED_CATEGORIES = ("auto_reply", "bounce", "report")  # machine-written: × automated_email_weight
ROLES = ("from", "to", "cc", "bcc", "organizer", "attendee", "caller", "callee")
RESPONSES = ("accepted", "declined", "tentative", "needs_action", "delegated")
SERVICES_BANDS = ("excellent", "good", "critical")  # seed 002: > 80 %, 60–80 %, < 60 % of services offered
SENIORITIES = ("c_level", "vp", "director", "manager", "individual", "unknown")

INTERACTIONS = {
    "interaction_id": "string",  # stable hash; same message in two mailboxes -> one id
    "channel": "string",  # email | meeting | call
    "occurred_at": UTC_TS,
    "duration_s": "float64",  # NaN where unknown (always for email)
    "source": "string",  # input file, relative to the data dir
    "thread_id": "string",  # email thread root / meeting UID; <NA> where none
    "category": "string",  # direct | bulk | auto_reply | bounce | mailing_list
    "status": "string",  # meeting: confirmed/tentative/cancelled; call: answered/missed; email: sent
    "duplicates": "int64",  # extra copies of this record collapsed into it
}

PARTICIPANTS = {
    "interaction_id": "string",
    "address": "string",  # lower-cased addr-spec (or phone number for unmatched calls)
    "name": "string",  # display name where given
    "role": "string",  # from/to/cc/bcc/organizer/attendee/caller/callee
    "response": "string",  # accepted/declined/tentative/needs_action/delegated where known
}

QUARANTINE = {
    "source": "string",  # input file, relative to the data dir
    "location": "string",  # "line 12", "message 3", "UID abc@x", "file"
    "channel": "string",  # email | meeting | call | crm
    "reason": "string",  # human-readable, starts with a stable code: "bad_date: ..."
    "raw_excerpt": "string",  # first 200 characters of the offending input
    "occurred_at": UTC_TS,  # when the record says it happened, if that much was readable
}

PEOPLE = {
    "address": "string",
    "name": "string",
    "title": "string",
    "is_internal": "bool",
    "account_id": "string",  # "unassigned" for external addresses no account claims
    "seniority": "string",
    "function": "string",
    "crm_role": "string",
    "resolved_by": "string",  # team | internal_domain | contact | domain | unassigned
}

CRM_ACCOUNTS = {
    "account_id": "string",
    "name": "string",
    "domains": "string",  # ';'-separated
    "segment": "string",
    "owner": "string",
}
CRM_CONTACTS = {
    "address": "string",
    "name": "string",
    "title": "string",
    "account_id": "string",
    "crm_role": "string",
    "phone": "string",
}
CRM_TEAM = {
    "address": "string",
    "name": "string",
    "title": "string",
    "team": "string",
    "phone": "string",
}
CRM_ARR = {"account_id": "string", "month": "string", "arr": "float64"}
CRM_ALIASES = {"alias": "string", "canonical": "string"}
CRM_SERVICES = {"account_id": "string", "service": "string"}
CRM_SERVICE_CATALOG = {"service": "string", "name": "string"}  # the services we offer (seed 002)

PAIR_TOUCHES = {
    "as_of": "string",
    "interaction_id": "string",
    "internal_address": "string",
    "external_address": "string",
    "account_id": "string",
    "channel": "string",
    "category": "string",
    "occurred_at": UTC_TS,
    "weight": "float64",  # undecayed weight of this touch for this pair
    "direction": "string",  # outbound (ours → theirs) | inbound (theirs → ours) | mutual (meeting/call)
    "meaningful": "bool",  # attended meeting or answered call
    "thread_id": "string",  # the interaction's thread (email: References' root …): what replies match on
}

PAIR_STRENGTH = {
    "as_of": "string",
    "internal_address": "string",
    "external_address": "string",
    "account_id": "string",
    "strength": "float64",  # balanced: mutual + min(out, cap·(in + mutual)) + min(in, cap·(out + mutual))
    "outbound_strength": "float64",  # Σ wᵢ · 2^(−(t−tᵢ)/H) over our email to them, t = end of the as_of day
    "inbound_strength": "float64",  # … over their email to us
    "mutual_strength": "float64",  # … over meetings attended and calls answered
    "score": "float64",  # 0–100
    "band": "int64",  # 1–5 (seed 001)
    "first_interaction_at": UTC_TS,
    "last_interaction_at": UTC_TS,
    "last_meaningful_at": UTC_TS,
    "emails": "int64",  # counts: touches with weight > 0 (auto-replies and bounces count nothing)
    "meetings": "int64",
    "calls": "int64",
    "emails_outbound": "int64",
    "emails_inbound": "int64",
    "reciprocity": "float64",  # min(in, out) / max(in, out) over emails, 0 when one-way
    "weight_total": "float64",  # undecayed Σ wᵢ, for audits
}

PEOPLE_SEEN_STATE = {
    "as_of": "string",  # the checkpoint's day
    "seen_on": "string",  # the day the address was seen (with this name, where not null)
    "address": "string",
    "name": "string",
}

ACCOUNT_ACTIVITY = {
    "as_of": "string",
    "account_id": "string",
    "channel": "string",
    "category": "string",
    "contact_touches": "int64",  # contacts reached that day (their email, meetings, calls): engagement's unit
}

ACCOUNT_SCORES = {
    "as_of": "string",
    "account_id": "string",
    "relationship_depth_score": "float64",  # seed 000, capped at 100
    "relationship_depth_calibrated": "float64",  # 100 · (1 − 2^(−uncapped points / 50)): ranks past the cap
    "engagement_score": "float64",
    "engaged_stakeholders": "int64",
    "executive_engaged": "bool",
    "cross_functional": "bool",
    "recent_meaningful_interactions": "int64",
    "internal_people": "int64",
    "single_threaded": "bool",
    "stakeholder_points": "float64",
    "executive_points": "float64",
    "cross_functional_points": "float64",
    "recent_interaction_points": "float64",
    "engaged_functions": "int64",
    "key_roles_covered": "int64",
    "key_roles_total": "int64",
    "contacts": "int64",
    "engagement_points": "float64",  # Σ channel weight × recency weight before ÷ contacts
    "strength_total": "float64",
    "services_depth": "float64",  # seed 002: distinct services the account uses, NaN without crm/services.csv
    "services_offered": "float64",  # the catalogue's services, else every service any account uses
    "services_share": "float64",  # services used ÷ offered (0–1)
    "services_band": "string",  # seed 002: excellent (> 80 %), good (60–80 %), critical (< 60 %)
    "first_interaction_at": UTC_TS,  # the account's first interaction with any of our people (tenure)
}

RELATIONSHIP_SCORES = {
    "as_of": "string",
    "account_id": "string",
    "relationship_score": "int64",  # seed 001's 1–5 (scoring/relationship_score.py has the cut points)
    "relationship_points": "float64",  # 0–100: Σ component points ÷ the weights of the measured components
    "capped_by": "string",  # the cap that held the score below its points (no_recent_contact, single_threaded, …)
    "engaged_stakeholders": "int64",
    "key_stakeholders_engaged": "int64",  # key CRM roles engaged, + 1 with an executive engaged
    "key_stakeholders_points": "float64",
    "their_reply_hours": "float64",  # median hours until they answered our email (window), NaN: none
    "our_reply_hours": "float64",  # median hours until we answered theirs
    "replies_measured": "int64",  # answered messages behind the two medians
    "responsiveness_points": "float64",  # NaN: unmeasured (no answered mail in the window)
    "channels_used": "int64",  # two-way channels in the window: their email, meetings, calls
    "meeting_call_share": "float64",  # meetings and calls among the window's contact touches
    "two_way_touches": "int64",  # contact touches in the window (account_activity, bulk excluded)
    "recent_two_way_touches": "int64",  # … in its last recent_window_days (30)
    "channel_mix_points": "float64",
    "open_items": "int64",  # their emails of the window, open_item_days old, still unanswered
    "their_emails": "int64",  # their emails of the window open_item_days old (judged)
    "open_items_points": "float64",  # NaN: nothing to judge
    "tenure_days": "float64",  # since the account's first interaction; NaN: none
    "tenure_points": "float64",
    "trend": "string",  # account_trends: rising | falling | steady | new
    "contact_pace": "float64",  # recent two-way touches ÷ the window's rate for as many days (1: steady)
    "trend_points": "float64",
}

SCORE_EXPLANATIONS = {
    "as_of": "string",
    "account_id": "string",
    "score": "string",  # relationship_depth_score (seed 000) | relationship_score (seed 001)
    "factor": "string",  # the component, e.g. executive_engaged, responsiveness
    "points": "float64",  # what it earned; NaN: nothing to measure (left out of the score)
    "max_points": "float64",  # the most it can earn; NaN: no maximum (each stakeholder adds)
    "detail": "string",  # what it is now, in words
    "to_raise": "string",  # what would raise it; null at the maximum
}

ALERTS = {
    "as_of": "string",
    "account_id": "string",
    "kind": "string",  # key_contact_cold | single_threaded | engagement_drop | champion_moved
    "address": "string",
    "detail": "string",
}

ACCOUNT_TRENDS = {
    "as_of": "string",
    "account_id": "string",
    "relationship_depth_score": "float64",
    "engagement_score": "float64",
    # today minus the same score 30/60/90 days earlier (seed 004); NaN where not scored then
    "depth_change_30d": "float64",
    "depth_change_60d": "float64",
    "depth_change_90d": "float64",
    "engagement_change_30d": "float64",
    "engagement_change_60d": "float64",
    "engagement_change_90d": "float64",
    "trend": "string",  # rising | falling | steady | new (no score 30 days ago)
}

ACCOUNT_NRR = {
    "account_id": "string",
    "month": "string",  # YYYY-MM
    "arr": "float64",
    "arr_12m_later": "float64",
    "nrr_12m": "float64",  # arr(month+12) / arr(month); NaN where either side is missing or 0
    "expansion_arr": "float64",
    "contraction_arr": "float64",
    "churned": "bool",
}

SCORE_NRR_CORRELATION = {
    "as_of": "string",
    "segment": "string",  # "all" or a CRM segment
    "score": "string",  # which score column was correlated
    "n": "int64",
    "spearman_rho": "float64",
    "p_value": "float64",
    "p_value_method": "string",  # asymptotic | permutation (n below permutation_below_n)
    "ci_low": "float64",
    "ci_high": "float64",
    "note": "string",  # why a value is missing (no ARR, n too small, ...)
    "exploratory": "bool",  # segment rows: many small tests, hints not findings
    "nrr_month": "string",  # baseline month B of NRR = ARR(B + 12) / ARR(B)
}


CRM_CONTACT_STRENGTH = {
    "as_of": "string",  # the newest day of the run that wrote it
    "address": "string",  # the CRM contact (canonical)
    "account_id": "string",
    "name": "string",
    "crm_role": "string",
    "connections": "int64",  # our people with a tie (strength > 0) to this contact
    "best_internal_address": "string",  # our strongest connection (null: nobody)
    "best_internal_name": "string",
    "best_strength": "float64",  # balanced pair strength; 0 when nobody
    "best_score": "float64",  # 0–100
    "best_band": "int64",  # 1–5 (1: no relationship)
    "last_interaction_at": UTC_TS,  # with anyone on our team
    "second_internal_address": "string",
    "second_internal_name": "string",
    "second_strength": "float64",
    "second_score": "float64",
    "second_band": "int64",  # 0 without a second connection
}

NRR_BY_SCORE_QUINTILE = {
    "as_of": "string",  # a month end
    "score": "string",  # which score column ranks the accounts
    "quintile": "int64",  # 1 = the lowest-scored fifth … 5 = the highest
    "accounts": "int64",
    "score_min": "float64",
    "score_max": "float64",
    "mean_nrr": "float64",  # mean of the accounts' nrr_12m
    "median_nrr": "float64",
    "portfolio_nrr": "float64",  # Σ ARR(B + 12) / Σ ARR(B) over the group
    "nrr_month": "string",  # baseline month B
}


def dated(schema: dict[str, str]) -> dict[str, str]:
    """The stored form of a per-day table: ``as_of`` (the partition key) first."""
    return {"as_of": "string", **schema}


# Warehouse tables. Parsers produce INTERACTIONS/PARTICIPANTS/QUARANTINE without ``as_of``; the
# ingest and identity assets add the day each row belongs to.
TABLES: dict[str, dict[str, str]] = {
    "interactions": dated(INTERACTIONS),
    "participants": dated(PARTICIPANTS),
    "quarantine": dated(QUARANTINE),
    "people": dated(PEOPLE),
    "pair_touches": PAIR_TOUCHES,
    "pair_strength": PAIR_STRENGTH,
    # Internal: the full pair state (faded pairs included) at the end of recent runs.
    "pair_strength_state": PAIR_STRENGTH,
    # The published pairs on the newest day pair_strength was materialised for.
    "pair_strength_latest": PAIR_STRENGTH,
    # Internal: each address's newest sightings (and newest name) at the end of recent runs.
    "people_seen_state": PEOPLE_SEEN_STATE,
    # Contacts reached per account × day × channel × category: what engagement reads (seed 004).
    "account_activity": ACCOUNT_ACTIVITY,
    "account_scores": ACCOUNT_SCORES,
    "relationship_scores": RELATIONSHIP_SCORES,
    "score_explanations": SCORE_EXPLANATIONS,
    "alerts": ALERTS,
    "account_trends": ACCOUNT_TRENDS,
    "account_nrr": ACCOUNT_NRR,
    "score_nrr_correlation": SCORE_NRR_CORRELATION,
    "nrr_by_score_quintile": NRR_BY_SCORE_QUINTILE,
    # Every CRM contact with our strongest connections, on the newest day of each run (seed 003).
    "crm_contact_strength": CRM_CONTACT_STRENGTH,
    # Every input problem the newest ingest knows of, over all days: the quarantine rows written,
    # and those found but filed under a day no run has written yet (replaced whole by each ingest).
    "input_problems": {**dated(QUARANTINE), "in_partition": "bool"},
    # The CRM write-back: the newest day of crm_contact_strength, replaced whole by each export.
    "crm_write_back": CRM_CONTACT_STRENGTH,
    "crm_accounts": CRM_ACCOUNTS,
    "crm_contacts": CRM_CONTACTS,
    "crm_team": CRM_TEAM,
    "crm_arr": CRM_ARR,
    "crm_aliases": CRM_ALIASES,
    "crm_services": CRM_SERVICES,
    "crm_service_catalog": CRM_SERVICE_CATALOG,
}


# The ingest's staging area (relationship_pipeline.staging): what each input file held, as
# records before the dedupe across files. Internal; downstream jobs read the tables above.
STAGED_FILES = {
    "file": "string",  # path relative to the data dir (posix), the key of everything staged
    "channel": "string",
    "kind": "string",  # email: the folder walk's kind (mbox, eml, csv, ...); else ics, meeting_csv, calls_csv, ...
    "size": "int64",
    "mtime_ns": "int64",
    "sha256": "string",  # content hash: a touched file with the same bytes is not parsed again
    "context": "string",  # what else the records depend on (phone directory, expansion start)
    "valid_until": "string",  # recurring meetings are expanded up to (excluding) this day
    "change_day": "string",  # UTC day of the mtime: where undated quarantine rows are filed
    "records": "int64",
    "quarantined": "int64",
    "invalid_addresses": "int64",
    "staged_at": UTC_TS,
}
STAGED_RECORDS = {
    "file": "string",
    "seq": "int64",  # place in the file's reading order
    "day": "string",  # UTC day of occurred_at
    "interaction_id": "string",
    "channel": "string",
    "occurred_at": UTC_TS,
    "duration_s": "float64",
    "source": "string",
    "thread_id": "string",
    "category": "string",
    "status": "string",
    "sequence": "int64",  # iCalendar SEQUENCE: the highest revision of a meeting wins
    "message_id": "string",  # email: Message-ID (brackets stripped), for the Message-ID merge
    "invalid_addresses": "int64",  # email: unusable addresses dropped from this message
    "recurring": "bool",  # an occurrence of a recurring meeting (expanded, not written in the file)
}
STAGED_PARTICIPANTS = {
    "file": "string",
    "seq": "int64",
    "pos": "int64",  # order within the record
    "interaction_id": "string",  # the record's own id (before the dedupe)
    "address": "string",
    "name": "string",
    "role": "string",
    "response": "string",
    "unmatched": "bool",  # call: a phone number no directory entry resolves
}
STAGED_QUARANTINE = {"file": "string", "seq": "int64", "day": "string", **QUARANTINE}
STAGING_TABLES: dict[str, dict[str, str]] = {
    "staged_files": STAGED_FILES,
    "staged_records": STAGED_RECORDS,
    "staged_participants": STAGED_PARTICIPANTS,
    "staged_quarantine": STAGED_QUARANTINE,
}
WAREHOUSE_TABLES: dict[str, dict[str, str]] = {**TABLES, **STAGING_TABLES}
# Columns the staging is looked up by (besides ``as_of`` of every dated table).
INDEXED_COLUMNS: dict[str, tuple[str, ...]] = {
    "staged_files": ("file",),
    "staged_records": ("file", "day", "interaction_id", "message_id"),
    "staged_participants": ("file", "interaction_id"),
    "staged_quarantine": ("file", "day"),
}


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """An empty frame with exactly the schema's columns and dtypes."""
    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in schema.items()})


def frame_from_records(rows: list[dict], schema: dict[str, str]) -> pd.DataFrame:
    """A frame of the schema from dict rows; keys a row lacks become missing values."""
    if not rows:
        return empty_frame(schema)
    df = pd.DataFrame.from_records(rows)
    for col in schema:
        if col not in df.columns:
            df[col] = None
    return conform(df, schema)


def conform(df: pd.DataFrame, schema: dict[str, str], *, extra: dict[str, str] | None = None) -> pd.DataFrame:
    """Return ``df`` with the schema's columns in order and cast to their dtypes.

    Missing columns are an error (a stage forgot something); columns not in the schema are dropped
    unless named in ``extra``. Columns already of their dtype are shared with ``df`` (copy-on-write),
    not copied.
    """
    full = {**schema, **(extra or {})}
    missing = [c for c in full if c not in df.columns]
    if missing:
        raise ValueError(f"frame is missing columns {missing}; has {list(df.columns)}")
    out = df.loc[:, list(full)]
    for col, dtype in full.items():
        if dtype == UTC_TS:
            out[col] = pd.to_datetime(out[col], utc=True).astype(UTC_TS)
        elif dtype == "bool":
            out[col] = out[col].fillna(False).astype(bool)
        elif dtype == "int64":
            out[col] = out[col].fillna(0).astype("int64")
        else:
            out[col] = out[col].astype(dtype)
    return out.reset_index(drop=True)
