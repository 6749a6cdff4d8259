"""Accounts group: daily account activity, account scores (seed 000, 002, 004) and alerts."""

from datetime import timedelta
from typing import NamedTuple

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import daily_asset, frame_metadata, in_run, partition_days, suite_check_result
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.identity.addresses import canonical_addresses
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.names_store import names_seen, write_names_checkpoint
from relationship_pipeline.pair_store import SPAN_COLUMNS, pair_rows_for_run
from relationship_pipeline.resources import InputFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.run_memo import RunMemo
from relationship_pipeline.scoring.account_activity import account_activity as build_account_activity
from relationship_pipeline.scoring.account_days import account_scores_over_days
from relationship_pipeline.scoring.alert_days import alerts_over_days
from relationship_pipeline.scoring.correlation import multi_role_engagement_share
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.scoring.engagement_drop import history_days
from relationship_pipeline.scoring.explanations import score_explanations as score_explanations_of
from relationship_pipeline.scoring.pair_spans import PairSpans
from relationship_pipeline.scoring.relationship_score import relationship_scores_over_days, window_start
from relationship_pipeline.scoring.replies import answered_messages
from relationship_pipeline.scoring.trends import WINDOWS_DAYS, account_trends_over_days

GROUP = "accounts"
# Days of history the assets declare (and load) besides the run's own: the defaults of
# ScoringConfig.engagement_horizon_days and of the engagement drop's window plus baseline; a
# longer configured window is read from the warehouse directly.
ENGAGEMENT_HORIZON_DAYS = 365
DROP_HISTORY_DAYS = history_days(ScoringConfig())
# The account_scores columns each reader uses (a 90-day window of every column costs seconds).
ALERT_COLUMNS = [
    "as_of",
    "account_id",
    "single_threaded",
    "engaged_stakeholders",
    "internal_people",
]
TREND_COLUMNS = ["as_of", "account_id", "relationship_depth_score", "engagement_score"]
# Seed 001's relationship score looks back over its window (the default declared; longer read directly).
RELATIONSHIP_HISTORY_DAYS = ScoringConfig().relationship_window_days - 1
REPLY_COLUMNS = [
    "as_of",
    "interaction_id",
    "internal_address",
    "external_address",
    "account_id",
    "channel",
    "direction",
    "weight",
    "occurred_at",
    "thread_id",
]


def identities(
    pair_strength: pd.DataFrame,
    seen: pd.DataFrame,
    crm_team,
    crm_contacts,
    crm_accounts,
    internal_domains,
    aliases=None,
):
    """Resolved identity of every address in the snapshots, named as seen in mail where the CRM has no name.

    ``seen`` holds (as_of, address, name) rows of the people table, oldest first, over the
    engagement horizon, so a contact who wrote months ago keeps the display name alerts match on
    (champion moved); the latest name seen wins.
    """
    addresses = pd.concat(
        [pair_strength["internal_address"], pair_strength["external_address"], seen["address"]]
    ).unique()
    names = seen.dropna(subset=["name"]).drop_duplicates("address", keep="last").set_index("address")["name"]
    frame = pd.DataFrame({"address": pd.array(addresses, dtype="string")})
    frame["name"] = frame["address"].map(names)
    return resolve_people(
        frame, crm_team, crm_contacts, crm_accounts, internal_domains=internal_domains or None, aliases=aliases
    )


class RunPairs(NamedTuple):
    """What account_scores and alerts both derive for a run: the pair spans on the run's days,
    the names seen over the horizon, and who each address is (CRM names only)."""

    spans: PairSpans
    seen: pd.DataFrame
    who: pd.DataFrame


RUN_PAIRS = "run_pairs"


class CrmFrames(NamedTuple):
    """The CRM tables identity resolution reads, and the configured internal domains."""

    team: pd.DataFrame
    contacts: pd.DataFrame
    accounts: pd.DataFrame
    aliases: pd.DataFrame
    internal_domains: list[str]


def run_pairs(context, run_memo: RunMemo, config, wh, pair_strength, people, crm: CrmFrames) -> RunPairs:
    """The run's :class:`RunPairs`, computed by the first of account_scores and alerts that asks."""
    days = partition_days(context)

    def compute() -> RunPairs:
        rows = pair_rows_for_run(wh, days, pair_strength, config, columns=SPAN_COLUMNS)
        horizon = config.engagement_horizon_days
        seen = names_seen(wh, days, people, horizon, checkpoint=horizon <= ENGAGEMENT_HORIZON_DAYS)
        # identity does not change within a run; only the display names known by each day do
        who = identities(
            rows, seen.assign(name=pd.NA), crm.team, crm.contacts, crm.accounts, crm.internal_domains, crm.aliases
        )
        always = canonical_addresses(crm.contacts["address"], crm.aliases)
        return RunPairs(PairSpans.build(rows, DayAxis.of(days), config, always=always), seen, who)

    return run_memo.get(context.run_id, (RUN_PAIRS, tuple(days), repr(config)), compute)


