"""Resources: where the input folder is, where the warehouse is, and the scoring configuration."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.settings import CRM_SQL_URL_ENV, DATA_DIR_ENV, OUTPUT_DIR_ENV, SCORING_JSON_ENV
from relationship_pipeline.sources.crm import Crm, load_crm, load_crm_csv_cached
from relationship_pipeline.sources.crm_snapshots import CrmVersion, crm_versions, version_for_days
from relationship_pipeline.warehouse import Warehouse, default_warehouse_url, project_data_dir


def default_data_dir() -> str:
    """``$RELATIONSHIP_PIPELINE_DATA_DIR``, else the demo folder ``data/demo`` in the project."""
    return os.environ.get(DATA_DIR_ENV) or str(project_data_dir() / "demo")


class InputFolder(dg.ConfigurableResource):
    """The user's input folder (DESIGN.md "The input folder"), optionally with the CRM in SQL."""

    data_dir: str = ""
    crm_sql_url: str = ""  # read crm tables from this SQLAlchemy URL instead of crm/*.csv
    internal_domains: list[str] = []  # default: the domains of crm/team.csv addresses

    def path(self) -> Path:
        path = Path(self.data_dir or default_data_dir())
        if not path.is_dir():
            raise FileNotFoundError(
                f"input folder {path} does not exist; set {DATA_DIR_ENV} or the input_folder resource's data_dir"
            )
        return path

    def sql_url(self) -> str | None:
        return self.crm_sql_url or os.environ.get(CRM_SQL_URL_ENV) or None

    def crm_versions(self) -> list[CrmVersion]:
        """The CRM versions in ``crm/`` (dated snapshots, then the present); a SQL CRM is one, the present."""
        if self.sql_url():
            return [CrmVersion(self.path() / "crm", "crm", None, None)]
        return crm_versions(self.path() / "crm")

    def crm(self, days: tuple[date, date] | None = None) -> Crm:
        """The CRM version that applies to ``days`` (first, last), else the present one."""
        versions = self.crm_versions()
        return self.crm_of(version_for_days(versions, *days) if days else versions[-1])

    def crm_of(self, version: CrmVersion) -> Crm:
        if sql_url := self.sql_url():
            return load_crm(self.path(), sql_url=sql_url)
        return load_crm_csv_cached(self.path(), version.label)


def default_output_dir() -> Path:
    """``$RELATIONSHIP_PIPELINE_OUTPUT_DIR``, else the project's data folder."""
    return Path(os.environ.get(OUTPUT_DIR_ENV) or project_data_dir())


class OutputFolder(dg.ConfigurableResource):
    """Where files for people and other systems go: ``reports/<day>/index.html`` and ``exports/``."""

    path: str = ""

    def base(self) -> Path:
        return Path(self.path) if self.path else default_output_dir()

    def reports(self) -> Path:
        return self.base() / "reports"

    def exports(self) -> Path:
        return self.base() / "exports"


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse, for assets that read history (previous snapshots, windows) directly."""

    url: str = ""

    def warehouse(self) -> Warehouse:
        return Warehouse(self.url or default_warehouse_url())


class ScoringSettings(dg.ConfigurableResource):
    """Scoring configuration: a JSON object of ScoringConfig fields overriding the defaults."""

    overrides_json: str = ""

    def config(self) -> ScoringConfig:
        raw = self.overrides_json or os.environ.get(SCORING_JSON_ENV, "")
        if not raw:
            return ScoringConfig()
        try:
            values = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"scoring overrides are not valid JSON: {exc}") from exc
        if not isinstance(values, dict):
            raise ValueError("scoring overrides must be a JSON object of ScoringConfig fields")
        return ScoringConfig.from_mapping(values)
