"""The one Definitions object of the code location: it only assembles what the modules own."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.assets import all_assets
from relationship_pipeline.io_manager import WarehouseIOManager, table_readers
from relationship_pipeline.jobs import daily_pipeline
from relationship_pipeline.resources import InputFolder, ReportFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.run_memo import RunMemo
from relationship_pipeline.schedules import daily_schedule
from relationship_pipeline.sensors import input_folder_sensor

defs = dg.Definitions(
    assets=all_assets,
    jobs=[daily_pipeline],
    schedules=[daily_schedule],
    sensors=[input_folder_sensor],
    resources={
        "io_manager": WarehouseIOManager(readers=table_readers(all_assets)),
        "warehouse": WarehouseResource(),
        "input_folder": InputFolder(),
        "scoring": ScoringSettings(),
        "run_memo": RunMemo(),
        "report_folder": ReportFolder(),
    },
)


def daily_pipeline_job() -> dg.JobDefinition:
    """The ``daily_pipeline`` job with the resources bound: a module-level target for ``dg.reconstructable``."""
    return defs.resolve_job_def("daily_pipeline")