@daily_asset(GROUP)
def account_activity(context: dg.AssetExecutionContext, scoring: ScoringSettings, pair_touches: pd.DataFrame):
    """Contacts reached on their side of two-way channels (seed 004's engagement), per account, day, channel and category.

    Grain: one row per account × day × channel × category with live touches: a year of it is
    what engagement reads, instead of a year of pair touches.
    """
    config = scoring.config()
    df = build_account_activity(pair_touches)
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(df, contact_touches=int(df["contact_touches"].sum())),
        check_results=[suite_check_result("account_activity", df, config)],
    )


@daily_asset(GROUP, history={"account_activity": ENGAGEMENT_HORIZON_DAYS - 1})
def account_scores(
    context: dg.AssetExecutionContext,
    run_memo: RunMemo,
    input_folder: InputFolder,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
    pair_strength: pd.DataFrame,
    account_activity: pd.DataFrame,
    people: pd.DataFrame,
    crm_team: pd.DataFrame,
    crm_contacts: pd.DataFrame,
    crm_accounts: pd.DataFrame,
    crm_services: pd.DataFrame,
    crm_service_catalog: pd.DataFrame,
    crm_aliases: pd.DataFrame,
):
    """Relationship Depth Score (seed 000) with each component, engagement score (seed 004), multi-threading and services depth per account.

    Grain: one row per CRM account per day. Every day of a run in one vectorised pass over the
    pair state before the run and the run's pair changes.
    """
    config = scoring.config()
    days = partition_days(context)
    wh = warehouse.warehouse()
    crm = CrmFrames(crm_team, crm_contacts, crm_accounts, crm_aliases, input_folder.internal_domains)
    shared = run_pairs(context, run_memo, config, wh, pair_strength, people, crm)
    horizon_start = (days[0] - timedelta(days=config.engagement_horizon_days - 1)).isoformat()
    activity = (
        account_activity[account_activity["as_of"] >= horizon_start]
        if config.engagement_horizon_days <= ENGAGEMENT_HORIZON_DAYS
        else wh.read("account_activity", start=horizon_start, end=days[-1].isoformat())  # longer than declared
    )
    df = account_scores_over_days(
        shared.spans, shared.who, crm_accounts, crm_contacts, activity, crm_services, config, crm_service_catalog
    )
    last = df[df["as_of"] == days[-1].isoformat()]
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last.sort_values("relationship_depth_score", ascending=False),
            mean_depth_score_last_day=float(last["relationship_depth_score"].mean()) if len(last) else 0.0,
            single_threaded_last_day=int(last["single_threaded"].sum()),
            multi_role_engagement_share_last_day=multi_role_engagement_share(last),
            # seed 002 client relationship depth: services used ÷ clients (NaN without services.csv)
            services_per_client_last_day=float(last["services_depth"].mean()) if len(last) else float("nan"),
            services_bands_last_day=dg.MetadataValue.json(last["services_band"].value_counts().to_dict()),
        ),
        check_results=[suite_check_result("account_scores", df, config)],
    )


@daily_asset(
    GROUP,
    blocking=False,
    history={"account_activity": DROP_HISTORY_DAYS},
    columns={"account_scores": ALERT_COLUMNS},
)
def alerts(
    context: dg.AssetExecutionContext,
    run_memo: RunMemo,
    input_folder: InputFolder,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
    account_scores: pd.DataFrame,
    account_activity: pd.DataFrame,
    pair_strength: pd.DataFrame,
    people: pd.DataFrame,
    crm_team: pd.DataFrame,
    crm_contacts: pd.DataFrame,
    crm_accounts: pd.DataFrame,
    crm_aliases: pd.DataFrame,
):
    """Accounts that need attention: key contact gone cold, single-threaded, engagement drop, champion moved.

    Grain: one row per alert (account × kind × address) per day it is active. Names are as known
    on each day, so an alert never appears before its evidence does.
    """
    config = scoring.config()
    days = partition_days(context)
    wh = warehouse.warehouse()
    crm = CrmFrames(crm_team, crm_contacts, crm_accounts, crm_aliases, input_folder.internal_domains)
    shared = run_pairs(context, run_memo, config, wh, pair_strength, people, crm)
    run_memo.release(context.run_id, RUN_PAIRS)  # alerts is the last reader
    activity = account_activity  # the run's days and the window + baseline before them
    if history_days(config) > DROP_HISTORY_DAYS:  # a longer window than declared
        start = (days[0] - timedelta(days=history_days(config))).isoformat()
        activity = wh.read("account_activity", start=start, end=days[-1].isoformat())
    scores = in_run(account_scores, context)
    df = alerts_over_days(shared.spans, scores, shared.who, shared.seen, crm_contacts, activity, config)
    write_names_checkpoint(wh, days, shared.seen, ENGAGEMENT_HORIZON_DAYS, keep=config.state_checkpoints)
    last = df[df["as_of"] == days[-1].isoformat()]
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(last, by_kind_last_day=dg.MetadataValue.json(last["kind"].value_counts().to_dict())),
        check_results=[suite_check_result("alerts", df, config)],
    )


