"""Exports group: what other systems take from the pipeline (the CRM write-back, seed 003)."""

import dagster as dg

from relationship_pipeline.assets.common import OWNERS, table_metadata
from relationship_pipeline.crm_export import export_contact_strength
from relationship_pipeline.resources import OutputFolder, WarehouseResource

GROUP = "exports"


@dg.asset(
    group_name=GROUP,
    owners=OWNERS,
    kinds={"csv", "sql"},
    deps=["crm_contact_strength"],
    metadata=table_metadata("crm_write_back"),
)
def crm_write_back(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, output_folder: OutputFolder
) -> dg.MaterializeResult:
    """Every CRM contact with our strongest connection, its strength, score and band and the second-strongest (seed 003), for the CRM to import.

    The newest day of ``crm_contact_strength``, replacing ``exports/crm_contact_strength.csv`` in
    the output folder and the ``crm_write_back`` table. Launched by ``crm_write_back_sensor`` each
    time ``crm_contact_strength`` materialises, not on a clock of its own.
    """
    export = export_contact_strength(warehouse.warehouse(), output_folder.exports())
    context.log.info(f"crm_write_back: {export.rows} contacts of {export.as_of} to {export.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(export.path)),
            "as_of": export.as_of or "",
            "dagster/row_count": export.rows,
        }
    )
