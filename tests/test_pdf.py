"""PDF versions of the reviewer reports (``collab reports --pdf``, ``make pdf``).

Checked on the PDFs themselves: Chromium's PDFs are tagged, so each chart is a
``Figure`` element carrying its alternative text, and the pages its marked content lies
on can be read from the structure tree. A chart split by a page break would lie on two.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pikepdf
import pytest

from collablib.build import pdf as pdfbuild
from collablib.build.fileio import OutputError
from collablib.cli import main
from tests.conftest import chromium_path, reports_args


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium; skipped where it is missing, unless COLLAB_REQUIRE_BROWSER is set
    (as .ci/run does), when its absence fails, as for the browser tests."""
    path = chromium_path()
    if path is None:
        if os.environ.get("COLLAB_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (COLLAB_REQUIRE_BROWSER) but was not found")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def printed(built, chromium, tmp_path_factory):
    """The demo reviewer pages copied to a folder of their own and printed: (folder, results)."""
    out, _ = built
    folder = tmp_path_factory.mktemp("pdf")
    for page in out.glob("*.html"):
        shutil.copy2(page, folder / page.name)
    return folder, pdfbuild.build_pdfs(folder, chromium=chromium, jobs=2)


def _pages_of(element, page, numbers) -> set[int]:
    """Page numbers of every piece of marked content under a structure element."""
    found: set[int] = set()
    if not isinstance(element, pikepdf.Dictionary):
        return {numbers[page.objgen]} if page is not None else found
    page = element.get("/Pg", page)
    if element.get("/Type") in ("/MCR", "/OBJR"):
        return {numbers[page.objgen]}
    kids = element.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        found |= _pages_of(kid, page, numbers)
    return found


def structure(path: Path) -> tuple[list[tuple[str, set[int]]], list[set[int]], int]:
    """(each chart's alt text and pages, each section heading's pages, page count)."""
    charts: list[tuple[str, set[int]]] = []
    headings: list[set[int]] = []
    with pikepdf.open(path) as doc:
        numbers = {p.obj.objgen: i for i, p in enumerate(doc.pages, start=1)}

        def walk(element, page) -> None:
            if not isinstance(element, pikepdf.Dictionary):
                return
            page = element.get("/Pg", page)
            kind = element.get("/S")
            if kind == "/Figure" and "/Alt" in element:
                charts.append((str(element.Alt), _pages_of(element, page, numbers)))
                return
            if kind == "/H2":
                headings.append(_pages_of(element, page, numbers))
            kids = element.get("/K")
            for kid in [] if kids is None else kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid, page)

        walk(doc.Root.StructTreeRoot, None)
        return charts, headings, len(doc.pages)


def test_one_pdf_per_cohort_and_programme_year(printed, built):
    folder, results = printed
    out, _ = built
    reviewer = sorted(
        p.name.removesuffix(".html")
        for p in out.glob("*.html")
        if not p.name.endswith(".code.html") and p.name != "index.html"
    )
    assert {"cohort-2", "rare-cancers", "programme-2020-21"} <= set(reviewer)
    assert sorted(r.report_id for r in results) == reviewer
    assert all(r.status == "built" for r in results), [r.line() for r in results]
    assert sorted(p.name for p in folder.glob("*.pdf")) == [f"{i}.pdf" for i in reviewer]


def test_no_chart_is_split_across_a_page_break(printed):
    folder, _ = printed
    for path in sorted(folder.glob("*.pdf")):
        html = path.with_suffix(".html").read_text(encoding="utf-8")
        charts, _, pages = structure(path)
        # every chart (and every SPC matrix icon) in the page is in the PDF, with its alt text
        assert len(charts) == html.count('role="img"') > 0, path.name
        split = [(alt[:60], sorted(on)) for alt, on in charts if len(on) != 1]
        assert split == [], f"{path.name}: charts across a page break: {split}"
        assert pages > 3


