"""The programme-year report: what it states (the published 2020/21 account), where its figures
come from, and how the pipeline builds, keeps and removes it."""

from __future__ import annotations

import html
import shutil
from datetime import date
from pathlib import Path

import pytest

from collablib.analysis import analyse_programme_year
from collablib.build.export import read_tables
from collablib.build.pipeline import build_reports
from collablib.data.registry import load_registry
from collablib.paths import programme_report_id
from collablib.programme import analyse_programme
from tests.conftest import (
    DEMO_DATA,
    TEST_KERNEL,
    make_tiny_data,
    read_rows,
    write_mini_notebook,
    write_rows,
)
from tests.htmltools import external_resources, parse
from tests.test_published_figures import PUBLISHED

YEAR = "2020/21"


@pytest.fixture(scope="module")
def programme():
    return analyse_programme(YEAR, DEMO_DATA)


def first_paragraph(page: str) -> str:
    """The text of the report's first paragraph after its title block."""
    body = page.split("</header>", 1)[1]
    start = body.index("<p")
    return html.unescape(body[start : body.index("</p>", start)])


def test_the_pooled_headline_is_the_one_collab_summary_prints(programme):
    assert programme.headline == analyse_programme_year(YEAR, DEMO_DATA).headline
    assert [a.cohort.cohort_id for a in programme.cohorts] == ["cohort-2", "rare-cancers"]
    assert programme.headline.teams == sum(len(a.teams) for a in programme.cohorts)


def test_the_report_states_the_published_figures_in_its_first_paragraph(built):
    out, summary = built
    rid = programme_report_id(YEAR)
    assert rid == "programme-2020-21"
    assert {r.cohort_id: r.status for r in summary.results}[rid] == "built"
    page = (out / f"{rid}.html").read_text(encoding="utf-8")
    lead = first_paragraph(page)
    assert f"{PUBLISHED['teams']} project teams" in lead
    assert f"{PUBLISHED['recommend']}% would recommend" in lead
    for item in ("team_working", "patient_carer_experience", "staff_experience"):
        assert f"{PUBLISHED[item]}% " in lead, item
    assert external_resources(page) == [] and "<script" not in page.lower()


def test_quotes_come_from_both_roles_as_the_cohort_reports_show_them(built, programme):
    out, _ = built
    page = html.unescape((out / f"{programme_report_id(YEAR)}.html").read_text(encoding="utf-8"))
    footers = [
        block.split("<footer>", 1)[1].split("</footer>", 1)[0]
        for block in page.split('<blockquote class="collab-quote">')[1:]
    ]
    assert any("project team member" in f.lower() for f in footers)
    assert any(f.startswith("Lived experience partner") for f in footers)
    # Every quote is one its cohort's report shows, under the same role group: the programme
    # report never narrows a group (that would undo the cohort report's disclosure control).
    shown = {
        block.split("\u2018", 1)[1].split("\u2019</p>", 1)[0]: block.split("<footer>", 1)[1]
        for block in page.split('<blockquote class="collab-quote">')[1:]
    }
    for analysis in programme.cohorts:
        cohort_page = html.unescape(
            (out / f"{analysis.cohort.cohort_id}.html").read_text(encoding="utf-8")
        )
        by_role = analysis.survey.by_role.drop_duplicates("role").set_index("role")["members"]
        for quote, role in zip(
            analysis.survey.quotes["quote"], analysis.survey.quotes["role"], strict=True
        ):
            assert quote in cohort_page and quote in shown
            footer = shown[quote]
            assert footer.startswith(role) and analysis.cohort.name in footer
            for member in by_role[role]:  # the whole group is named, never one role
                assert member.lower() in footer.lower()
    assert len(footers) == sum(len(a.survey.quotes) for a in programme.cohorts)


