"""Integration: build every demo cohort into a temporary folder and read the HTML back."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from collablib.build.descriptions import DESCRIPTIONS
from collablib.build.pipeline import build_reports
from collablib.data.loaders import load_cohort
from collablib.data.registry import load_registry
from collablib.paths import programme_report_id
from collablib.report.formatting import fmt_pct
from collablib.survey.metrics import RATING_ITEMS, headline
from tests.conftest import (
    DEMO_DATA,
    TEST_KERNEL,
    read_rows,
    write_canonical_survey,
    write_mini_notebook,
    write_rows,
)
from tests.htmltools import external_resources, parse, table_by_caption

COHORTS = ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"]
#: The programme-year reports a default build adds, one per year in the registry.
PROGRAMMES = [programme_report_id(c.programme_year) for c in load_registry(DEMO_DATA)]
PROGRAMMES = sorted(set(PROGRAMMES))


def test_every_cohort_builds_both_renderings_and_the_index(built):
    out, summary = built
    assert summary.exit_code == 0, summary.text()
    assert [r.cohort_id for r in summary.results] == COHORTS + PROGRAMMES
    for cohort in COHORTS + PROGRAMMES:
        assert (out / f"{cohort}.html").stat().st_size > 50_000
        assert (out / f"{cohort}.code.html").exists()
    assert (out / "index.html").exists()
    assert not (out / "_failed").exists()


@pytest.mark.parametrize("cohort_id", COHORTS)
def test_report_holds_the_headline_figures(built, cohort_id):
    out, _ = built
    page = (out / f"{cohort_id}.html").read_text(encoding="utf-8")
    data = load_cohort(cohort_id, DEMO_DATA)
    head = headline(data.teams, data.survey).as_json()
    rows = table_by_caption(page, "Headline results of the end-of-collaborative survey")
    assert rows[0] == ["Question", "Answered", "Positive", "% positive", "95% confidence interval"]
    by_question = {row[0]: row[1:] for row in rows[1:]}
    rec = head["recommend"]
    assert by_question["Would recommend taking part"][:3] == [
        str(rec["n"]),
        str(rec["yes"]),
        fmt_pct(rec["pct"]),
    ]
    for item, label in RATING_ITEMS.items():
        v = head["items"][item]
        assert by_question[f"Improved: {label.lower()}"][:3] == [
            str(v["n"]),
            str(v["positive"]),
            fmt_pct(v["pct"]),
        ]
    assert f"{data.cohort.name}: evaluation report" in page
    assert f"{head['respondents']} people answered the survey" in page


@pytest.mark.parametrize("cohort_id", COHORTS)
def test_reviewer_report_is_offline_code_free_and_accessible(built, cohort_id):
    out, _ = built
    page = (out / f"{cohort_id}.html").read_text(encoding="utf-8")
    code_page = (out / f"{cohort_id}.code.html").read_text(encoding="utf-8")
    assert external_resources(page) == [] and external_resources(code_page) == []
    assert "<script" not in page.lower()
    parsed = parse(page)
    assert "analyse(" not in parsed.text and "analyse(" in parse(code_page).text
    assert "hl-ipython3" not in page and "hl-ipython3" in code_page
    assert parsed.images == []  # charts are inline SVG, not images
    charts = [c for c in parsed.charts if c.get("class") == "collab-chart"]
    assert len(charts) >= 6  # the rest are the SPC matrix's icons, each with its own name
    for chart in charts:
        assert len(parsed.chart_texts[chart["aria-labelledby"]]) > 40  # named by its alt text
        if chart.get("aria-describedby"):  # described by its caption, where it has one
            assert f'<figcaption id="{chart["aria-describedby"]}">' in page
    assert sum(bool(c.get("aria-describedby")) for c in charts) >= 6
    for section in ("Overview", "End-of-collaborative survey", "Voices"):
        assert f'id="{section.replace(" ", "-")}"' in page
    assert 'class="collab-toc"' in page


def test_voices_show_only_consented_redacted_comments(built):
    import html

    from collablib.survey.quotes import consented_quotes

    out, _ = built
    data = load_cohort("cohort-2", DEMO_DATA)
    survey = data.survey
    consented = consented_quotes(survey, data.names)["quote"].tolist()
    refused = survey.loc[
        (survey["comment"] != "") & (survey["consent_to_quote"] != "Yes"), "comment"
    ].tolist()
    assert consented and refused
    page = (out / "cohort-2.html").read_text(encoding="utf-8")
    voices = html.unescape(page[page.index('id="Voices"') : page.index('id="Data-quality"')])
    for quote in consented:
        assert quote in voices
    for comment in refused:
        assert comment not in html.unescape(page)
    assert "[email removed]" in voices and "zoe.hartley@example.nhs.uk" not in page


def test_index_links_every_report_and_shows_the_published_pooled_row(built):
    out, _ = built
    page = (out / "index.html").read_text(encoding="utf-8")
    links = parse(page).links
    for cohort in COHORTS:
        assert f"{cohort}.html" in links and f"{cohort}.code.html" in links
        assert f"data/{cohort}/index.html" in links
        listing = (out / "data" / cohort / "index.html").read_text(encoding="utf-8")
        assert external_resources(listing) == [] and "<script" not in listing.lower()
        listed = {link for link in parse(listing).links if not link.startswith("#")}
        files = {p.name for p in (out / "data" / cohort).iterdir()} - {"index.html"}
        # every table and datapackage.json
        assert listed == files and len(files) == len(DESCRIPTIONS) + 1
    rows = table_by_caption(page, "End-of-collaborative survey: headline results")
    header = rows[0]
    pooled = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if len(r) == len(header)}
    row = pooled["2020/21: all cohorts (pooled)"]
    assert row["Teams"] == "23"
    assert row["Would recommend"] == "100%"
    assert (row["Team working"], row["Patient/carer experience"], row["Staff experience"]) == (
        "81%",
        "93%",
        "89%",
    )
    assert "2019/20: all cohorts (pooled)" in pooled and "2021/22: all cohorts (pooled)" in pooled
    assert external_resources(page) == []


def test_a_failing_cohort_keeps_its_old_report_and_does_not_stop_the_others(built, tmp_path):
    previous, _ = built
    out = tmp_path / "reports"
    out.mkdir()
    for name in ("cohort-1.html", "cohort-1.code.html"):
        shutil.copy(previous / name, out / name)
    old = (out / "cohort-1.html").read_bytes()

    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    survey = write_canonical_survey(data, "cohort-1")
    rows = read_rows(survey)
    rows[2]["team_working"] = "7"
    write_rows(survey, rows)

    mini = write_mini_notebook(tmp_path / "mini.ipynb")  # the pipeline is under test, not charts
    summary = build_reports(
        ["cohort-1", "rare-cancers"], data_dir=data, output_dir=out, jobs=2, notebook=mini
    )
    status = {r.cohort_id: r for r in summary.results}
    assert status["cohort-1"].status == "failed"
    assert status["cohort-1"].kind == "data"
    assert "row 4" in status["cohort-1"].reason and '"team_working"' in status["cohort-1"].reason
    assert status["rare-cancers"].status == "built"
    assert (out / "rare-cancers.html").exists()
    assert (out / "cohort-1.html").read_bytes() == old
    assert summary.exit_code == 2
    text = summary.text()
    assert "FAILED cohort-1" in text and "1 built" in text and "1 failed" in text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Latest build problems" in index


def write_test_notebook(path: Path, *sources: str) -> Path:
    """A parameterised notebook (``cohort_id``, ``data_dir``) with these code cells after it."""
    params = new_code_cell('cohort_id = "x"\ndata_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[params, *(new_code_cell(source) for source in sources)],
        metadata={"kernelspec": dict(TEST_KERNEL)},
    )
    nbformat.write(nb, path)
    return path


def test_a_notebook_error_is_reported_and_its_notebook_kept(tmp_path):
    notebook = write_test_notebook(
        tmp_path / "broken.ipynb", "raise RuntimeError('deliberate failure for ' + cohort_id)"
    )
    out = tmp_path / "reports"
    summary = build_reports(["cohort-2"], data_dir=DEMO_DATA, output_dir=out, notebook=notebook)
    result = summary.results[0]
    assert result.status == "failed" and result.kind == "execution"
    assert "RuntimeError" in result.reason and "deliberate failure for cohort-2" in result.reason
    kept = out / "_failed" / "cohort-2.ipynb"
    assert kept.exists() and str(kept.name) in result.reason
    assert not (out / "cohort-2.html").exists()
    assert summary.exit_code == 1


def test_a_kernel_that_dies_mid_notebook_fails_that_cohort_once_without_retrying(tmp_path):
    runs = tmp_path / "runs.txt"
    notebook = write_test_notebook(
        tmp_path / "crashing.ipynb",
        f"with open({str(runs)!r}, 'a') as fh:\n    fh.write('ran\\n')",
        "import os\nos._exit(9)",
    )
    out = tmp_path / "reports"
    summary = build_reports(["rare-cancers"], data_dir=DEMO_DATA, output_dir=out, notebook=notebook)
    result = summary.results[0]
    assert result.status == "failed" and result.kind == "execution"
    assert result.attempts == 1 and runs.read_text().splitlines() == ["ran"]
    assert "kernel stopped while the notebook was running" in result.reason
    assert not (out / "rare-cancers.html").exists()
    assert summary.exit_code == 1


def test_unknown_cohort_is_refused_before_anything_runs(tmp_path):
    from collablib.errors import CollabError

    with pytest.raises(CollabError, match="no such cohort"):
        build_reports(["nope"], data_dir=DEMO_DATA, output_dir=tmp_path)
    assert not (tmp_path / "index.html").exists()


# A forced rebuild of the full report in new-process kernels gives the same bytes as the
# forked demo build: tests/test_earlykernel.py (its first kernel is the early one).


def test_adding_a_cohort_needs_only_a_folder_and_a_registry_row(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    shutil.copytree(data / "raw" / "cohort-1", data / "raw" / "01")
    teams = data / "raw" / "01" / "teams.csv"
    write_rows(teams, [{**r, "cpes_questions": ""} for r in read_rows(teams)])  # own choices
    (data / "raw" / "01" / "progress.csv").unlink()  # scored in 2019/20, not in this cohort's year
    with (data / "cohorts.csv").open("a", encoding="utf-8") as fh:
        fh.write("01,Pilot cohort,2022/23,2022-06-01,2023-03-31\n")
    assert [c.cohort_id for c in load_registry(data)][-1] == "01"
    summary = build_reports(["01"], data_dir=data, output_dir=tmp_path / "out", jobs=1)
    assert summary.exit_code == 0, summary.text()
    page = (tmp_path / "out" / "01.html").read_text(encoding="utf-8")
    assert "Pilot cohort: evaluation report" in page


@pytest.mark.parametrize("cohort_id", COHORTS)
def test_report_has_the_improvement_measures_section_with_its_headline(built, cohort_id):
    from collablib.spc import improvement
    from collablib.spc import summary as spc_summary

    out, _ = built
    page = (out / f"{cohort_id}.html").read_text(encoding="utf-8")
    assert 'id="Improvement-measures"' in page
    data = load_cohort(cohort_id, DEMO_DATA)
    analyses = improvement.analyse_cohort(data.measures, data.teams, data.cohort.start_date)
    sentence = improvement.headline_sentence(
        spc_summary.headline(spc_summary.summary_table(analyses))
    )
    import html

    assert sentence in html.unescape(page)
    rows = table_by_caption(page, "Improvement measures by team")
    assert len(rows) - 1 == len({a.team_id for a in analyses})  # the matrix: a row per team
    charts = [
        alt
        for alt in parse(page).chart_alts()
        if alt.startswith(("XmR chart of", "p chart of", "run chart of"))
    ]
    assert len(charts) == len(analyses)
    index = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert sentence in index


@pytest.mark.parametrize(
    "page", [f"{c}{s}" for c in COHORTS for s in (".html", ".code.html")] + ["index.html"]
)
def test_every_page_opens_offline_in_chromium_with_its_charts(built, browser, page, tmp_path):
    from tests.conftest import open_offline, painted

    out, _ = built
    shot = tmp_path / f"{page}.png"
    tab, visit = open_offline(browser, out / page, screenshot=shot)
    assert visit.failed_requests == []
    assert visit.console_errors == []
    assert all(url.startswith(("file:", "data:")) for url in visit.requests)
    images = tab.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert all(done and width > 0 for done, width in images)
    charts = tab.evaluate(
        "Array.from(document.querySelectorAll('svg.collab-chart'))"
        ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height,"
        " s.querySelectorAll('text').length])"
    )
    if page != "index.html":
        assert len(charts) >= 6
    assert all(width > 100 and height > 50 and texts > 0 for width, height, texts in charts)
    assert shot.stat().st_size > 20_000 and painted(shot)


@pytest.mark.parametrize("cohort_id", COHORTS)
def test_report_has_the_cpes_section_with_its_caveats(built, cohort_id):
    import html

    from collablib.cpes import analysis as cpes_analysis
    from collablib.data.cpes import load_cpes

    out, _ = built
    page = html.unescape((out / f"{cohort_id}.html").read_text(encoding="utf-8"))
    assert 'id="What-patients-said-(CPES)"' in page
    for caveat in (
        "cannot be attributed to the project",
        "questionnaire was reviewed and its questions renumbered",
        "never as zero",
    ):
        assert caveat in page
    data = load_cohort(cohort_id, DEMO_DATA)
    result = cpes_analysis.analyse_cohort(
        load_cpes(DEMO_DATA), data.teams, data.cohort.start_date, data.cohort.end_date
    )
    for name, _ in result.teams():
        assert f"{name}: targeted CPES questions" in page
    charts = [alt for alt in parse(page).chart_alts() if alt.startswith("Chart of CPES results")]
    assert len(charts) == len(result.targets)
    index = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert "Targeted CPES questions below the expected range, before and after" in index


def test_a_cpes_question_unknown_for_the_baseline_year_fails_before_any_kernel(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    teams = data / "raw" / "cohort-2" / "teams.csv"
    rows = read_rows(teams)
    rows[0]["cpes_questions"] = "Q98"
    write_rows(teams, rows)
    summary = build_reports(["cohort-2"], data_dir=data, output_dir=tmp_path / "out")
    result = summary.results[0]
    assert result.status == "failed" and result.kind == "data" and summary.exit_code == 2
    assert "teams.csv, row 2" in result.reason and '"Q98"' in result.reason


@pytest.mark.parametrize("cohort_id", COHORTS)
def test_provenance_names_every_input_with_its_hash_on_disk(built, cohort_id):
    from tests.htmltools import provenance_matches_disk

    out, _ = built
    assert provenance_matches_disk(out / f"{cohort_id}.html", DEMO_DATA, cohort_id)
    page = (out / f"{cohort_id}.html").read_text(encoding="utf-8")
    rows = table_by_caption(page, "Input files and their SHA-256")
    names = [row[0] for row in rows[1:]]
    assert f"cohorts.csv (row {cohort_id})" in names and "cohorts.csv" not in names
    assert any(name.startswith(f"raw/{cohort_id}/") for name in names)


def test_the_analyst_rendering_shows_no_path_of_the_builders_machine(built):
    import html

    from collablib.paths import PROJECT_ROOT

    out, _ = built
    import re

    for cohort in COHORTS:
        page = (out / f"{cohort}.code.html").read_text(encoding="utf-8")
        page = html.unescape(re.sub(r"<[^>]+>", "", page))
        for folder in (str(PROJECT_ROOT), str(out), str(out.parent)):
            assert folder not in page, (cohort, folder)
        assert 'data_dir = "data"' in page


def test_dollar_signs_in_names_are_drawn_as_typed_and_do_not_break_the_build(tmp_path):
    """Matplotlib reads $...$ as mathtext; names from the data must never be."""
    import html

    from tests.conftest import make_tiny_data

    data = make_tiny_data(tmp_path, {"alpha": ("Alpha cohort", "2020/21")})
    teams = data / "raw" / "alpha" / "teams.csv"
    rows = read_rows(teams)
    rows[0]["tumour_group"] = "$5 to $10 grants"
    rows[1]["tumour_group"] = r"$\href{http://example.org}{x}$"
    write_rows(teams, rows)
    summary = build_reports(data_dir=data, output_dir=tmp_path / "out", jobs=1)
    assert summary.exit_code == 0, summary.text()
    page = html.unescape((tmp_path / "out" / "alpha.html").read_text(encoding="utf-8"))
    alt = next(alt for alt in parse(page).chart_alts() if "tumour group" in alt)
    assert "$5 to $10 grants 1" in html.unescape(alt)
    assert r"$\href{http://example.org}{x}$ 1" in html.unescape(alt)


def test_collab_export_writes_exactly_the_published_tables(built, tmp_path, capsys):
    from collablib.cli import main

    out, _ = built
    for cohort in ("cohort-2", "rare-cancers"):
        target = tmp_path / cohort
        args = ["--data-dir", str(DEMO_DATA), "export", "--cohort", cohort]
        assert main([*args, "--output-dir", str(target)]) == 0
        published = sorted(p.name for p in (out / "data" / cohort).iterdir())
        assert sorted(p.name for p in target.iterdir()) == published
        assert len(published) == len(DESCRIPTIONS) + 2  # the tables, datapackage.json, listing
        for name in published:
            assert (target / name).read_bytes() == (out / "data" / cohort / name).read_bytes(), name
    assert "Left out" not in capsys.readouterr().err