@daily_asset(
    GROUP, blocking=False, history={"account_scores": max(WINDOWS_DAYS)}, columns={"account_scores": TREND_COLUMNS}
)
def account_trends(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    account_scores: pd.DataFrame,
):
    """How each account's depth and engagement scores moved against 30, 60 and 90 days earlier (seed 004), labelled rising, falling, steady or new.

    Grain: one row per scored account per day.
    """
    config = scoring.config()
    days = partition_days(context)
    df = account_trends_over_days(in_run(account_scores, context), account_scores, config)
    last = df[df["as_of"] == days[-1].isoformat()]
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last.sort_values("depth_change_30d"),
            trend_counts_last_day=dg.MetadataValue.json(last["trend"].value_counts().to_dict()),
        ),
        check_results=[suite_check_result("account_trends", df, config)],
    )


@daily_asset(
    GROUP,
    history={"account_activity": RELATIONSHIP_HISTORY_DAYS, "pair_touches": RELATIONSHIP_HISTORY_DAYS},
    columns={"pair_touches": REPLY_COLUMNS},
)
def relationship_scores(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
    account_scores: pd.DataFrame,
    account_trends: pd.DataFrame,
    account_activity: pd.DataFrame,
    pair_touches: pd.DataFrame,
):
    """Seed 001's 1–5 Customer Relationship Score, with each component's value and points: key stakeholders, responsiveness, channel mix, open items, tenure, trend.

    Grain: one row per CRM account per day. Replies and open items come from the pair touches
    of the window (an email answered in its thread, or on the pair within reply_window_days).
    """
    config = scoring.config()
    days = partition_days(context)
    start = window_start(days[0], config).isoformat()
    if config.relationship_window_days - 1 > RELATIONSHIP_HISTORY_DAYS:  # a longer window than declared
        wh = warehouse.warehouse()
        account_activity = wh.read("account_activity", start=start, end=days[-1].isoformat())
        pair_touches = wh.read("pair_touches", start=start, end=days[-1].isoformat(), columns=REPLY_COLUMNS)
    messages = answered_messages(pair_touches, config)
    df = relationship_scores_over_days(account_scores, account_trends, account_activity, messages, config)
    last = df[df["as_of"] == days[-1].isoformat()]
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last.sort_values("relationship_points", ascending=False),
            score_counts_last_day=dg.MetadataValue.json(
                {str(k): int(v) for k, v in last["relationship_score"].value_counts().sort_index().items()}
            ),
            messages_in_window=len(messages),
        ),
        check_results=[suite_check_result("relationship_scores", df, config)],
    )


@daily_asset(GROUP, blocking=False)
def score_explanations(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    account_scores: pd.DataFrame,
    relationship_scores: pd.DataFrame,
):
    """Why each account scores what it does and what would raise it, in words a customer-success manager reads.

    Grain: one row per account × day × factor (seed 000's four depth components, seed 001's six
    relationship components): its points, the most it can earn, what it is now, what would
    raise it (empty at the maximum).
    """
    config = scoring.config()
    days = partition_days(context)
    df = score_explanations_of(account_scores, relationship_scores, config)
    last = df[df["as_of"] == days[-1].isoformat()]
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last[last["to_raise"].notna()].sort_values("max_points", ascending=False),
            factors_short_of_max_last_day=int(last["to_raise"].notna().sum()),
        ),
        check_results=[suite_check_result("score_explanations", df, config)],
    )


accounts_assets = [account_activity, account_scores, alerts, account_trends, relationship_scores, score_explanations]
