"""Resources turn bad configuration into clear errors before any data is touched."""

import pytest

from relationship_pipeline.resources import InputFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.settings import DATA_DIR_ENV, SCORING_JSON_ENV


def test_scoring_overrides_apply_and_bad_ones_are_named(monkeypatch):
    monkeypatch.delenv(SCORING_JSON_ENV, raising=False)
    assert ScoringSettings().config().half_life_days == 30.0
    assert ScoringSettings(overrides_json='{"half_life_days": 14}').config().half_life_days == 14.0
    with pytest.raises(ValueError, match="not valid JSON"):
        ScoringSettings(overrides_json="{half_life_days: 14").config()
    with pytest.raises(ValueError, match="must be a JSON object"):
        ScoringSettings(overrides_json="[1, 2]").config()
    with pytest.raises(ValueError, match=r"unknown scoring config keys \['half_life'\]"):
        ScoringSettings(overrides_json='{"half_life": 14}').config()
    with pytest.raises(ValueError, match="half_life_days must be > 0"):
        ScoringSettings(overrides_json='{"half_life_days": 0}').config()
    monkeypatch.setenv(SCORING_JSON_ENV, '{"engaged_min_score": 60}')
    assert ScoringSettings().config().engaged_min_score == 60.0


def test_input_folder_must_exist(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=f"set {DATA_DIR_ENV}"):
        InputFolder(data_dir=str(tmp_path / "missing")).path()
    assert InputFolder(data_dir=str(tmp_path)).path() == tmp_path


def test_warehouse_resource_rejects_a_bad_url():
    with pytest.raises(ValueError, match="not a SQLAlchemy URL"):
        WarehouseResource(url="::nope::").warehouse()
