"""The one IO manager: every asset is a warehouse table, partitions replaced atomically."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from relationship_pipeline.warehouse import Warehouse, default_warehouse_url


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Stores each asset as a table named after it; partition-range aware in both directions.

    A run over a range of daily partitions (single-run backfill) writes all of them in one
    transaction and downstream assets load exactly the range they map to.
    """

    url: str = ""  # empty: $RELATIONSHIP_PIPELINE_WAREHOUSE_URL or the SQLite default

    def _warehouse(self) -> Warehouse:
        return Warehouse(self.url or default_warehouse_url())

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if obj is None:
            return
        name = context.asset_key.path[-1]
        keys = context.asset_partition_keys if context.has_asset_partitions else None
        rows = self._warehouse().write(name, obj, keys)
        context.add_output_metadata({"warehouse_table": name, "rows_written": rows})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        name = context.asset_key.path[-1]
        keys = context.asset_partition_keys if context.has_asset_partitions else None
        return self._warehouse().read(name, keys)
