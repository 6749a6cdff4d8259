"""ScoringConfig refuses settings the new rules cannot use, by name."""

import pytest

from relationship_pipeline.config import ScoringConfig


@pytest.mark.parametrize(
    "values, message",
    [
        ({"balance_cap": -1.0}, "balance_cap must be >= 0"),
        ({"engagement_window_days": 0}, "engagement_window_days and engagement_baseline_days must be >= 1"),
        ({"engagement_baseline_days": 0}, "engagement_window_days and engagement_baseline_days must be >= 1"),
        ({"depth_calibration_points": 0.0}, "depth_calibration_points must be > 0"),
        ({"cold_min_dayz": 3}, "unknown scoring config keys ['cold_min_dayz']"),
    ],
)
def test_bad_settings_are_refused_by_name(values, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ScoringConfig.from_mapping(values)


def test_the_defaults_the_readme_documents():
    c = ScoringConfig()
    assert (c.balance_cap, c.engagement_window_days, c.engagement_baseline_days) == (2.0, 14, 120)
    assert (c.cold_cadence_multiple, c.cold_min_days, c.cold_after_days) == (3.0, 14, 45)
    assert (c.min_correlation_n, c.permutation_below_n, c.depth_calibration_points) == (10, 20, 50.0)
