"""Report group: the HTML page a data team opens after a run, with its charts in the asset's metadata."""

import base64

import dagster as dg

from relationship_pipeline.assets.common import OWNERS
from relationship_pipeline.report_page import write_report
from relationship_pipeline.resources import OutputFolder, WarehouseResource

GROUP = "report"
READS = [
    "account_scores",
    "relationship_scores",
    "score_explanations",
    "account_trends",
    "alerts",
    "score_nrr_correlation",
    "nrr_by_score_quintile",
    "account_nrr",
    "crm_accounts",
    "crm_arr",
]


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"html", "matplotlib"}, deps=READS)
def account_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, output_folder: OutputFolder
) -> dg.MaterializeResult:
    """The newest scored day as an HTML page with PNG charts: accounts by ARR and relationship score (seed 004's tree map), score against NRR with its trend and ρ, NRR by score quintile, the biggest 30/60/90-day movers, the open alerts and what would raise the lowest scores.

    Written to ``<output folder>/reports/<day>/index.html`` (default ``data/reports``); the metadata holds
    its path and the tree map, shown on the asset's page in the UI.
    """
    wh = warehouse.warehouse()
    day = wh.latest_partition_before("account_scores", "9999-12-31")
    if day is None:
        raise dg.Failure("account_report: no account scores in the warehouse yet; materialise the daily assets first")
    report = write_report(wh, day, output_folder.reports())
    context.log.info(f"account_report: wrote {report.path}")
    metadata = {
        "path": dg.MetadataValue.path(str(report.path)),
        "as_of": day,
        "accounts": report.accounts,
        "open_alerts": report.alerts,
        "charts": dg.MetadataValue.json(sorted(report.charts)),
    }
    if "treemap" in report.charts:
        encoded = base64.b64encode(report.charts["treemap"]).decode("ascii")
        metadata["treemap"] = dg.MetadataValue.md(f"![accounts by ARR and score](data:image/png;base64,{encoded})")
    return dg.MaterializeResult(metadata=metadata)
