"""Tests for collablib.report.tables: reviewer tables take their numbers from the metrics and hide
what disclosure control hides."""

import math

import pandas as pd

from collablib.data.policy import load_policy
from collablib.report import tables
from collablib.survey import disclosure, metrics
from tests.conftest import make_survey, make_teams


def _survey() -> pd.DataFrame:
    rows = [{"team_id": "T1", "team_working": 4, "recommend": "Yes"} for _ in range(9)]
    rows += [{"team_id": "T2", "team_working": 2, "recommend": "No"} for _ in range(3)]
    rows += [
        {"team_id": "T2", "role": "Executive sponsor", "team_working": 3, "recommend": "Yes"},
        {"team_id": "T1", "role": "Lived experience partner", "team_working": None},
    ]
    return make_survey(rows)


def test_headline_table_shows_the_metrics_counts_and_interval():
    survey = _survey()
    head = metrics.headline(make_teams(["T1", "T2"]), survey)
    table = tables.headline_table(head).set_index("Question")
    recommend = table.loc["Would recommend taking part"]
    assert (recommend["Answered"], recommend["Positive"]) == ("14", "11")
    assert recommend["% positive"] == f"{round(100 * 11 / 14)}%"
    team = table.loc["Improved: team working"]
    assert (team["Answered"], team["Positive"]) == ("13", "10")  # the blank is not counted
    low, high = head.items["team_working"].ci_low, head.items["team_working"].ci_high
    expected = f"{math.floor(low + 0.5)}% to {math.floor(high + 0.5)}%"  # halves round up
    assert team["95% confidence interval"] == expected


def test_role_table_never_shows_a_count_that_disclosure_control_hid():
    survey = _survey()
    head = metrics.headline(make_teams(["T1", "T2"]), survey)
    protected = disclosure.protect_role_breakdown(metrics.role_breakdown(survey))
    table = tables.role_table(protected, head).set_index("Role")
    sponsor = table.loc["Executive sponsor"]
    assert sponsor["Respondents"] != "1"  # one respondent is below the threshold
    hidden = protected[protected["role"] == "Executive sponsor"]
    assert not hidden["pct_shown"].any()
    assert not any("%" in str(v) for v in sponsor.drop("Respondents"))
    assert table.loc["All respondents", "Respondents"] == "14"  # totals are always shown


def test_role_table_says_no_answers_only_when_that_zero_is_published():
    survey = _survey()  # the one partner left team working blank
    head = metrics.headline(make_teams(["T1", "T2"]), survey)
    protected = disclosure.protect_role_breakdown(metrics.role_breakdown(survey), head=head)
    table = tables.role_table(protected, head).set_index("Role")
    partner = table.loc["Lived experience partner"]
    assert partner["Team working"] == "* of *"  # hidden: not "no answers", not "0"
    for column in table.columns.drop("Respondents"):
        if table.loc["All respondents", column] == "no answers":  # nobody in the cohort answered
            assert (table[column] == "no answers").all()  # so the zeros give nothing away
        else:
            assert "no answers" not in table[column].tolist(), column
    nothing_hidden = metrics.role_breakdown(_survey()[lambda s: s["role"] == "Project team member"])
    shown = disclosure.protect_role_breakdown(nothing_hidden)
    assert (shown["n_shown"] != "*").all()
    table = tables.role_table(shown, metrics.headline(make_teams(["T1", "T2"]), survey))
    assert table.set_index("Role").loc["Executive sponsor", "Team working"] == "no answers"


def test_role_table_shows_role_groups_with_their_label(demo_data):
    from collablib.data.loaders import load_cohort

    data = load_cohort("rare-cancers", demo_data)
    head = metrics.headline(data.teams, data.survey)
    policy = load_policy(demo_data)
    protected = disclosure.protect_role_breakdown(
        metrics.role_breakdown(data.survey), policy, head=head
    )
    table = tables.role_table(protected, head)
    assert table["Role"].tolist() == ["Staff", "Lived experience partner", "All respondents"]
    assert table["Respondents"].tolist() == ["13", "8", "21"]


def test_provenance_summary_says_when_the_inputs_have_uncommitted_changes():
    facts = {
        "git": {"commit": "abc123", "dirty": True, "note": ""},
        "versions": {"collablib": "0.1.0", "pandas": "3.1.1"},
        "notebook": {"file": "cohort_report.ipynb", "sha256": "f" * 64},
        "code_sha256": "c" * 64,
        "lock_sha256": "d" * 64,
    }
    summary = tables.provenance_summary(facts, "2021-09-01").set_index("Item")["Value"]
    assert summary["Data as of (latest date in the data)"] == "2021-09-01"
    assert summary["Latest git commit changing the data, notebook or code"] == "abc123"
    assert summary["Changed since that commit"].startswith("yes")
    assert summary["Key packages"] == "pandas 3.1.1"

    outside = {**facts, "git": {"commit": None, "dirty": None, "note": "not a git checkout"}}
    summary = tables.provenance_summary(outside, None).set_index("Item")["Value"]
    assert summary["Changed since that commit"] == "not a git checkout"
    assert summary["Data as of (latest date in the data)"] == "–"


def test_cpes_cell_never_prints_a_number_for_a_suppressed_or_missing_result():
    assert tables.cpes_cell(82.14, 1312, "within", False, False) == (
        "82.1% (n = 1,312), within expected"
    )
    assert tables.cpes_cell(50.0, 12, None, False, True) == "suppressed (too few responses)"
    assert tables.cpes_cell(float("nan"), float("nan"), None, True, False) == (
        "trust not in the survey"
    )
    assert tables.cpes_cell(float("nan"), 30, None, False, False) == "–"
