"""The code location loads, shows the lineage graph and explains itself."""

import dagster as dg

from relationship_pipeline.assets import all_assets
from relationship_pipeline.definitions import defs

GROUPS = {
    "ingest": {
        "crm_accounts",
        "crm_contacts",
        "crm_team",
        "crm_arr",
        "crm_aliases",
        "crm_services",
        "crm_service_catalog",
        "interactions",
        "participants",
        "quarantine",
    },
    "identity": {"people"},
    "strength": {"pair_touches", "pair_strength", "crm_contact_strength"},
    "accounts": {
        "account_activity",
        "account_scores",
        "alerts",
        "account_trends",
        "relationship_scores",
        "score_explanations",
    },
    "indicators": {"account_nrr", "score_nrr_correlation", "nrr_by_score_quintile"},
    "report": {"account_report"},
    "exports": {"crm_write_back"},
}


def test_definitions_load_with_every_asset_in_its_group():
    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    assert set(specs) == set().union(*GROUPS.values())
    for group, keys in GROUPS.items():
        for key in keys:
            spec = specs[key]
            assert spec.group_name == group, key
            assert spec.description and len(spec.description) > 30, key
            assert spec.owners == ["team:revenue-data"], key


def test_lineage_runs_left_to_right():
    graph = defs.resolve_asset_graph()

    def parents(key):
        return {k.to_user_string() for k in graph.get(dg.AssetKey(key)).parent_keys}

    assert parents("people") == {"participants", "crm_team", "crm_contacts", "crm_accounts", "crm_aliases"}
    assert parents("pair_touches") == {"interactions", "participants", "people"}
    assert parents("pair_strength") == {"pair_touches", "crm_contacts", "crm_aliases"}
    assert parents("account_activity") == {"pair_touches"}
    assert {"pair_strength", "account_activity"} <= parents("account_scores")  # activity: the engagement horizon
    assert "pair_touches" not in parents("account_scores")  # a year of activity counts, not of touches
    assert "account_scores" in parents("alerts") and "account_scores" in parents("account_trends")
    assert "account_activity" in parents("alerts")  # the engagement drop's touch rates
    assert parents("score_nrr_correlation") == {"account_scores", "account_nrr", "crm_accounts"}
    assert parents("nrr_by_score_quintile") == {"account_scores", "account_nrr"}
    # seed 001's score: key stakeholders and tenure from the scores, the trend, channels, and replies
    assert parents("relationship_scores") == {"account_scores", "account_trends", "account_activity", "pair_touches"}
    assert parents("score_explanations") == {"account_scores", "relationship_scores"}
    assert parents("crm_contact_strength") == {"pair_strength", "crm_contacts", "crm_aliases", "crm_team"}


def test_history_an_asset_reads_is_declared_as_a_time_window():
    graph = defs.resolve_asset_graph()
    day = dg.AssetKey("account_scores")
    # the 90-day trends load 90 days of scores before the run
    trends = graph.get_partition_mapping(dg.AssetKey("account_trends"), day)
    assert isinstance(trends, dg.TimeWindowPartitionMapping) and trends.start_offset == -90
    horizon = graph.get_partition_mapping(day, dg.AssetKey("account_activity"))
    assert horizon.start_offset == -364 and horizon.end_offset == 0
    # the engagement drop reads the window and baseline (14 + 120 days) of activity before each day
    drop = graph.get_partition_mapping(dg.AssetKey("alerts"), dg.AssetKey("account_activity"))
    assert isinstance(drop, dg.TimeWindowPartitionMapping) and drop.start_offset == -133 and drop.end_offset == 0
    # seed 001's window: 90 days of activity and of touches (replies, open items)
    for upstream in ("account_activity", "pair_touches"):
        window = graph.get_partition_mapping(dg.AssetKey("relationship_scores"), dg.AssetKey(upstream))
        assert isinstance(window, dg.TimeWindowPartitionMapping) and window.start_offset == -89, upstream
    scores = graph.get_partition_mapping(dg.AssetKey("alerts"), day)
    assert not isinstance(scores, dg.TimeWindowPartitionMapping) or scores.start_offset == 0


def test_every_produced_table_has_a_check_and_data_used_downstream_is_guarded():
    checks = {spec.key: spec for asset in all_assets for spec in asset.check_specs}
    by_asset = {key.asset_key.to_user_string() for key in checks}
    assert by_asset >= {
        "interactions",
        "participants",
        "quarantine",
        "people",
        "pair_touches",
        "pair_strength",
        "account_activity",
        "account_scores",
        "alerts",
        "account_nrr",
        "score_nrr_correlation",
        "nrr_by_score_quintile",
        "crm_contact_strength",
        "relationship_scores",
        "score_explanations",
    }
    blocking = {key.asset_key.to_user_string() for key, spec in checks.items() if spec.blocking}
    assert blocking >= {
        "interactions",
        "participants",
        "people",
        "pair_touches",
        "pair_strength",
        "account_activity",
        "account_scores",
    }


def test_daily_schedule_runs_yesterdays_partition_of_the_whole_graph():
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    job = defs.resolve_job_def("daily_pipeline")
    assert job.partitions_def is not None
    # everything but the CRM write-back, which its sensor launches when the contact strengths change
    assert len(job.asset_layer.executable_asset_keys) == len(set().union(*GROUPS.values())) - 1


def test_every_asset_shows_its_column_contract():
    from relationship_pipeline.schemas import TABLES

    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        if name == "account_report":  # a page of files, not a table
            assert "dagster/column_schema" not in spec.metadata
            continue
        schema = spec.metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == list(TABLES[name]), name
