"""Great Expectations suites, one per table in :data:`relationship_pipeline.schemas.TABLES`.

Each ``<table>_suite(config)`` builds a fresh list of GX expectation objects (GX is imported inside
the function, never at module import). ``expectations_for(table, config)`` picks one by name.

Every expectation used here was checked to behave on the frames the pipeline produces: tz-aware
``datetime64[ns, UTC]`` columns, pandas ``"string"`` columns holding ``<NA>``, and empty frames
(an empty partition passes every row-level expectation). Notes:

* value-set and range expectations ignore nulls, so "in set or null" needs no extra work; where a
  column must also be present a separate not-null expectation is added;
* ``expect_column_values_to_be_unique`` counts *every* row of a duplicated value (two rows sharing
  an id -> ``unexpected_count`` 2), and so does ``expect_compound_columns_to_be_unique``;
* "A <= B" between timestamps is ``expect_column_pair_values_a_to_be_greater_than_b`` with
  ``column_A=B, column_B=A, or_equal=True`` and ``ignore_row_if="either_value_is_missing"``;
  it works on tz-aware columns;
* dtypes are not checked here (``expect_column_values_to_be_of_type`` rejects tz-aware dtypes);
  ``schemas.conform`` owns dtypes, the suites own values.
"""

from __future__ import annotations

from collections.abc import Callable

from relationship_pipeline import schemas
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.scoring.relationship_score import CAPS

DATE_REGEX = r"^\d{4}-\d{2}-\d{2}$"  # as_of
MONTH_REGEX = r"^\d{4}-\d{2}$"  # ARR / NRR month
REASON_REGEX = r"^[a-z][a-z0-9_]*:"  # quarantine reason starts with a stable code
ALERT_KINDS = ("key_contact_cold", "single_threaded", "engagement_drop", "champion_moved")
DIRECTIONS = ("outbound", "inbound", "mutual")
RESOLVED_BY = ("team", "internal_domain", "contact", "domain", "unassigned")
QUARANTINE_CHANNELS = (*schemas.CHANNELS, "crm")


def _gxe():
    import great_expectations as gx

    return gx.expectations


def _columns(table: str) -> list:
    return [_gxe().ExpectTableColumnsToMatchOrderedList(column_list=list(schemas.TABLES[table]))]


def _not_null(*columns: str) -> list:
    return [_gxe().ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _in_set(column: str, values) -> list:
    return [_gxe().ExpectColumnValuesToBeInSet(column=column, value_set=list(values))]


def _between(column: str, min_value=None, max_value=None) -> list:
    return [_gxe().ExpectColumnValuesToBeBetween(column=column, min_value=min_value, max_value=max_value)]


def _non_negative(*columns: str) -> list:
    return [e for c in columns for e in _between(c, min_value=0)]


def _unique(*columns: str) -> list:
    gxe = _gxe()
    if len(columns) == 1:
        return [gxe.ExpectColumnValuesToBeUnique(column=columns[0])]
    return [gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns))]


def _regex(column: str, regex: str) -> list:
    return [_gxe().ExpectColumnValuesToMatchRegex(column=column, regex=regex)]


def _not_after(earlier: str, later: str) -> list:
    """``earlier <= later`` wherever both are known."""
    return [
        _gxe().ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=later,
            column_B=earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description=f"{earlier} <= {later}",
        )
    ]


def interactions_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("interactions"),
        *_not_null("as_of", "interaction_id", "channel", "occurred_at", "source", "category"),
        *_regex("as_of", DATE_REGEX),
        *_unique("interaction_id"),  # one row per interaction, across partitions too
        *_in_set("channel", schemas.CHANNELS),
        *_in_set("category", schemas.CATEGORIES),
        *_non_negative("duration_s", "duplicates"),  # NaN duration (email) is allowed
    ]


def participants_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("participants"),
        *_not_null("as_of", "interaction_id", "address", "role"),
        *_regex("as_of", DATE_REGEX),
        *_in_set("role", schemas.ROLES),
        *_in_set("response", schemas.RESPONSES),  # or null
        *_unique("as_of", "interaction_id", "address", "role"),
    ]


def quarantine_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("quarantine"),
        *_not_null("as_of", "source", "location", "reason"),
        *_regex("as_of", DATE_REGEX),
        *_in_set("channel", QUARANTINE_CHANNELS),
        *_regex("reason", REASON_REGEX),
    ]


