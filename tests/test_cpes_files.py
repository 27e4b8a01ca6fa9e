"""CPES files as really published: the dashboard layout, workbooks with cover sheets, file names.

Each test writes small files in a published layout (``../shared/reference/``) into a
``cpes/`` folder of its own and reads them with :func:`collablib.data.cpes.load_cpes`.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from collablib.cli import main
from collablib.cpes import analysis as cpes_analysis
from collablib.data.cpes import load_cpes
from collablib.data.ingest import read_table
from collablib.errors import CollabError
from collablib.report import tables

ADJUSTED_WITHIN = "Adjusted Score between Expected Upper and Lower Ranges"
ADJUSTED_BELOW = "Adjusted Score below Expected Lower Range"
DASHBOARD = [
    "Geog",
    "Trust.Code",
    "Trust.Name",
    "Year",
    "Question.Number",
    "Question.Text",
    "Cancer.Type",
    "Gender",
    "IMD",
    "adjusted.unadjusted.yearonyear",
    "Number.of.responses",
    "scored.percentage",
    "Lower.95..confidence.interval",
    "Upper.95..confidence.interval",
    "Expected.Range..lower.",
    "Expected.Range..upper.",
    "Performance",
    "Performance.Rating",
]
PLAIN = [
    "Geog",
    "Trust Code",
    "Trust Name",
    "Year",
    "Question Number",
    "Question Text",
    "Number of responses",
    "Scored percentage",
    "Lower 95% confidence interval",
    "Upper 95% confidence interval",
    "Expected Range (lower)",
    "Expected Range (upper)",
    "Performance",
]
QUESTIONS = [
    ("side_effects_explained", "Q13", "Side effects explained", "percent"),
    ("overall_care_rating", "Q59", "Overall rating of care", "mean_0_10"),
]


def cpes_folder(root: Path, years: tuple[int, ...] = (2019, 2021), toml: str = "") -> Path:
    """A data folder whose cpes/ has the project files (no results yet)."""
    folder = root / "cpes"
    folder.mkdir(parents=True)
    rows = ["question_key,year,question_number,question_text,score_type"]
    for year in years:
        rows += [f"{k},{year},{n},{t},{s}" for k, n, t, s in QUESTIONS]
    (folder / "question_map.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "cpes_years.csv").write_text(
        "year,sample_start,sample_end,method\n"
        + "".join(f"{y},{y}-04-01,{y}-06-30,method {y}\n" for y in years),
        encoding="utf-8",
    )
    (folder / "cpes.toml").write_text("[suppression]\nmin_responses = 21\n" + toml)
    return root


def one_team(org_code: str, questions: str) -> pd.DataFrame:
    """teams.csv as loaded, with one team at ``org_code`` targeting ``questions``."""
    return pd.DataFrame(
        {
            "team_id": ["T1"],
            "team_name": ["T"],
            "org_code": [org_code],
            "cpes_questions": [questions],
            "row": [2],
        }
    )


def some_teams(org_codes: list[str], groups: list[str], questions: list[str]) -> pd.DataFrame:
    """teams.csv as loaded: team T<n> ("Team <n>") at the nth trust, with its tumour group and
    targeted questions."""
    numbers = range(1, len(org_codes) + 1)
    return pd.DataFrame(
        {
            "team_id": [f"T{n}" for n in numbers],
            "team_name": [f"Team {n}" for n in numbers],
            "org_code": org_codes,
            "tumour_group": groups,
            "cpes_questions": questions,
            "row": [n + 1 for n in numbers],
        }
    )


def without_cpes(data: Path) -> Path:
    """A copy of the demo project (the CLI needs one) with no CPES folder, and whose teams
    target no CPES question (``validate`` checks targets against the question map)."""
    from tests.conftest import read_rows, write_rows

    shutil.rmtree(data / "cpes")
    for teams in sorted((data / "raw").glob("*/teams.csv")):
        rows = read_rows(teams)
        write_rows(teams, [{**r, "cpes_questions": ""} for r in rows])
    return data


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding="utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def dash(geog, code, name, year, q, kind, n, score, lo="", hi="", elo="", ehi="", perf="", **by):
    text = dict(QUESTIONS_TEXT)[q]
    return [
        geog,
        code,
        name,
        year,
        q,
        text,
        by.get("cancer", "All"),
        by.get("gender", "All"),
        by.get("imd", "All"),
        kind,
        n,
        score,
        lo,
        hi,
        elo,
        ehi,
        perf,
        "",
    ]


QUESTIONS_TEXT = [(n, t) for _, n, t, _ in QUESTIONS]


ADJUSTED_ABOVE = "Adjusted Score above Expected Upper Range"


def published(year: int) -> dict[str, dict[str, tuple]]:
    """The whole-trust and England results of one year, as a plain trust table gives them.

    (n, score, ci_low, ci_high[, expected_low, expected_high, performance]); a trust with
    only a count has a suppressed result. The years differ, so every change is non-zero.
    """
    d = 0 if year == 2019 else 1
    return {
        "Q13": {
            "": (61268, 72.4 + d, 72.0 + d, 72.8 + d),
            "RAA": (300, 70.1 + 2 * d, 64.6 + 2 * d, 75.0 + 2 * d, 66.0, 78.0, ADJUSTED_WITHIN),
            "RCC": (450, 80.5 - d, 76.6 - d, 83.9 - d, 68.0, 79.0, ADJUSTED_ABOVE),
            "RBB": (16,),
        },
        "Q59": {
            "": (60000, 8.88, 8.87, 8.89),
            "RAA": (310, 8.71 + d / 10, 8.55 + d / 10, 8.87 + d / 10, 8.70, 9.05, ADJUSTED_WITHIN),
            "RCC": (420, 9.20 - d / 20, 9.05 - d / 20, 9.35 - d / 20, 8.68, 9.08, ADJUSTED_ABOVE),
            "RBB": (16,),
        },
    }


def full_dashboard_rows(year: int = 2019) -> list[list[object]]:
    """:func:`published` in the dashboard layout, with every other row the dashboard has.

    Every row that must not be read differs from the one that must: unadjusted rows score
    1.3 lower, breakdowns differ, a CCG's code looks like a trust's, and suppressed rows
    carry the "below expected" text the dashboard publishes on them.
    """
    rows = []
    for q, results in published(year).items():
        n, score, lo, hi = results[""]
        nat = ("National", "All", "National", year, q)
        rows.append(dash(*nat, "unadjusted", f"{n:,}", score, lo, hi))
        rows.append(dash(*nat, "yearonyear", f"{n:,}", round(score)))
        rows.append(dash(*nat, "unadjusted", n // 2, score - 3, lo - 3, hi - 3, gender="Male"))
        for code, values in results.items():
            if not code:
                continue
            trust = ("Trust", code, "Trust " + code, year, q)
            if len(values) == 1:  # suppressed: count kept, "below" text published anyway
                rows.append(dash(*trust, "adjusted", values[0], "", perf=ADJUSTED_BELOW))
                rows.append(dash(*trust, "unadjusted", values[0], ""))
                rows.append(dash(*trust, "yearonyear", values[0], ""))
                continue
            n, score, lo, hi, elo, ehi, perf = values
            rows.append(dash(*trust, "adjusted", n, score, lo, hi, elo, ehi, perf))
            rows.append(dash(*trust, "unadjusted", n, score - 1.3, lo - 1.3, hi - 1.3))
            rows.append(dash(*trust, "yearonyear", n, round(score)))
            rows.append(dash(*trust, "unadjusted", 60, score + 5, cancer="Skin"))
            rows.append(dash(*trust, "unadjusted", 12, score + 6, cancer="Lung"))
            rows.append(dash(*trust, "unadjusted", n // 2, score - 2, gender="Female"))
            rows.append(dash(*trust, "unadjusted", n // 5, score + 1, imd="3"))
        rows.append(dash("CCG", "RCC", "NHS Rivermoor CCG", year, q, "unadjusted", 900, 50.0))
        rows.append(dash("CCG", "00L", "NHS Northmoor CCG", year, q, "unadjusted", 900, 71.0))
        rows.append(
            dash("Cancer Alliance", "E56000003", "Northmoor", year, q, "unadjusted", 4000, 71.5)
        )
    return rows


def plain_rows(year: int) -> list[list[object]]:
    """:func:`published` as a plain trust table with no Geog column (England by its name)."""
    out = []
    for q, results in published(year).items():
        text = dict(QUESTIONS_TEXT)[q]
        for code, values in results.items():
            name = "England" if not code else "Trust " + code
            if len(values) == 1:
                out.append([code, name, year, q, text, values[0], "*", "*", "*", "", "", ""])
            else:
                padded = (*values, "", "", "")[:7]
                out.append([code, name, year, q, text, *padded])
    return out


def test_the_dashboard_layout_reads_adjusted_whole_trust_rows_and_england(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    write_csv(root / "cpes" / "dashboard_2019.csv", DASHBOARD, full_dashboard_rows(), "cp1252")
    cpes = load_cpes(root)
    source = published(2019)
    trusts = cpes.trusts().set_index(["org_code", "question_number"])
    expected = sorted((code, q) for q, by in source.items() for code in by if code)
    assert sorted(trusts.index) == expected  # the CCG coded "RCC" is not taken for the trust
    for (code, q), row in trusts.iterrows():
        values = source[q][code]
        if len(values) == 1:
            # Suppressed: the count is kept, there is no score, and the "below expected"
            # text published on the row is not a flag.
            assert row["suppressed"] and row["responses"] == values[0]
            assert math.isnan(row["score"]) and row["performance"] == ""
            continue
        n, score, lo, hi, elo, ehi, _ = values
        got = (row["responses"], row["score"], row["ci_low"], row["ci_high"])
        assert got == pytest.approx((n, score, lo, hi))  # the adjusted row, not the unadjusted
        assert (row["expected_low"], row["expected_high"]) == (elo, ehi)
        assert not row["unadjusted"] and not row["suppressed"]
    assert trusts.loc[("RAA", "Q13"), "performance"] == "within"
    assert trusts.loc[("RCC", "Q13"), "performance"] == "above"
    national = cpes.national().set_index("question_number")
    assert national.loc["Q13", "score"] == 72.4 and national.loc["Q13", "responses"] == 61268
    assert national.loc["Q59", "score"] == 8.88  # a mean: never multiplied by 100
    assert not cpes.results["org_code"].isin(["00L", "E56000003"]).any()
    listing = {f.path.name: f.read_as for f in cpes.listing}["dashboard_2019.csv"]
    assert "dashboard layout" in listing and "4 CCG rows" in listing
    assert "2 Cancer Alliance rows" in listing and "8 year-on-year rows" in listing
    assert "(all case-mix adjusted)" in listing
    # Whole-trust rows by cancer type are kept apart, as tumour-group context.
    skin = cpes.breakdowns[cpes.breakdowns["cancer_type"] == "Skin"]
    assert len(skin) == 4 and not skin["suppressed"].any()
    lung = cpes.breakdowns[cpes.breakdowns["cancer_type"] == "Lung"]
    assert lung["suppressed"].all() and lung["score"].isna().all()  # 12 < 21


def test_an_unadjusted_whole_trust_row_is_the_fallback_and_is_logged(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    rows = [
        dash("National", "All", "National", 2019, "Q13", "unadjusted", 5000, 72.0),
        dash("Trust", "RAA", "A", 2019, "Q13", "unadjusted", 300, 69.0, 63.5, 74.0),
        dash("Trust", "RAA", "A", 2019, "Q13", "yearonyear", 300, 69),
        dash(
            "Trust", "RBB", "B", 2019, "Q13", "adjusted", 300, 75.0, 70, 80, 66, 78, ADJUSTED_WITHIN
        ),
        dash("Trust", "RBB", "B", 2019, "Q13", "unadjusted", 300, 74.0, 69, 79),
    ]
    write_csv(root / "cpes" / "dashboard_2019.csv", DASHBOARD, rows)
    cpes = load_cpes(root)
    trusts = cpes.trusts().set_index("org_code")
    assert trusts.loc["RAA", "score"] == 69.0 and trusts.loc["RBB", "score"] == 75.0
    assert math.isnan(trusts.loc["RAA", "expected_low"])  # unadjusted rows have no range
    listing = {f.path.name: f.read_as for f in cpes.listing}["dashboard_2019.csv"]
    assert "(1 unadjusted, as no case-mix-adjusted row was published for them)" in listing
    assert trusts.loc["RAA", "unadjusted"] and not trusts.loc["RBB", "unadjusted"]
    teams = one_team("RAA", "Q13")
    result = cpes_analysis.analyse_cohort(cpes, teams, date(2019, 9, 1), date(2020, 3, 31))
    assert result.table.iloc[0]["baseline_unadjusted"]
    cell = tables.cpes_team_table(result.table)["Baseline (2019)"].iloc[0]
    assert cell == "69.0% (n = 300), unadjusted (no case-mix-adjusted result published)"
    assert ("dashboard_2019.csv", listing) in result.files  # the report's data-quality table


def test_the_full_dashboard_layout_gives_the_same_cpes_entries_as_a_plain_trust_table(tmp_path):
    teams = some_teams(["RAA", "RBB", "RCC"], ["Skin", "", "Lung"], ["Q13;Q59", "Q13", "Q13;Q59"])
    results = {}
    for layout in ("dashboard", "plain"):
        root = cpes_folder(tmp_path / layout)
        for year in (2019, 2021):
            if layout == "dashboard":
                rows = full_dashboard_rows(year)
                path = root / "cpes" / f"cpes_{year}_dashboard.csv"
                write_csv(path, DASHBOARD, rows, "cp1252")
            else:
                path = root / "cpes" / f"cpes_{year}_results.csv"
                write_csv(path, PLAIN[1:], plain_rows(year))
        results[layout] = cpes_analysis.analyse_cohort(
            load_cpes(root), teams, date(2020, 6, 1), date(2021, 3, 31)
        )
    entries = {k: cpes_analysis.as_json(r.table) for k, r in results.items()}
    assert len(entries["dashboard"]) == 5
    assert all(e["change"] not in (None, 0) for e in entries["dashboard"] if e["org_code"] != "RBB")
    assert entries["dashboard"] == entries["plain"]
    # England and the flags by year agree too (they are not all in the entries).
    columns = ["team_id", "question", "year", "score", "ci_low", "national", "flag", "suppressed"]
    pd.testing.assert_frame_equal(
        results["dashboard"].yearly[columns], results["plain"].yearly[columns]
    )


@pytest.mark.parametrize(
    ("geog", "kind", "column", "value"),
    [
        ("Health Board", "adjusted", "Geog", "Health Board"),
        ("Trust", "case-mix", "adjusted.unadjusted.yearonyear", "case-mix"),
    ],
)
def test_an_unknown_geography_or_kind_of_score_is_a_clear_error(
    tmp_path, geog, kind, column, value
):
    root = cpes_folder(tmp_path, years=(2019,))
    rows = [dash(geog, "RAA", "A", 2019, "Q13", kind, 300, 70.0)]
    write_csv(root / "cpes" / "dashboard_2019.csv", DASHBOARD, rows)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert (info.value.row, info.value.column, info.value.value) == (2, column, value)
    assert info.value.file.endswith("dashboard_2019.csv")


def test_a_mean_score_out_of_range_or_a_percentage_over_100_is_an_error(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    rows = [
        ["Trust", "RAA", "A", 2019, "Q13", "Side effects", 300, 70.0, 65, 75, 60, 80, ""],
        ["Trust", "RAA", "A", 2019, "Q59", "Overall", 300, 88.3, 87, 89, 86, 90, ""],
    ]
    write_csv(root / "cpes" / "cpes_2019_results.csv", PLAIN, rows)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.row == 3 and info.value.value == "88.3"
    assert "mean from 0 to 10" in info.value.allowed


def make_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


NO_YEAR = [h for h in PLAIN if h != "Year"]


def trust_table(year_column: bool = False) -> list[list[object]]:
    header = PLAIN if year_column else NO_YEAR
    rows = [
        [
            "National",
            None,
            "England",
            "Q13",
            "Side effects",
            61268,
            72.4,
            72.0,
            72.8,
            None,
            None,
            None,
        ],
        [
            "Trust",
            "RAA",
            "Trust A",
            "Q13",
            "Side effects",
            300,
            70.1,
            64.6,
            75.0,
            66,
            78,
            ADJUSTED_WITHIN,
        ],
        ["Trust", "RBB", "Trust B", "Q13", "Side effects", 17, "*", "*", "*", "*", "*", None],
    ]
    if year_column:
        rows = [[*r[:3], 2022, *r[3:]] for r in rows]
    return [header, *rows]


COVER = [["National Cancer Patient Experience Survey 2022"], [], ["Published July 2023"]]
CONTENTS = [["Sheet", "Description"], ["Trust results", "Table 1"]]
TITLE = [["Table 1: Trust-level results, 2022"], ["Source: synthetic"], []]


def test_a_workbook_with_a_cover_sheet_and_a_title_is_read_from_its_table(tmp_path):
    root = cpes_folder(tmp_path, years=(2019, 2022))
    make_workbook(
        root / "cpes" / "NCPES_2022_trust_level_data.xlsx",
        {"Cover": COVER, "Contents": CONTENTS, "Trust results": TITLE + trust_table(), "Notes": []},
    )
    cpes = load_cpes(root)
    trusts = cpes.trusts().set_index("org_code")
    assert set(cpes.results["year"]) == {2022}  # no Year column: the year of the file's name
    assert trusts.loc["RAA", "score"] == 70.1 and trusts.loc["RBB", "suppressed"]
    assert int(trusts.loc["RAA", "row"]) == 6  # the spreadsheet row: header in row 4
    listing = {f.path.name: f.read_as for f in cpes.listing}
    read_as = listing["NCPES_2022_trust_level_data.xlsx"]
    assert "sheet \u201cTrust results\u201d" in read_as and "header found in row 4" in read_as
    assert "2022 (from the file name)" in read_as
    # 2019 has no results file: a warning, and the report's caveats list it.
    assert cpes.missing_years == [2019]
    assert any("2019" in w and "cpes_years.csv" in w for w in cpes.warnings)


def test_a_bad_value_in_a_workbook_names_its_spreadsheet_row(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    table = trust_table()
    table[2][6] = "seventy"
    make_workbook(root / "cpes" / "NCPES_2022.xlsx", {"Cover": COVER, "Data": TITLE + table})
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert (info.value.row, info.value.column, info.value.value) == (6, "score", "seventy")


def test_an_ambiguous_workbook_fails_with_status_2_naming_the_sheets_and_the_setting(
    data_copy, capsys
):
    root = cpes_folder(without_cpes(data_copy), years=(2022,))
    path = root / "cpes" / "NCPES_2022.xlsx"
    make_workbook(path, {"Cover": COVER, "Adjusted": trust_table(), "Copy": trust_table()})
    assert main(["--data-dir", str(root), "validate"]) == 2
    err = capsys.readouterr().err
    assert "NCPES_2022.xlsx" in err and "\u201cAdjusted\u201d" in err and "\u201cCopy\u201d" in err
    assert '[file."NCPES_2022.xlsx"]' in err and "Traceback" not in err
    # Naming the sheet (and its header row) in cpes.toml resolves it.
    with (root / "cpes" / "cpes.toml").open("a") as fh:
        fh.write('[file."NCPES_2022.xlsx"]\nsheet = "Copy"\nheader_row = 1\n')
    assert main(["--data-dir", str(root), "validate"]) == 0
    out = capsys.readouterr().out
    assert "sheet \u201cCopy\u201d" in out


def test_a_workbook_with_no_table_fails_naming_the_sheets_looked_at(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    make_workbook(root / "cpes" / "NCPES_2022.xlsx", {"Cover": COVER, "Contents": CONTENTS})
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    message = str(info.value)
    assert "\u201cCover\u201d" in message and "\u201cContents\u201d" in message
    assert '[file."NCPES_2022.xlsx"]' in message


def test_a_csv_with_title_rows_is_read_from_its_header(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    path = root / "cpes" / "cpes_2022_results.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([["Table 1: trust results"], [], *trust_table(year_column=True)])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    trusts = load_cpes(root).trusts().set_index("org_code")
    assert trusts.loc["RAA", "score"] == 70.1 and int(trusts.loc["RAA", "row"]) == 5


def test_read_table_numbers_rows_below_a_title_as_the_spreadsheet_does(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("A title\n\nid,value\n1,x\n2,y\n", encoding="utf-8")
    frame, source = read_table(path, header_test=lambda cells: "id" in cells)
    assert list(frame.index) == [4, 5] and source.header_row == 3
    frame, _ = read_table(path, header_row=3)
    assert list(frame["value"]) == ["x", "y"]


def test_a_one_year_file_takes_its_year_from_its_name_or_the_settings(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    table = trust_table()
    make_workbook(root / "cpes" / "ncpes_trust_data.xlsx", {"Data": table})
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert "year_pattern" in info.value.allowed and info.value.value == "ncpes_trust_data.xlsx"
    (root / "cpes" / "ncpes_trust_data.xlsx").rename(root / "cpes" / "ncpes_2020_data.xlsx")
    with pytest.raises(CollabError, match="2020, is not a survey year"):
        load_cpes(root)
    with (root / "cpes" / "cpes.toml").open("a") as fh:
        fh.write('[file."ncpes_2020_data.xlsx"]\nyear = 2022\n')
    assert set(load_cpes(root).results["year"]) == {2022}


def test_results_files_are_found_by_configurable_name_patterns(data_copy, capsys):
    root = cpes_folder(without_cpes(data_copy), years=(2022,))
    write_csv(
        root / "cpes" / "NCPES_2022_trust_level_data.csv", *_split(trust_table(year_column=True))
    )
    write_csv(root / "cpes" / "trust_scores_2022.csv", *_split(trust_table(year_column=True)))
    cpes = load_cpes(root)
    assert {Path(f).name for f in cpes.results["file"]} == {"NCPES_2022_trust_level_data.csv"}
    (warning,) = [w for w in cpes.warnings if "trust_scores_2022.csv" in w]
    assert "[files] results" in warning
    assert main(["--data-dir", str(root), "validate"]) == 0
    captured = capsys.readouterr()
    assert "trust_scores_2022.csv: not read" in captured.out
    assert "warning:" in captured.err and "[files] results" in captured.err
    # Naming a pattern reads it (and the two files then overlap: a clear error).
    with (root / "cpes" / "cpes.toml").open("a") as fh:
        fh.write('[files]\nresults = ["*scores*"]\n')
    assert {Path(f).name for f in load_cpes(root).results["file"]} == {"trust_scores_2022.csv"}


def _split(table: list[list[object]]) -> tuple[list[str], list[list[object]]]:
    return [str(h) for h in table[0]], [["" if v is None else v for v in r] for r in table[1:]]


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("[suppression]\nmin_response = 21\n", "suppression.min_response"),
        ('[files]\nresult = ["*"]\n', "files.result"),
        ('[file."x.csv"]\nheader = 4\n', 'file."x.csv".header'),
        ("[files]\nyear_pattern = '(20'\n", "files.year_pattern"),
    ],
)
def test_cpes_settings_are_checked_key_by_key(tmp_path, text, column):
    root = cpes_folder(tmp_path, years=(2022,))
    (root / "cpes" / "cpes.toml").write_text(text)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.column == column and info.value.file.endswith("cpes.toml")


def test_fast_number_parsing_gives_what_the_rule_gives():
    from collablib.data.cpes_layout import is_suppressed_marker, numbers

    def rule(series: pd.Series) -> pd.Series:  # the documented rule, one step at a time
        cleaned = (
            series.str.strip()
            .str.replace(",", "", regex=False)
            .str.replace("%", "", regex=False)
            .str.strip()
        )
        return pd.to_numeric(cleaned.where(~is_suppressed_marker(series)), errors="coerce")

    rng = random.Random(7)
    pieces = [*"0123456789.,% -+eE*naNAsS\t", "inf", "nan", "n/a", "1,234", " 7 "]
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(20000)]
    series = pd.Series(cells, dtype="string")
    fast, slow = numbers(series), rule(series).astype(float)
    assert ((fast == slow) | (fast.isna() & slow.isna())).all()


def test_a_mean_score_is_never_rescaled_as_a_fraction(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    rows = [  # the same small numbers, once for a percentage question and once for a mean
        ["Trust", "RAA", "A", 2019, "Q13", "Side effects", 300, 0.9, 0.8, 1.0, 0.7, 1.0, ""],
        ["Trust", "RAA", "A", 2019, "Q59", "Overall", 300, 0.9, 0.8, 1.0, 0.7, 1.0, ""],
    ]
    write_csv(root / "cpes" / "cpes_2019_results.csv", PLAIN, rows)
    trusts = load_cpes(root).trusts().set_index("question_number")
    assert trusts.loc["Q13", "score"] == pytest.approx(90.0) and trusts.loc["Q13", "was_fraction"]
    assert trusts.loc["Q59", "score"] == 0.9 and not trusts.loc["Q59", "was_fraction"]


def test_national_rows_prefer_the_adjusted_row_and_an_all_code_is_england(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    rows = [
        dash("National", "All", "National", 2019, "Q13", "unadjusted", 5000, 71.0),
        dash("National", "All", "National", 2019, "Q13", "adjusted", 5000, 72.0),
        dash("Trust", "RAA", "A", 2019, "Q13", "adjusted", 300, 70.0, 65, 75, 66, 78),
    ]
    write_csv(root / "cpes" / "dashboard_2019.csv", DASHBOARD, rows)
    assert load_cpes(root).national()["score"].tolist() == [72.0]
    # Without a Geog column, the code "All" is England whatever its name.
    plain = [
        ["All", "All trusts", 2019, "Q13", "Side effects", 5000, 72.0, 71.6, 72.4, "", "", ""],
        ["RAA", "Trust A", 2019, "Q13", "Side effects", 300, 70.0, 65, 75, 66, 78, ""],
    ]
    write_csv(root / "cpes" / "dashboard_2019.csv", PLAIN[1:], plain)
    cpes = load_cpes(root)
    assert cpes.national()["score"].tolist() == [72.0] and cpes.trusts()["org_code"].tolist() == [
        "RAA"
    ]


def test_a_header_row_set_without_a_sheet_picks_the_sheet_that_has_it(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,), toml='[file."NCPES_2022.xlsx"]\nheader_row = 4\n')
    make_workbook(
        root / "cpes" / "NCPES_2022.xlsx",
        {"Cover": COVER, "Contents": CONTENTS, "Trust results": TITLE + trust_table()},
    )
    cpes = load_cpes(root)
    read_as = {f.path.name: f.read_as for f in cpes.listing}["NCPES_2022.xlsx"]
    assert "sheet \u201cTrust results\u201d" in read_as and "header set to row 4" in read_as
    assert len(cpes.trusts()) == 2


def test_a_lookup_sheet_with_some_cpes_columns_does_not_make_a_workbook_ambiguous(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    lookup = [["Trust Code", "Trust Name", "Year", "Geography"], ["RAA", "Trust A", 2022, "Trust"]]
    make_workbook(
        root / "cpes" / "NCPES_2022.xlsx",
        {"Cover": COVER, "Trust lookup": lookup, "Trust results": TITLE + trust_table()},
    )
    read_as = {f.path.name: f.read_as for f in load_cpes(root).listing}["NCPES_2022.xlsx"]
    assert "sheet \u201cTrust results\u201d" in read_as


def test_the_ambiguity_message_lists_every_sheet_looked_at(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    make_workbook(
        root / "cpes" / "NCPES_2022.xlsx",
        {"Cover": COVER, "A": trust_table(), "B": trust_table()},
    )
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert "sheets looked at: \u201cCover\u201d, \u201cA\u201d, \u201cB\u201d" in str(info.value)


@pytest.mark.parametrize(
    ("pattern", "name"),
    [("(20[0-9]{2})_(v[0-9])", "NCPES_2022_v2.csv"), ("NCPES", "NCPES_2022.csv")],
)
def test_a_year_pattern_that_finds_no_year_is_a_clear_error(tmp_path, pattern, name):
    toml = f"[files]\nyear_pattern = '{pattern}'\n"
    root = cpes_folder(tmp_path, years=(2022,), toml=toml)
    write_csv(root / "cpes" / name, *_split(trust_table()))
    if pattern.startswith("(20"):  # the first group is the year: read
        assert set(load_cpes(root).results["year"]) == {2022}
        return
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.value == "NCPES" and "year_pattern" in info.value.allowed


def test_a_repeated_column_heading_is_read_like_pandas_does(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    header, rows = _split(trust_table(year_column=True))
    write_csv(
        root / "cpes" / "cpes_2022_results.csv",
        [*header, "Scored percentage"],
        [[*r, "x"] for r in rows],
    )
    trusts = load_cpes(root).trusts().set_index("org_code")
    assert trusts.loc["RAA", "score"] == 70.1  # the first "Scored percentage"


def test_tumour_group_rows_follow_their_own_threshold(tmp_path):
    toml = "breakdown_min_responses = 10\n"
    root = cpes_folder(tmp_path, years=(2019,))
    (root / "cpes" / "cpes.toml").write_text("[suppression]\nmin_responses = 21\n" + toml)
    rows = [
        dash("Trust", "RAA", "A", 2019, "Q13", "adjusted", 300, 70.0, 65, 75, 66, 78),
        dash("Trust", "RAA", "A", 2019, "Q13", "unadjusted", 15, 60.0, 40, 80, cancer="Skin"),
        dash("Trust", "RAA", "A", 2019, "Q13", "unadjusted", 9, 50.0, 30, 70, cancer="Lung"),
    ]
    write_csv(root / "cpes" / "dashboard_2019.csv", DASHBOARD, rows)
    table = load_cpes(root).breakdowns.set_index("cancer_type")
    assert table.loc["Skin", "score"] == 60.0 and not table.loc["Skin", "suppressed"]
    assert table.loc["Lung", "suppressed"] and math.isnan(table.loc["Lung", "score"])


def test_each_team_gets_its_own_tumour_group_at_its_own_trust_in_year_order(tmp_path):
    """Tumour-group context: the team's group folded for case and punctuation, at the trust
    whose results stand for the team's in each year, for its own target questions only; a
    team with no tumour group gets none. Rows go team by team, question by question, year by
    year, in the order the published rows come."""
    root = cpes_folder(tmp_path, years=(2019, 2021))
    (root / "cpes" / "cpes.toml").write_text(
        "[suppression]\nmin_responses = 21\nbreakdown_min_responses = 10\n"
    )
    for year, skin in ((2019, 55.0), (2021, 61.0)):
        rows = [
            dash("Trust", "RAA", "A", year, "Q13", "adjusted", 300, 70.0, 65, 75, 66, 78),
            dash("Trust", "RBB", "B", year, "Q13", "adjusted", 300, 72.0, 67, 77, 66, 78),
            dash("Trust", "RAA", "A", year, "Q13", "unadjusted", 40, skin, 40, 70, cancer="Skin"),
            dash("Trust", "RAA", "A", year, "Q13", "unadjusted", 30, 50.0, 30, 70, cancer="Lung"),
            dash("Trust", "RBB", "B", year, "Q13", "unadjusted", 35, 65.0, 45, 80, cancer="Skin"),
            dash("Trust", "RAA", "A", year, "Q59", "unadjusted", 40, 80.0, 60, 90, cancer="Skin"),
        ]
        write_csv(root / "cpes" / f"dashboard_{year}.csv", DASHBOARD, rows)
    teams = some_teams(["RAA", "RAA", "RBB"], [" SKIN! ", "", "Skin"], ["Q13"] * 3)
    result = cpes_analysis.analyse_cohort(
        load_cpes(root), teams, date(2020, 6, 1), date(2021, 3, 31)
    )
    got = result.tumour[["team_id", "org_code", "year", "tumour_group", "score"]]
    assert got.values.tolist() == [
        ["T1", "RAA", 2019, "Skin", 55.0],
        ["T1", "RAA", 2021, "Skin", 61.0],
        ["T3", "RBB", 2019, "Skin", 65.0],
        ["T3", "RBB", 2021, "Skin", 65.0],
    ]
    assert set(result.tumour["question"]) == {"Q13"}  # Q59 is no team's target


@pytest.mark.parametrize("key", ["min_responses", "breakdown_min_responses"])
def test_a_threshold_that_would_show_counts_of_1_to_7_is_refused(tmp_path, key):
    root = cpes_folder(tmp_path, years=(2019,))
    (root / "cpes" / "cpes.toml").write_text(f"[suppression]\n{key} = 5\n")
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.column == key and "at least 8" in str(info.value)


def test_settings_that_do_not_apply_to_a_file_are_warned_of(tmp_path):
    toml = '[file."cpes_2022_results.csv"]\nyear = 2022\nsheet = "Data"\n'
    root = cpes_folder(tmp_path, years=(2022,), toml=toml)
    write_csv(root / "cpes" / "cpes_2022_results.csv", *_split(trust_table(year_column=True)))
    warnings = " ".join(load_cpes(root).warnings)
    assert "year = 2022 was not used: the file has a Year column" in warnings
    assert "sheet was not used: the file is not a workbook" in warnings


def test_a_suppressed_result_with_many_responses_reads_not_published(tmp_path):
    root = cpes_folder(tmp_path, years=(2019, 2021))
    rows = {
        2019: ["Trust", "RAA", "A", 2019, "Q13", "Side effects", 300, "", "", "", "", "", ""],
        2021: ["Trust", "RAA", "A", 2021, "Q13", "Side effects", 12, "", "", "", "", "", ""],
    }
    for year, row in rows.items():
        write_csv(root / "cpes" / f"cpes_{year}_results.csv", PLAIN, [row])
    teams = one_team("RAA", "Q13")
    result = cpes_analysis.analyse_cohort(
        load_cpes(root), teams, date(2020, 6, 1), date(2021, 3, 31)
    )
    table = tables.cpes_team_table(result.table, min_responses=21)
    assert table["Baseline (2019)"].iloc[0].startswith("not published")
    assert table["Follow-up (2021)"].iloc[0] == "suppressed (too few responses)"


def test_validate_checks_the_teams_targeted_questions_as_a_report_does(data_copy, capsys):
    from tests.conftest import read_rows, write_rows

    path = data_copy / "raw" / "cohort-2" / "teams.csv"
    rows = read_rows(path)
    rows[0]["cpes_questions"] = "Q99"
    write_rows(path, rows)
    assert main(["--data-dir", str(data_copy), "validate"]) == 2
    err = capsys.readouterr().err
    assert "cohort-2: PROBLEM" in err and "teams.csv" in err and "Q99" in err


def test_a_row_given_twice_names_both_places(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    header, rows = _split(trust_table(year_column=True))
    write_csv(root / "cpes" / "cpes_2022_results.csv", header, rows)
    write_csv(root / "cpes" / "cpes_2022_results (1).csv", header, rows)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    message = str(info.value)  # the file of the error, and the other place in its text
    assert "cpes_2022_results.csv, row 2" in message and "(1).csv, row 2" in message
    assert "England, 2022, question Q13 appears twice" in message


def test_a_year_set_for_a_file_must_be_a_survey_year(tmp_path):
    toml = '[file."NCPES_data.xlsx"]\nyear = 2020\n'
    root = cpes_folder(tmp_path, years=(2022,), toml=toml)
    make_workbook(root / "cpes" / "NCPES_data.xlsx", {"Data": trust_table()})
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.value == 2020 and info.value.allowed == "2022"


def test_results_for_a_year_that_is_not_a_survey_year_are_warned_of(tmp_path):
    root = cpes_folder(tmp_path, years=(2022,))
    header, rows = _split(trust_table(year_column=True))
    rows = [[*r[:3], 2021, *r[4:]] for r in rows]
    write_csv(root / "cpes" / "cpes_2021_results.csv", header, rows)
    warnings = " ".join(load_cpes(root).warnings)
    assert "has results for 2021, which is not a survey year in cpes_years.csv" in warnings


def test_a_score_outside_its_own_interval_is_an_error(tmp_path):
    root = cpes_folder(tmp_path, years=(2018,))
    row = ["Trust", "RAA", "A", 2018, "Q13", "Side effects", 300, "78.10", "0.6927", "0.8494"]
    write_csv(root / "cpes" / "cpes_2018_results.csv", PLAIN, [[*row, "", "", ""]])
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.row == 2 and info.value.value == "78.10"
    assert "outside its own 95% confidence interval" in str(info.value)


def test_a_quoted_threshold_says_to_remove_the_quotes(tmp_path):
    root = cpes_folder(tmp_path, years=(2019,))
    (root / "cpes" / "cpes.toml").write_text('[suppression]\nmin_responses = "21"\n')
    with pytest.raises(CollabError, match="written without quotes"):
        load_cpes(root)
