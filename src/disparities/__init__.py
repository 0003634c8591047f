"""disparities: county child-outcome disparities by race/ethnicity and income.

Load public data (KIDS COUNT, County Health Rankings, ACS, SAIPE, school report
cards) into one tidy table, compute gaps with confidence intervals, summary
measures and trends, rank candidate focus disparities, and draw honest,
accessible charts for a board room.

Quick start
-----------
>>> import disparities as dp
>>> table = dp.load_demo()                      # synthetic demo data, offline
>>> gaps = dp.compute_gaps(table)               # every group vs its reference
>>> top = dp.rank_focus_candidates(table, "37063")
>>> top.loc[0, "explanation"][:20]
'Children in families'

Heavy libraries (matplotlib, geopandas, statsmodels) load only when first used,
so ``import disparities`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    # data model
    "validate_observations": "disparities.schema",
    "DataValidationError": "disparities.schema",
    "parse_period": "disparities.schema",
    "OBSERVATION_COLUMNS": "disparities.schema",
    "GROUP_ORDER": "disparities.schema",
    "register_ordered_dimension": "disparities.schema",
    "indicator_catalog": "disparities.catalog",
    "get_indicator": "disparities.catalog",
    "register_indicator": "disparities.catalog",
    "context_indicator_ids": "disparities.catalog",
    "outcome_rows": "disparities.select",
    "rows_for": "disparities.select",
    "Indicator": "disparities.catalog",
    # places and groups
    "find_county": "disparities.geography",
    "county_table": "disparities.geography",
    "county_geometries": "disparities.geography",
    "county_outlines": "disparities.geography",
    "harmonize_group": "disparities.harmonize",
    "crosswalk_table": "disparities.harmonize",
    # loading
    "load_demo": "disparities.demo",
    "generate_demo_observations": "disparities.demo",
    "write_demo_data": "disparities.demo",
    "load_data": "disparities.loaders",
    "detect_source": "disparities.loaders",
    "combine_tables": "disparities.loaders",
    "combine_loads": "disparities.loaders",
    "describe_coverage": "disparities.coverage",
    "read_column_map": "disparities.sources.column_map",
    "load_kids_count": "disparities.sources.kids_count",
    "load_chr_workbook": "disparities.sources.chr",
    "load_chr_analytic": "disparities.sources.chr_analytic",
    "load_acs_csv": "disparities.sources.acs",
    "load_acs_api_json": "disparities.sources.acs",
    "load_saipe": "disparities.sources.saipe",
    "load_report_card": "disparities.sources.report_card",
    "load_tidy": "disparities.sources.tidy",
    "LoadReport": "disparities.sources.load_report",
    # measures
    "prepare_observations": "disparities.reliability",
    "add_intervals": "disparities.reliability",
    "flag_reliability": "disparities.reliability",
    "suppress_small_counts": "disparities.reliability",
    "protect_small_numbers": "disparities.privacy",
    "safe_slug": "disparities.outputs",
    "write_csv": "disparities.outputs",
    "pool_periods": "disparities.reliability",
    "wilson_interval": "disparities.uncertainty",
    "clopper_pearson_interval": "disparities.uncertainty",
    "poisson_interval": "disparities.uncertainty",
    "rate_interval": "disparities.uncertainty",
    "moe_of_sum": "disparities.uncertainty",
    "moe_of_proportion": "disparities.uncertainty",
    "moe_of_ratio": "disparities.uncertainty",
    "compute_gaps": "disparities.gaps",
    "compute_summary_measures": "disparities.summary_measures",
    "slope_index_of_inequality": "disparities.summary_measures",
    "compute_gap_trends": "disparities.trends",
    # choosing a focus
    "rank_focus_candidates": "disparities.focus",
    "coverage_note": "disparities.focus",
    "estimate_group_sizes": "disparities.group_sizes",
    "add_size_estimates": "disparities.group_sizes",
    "flag_unreliable_by_size": "disparities.group_sizes",
    "reference_unreliable_by_size": "disparities.group_sizes",
    "summary_measures_with_sizes": "disparities.group_sizes",
    "trend_statement": "disparities.plots.trends",
    "county_features": "disparities.peers",
    "PeerFeaturesError": "disparities.peers",
    "find_peer_counties": "disparities.peers",
    "find_bright_spots": "disparities.peers",
    "better_than_state": "disparities.peers",
    "gap_sentence": "disparities.narrative",
    "evidence_words": "disparities.narrative",
    # outputs
    "build_county_report": "disparities.report",
    "build_batch_reports": "disparities.batch",
    "build_county_deck": "disparities.deck",
    "build_county_profile": "disparities.profile",
    "CountyProfile": "disparities.profile",
    "render_html": "disparities.report",
    "render_deck": "disparities.deck",
    "save_focus": "disparities.focus_record",
    "load_focus": "disparities.focus_record",
    "focus_command": "disparities.focus_record",
    "shortlist_table": "disparities.narrative",
    "plots": "disparities.plots",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name):
    if name in _API:
        module = importlib.import_module(_API[name])
        value = module if name == "plots" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'disparities' has no attribute {name!r}")


def __dir__():
    return __all__