def test_the_index_links_each_programme_year_and_its_published_tables(built, programme):
    out, _ = built
    links = parse((out / "index.html").read_text(encoding="utf-8")).links
    for year in {c.programme_year for c in load_registry(DEMO_DATA)}:
        rid = programme_report_id(year)
        assert f"{rid}.html" in links and f"{rid}.code.html" in links
        assert f"data/{rid}/index.html" in links
    tables = read_tables(out / "data" / programme.report_id, ("cohorts", "survey_items"))
    cohorts = tables["cohorts"].set_index("cohort_id")
    for analysis in programme.cohorts:
        row = cohorts.loc[analysis.cohort.cohort_id]
        assert row["teams"] == analysis.survey.headline.teams
        assert row["n_ge_4"] == analysis.progress.headline.n_ge_4
    items = tables["survey_items"].set_index("item")
    assert items.loc["recommend", "n"] == programme.headline.recommend.n


def test_the_cpes_section_carries_the_cohort_reports_caveats(built, programme):
    from collablib.report.narrative import cpes_caveats

    out, _ = built
    page = html.unescape((out / f"{programme.report_id}.html").read_text(encoding="utf-8"))
    cohort = next(a for a in programme.cohorts if a.cpes is not None)
    caveats = cpes_caveats(cohort.cpes.summary, cohort.cpes.min_responses, table=cohort.cpes.table)
    assert caveats and all(point in page for point in caveats)
    assert cohort.cpes.summary.method_change  # 2019 to 2021: the questionnaire changed
    assert "The survey changed between 2019 and 2021" in page


def test_progress_and_cpes_cover_every_team_of_the_year(programme):
    assert programme.progress is not None
    assert programme.progress.headline.teams_scored == sum(
        a.progress.headline.teams_scored for a in programme.cohorts if a.progress
    )
    assert programme.progress.headline.n_ge_4 == sum(
        a.progress.headline.n_ge_4 for a in programme.cohorts if a.progress
    )
    assert len(programme.cpes) == sum(len(a.cpes.table) for a in programme.cohorts if a.cpes)
    assert programme.improvement.teams == sum(
        a.improvement.headline.teams for a in programme.cohorts
    )


# --- the pipeline ---------------------------------------------------------------------------

MINI_PROGRAMME_CELLS = (
    "from collablib.programme import analyse_programme\nfrom collablib.report import display",
    "analysis = analyse_programme(programme_year, data_dir, provenance=provenance)\n"
    "display.paragraph(f'{programme_year}: {analysis.headline.respondents} responses')",
)


