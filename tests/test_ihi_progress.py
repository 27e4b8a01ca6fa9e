"""IHI progress scores: progress.csv validation, the summaries, and what summary --json and the
report show for a file whose shares can be counted by hand."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from collablib.cli import main
from collablib.data.loaders import load_cohort
from collablib.data.progress import SCORES, load_progress
from collablib.data.registry import get_cohort
from collablib.errors import CollabError
from collablib.ihi.scores import counted_scores, progress_headline, summarise_progress
from collablib.report import display
from collablib.report import progress_plots as plots
from tests.conftest import make_tiny_data, read_rows, write_rows

HEADER = ["team_id", "month", "score", "assessed_by"]

#: Two teams of the tiny "alpha" cohort (June 2020 to March 2021), scored so that every share
#: can be counted by hand:
#: - A1: team 1.0 (2020-06), team 3.0 and faculty 4.0 (2021-03)  -> counted 4.0 (faculty)
#: - A2: team 2.0 (2020-06), team 4.5 (2020-12), then no more    -> counted 4.5 (stopped early)
#: So 2 of 2 teams reached 4.0; one month has both scores, differing by 1.0 (not within 0.5).
HAND_ROWS = [
    ("A1", "2020-06", "1.0", "team"),
    ("A1", "2021-03", "3.0", "team"),
    ("A1", "2021-03", "4.0", "faculty"),
    ("A2", "2020-06", "2.0", "team"),
    ("A2", "2020-12", "4.5", "team"),
]


def write_progress(folder: Path, rows) -> Path:
    path = folder / "progress.csv"
    write_rows(path, [dict(zip(HEADER, r, strict=True)) for r in rows], HEADER)
    return path


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp("ihi"))


@pytest.fixture
def data(tiny_data, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(tiny_data, copy)
    return copy


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_hand_countable_scores_give_the_expected_shares_in_summary_json(data):
    write_progress(data / "raw" / "alpha", HAND_ROWS)
    code, out, err = run_cli("--data-dir", str(data), "summary", "--cohort", "alpha", "--json")
    assert code == 0, err
    progress = json.loads(out)["progress"]
    # Counted by hand from HAND_ROWS: results 4.0 (A1, faculty) and 4.5 (A2).
    assert progress["teams_scored"] == 2
    assert progress["n_ge_4"] == 2
    assert progress["pct_ge_4"] == 100.0
    assert progress["final_median"] == (4.0 + 4.5) / 2
    assert progress["n_ge_3"] == 2
    assert progress["paired_months"] == 1
    assert progress["mean_difference"] == 3.0 - 4.0
    assert progress["pct_within_half"] == 0.0
    low, high = proportion_confint(2, 2, method="wilson")
    assert progress["ci_low_ge_4"] == pytest.approx(100 * low)
    assert progress["ci_high_ge_4"] == 100.0 and high == pytest.approx(1.0)


def test_hand_countable_scores_give_the_expected_shares_in_the_report(data):
    # Without the faculty score, A1's result is its own 3.0: 1 of 2 teams at 4.0 or more.
    write_progress(data / "raw" / "alpha", [r for r in HAND_ROWS if r[3] == "team"])
    code, out, _ = run_cli("--data-dir", str(data), "summary", "--cohort", "alpha", "--json")
    assert code == 0 and json.loads(out)["progress"]["n_ge_4"] == 1
    import collablib

    analysis = collablib.analyse("alpha", data, comparators="[]")
    progress = analysis.progress
    html = unescape(
        "".join(
            (
                display.key_figures(plots.progress_key_figures(progress)).markup,
                display.bullets(plots.progress_findings(progress, analysis.teams)).markup,
                display.table(plots.progress_team_table(progress, analysis.teams)).markup,
            )
        )
    )
    assert ">50%<" in html  # the key figure: 1 of 2
    assert "50% (1 of 2; 95% CI" in html
    assert "Not scored in their cohort's last scored month" in html
    assert "Alpha cohort team 2 (Dec 2020)" in html  # A2 stopped early
    assert "No month was scored by both the team and the faculty" in html
    table = analysis.tables()["progress"]
    assert table["latest"].sum() == 2 and table["counted"].all()


@pytest.mark.parametrize(
    ("value", "column", "why"),
    [
        ("4.2", "score", "IHI assessment scale"),
        ("6", "score", "IHI assessment scale"),
        ("high", "score", "IHI assessment scale"),
        ("0", "score", "IHI assessment scale"),
        ("A9", "team_id", "teams.csv"),
        ("2019-11", "month", "give or take 6 months"),
        ("2020-6", "month", "YYYY-MM"),
        ("2020-13", "month", "YYYY-MM"),
        ("both", "assessed_by", "team or faculty"),
        ("Faculty member", "assessed_by", "team or faculty"),
    ],
)
def test_a_bad_value_exits_2_naming_file_row_column_and_value(data, value, column, why):
    rows = [list(r) for r in HAND_ROWS]
    rows[2][HEADER.index(column)] = value  # spreadsheet row 4
    path = write_progress(data / "raw" / "alpha", rows)
    for command in (["validate"], ["summary", "--cohort", "alpha", "--json"]):
        code, out, err = run_cli("--data-dir", str(data), *command)
        assert code == 2, (command, out, err)
        assert "Traceback" not in err
        assert str(path.name) in err and "row 4" in err
        assert f'column "{column}"' in err and f'"{value}"' in err and why in err


def test_one_row_per_team_month_and_assessor(data):
    path = write_progress(data / "raw" / "alpha", [*HAND_ROWS, HAND_ROWS[1]])
    with pytest.raises(CollabError) as caught:
        load_cohort("alpha", data)
    text = str(caught.value)
    assert "progress.csv" in text and "row 7" in text and "assessed_by" in text
    assert "one row per team, month and assessor" in text
    assert path.exists()


def test_missing_column_and_empty_file_are_refused(data):
    folder = data / "raw" / "alpha"
    (folder / "progress.csv").write_text("team_id,month,score\nA1,2020-06,1.0\n", encoding="utf-8")
    with pytest.raises(CollabError, match="assessed_by"):
        load_cohort("alpha", data)
    (folder / "progress.csv").write_text(",".join(HEADER) + "\n", encoding="utf-8")
    with pytest.raises(CollabError, match="no rows"):
        load_cohort("alpha", data)


def test_the_file_is_optional(data):
    analysis_data = load_cohort("alpha", data)
    assert analysis_data.progress is None and "progress" not in analysis_data.files
    code, out, _ = run_cli("--data-dir", str(data), "summary", "--cohort", "alpha", "--json")
    assert code == 0 and json.loads(out)["progress"] is None


def test_every_scale_point_is_accepted_and_typed(data):
    teams = [r["team_id"] for r in read_rows(data / "raw" / "alpha" / "teams.csv")]
    months = pd.period_range("2020-01", periods=len(SCORES), freq="M")
    rows = [(teams[0], str(m), f"{s:.1f}", "team") for m, s in zip(months, SCORES, strict=True)]
    write_progress(data / "raw" / "alpha", rows)
    cohort = get_cohort("alpha", data)
    loaded = load_progress(data / "raw" / "alpha", load_cohort(cohort, data).teams, cohort)
    assert loaded is not None
    assert loaded.scores["score"].tolist() == list(SCORES)
    assert loaded.scores["row"].tolist() == list(range(2, 2 + len(SCORES)))


def scores(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": [r[0] for r in rows],
            "month": pd.PeriodIndex([r[1] for r in rows], freq="M"),
            "score": [float(r[2]) for r in rows],
            "assessed_by": [r[3] for r in rows],
        }
    )


def test_the_faculty_score_counts_where_a_month_has_both():
    counted = counted_scores(scores(HAND_ROWS))
    a1 = counted[counted["team_id"] == "A1"]
    assert a1["score"].tolist() == [1.0, 4.0]
    assert a1["assessed_by"].tolist() == ["team", "faculty"]


def test_monthly_median_and_quartiles_are_pandas_linear_quantiles():
    rows = [("T1", "2021-01", "1.0", "team"), ("T2", "2021-01", "2.0", "team")]
    rows += [("T3", "2021-01", "4.0", "team"), ("T4", "2021-01", "5.0", "team")]
    teams = pd.DataFrame({"team_id": ["T1", "T2", "T3", "T4", "T5"]})
    summary = summarise_progress(scores(rows), teams)
    assert summary is not None
    month = summary.monthly.iloc[0]
    values = pd.Series([1.0, 2.0, 4.0, 5.0])
    assert (month["median"], month["q1"], month["q3"]) == (
        values.median(),
        values.quantile(0.25),
        values.quantile(0.75),
    )
    assert summary.teams == 5 and summary.headline.teams_scored == 4
    assert "1 of the 5 teams has no progress scores" in " ".join(
        plots.progress_findings(summary, teams.assign(team_name=teams["team_id"]))
    )


def test_pooled_teams_stay_distinct_by_cohort():
    rows = scores([("T1", "2021-01", "4.0", "team"), ("T1", "2021-01", "2.0", "team")])
    rows["cohort_id"] = ["a", "b"]
    teams = pd.DataFrame({"cohort_id": ["a", "b"], "team_id": ["T1", "T1"]})
    summary = summarise_progress(rows, teams)
    assert summary is not None
    assert summary.headline.teams_scored == 2 and summary.headline.n_ge_4 == 1


def test_the_headline_of_published_results_equals_the_analysis(analyses_demo):
    for analysis in analyses_demo:
        table = analysis.tables()["progress"]
        again = progress_headline(table.loc[table["latest"], "score"])
        assert again == analysis.progress.headline


@pytest.fixture(scope="module")
def analyses_demo():
    import collablib

    return [collablib.analyse(c, comparators="[]") for c in ("cohort-3",)]


def test_the_chart_is_drawn_with_its_alt_text(analyses_demo):
    progress = analyses_demo[0].progress
    figure = display.figure(plots.progress_chart(progress), alt=plots.progress_alt_text(progress))
    teams = progress.headline.teams_scored
    assert '<svg role="img"' in figure.markup
    assert f"IHI assessment scores for {teams} teams" in figure.markup


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("0.5e0", False),
        ("+1.0", False),
        ("1,5", False),
        ("3.50", True),  # a trailing zero is still the scale point 3.5
        (" 3.5 ", True),  # cells are read with surrounding spaces trimmed, as in every file
    ],
)
def test_only_plain_scale_points_are_scores(data, value, accepted):
    rows = [list(r) for r in HAND_ROWS]
    rows[0][2] = value
    write_progress(data / "raw" / "alpha", rows)
    if accepted:
        assert load_cohort("alpha", data).progress.scores["score"].iloc[0] == 3.5
        return
    with pytest.raises(CollabError) as caught:
        load_cohort("alpha", data)
    assert "row 2" in str(caught.value) and 'column "score"' in str(caught.value)


def test_a_duplicate_row_error_says_what_is_wrong_and_what_is_allowed(data):
    write_progress(data / "raw" / "alpha", [*HAND_ROWS, HAND_ROWS[1]])
    with pytest.raises(CollabError) as caught:
        load_cohort("alpha", data)
    text = str(caught.value)
    assert "a second team score for team A1 in 2021-03 (the first is in row 3)" in text
    assert "row 7" in text and "Allowed: one row per team, month and assessor" in text


def test_stopping_early_is_judged_within_each_cohort_of_a_pooled_year():
    rows = scores(
        [
            ("T1", "2021-01", "3.0", "team"),
            ("T1", "2021-03", "3.5", "team"),  # cohort a runs to March
            ("T1", "2020-11", "2.0", "team"),  # cohort b ends in November: not early
            ("T2", "2020-10", "2.0", "team"),
            ("T2", "2020-11", "2.5", "team"),
        ]
    )
    rows["cohort_id"] = ["a", "a", "b", "b", "b"]
    teams = pd.DataFrame({"cohort_id": ["a", "b", "b"], "team_id": ["T1", "T1", "T2"]})
    summary = summarise_progress(rows, teams)
    assert summary is not None
    assert not summary.latest["stopped_early"].any()
    assert summary.latest.set_index(["cohort_id", "team_id"])["score"].to_dict() == {
        ("a", "T1"): 3.5,
        ("b", "T1"): 2.0,
        ("b", "T2"): 2.5,
    }


def test_the_assessor_is_read_in_any_case(data):
    rows = [list(r) for r in HAND_ROWS]
    rows[2][3] = "Faculty"
    rows[1][3] = "TEAM"
    write_progress(data / "raw" / "alpha", rows)
    assert set(load_cohort("alpha", data).progress.scores["assessed_by"]) == {"team", "faculty"}
    rows[0] = ["A1", "2021-03", "3.5", "Team"]  # now a second team score for A1 in 2021-03
    write_progress(data / "raw" / "alpha", rows)
    with pytest.raises(CollabError, match="a second team score for team A1 in 2021-03"):
        load_cohort("alpha", data)
