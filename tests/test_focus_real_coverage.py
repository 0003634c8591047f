"""Real files without group rows, or without the county, rank to an explained
empty list instead of a KeyError (issue #10, notebook 04's failures)."""

from __future__ import annotations

import disparities as dp
from disparities.focus import rank_focus_candidates


def test_saipe_totals_only(shared):
    table, _ = dp.load_data(shared("saipe_nc_counties_all_ages_poverty_1989-2023.csv"))
    c = rank_focus_candidates(table, "37063")
    assert c.empty and "explanation" in c.columns
    note = c.attrs["coverage_note"]
    assert note.startswith("The data hold totals for Durham County (37063)")
    assert "no values by group" in note


def test_kids_count_states_file_has_no_counties(shared):
    table, _ = dp.load_data(
        shared("kidscount_children_in_poverty_by_race_states_2000plus.csv")
    )
    c = rank_focus_candidates(table, "37063")
    assert c.empty
    assert c.attrs["coverage_note"] == "The data hold no rows for 37063."
    # the state itself has groups, so it ranks
    state = rank_focus_candidates(table, "37")
    assert len(state) > 0 and state.attrs["coverage_note"] == ""
