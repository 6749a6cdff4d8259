"""The one Definitions object of the code location: it only assembles what the modules own."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.assets import all_assets
from relationship_pipeline.assets.freshness import freshness_checks, freshness_schedule, score_freshness
from relationship_pipeline.io_manager import WarehouseIOManager, table_readers
from relationship_pipeline.jobs import crm_write_back_job, daily_pipeline
from relationship_pipeline.resources import InputFolder, OutputFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.run_memo import RunMemo
from relationship_pipeline.schedules import daily_schedule
from relationship_pipeline.sensors import crm_write_back_sensor, input_folder_sensor

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=[score_freshness],
    jobs=[daily_pipeline, crm_write_back_job, freshness_checks],
    schedules=[daily_schedule, freshness_schedule],
    sensors=[input_folder_sensor, crm_write_back_sensor],
    resources={
        "io_manager": WarehouseIOManager(readers=table_readers(all_assets)),
        "warehouse": WarehouseResource(),
        "input_folder": InputFolder(),
        "scoring": ScoringSettings(),
        "run_memo": RunMemo(),
        "output_folder": OutputFolder(),
    },
)


def crm_write_back_job_def() -> dg.JobDefinition:
    """The ``crm_write_back_job`` with the resources bound (for ``dg.reconstructable``)."""
    return defs.resolve_job_def("crm_write_back_job")


def daily_pipeline_job() -> dg.JobDefinition:
    """The ``daily_pipeline`` job with the resources bound: a module-level target for ``dg.reconstructable``."""
    return defs.resolve_job_def("daily_pipeline")
