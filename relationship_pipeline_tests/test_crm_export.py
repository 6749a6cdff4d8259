"""The CRM write-back: the newest filled day of crm_contact_strength, as a CSV and a table, and the
asset sensor that launches it whenever the contact strengths materialise."""

import dagster as dg
import pandas as pd

from relationship_pipeline.crm_export import export_contact_strength
from relationship_pipeline.definitions import defs
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.sensors import crm_write_back_sensor
from relationship_pipeline.warehouse import Warehouse


def contacts(day, rows):
    frame = pd.DataFrame([{"as_of": day, **r} for r in rows]).reindex(columns=list(TABLES["crm_contact_strength"]))
    return conform(frame, TABLES["crm_contact_strength"])


def test_the_export_takes_the_newest_day_with_rows(duckdb_url, tmp_path):
    wh = Warehouse(duckdb_url)
    old = contacts("2025-03-01", [{"address": "bob@acme.com", "account_id": "acme", "best_band": 2, "connections": 1}])
    new = contacts(
        "2025-03-02",
        [
            {"address": "dot@acme.com", "account_id": "acme", "best_band": 1, "connections": 0, "best_strength": 0.0},
            {"address": "bob@acme.com", "account_id": "acme", "best_band": 4, "connections": 2, "best_strength": 1.5},
        ],
    )
    wh.write("crm_contact_strength", old, ["2025-03-01"])
    wh.write("crm_contact_strength", new, ["2025-03-02"])
    wh.write("crm_contact_strength", new.iloc[0:0], ["2025-03-03"])  # a backfill day: empty
    export = export_contact_strength(wh, tmp_path / "exports")
    assert (export.as_of, export.rows) == ("2025-03-02", 2)
    csv = pd.read_csv(export.path)
    assert list(csv.columns) == list(TABLES["crm_contact_strength"])
    assert csv[["address", "best_band", "connections"]].values.tolist() == [
        ["bob@acme.com", 4, 2],
        ["dot@acme.com", 1, 0],
    ]
    table = wh.read("crm_write_back")
    assert sorted(table["address"]) == ["bob@acme.com", "dot@acme.com"] and set(table["as_of"]) == {"2025-03-02"}
    # exporting again replaces, never appends
    export_contact_strength(wh, tmp_path / "exports")
    assert len(wh.read("crm_write_back")) == 2 and len(pd.read_csv(export.path)) == 2
    assert not list((tmp_path / "exports").glob("*.tmp"))


def test_nothing_to_export_yet_writes_an_empty_file_with_the_header(duckdb_url, tmp_path):
    export = export_contact_strength(Warehouse(duckdb_url), tmp_path)
    assert export.as_of is None and export.rows == 0
    assert export.path.read_text().strip() == ",".join(TABLES["crm_contact_strength"])


def test_the_sensor_launches_the_write_back_once_per_new_materialisation():
    instance = dg.DagsterInstance.ephemeral()
    tick = crm_write_back_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert tick.run_requests == []  # nothing materialised yet
    instance.report_runless_asset_event(dg.AssetMaterialization("crm_contact_strength"))
    tick = crm_write_back_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert len(tick.run_requests) == 1
    again = crm_write_back_sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, cursor=tick.cursor, definitions=defs)
    )
    assert again.run_requests == []  # the same event is not exported twice
    assert crm_write_back_sensor.job_name == "crm_write_back_job"
    job = defs.resolve_job_def("crm_write_back_job")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {"crm_write_back"}
    daily = defs.resolve_job_def("daily_pipeline")
    assert dg.AssetKey("crm_write_back") not in daily.asset_layer.executable_asset_keys  # not a second clock