def test_each_section_starts_a_new_a4_page(printed):
    folder, _ = printed
    _, headings, _ = structure(folder / "cohort-2.pdf")
    firsts = [min(on) for on in headings if on]
    assert len(firsts) >= 6
    # the contents list's own heading shares the title page; every section after it starts one
    sections = firsts[1:]
    assert len(set(sections)) == len(sections) and sections == sorted(sections)
    with pikepdf.open(folder / "cohort-2.pdf") as doc:
        width, height = (float(v) for v in doc.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_pdf_metadata_is_fixed_and_records_its_source(printed):
    folder, _ = printed
    for path in sorted(folder.glob("*.pdf")):
        with pikepdf.open(path) as doc:
            info = doc.docinfo
            assert str(info["/CreationDate"]) == str(info["/ModDate"]) == pdfbuild.FIXED_DATE
            assert str(info["/Producer"]) == pdfbuild.PRODUCER
            assert "Chrome" not in str(info["/Creator"]) and "/Metadata" not in doc.Root
            source = hashlib.sha256(path.with_suffix(".html").read_bytes()).hexdigest()
            assert str(info[pdfbuild.SOURCE_KEY]) == source
            assert str(info["/Title"]), "the report's title is the PDF's title"


def test_pdfs_are_incremental_and_reproducible(printed, chromium, tmp_path):
    folder, _ = printed
    work = tmp_path / "work"
    shutil.copytree(folder, work)
    before = {p.name: p.read_bytes() for p in work.glob("*.pdf")}
    again = pdfbuild.build_pdfs(work, chromium=chromium)
    assert {r.status for r in again} == {"up to date"}
    forced = pdfbuild.build_pdfs(work, ["programme-2020-21"], chromium=chromium, force=True)
    assert [r.status for r in forced] == ["built"]
    after = {p.name: p.read_bytes() for p in work.glob("*.pdf")}
    assert after == before, "the same HTML must give the same PDF bytes"

    page = work / "programme-2019-20.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed -->", encoding="utf-8")
    (work / "cohort-1.html").unlink()
    with pikepdf.new() as foreign:
        foreign.add_blank_page()
        foreign.save(work / "someone-elses.pdf")
    results = {r.report_id: r.status for r in pdfbuild.build_pdfs(work, chromium=chromium)}
    assert results.pop("programme-2019-20") == "built"
    assert results.pop("cohort-1") == "removed" and not (work / "cohort-1.pdf").exists()
    assert set(results.values()) == {"up to date"}
    assert (work / "someone-elses.pdf").exists(), "only PDFs collab made are removed"


def test_a_failed_print_keeps_the_old_pdf(printed, tmp_path):
    folder, _ = printed
    work = tmp_path / "work"
    work.mkdir()
    for name in ("cohort-2.html", "cohort-2.pdf"):
        shutil.copy2(folder / name, work / name)
    old = (work / "cohort-2.pdf").read_bytes()
    (work / "cohort-2.html").write_text("<p>changed</p>", encoding="utf-8")
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    [result] = pdfbuild.build_pdfs(work, chromium=str(broken))
    assert result.status == "failed" and "exit 3" in result.message
    assert "cannot open display" in result.message
    assert (work / "cohort-2.pdf").read_bytes() == old
    assert sorted(p.name for p in work.iterdir()) == ["cohort-2.html", "cohort-2.pdf"]


def test_without_chromium_the_html_builds_and_pdf_says_how_to_install_it(tiny, monkeypatch, capsys):
    data, out, notebook = tiny
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(OutputError, match="apt-get install chromium"):
        pdfbuild.build_pdfs(out)
    shutil.rmtree(out)
    code = main(reports_args(data, out, notebook, "--pdf"))
    captured = capsys.readouterr()
    assert code == 1
    assert "apt-get install chromium" in captured.err and "Traceback" not in captured.err
    assert (out / "alpha.html").is_file() and (out / "index.html").is_file()
    assert list(out.glob("*.pdf")) == []
