"""Tidy outputs: the analysis as tables, CSV files and a Frictionless Data Package.

Every table is checked for disclosure: counts of people below cohort level never show a
value from 1 to 7, and each table's columns are classified, so a new table cannot slip
through unchecked.
"""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from collablib.analysis import CohortAnalysis, analyse
from collablib.build.export import export_files, table_csv
from collablib.cli import main
from tests.conftest import DEMO_DATA

COHORTS = ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"]

#: Columns that count people below cohort level: the disclosure rules apply to them.
BELOW_COHORT_COUNTS = {"survey_by_role": ("respondents", "n", "positive")}
#: Every other numeric column, and why the rules do not apply to it.
OTHER_NUMBERS = {
    "overview": ("teams", "teams_responding", "respondents"),  # cohort totals
    "survey_items": ("n", "positive", "pct", "ci_low", "ci_high"),  # cohort totals
    "survey_by_role": ("pct", "ci_low", "ci_high"),  # shown only where both counts are
    "comparisons": (  # cohort and programme-year totals
        *(f"{side}_{count}" for side in ("this", "other") for count in ("positive", "n", "pct")),
        *("diff", "ci_low", "ci_high", "p_value"),
    ),
    "spc_points": ("value", "centre", "lower_limit", "upper_limit"),  # measures, not people
    "spc_summary": ("points", "target"),  # periods and targets
    "cpes": (  # national CPES results as published by NHS England
        *(f"{when}_{what}" for when in ("baseline", "followup") for what in ("year", "score", "n")),
        *("change", "change_ci_low", "change_ci_high"),
    ),
    "data_quality": ("rows",),  # rows of the export (cohort level)
    "progress": ("score",),  # IHI scores given to teams, not counts of people
    "quotes": (),
}


@pytest.fixture(scope="module")
def analyses() -> dict[str, CohortAnalysis]:
    return {cohort: analyse(cohort, DEMO_DATA) for cohort in COHORTS}


def test_the_tables_are_tidy_and_complete(analyses):
    tables = analyses["cohort-2"].tables()
    assert {
        "survey_items",
        "survey_by_role",
        "comparisons",
        "spc_points",
        "spc_summary",
        "cpes",
        "quotes",
        "data_quality",
    } <= set(tables)
    assert list(tables["survey_items"].columns) == [
        "item",
        "n",
        "positive",
        "pct",
        "ci_low",
        "ci_high",
    ]
    assert list(tables["survey_items"]["item"]) == [
        "team_working",
        "patient_carer_experience",
        "staff_experience",
        "recommend",
    ]
    for name, frame in tables.items():
        assert all(c == c.lower() and " " not in c for c in frame.columns), name
    points = tables["spc_points"]
    assert {"team_id", "measure_id", "period", "value", "centre", "point_type", "rule"} <= set(
        points.columns
    )
    flagged = points[
        points["point_type"].isin(["special_cause_improvement", "special_cause_concern"])
    ]
    assert len(flagged) and flagged["rule"].notna().all()  # each flag says which rule
    summary = tables["spc_summary"]
    assert {"variation_icon", "assurance", "improved_after_change", "sustained"} <= set(summary)


def test_survey_items_equal_collab_summary(analyses):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert (
            main(["--data-dir", str(DEMO_DATA), "summary", "--cohort", "cohort-2", "--json"]) == 0
        )
    summary = json.loads(buffer.getvalue())
    items = analyses["cohort-2"].tables()["survey_items"].set_index("item")
    for item, values in summary["items"].items():
        row = items.loc[item]
        assert (int(row["n"]), int(row["positive"])) == (values["n"], values["positive"])
        assert row[["pct", "ci_low", "ci_high"]].tolist() == [
            values["pct"],
            values["ci_low"],
            values["ci_high"],
        ]
    rec = items.loc["recommend"]
    assert (int(rec["n"]), int(rec["positive"]), rec["pct"]) == (
        summary["recommend"]["n"],
        summary["recommend"]["yes"],
        summary["recommend"]["pct"],
    )


@pytest.mark.parametrize("cohort", COHORTS)
def test_no_table_shows_a_count_of_1_to_7_people_below_cohort_level(analyses, cohort):
    analysis = analyses[cohort]
    policy = analysis.policy
    for name, frame in analysis.tables().items():
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(frame[c])]
        checked = BELOW_COHORT_COUNTS.get(name, ())
        assert set(numeric) <= set(checked) | set(OTHER_NUMBERS[name]), (name, numeric)
        for column in checked:
            shown = frame[column].dropna()
            assert not shown.between(policy.smallest_suppressed, policy.largest_suppressed).any()
    by_role = analysis.tables()["survey_by_role"]
    report = analysis.survey.by_role
    assert (
        by_role["respondents_suppressed"].tolist()
        == (report["respondents_shown"] == policy.symbol).tolist()
    )
    assert by_role["pct"].notna().tolist() == report["pct_shown"].tolist()


def test_rare_cancers_publishes_exactly_what_its_report_hides(analyses):
    by_role = analyses["rare-cancers"].tables()["survey_by_role"]
    hidden = by_role[by_role["n_suppressed"]]
    assert len(hidden) and hidden["n"].isna().all() and hidden["pct"].isna().all()


