"""Thin Dagster assets, one module per group: ingest → identity → strength → accounts → indicators → report, exports."""

from relationship_pipeline.assets.accounts import accounts_assets
from relationship_pipeline.assets.identity import people
from relationship_pipeline.assets.indicators import indicators_assets
from relationship_pipeline.assets.ingest import ingest_assets
from relationship_pipeline.assets.report import account_report
from relationship_pipeline.assets.strength import crm_contact_strength, pair_strength, pair_touches
from relationship_pipeline.assets.write_back import crm_write_back

all_assets = [
    *ingest_assets,
    people,
    pair_touches,
    pair_strength,
    crm_contact_strength,
    *accounts_assets,
    *indicators_assets,
    account_report,
    crm_write_back,
]
