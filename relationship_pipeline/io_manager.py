"""The one IO manager: every asset is a warehouse table, partitions replaced atomically."""

from __future__ import annotations

from collections import OrderedDict

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import PARTITION_COLUMN, Warehouse, default_warehouse_url

ALL = None  # partition keys of an unpartitioned table


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Stores each asset as a table named after it; partition-range aware in both directions.

    A run over a range of daily partitions (single-run backfill) writes all of them in one
    transaction and downstream assets load exactly the range they map to. Within one process
    (the in-process executor) what a run has just written is handed to the steps that read it
    without a round trip through the warehouse; only the days before the run (declared history)
    are read back. ``max_handoff_rows`` bounds the frames kept for that; with ``readers`` (each
    table's reading ops, :func:`table_readers`) a frame is kept only until every one of them has
    loaded it, and a table nothing reads is not kept at all.
    """

    url: str = ""  # empty: $RELATIONSHIP_PIPELINE_WAREHOUSE_URL or the DuckDB default
    max_handoff_rows: int = 20_000_000
    readers: dict[str, list[str]] = {}  # table -> ops that load it; empty: keep every output
    _written: OrderedDict = PrivateAttr(default_factory=OrderedDict)  # table -> (keys, frame)
    _unread: dict = PrivateAttr(default_factory=dict)  # table -> readers that have not loaded it yet

    def _warehouse(self) -> Warehouse:
        return Warehouse(self.url or default_warehouse_url())

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if obj is None:
            return
        name = context.asset_key.path[-1]
        keys = context.asset_partition_keys if context.has_asset_partitions else ALL
        df = conform(obj, TABLES[name])
        rows = self._warehouse().write(name, df, keys)
        self._keep(name, keys, df)
        context.add_output_metadata({"warehouse_table": name, "rows_written": rows})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        name = context.asset_key.path[-1]
        frame = self._load(context, name)
        unread = self._unread.get(name)
        if unread is not None:
            unread.discard(context.op_def.name)
            if not unread:  # its last reader in the run has it
                self._written.pop(name, None)
                self._unread.pop(name)
        return frame

    def _load(self, context: dg.InputContext, name: str) -> pd.DataFrame:
        keys = context.asset_partition_keys if context.has_asset_partitions else ALL
        # an input may name the columns it uses (AssetIn metadata "columns"): a long history reads only those
        columns = (getattr(context, "definition_metadata", None) or {}).get("columns")
        if name not in self._written:
            return self._warehouse().read(name, keys, columns=columns)
        written_keys, df = self._written[name]
        df = df if columns is None else df[list(columns)]
        if keys is ALL or written_keys is ALL:
            return df if keys is written_keys else self._warehouse().read(name, keys, columns=columns)
        wanted, here = set(keys), set(written_keys)
        if not wanted & here:
            return self._warehouse().read(name, keys, columns=columns)
        mine = df[df[PARTITION_COLUMN].isin(wanted)] if not wanted >= here else df
        earlier = sorted(wanted - here)
        if not earlier:
            return mine.reset_index(drop=True)
        history = self._warehouse().read(name, earlier, columns=columns)
        return pd.concat([history, mine], ignore_index=True).sort_values(
            PARTITION_COLUMN, kind="stable", ignore_index=True
        )

    def _keep(self, name: str, keys, df: pd.DataFrame) -> None:
        self._written.pop(name, None)
        self._unread.pop(name, None)
        if len(df) > self.max_handoff_rows or (self.readers and not self.readers.get(name)):
            return
        if self.readers:
            self._unread[name] = set(self.readers[name])
        self._written[name] = (list(keys) if keys is not ALL else ALL, df)
        while sum(len(f) for _, f in self._written.values()) > self.max_handoff_rows:
            self._written.popitem(last=False)


def table_readers(assets) -> dict[str, list[str]]:
    """Each table's reading ops (a multi-asset's op reads for all its outputs), from the asset
    definitions' inputs: what :class:`WarehouseIOManager` needs to let go of a frame."""
    readers: dict[str, set[str]] = {}
    for asset in assets:
        for name, key in asset.keys_by_input_name.items():
            if asset.node_def.input_def_named(name).dagster_type.is_nothing:
                continue  # a dependency read from the warehouse (deps=): it never loads the frame
            readers.setdefault(key.path[-1], set()).add(asset.node_def.name)
    for asset in assets:
        for key in asset.keys:
            readers.setdefault(key.path[-1], set())
    return {table: sorted(ops) for table, ops in sorted(readers.items())}