def test_quotes_are_the_reports_consented_redacted_quotes(analyses):
    analysis = analyses["cohort-2"]
    quotes = analysis.tables()["quotes"]
    assert list(quotes.columns) == ["role", "quote"]
    assert quotes["quote"].tolist() == analysis.survey.quotes["quote"].tolist()
    assert "zoe.hartley@example.nhs.uk" not in " ".join(quotes["quote"])
    assert set(quotes["role"]) <= {"Staff", "Lived experience partner", "Respondent"}


def test_text_a_spreadsheet_would_run_is_written_safely():
    frame = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://x")', "+44 7700", "-2+3", "@SUM(A1)", "plain", None],
            "number": [-1.5, 2, 3, 4, 5, None],
        }
    )
    lines = table_csv(frame).decode("utf-8").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK") and lines[1].endswith(",-1.5")
    assert lines[2].startswith("'+44") and lines[3].startswith("'-2+3")
    assert lines[4].startswith("'@SUM") and lines[5] == "plain,5.0" and lines[6] == ","


def test_the_files_are_byte_reproducible_and_a_valid_data_package(analyses, tmp_path):
    from frictionless import Package

    first = export_files(analyses["cohort-2"])
    again = export_files(analyse("cohort-2", DEMO_DATA))
    assert first == again
    for name, data in first.items():
        (tmp_path / name).write_bytes(data)
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads(first["datapackage.json"])
    assert all(
        field["description"] for r in package["resources"] for field in r["schema"]["fields"]
    )


def test_every_cohort_publishes_the_same_schema_even_when_a_table_is_empty(analyses, tmp_path):
    """Files of several cohorts append cleanly: one type per column, whatever the data."""
    from frictionless import Package

    from collablib.build.export import data_package

    def schema(package: dict) -> dict[str, list[tuple[str, str]]]:
        return {
            r["name"]: [(f["name"], f["type"]) for f in r["schema"]["fields"]]
            for r in package["resources"]
        }

    schemas = {
        cohort: schema(json.loads(export_files(a)["datapackage.json"]))
        for cohort, a in analyses.items()
    }
    first = schemas["cohort-2"]
    assert all(s == first for s in schemas.values())
    assert dict(first["cpes"])["baseline_n"] == "integer"
    for cohort, analysis in analyses.items():  # no column of numbers is declared as text
        for name, frame in analysis.tables().items():
            declared = dict(schemas[cohort][name.replace("_", "-")])
            for column in frame.columns:
                values = frame[column].dropna()
                if declared[column] == "string" and len(values):
                    numbers = pd.to_numeric(values, errors="coerce")
                    assert numbers.isna().any(), (cohort, name, column)
    assert dict(first["overview"])["start_date"] == "date"
    analysis = analyses["cohort-2"]
    empty = {name: frame.iloc[0:0] for name, frame in analysis.tables().items()}
    assert schema(data_package(analysis, empty)) == first
    for name, frame in empty.items():
        (tmp_path / f"{name}.csv").write_bytes(table_csv(frame))
    (tmp_path / "datapackage.json").write_text(json.dumps(data_package(analysis, empty)))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_collab_export_writes_the_files(tmp_path, capsys):
    status = main(
        [
            "--data-dir",
            str(DEMO_DATA),
            "export",
            "--cohort",
            "rare-cancers",
            "--output-dir",
            str(tmp_path),
        ]
    )
    assert status == 0 and "datapackage.json" in capsys.readouterr().out
    assert (tmp_path / "datapackage.json").exists() and (tmp_path / "survey_by_role.csv").exists()


def test_collab_export_names_a_cohort_it_leaves_out_of_the_comparisons(data_copy, tmp_path, capsys):
    teams = data_copy / "raw" / "cohort-1" / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "C1-99,,,,,,\n", encoding="utf-8")
    args = ["--data-dir", str(data_copy), "export", "--cohort", "cohort-2"]
    assert main([*args, "--output-dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "Left out of comparisons.csv" in err and "Cohort 1" in err
    comparators = pd.read_csv(tmp_path / "comparisons.csv")["comparator_id"]
    assert "cohort-1" not in set(comparators) and "rare-cancers" in set(comparators)


def test_the_listing_page_describes_every_column_and_escapes_all_text(analyses):
    from collablib.build.data_listing import listing_page
    from tests.htmltools import parse

    package = json.loads(export_files(analyses["cohort-2"])["datapackage.json"])
    hostile = {**package, "title": "<script>alert(1)</script> & co"}
    page = listing_page(hostile, notice="<b>synthetic</b>")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;synthetic" in page
    parsed = parse(page)
    for resource in package["resources"]:
        rows = next(t["rows"] for t in parsed.tables if t["caption"].endswith(resource["path"]))
        assert [r[0] for r in rows[1:]] == [f["name"] for f in resource["schema"]["fields"]]


def test_collab_export_refuses_an_empty_output_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["--data-dir", str(DEMO_DATA), "export", "--cohort", "cohort-2", "--output-dir", ""]
    assert main(args) == 1
    assert "--output-dir is empty" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_the_data_dictionary_lists_every_published_table_and_column():
    from collablib.build.export import DESCRIPTIONS
    from collablib.paths import PROJECT_ROOT

    dictionary = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for name, (_, columns) in DESCRIPTIONS.items():
        row = next(line for line in dictionary.splitlines() if line.startswith(f"| `{name}.csv`"))
        assert all(f"`{column}`" in row for column in columns), name