def people_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("people"),
        *_not_null("as_of", "address", "account_id"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "address"),  # one row per address and day
        *_in_set("seniority", schemas.SENIORITIES),
        *_in_set("resolved_by", RESOLVED_BY),
    ]


def pair_touches_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("pair_touches"),
        *_not_null("as_of", "interaction_id", "internal_address", "external_address", "occurred_at", "channel"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "interaction_id", "internal_address", "external_address"),
        *_in_set("channel", schemas.CHANNELS),
        *_in_set("category", schemas.CATEGORIES),
        *_in_set("direction", DIRECTIONS),
        *_non_negative("weight"),
    ]


def pair_strength_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("pair_strength"),
        *_not_null("as_of", "internal_address", "external_address", "score", "band"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "internal_address", "external_address"),
        *_non_negative("strength", "outbound_strength", "inbound_strength", "mutual_strength"),
        *_between("score", 0, 100),
        *_between("band", 1, 5),
        *_between("reciprocity", 0, 1),
        *_non_negative("emails", "meetings", "calls", "emails_outbound", "emails_inbound", "weight_total"),
        *_not_after("first_interaction_at", "last_interaction_at"),
        *_not_after("last_meaningful_at", "last_interaction_at"),
    ]


def account_trends_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("account_trends"),
        *_not_null("as_of", "account_id", "trend"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "account_id"),
        *_in_set("trend", ("rising", "falling", "steady", "new")),
        *_between("depth_change_30d", -100, 100),
        *_between("depth_change_60d", -100, 100),
        *_between("depth_change_90d", -100, 100),
    ]


def people_seen_state_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("people_seen_state"),
        *_not_null("as_of", "seen_on", "address"),
        *_regex("as_of", DATE_REGEX),
        *_regex("seen_on", DATE_REGEX),
        *_unique("as_of", "seen_on", "address"),
    ]


def account_activity_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("account_activity"),
        *_not_null("as_of", "account_id", "contact_touches"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "account_id", "channel", "category"),
        *_in_set("channel", schemas.CHANNELS),
        *_in_set("category", schemas.CATEGORIES),
        *_between("contact_touches", min_value=1),
    ]


def account_scores_suite(config: ScoringConfig | None = None) -> list:
    config = config or ScoringConfig()
    return [
        *_columns("account_scores"),
        *_not_null("as_of", "account_id", "relationship_depth_score"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "account_id"),
        *_between("relationship_depth_score", 0, 100),
        *_between("relationship_depth_calibrated", 0, 100),
        *_non_negative(
            "engagement_score",
            "engaged_stakeholders",
            "recent_meaningful_interactions",
            "internal_people",
            "stakeholder_points",
            "executive_points",
            "cross_functional_points",
            "recent_interaction_points",
            "engaged_functions",
            "contacts",
            "engagement_points",
            "strength_total",
        ),
        *_between("key_roles_covered", 0, len(config.key_roles)),
        *_not_after("key_roles_covered", "key_roles_total"),
        *_between("services_share", 0, 1),
        *_in_set("services_band", schemas.SERVICES_BANDS),
    ]


def relationship_scores_suite(config: ScoringConfig | None = None) -> list:
    config = config or ScoringConfig()
    return [
        *_columns("relationship_scores"),
        *_not_null("as_of", "account_id", "relationship_score", "relationship_points"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "account_id"),
        *_between("relationship_score", 1, 5),
        *_between("relationship_points", 0, 100),
        *_between("meeting_call_share", 0, 1),
        *_between("channels_used", 0, 3),
        *_not_after("open_items", "their_emails"),
        *_non_negative("their_reply_hours", "our_reply_hours", "replies_measured", "two_way_touches", "tenure_days"),
        *[
            expectation
            for component, weight in config.relationship_weights.items()
            for expectation in _between(f"{component}_points", 0, weight)
        ],
        *_in_set("trend", ("rising", "falling", "steady", "new")),
        *_in_set("capped_by", [reason for reason, _ in CAPS]),
    ]


def score_explanations_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("score_explanations"),
        *_not_null("as_of", "account_id", "score", "factor", "detail"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "account_id", "score", "factor"),
        *_in_set("score", ("relationship_depth_score", "relationship_score")),
        *_non_negative("points", "max_points"),
        *_not_after("points", "max_points"),
    ]


def input_problems_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("input_problems"),
        *_not_null("as_of", "source", "reason", "in_partition"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "source", "location", "reason"),
    ]


