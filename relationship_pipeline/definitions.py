"""The one Definitions object of the code location: it only assembles what the modules own."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.assets import all_assets
from relationship_pipeline.io_manager import WarehouseIOManager
from relationship_pipeline.jobs import daily_pipeline
from relationship_pipeline.resources import InputFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.schedules import daily_schedule

defs = dg.Definitions(
    assets=all_assets,
    jobs=[daily_pipeline],
    schedules=[daily_schedule],
    resources={
        "io_manager": WarehouseIOManager(),
        "warehouse": WarehouseResource(),
        "input_folder": InputFolder(),
        "scoring": ScoringSettings(),
    },
)