def write_mini_programme_notebook(path: Path) -> Path:
    """The programme notebook's parameters and analysis, no charts: for pipeline tests."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    params = new_code_cell('programme_year = "x"\ndata_dir = None\nprovenance = None')
    params.metadata["tags"] = ["parameters"]
    cells = [params, *(new_code_cell(src) for src in MINI_PROGRAMME_CELLS)]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": dict(TEST_KERNEL)}), path)
    return path


def test_programme_reports_are_built_kept_and_removed_like_cohort_reports(tmp_path):
    data = make_tiny_data(tmp_path)  # alpha and beta in 2020/21, gamma in 2021/22
    notebook = write_mini_notebook(tmp_path / "mini.ipynb")
    programme_nb = write_mini_programme_notebook(tmp_path / "programme.ipynb")
    out = tmp_path / "reports"

    def build(*cohort_ids: str, **extra):
        return build_reports(
            list(cohort_ids) or None,
            data_dir=data,
            output_dir=out,
            notebook=notebook,
            programme_notebook=programme_nb,
            jobs=2,
            **extra,
        )

    def statuses(summary):
        return {r.cohort_id: r.status for r in summary.results}

    first = build()
    assert first.exit_code == 0, first.text()
    assert statuses(first) == dict.fromkeys(
        ["alpha", "beta", "gamma", "programme-2020-21", "programme-2021-22"], "built"
    )
    page = (out / "programme-2020-21.html").read_text(encoding="utf-8")
    assert "2020/21: 24 responses" in page  # alpha and beta, 12 respondents each
    assert statuses(build()) == dict.fromkeys(statuses(first), "up to date")

    # One cohort's data change: that cohort and its own year's report are rebuilt, no other.
    survey = data / "raw" / "beta" / "final_survey.csv"
    rows = read_rows(survey)
    write_rows(survey, rows[:-1])
    changed = statuses(build())
    assert changed == {
        "alpha": "built",  # it compares with beta's survey counts
        "beta": "built",
        "gamma": "built",
        "programme-2020-21": "built",
        "programme-2021-22": "up to date",
    }
    assert "2020/21: 23 responses" in (out / "programme-2020-21.html").read_text(encoding="utf-8")

    # Bad data in a cohort: its year's report is kept byte for byte, and the failure says why.
    kept = (out / "programme-2020-21.html").read_bytes()
    write_rows(survey, [{**rows[0], "team_working": "7"}, *rows[1:]])
    broken = build()
    assert broken.exit_code == 2
    failed = {r.cohort_id: r for r in broken.failed}
    assert set(failed) == {"beta", "programme-2020-21"}
    assert failed["programme-2020-21"].reason.startswith("beta failed")
    assert (out / "programme-2020-21.html").read_bytes() == kept
    assert statuses(broken)["programme-2021-22"] == "up to date"

    # A partial build (--cohort) rebuilds a programme year only if it covers all its cohorts.
    partial = build("gamma")
    assert statuses(partial) == {"gamma": "up to date", "programme-2021-22": "up to date"}

    # ... and says so when the year's other cohorts are not up to date (beta's data are bad).
    waiting = build("alpha")
    assert statuses(waiting) == {"alpha": "up to date"}
    assert "programme-2020-21 was not rebuilt: beta is not up to date" in waiting.text()
    assert (out / "programme-2020-21.html").read_bytes() == kept

    # A cohort that leaves its year takes the year's report with it at once, even though the
    # year cannot be rebuilt now (beta's data are still bad): its quotes must not linger.
    registry = data / "cohorts.csv"
    moved = [
        {**r, "programme_year": "2021/22"} if r["cohort_id"] == "alpha" else r
        for r in read_rows(registry)
    ]
    write_rows(registry, moved)
    withdrawn = build()
    assert "programme-2020-21" in withdrawn.withdrawn
    assert "a cohort it included has left that programme year" in withdrawn.text()
    assert statuses(withdrawn)["programme-2020-21"] == "failed"
    assert not (out / "programme-2020-21.html").exists()
    assert not (out / "data" / "programme-2020-21").exists()

    # Fixed: every report is rebuilt from the cohorts now in each year.
    write_rows(survey, rows[:-1])
    fixed = build()
    assert fixed.exit_code == 0, fixed.text()
    page = (out / "programme-2020-21.html").read_text(encoding="utf-8")
    assert "2020/21: 11 responses" in page  # beta alone
    assert "2021/22: 24 responses" in (out / "programme-2021-22.html").read_text(encoding="utf-8")

    # --force with --cohort forces that cohort and its year, never marks the others stale.
    forced = build("alpha", force=True)
    assert statuses(forced) == {"alpha": "built", "programme-2021-22": "built"}
    assert "not rebuilt" not in forced.text()

    # A partial build rebuilds the year when the year's other cohorts are up to date (a new
    # team name changes no survey counts, so gamma, which compares with them, stays so).
    teams = data / "raw" / "alpha" / "teams.csv"
    write_rows(teams, [{**r, "team_name": r["team_name"] + " (renamed)"} for r in read_rows(teams)])
    partial = build("alpha")
    assert statuses(partial) == {"alpha": "built", "programme-2021-22": "built"}

    # A programme year that leaves the registry takes its report with it.
    write_rows(registry, [r for r in read_rows(registry) if r["programme_year"] != "2021/22"])
    shutil.rmtree(data / "raw" / "gamma")
    shutil.rmtree(data / "raw" / "alpha")
    after = build()
    assert after.exit_code == 0, after.text()
    assert not (out / "programme-2021-22.html").exists()
    assert not (out / "data" / "programme-2021-22").exists()
    assert (out / "programme-2020-21.html").exists()


def test_a_cohort_id_may_not_take_a_programme_reports_name(tmp_path):
    from collablib.data.registry import load_registry
    from collablib.errors import CollabError

    data = make_tiny_data(tmp_path)
    registry = data / "cohorts.csv"
    rows = read_rows(registry)
    write_rows(registry, [{**rows[0], "cohort_id": "programme-2020-21"}, *rows[1:]])
    with pytest.raises(CollabError) as caught:
        load_registry(data)
    text = str(caught.value)
    assert "cohorts.csv" in text and "row 2" in text and "programme-2020-21" in text


def test_the_summary_counts_cohorts_and_programme_years(built):
    _, summary = built
    registry = load_registry(DEMO_DATA)
    years = len({c.programme_year for c in registry})
    assert f"({len(registry)} cohorts, {years} programme years)" in summary.headline()


def test_a_report_that_may_hold_a_withdrawn_cohort_is_deleted_before_the_build(tmp_path):
    """Whatever the state of its record: naming a cohort gone from the year, unreadable, or
    for a year no longer in the registry."""
    from collablib.build import state as buildstate
    from collablib.build.programmes import ProgrammeBuild
    from collablib.data.registry import Cohort

    out = tmp_path / "reports"
    (out / "data").mkdir(parents=True)
    buildstate.state_dir(out).mkdir(parents=True)

    def place(rid: str, record: str | None) -> None:
        for name in (f"{rid}.html", f"{rid}.code.html"):
            (out / name).write_text("<html></html>", encoding="utf-8")
        (out / "data" / rid).mkdir()
        (out / "data" / rid / "quotes.csv").write_text("cohort,role,quote\n", encoding="utf-8")
        if record is not None:
            buildstate.record_path(out, rid).write_text(record, encoding="utf-8")

    def record(*cohort_ids: str) -> str:
        rows = [{"cohort_id": c} for c in cohort_ids]
        return buildstate.record_text(
            {"cohort_id": "x", "key": "k", "components": {"registry_row": rows}, "outputs": {}}
        )

    place("programme-2020-21", record("alpha", "zeta"))  # zeta has left 2020/21
    place("programme-2021-22", "{not json")  # what it holds cannot be known
    place("programme-2019-20", None)  # the year has left the registry
    place("programme-2022-23", record("delta"))  # holds only cohorts still in its year
    registry = [
        Cohort("alpha", "Alpha", "2020/21", date(2020, 6, 1), date(2021, 3, 31)),
        Cohort("gamma", "Gamma", "2021/22", date(2021, 6, 1), date(2022, 3, 31)),
        Cohort("delta", "Delta", "2022/23", date(2022, 6, 1), date(2023, 3, 31)),
        Cohort("omega", "Omega", "2022/23", date(2022, 6, 1), date(2023, 3, 31)),  # joined
    ]
    notebook = write_mini_programme_notebook(tmp_path / "programme.ipynb")
    warnings: list[str] = []
    build = ProgrammeBuild(notebook, tmp_path / "data", out)
    removed = build.withdraw_changed_years(registry, warnings.append)
    gone = ["programme-2019-20", "programme-2020-21", "programme-2021-22"]
    assert sorted(removed) == gone
    for rid in gone:
        assert not (out / f"{rid}.html").exists() and not (out / f"{rid}.code.html").exists()
        assert not (out / "data" / rid).exists()
        assert not buildstate.record_path(out, rid).exists()
    assert (out / "programme-2022-23.html").exists()
    assert (out / "data" / "programme-2022-23" / "quotes.csv").exists()


def test_the_quick_check_needs_every_programme_record(built, tmp_path):
    from collablib.build import state as buildstate
    from collablib.cli import _programme_reports
    from collablib.paths import report_notebook

    out, _ = built
    copy = tmp_path / "reports"
    shutil.copytree(out, copy)
    ids = _programme_reports(copy, report_notebook())
    years = {c.programme_year for c in load_registry(DEMO_DATA)}
    assert ids == sorted(programme_report_id(y) for y in years)
    buildstate.record_path(copy, ids[0]).write_text("{broken", encoding="utf-8")
    assert _programme_reports(copy, report_notebook()) is None  # so the full check runs