def alerts_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("alerts"),
        *_not_null("as_of", "account_id", "kind"),
        *_regex("as_of", DATE_REGEX),
        *_in_set("kind", ALERT_KINDS),
    ]


def account_nrr_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("account_nrr"),
        *_not_null("account_id", "month"),
        *_regex("month", MONTH_REGEX),
        *_unique("account_id", "month"),
        *_non_negative("arr", "arr_12m_later", "nrr_12m"),  # NaN where unknown
    ]


def crm_contact_strength_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("crm_contact_strength"),
        *_not_null("as_of", "address", "connections", "best_strength", "best_score", "best_band"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "address"),
        *_non_negative("connections", "best_strength", "second_strength"),
        *_between("best_score", 0, 100),
        *_between("best_band", 1, 5),
        *_between("second_band", 0, 5),
        *_not_after("second_strength", "best_strength"),
    ]


def nrr_by_score_quintile_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("nrr_by_score_quintile"),
        *_not_null("as_of", "score", "quintile", "accounts"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "score", "quintile"),
        *_between("quintile", 1, 5),
        *_non_negative("accounts", "mean_nrr", "median_nrr", "portfolio_nrr"),
        *_not_after("score_min", "score_max"),
    ]


def score_nrr_correlation_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("score_nrr_correlation"),
        *_not_null("as_of", "segment", "score"),
        *_regex("as_of", DATE_REGEX),
        *_unique("as_of", "segment", "score"),
        *_non_negative("n"),
        *_between("spearman_rho", -1, 1),
        *_between("p_value", 0, 1),
        *_between("ci_low", -1, 1),
        *_between("ci_high", -1, 1),
        *_not_after("ci_low", "ci_high"),
    ]


def crm_accounts_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_accounts"), *_not_null("account_id"), *_unique("account_id")]


def crm_contacts_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_contacts"), *_not_null("address")]


def crm_team_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_team"), *_not_null("address")]


def crm_arr_suite(config: ScoringConfig | None = None) -> list:
    return [
        *_columns("crm_arr"),
        *_not_null("account_id", "month"),
        *_regex("month", MONTH_REGEX),
        *_unique("account_id", "month"),
        *_non_negative("arr"),
    ]


def crm_aliases_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_aliases"), *_not_null("alias", "canonical"), *_unique("alias")]


def crm_service_catalog_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_service_catalog"), *_not_null("service"), *_unique("service")]


def crm_services_suite(config: ScoringConfig | None = None) -> list:
    return [*_columns("crm_services"), *_not_null("account_id", "service"), *_unique("account_id", "service")]


SUITES: dict[str, Callable[[ScoringConfig | None], list]] = {
    "interactions": interactions_suite,
    "participants": participants_suite,
    "quarantine": quarantine_suite,
    "people": people_suite,
    "pair_touches": pair_touches_suite,
    "pair_strength": pair_strength_suite,
    "pair_strength_state": pair_strength_suite,  # the same contract, faded pairs included
    "pair_strength_latest": pair_strength_suite,
    "people_seen_state": people_seen_state_suite,
    "account_activity": account_activity_suite,
    "relationship_scores": relationship_scores_suite,
    "score_explanations": score_explanations_suite,
    "account_scores": account_scores_suite,
    "alerts": alerts_suite,
    "account_trends": account_trends_suite,
    "account_nrr": account_nrr_suite,
    "score_nrr_correlation": score_nrr_correlation_suite,
    "nrr_by_score_quintile": nrr_by_score_quintile_suite,
    "crm_contact_strength": crm_contact_strength_suite,
    "crm_write_back": crm_contact_strength_suite,
    "input_problems": input_problems_suite,  # the newest day of it, exported
    "crm_accounts": crm_accounts_suite,
    "crm_contacts": crm_contacts_suite,
    "crm_team": crm_team_suite,
    "crm_arr": crm_arr_suite,
    "crm_aliases": crm_aliases_suite,
    "crm_services": crm_services_suite,
    "crm_service_catalog": crm_service_catalog_suite,
}


def expectations_for(table: str, config: ScoringConfig | None = None) -> list:
    """A fresh list of GX expectation objects for ``table`` (a key of ``schemas.TABLES``)."""
    try:
        suite = SUITES[table]
    except KeyError:
        raise KeyError(f"no expectation suite for table {table!r}; known: {sorted(SUITES)}") from None
    return suite(config)
