"""PDF versions of the reviewer reports (``collab reports --pdf``, ``make pdf``).

Checked on the PDFs themselves: Chromium's PDFs are tagged, so each chart is a
``Figure`` element carrying its alternative text, and the pages its marked content lies
on can be read from the structure tree. A chart split by a page break would lie on two.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html import unescape
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
        pytest.skip("Chromium is not installed (apt-get install chromium-headless-shell)")
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
        # every chart (and every SPC matrix icon) in the page is in the PDF, with its whole
        # alt text (the numbers too, not only the first sentence)
        assert len(charts) == html.count('role="img"') > 0, path.name
        names = {unescape(t) for t in re.findall(r'<title id="chart[^"]*">([^<]*)</title>', html)}
        assert names and names <= {alt for alt, _ in charts}, path.name
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
    shutil.copy2(work / "cohort-2.pdf", work / "cohort-2 for the board.pdf")  # a renamed copy
    results = {r.report_id: r.status for r in pdfbuild.build_pdfs(work, chromium=chromium)}
    assert results.pop("programme-2019-20") == "built"
    assert results.pop("cohort-1") == "removed" and not (work / "cohort-1.pdf").exists()
    assert set(results.values()) == {"up to date"}
    assert (work / "someone-elses.pdf").exists(), "only PDFs collab made are removed"
    assert (work / "cohort-2 for the board.pdf").exists(), "and only under their own name"


def _structure(doc: pikepdf.Pdf) -> tuple[list, list, list]:
    """(each id-tree entry as (id, element), each element's id, each cell's /Headers)."""
    tree = doc.Root.StructTreeRoot
    entries, stack = [], [tree.IDTree]
    while stack:
        node = stack.pop()
        names = node.get("/Names", [])
        entries += [(str(names[i]), names[i + 1].objgen) for i in range(0, len(names), 2)]
        stack += list(node.get("/Kids", []))
    ids, headers = [], []
    for obj in doc.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem":
            if "/ID" in obj:
                ids.append((obj.objgen, str(obj.ID)))
            attributes = obj.get("/A")
            for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
                if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                    headers.append((obj.objgen, [str(h) for h in a.Headers]))
    return sorted(entries), sorted(ids), headers


def test_structure_ids_are_numbered_in_reading_order_whatever_chromium_numbered_them(printed):
    """Chromium names structure elements after internal node numbers, which shift by one
    between some prints of the same page: collab numbers them again, so such a shift gives
    the same bytes, and every table cell's /Headers still names its own header cells."""
    folder, _ = printed
    with pikepdf.open(folder / "programme-2020-21.pdf") as doc:
        entries, ids, headers = _structure(doc)
        assert len(ids) > 10 and len(headers) > 10, "the report's tables carry header ids"
        assert [i for i, _ in entries] == [f"node{n:08d}" for n in range(1, len(ids) + 1)]
        assert sorted((g, i) for i, g in entries) == ids  # each id names its element
        named = {i for _, i in ids}
        assert all(set(h) <= named for _, h in headers)
        expected = io.BytesIO()
        doc.save(expected, deterministic_id=True)

    with pikepdf.open(folder / "programme-2020-21.pdf") as doc:  # as if Chromium shifted them
        shift = {i: f"node{int(i[4:]) + 84:08d}" for _, i in ids}
        tree = doc.Root.StructTreeRoot
        names = pikepdf.Array()
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem":
                if "/ID" in obj:
                    obj.ID = pikepdf.String(shift[str(obj.ID)])
                attributes = obj.get("/A")
                for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
                    if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                        a.Headers = pikepdf.Array(
                            [pikepdf.String(shift[str(h)]) for h in a.Headers]
                        )
        for i, g in sorted(entries, key=lambda e: shift[e[0]]):
            names.append(pikepdf.String(shift[i]))
            names.append(doc.get_object(g))
        tree.IDTree = pikepdf.Dictionary(Kids=[pikepdf.Dictionary(Names=names)])
        assert _structure(doc)[1] != ids
        pdfbuild._number_structure_ids(doc)
        assert _structure(doc) == (entries, ids, headers)
        again = io.BytesIO()
        doc.save(again, deterministic_id=True)
    assert again.getvalue() == expected.getvalue()


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


def test_withdrawing_or_rebuilding_a_report_deletes_its_pdf_at_once(tiny):
    """A PDF must not outlive its page: a cohort withdrawn from the registry loses its PDF
    with its HTML, and a rebuilt page's old PDF (which could still show a withdrawn quote)
    goes as soon as the new page is in place, even if nobody runs make pdf."""
    from collablib.build.pipeline import build_reports
    from tests.conftest import read_rows, write_rows

    data, out, notebook = tiny
    for report_id in ("alpha", "beta", "gamma"):
        (out / f"{report_id}.pdf").write_bytes(b"%PDF-1.7 an earlier print")
    teams = data / "raw" / "beta" / "teams.csv"
    rows = read_rows(teams)
    rows[0]["team_name"] = rows[0]["team_name"] + " (renamed)"
    write_rows(teams, rows)
    summary = build_reports(data_dir=data, output_dir=out, notebook=notebook, jobs=2)
    assert summary.exit_code == 0, summary.text()
    status = {r.cohort_id: r.status for r in summary.results}
    assert status["beta"] == "built" and "up to date" in status.values()
    for report_id, done in status.items():
        assert (out / f"{report_id}.pdf").exists() == (done == "up to date"), report_id

    registry = data / "cohorts.csv"
    write_rows(registry, [r for r in read_rows(registry) if r["cohort_id"] != "alpha"])
    (out / "alpha.pdf").write_bytes(b"%PDF-1.7 an earlier print")
    summary = build_reports(data_dir=data, output_dir=out, notebook=notebook, jobs=2)
    assert summary.exit_code == 0, summary.text()
    assert "alpha" in summary.removed
    assert not (out / "alpha.pdf").exists() and not (out / "alpha.html").exists()


def living_in_group(group: int) -> list[int]:
    """Processes (not zombies) in process group ``group``, read from /proc."""
    living = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            living.append(int(stat.parent.name))
    return living


def test_an_interrupt_while_printing_stops_chromium_at_once_and_keeps_the_html(tiny, tmp_path):
    """SIGTERM during make pdf: the fake Chromium (which would print for a minute) is killed
    with its process group, the command says the HTML is complete, and no PDF is left."""
    data, out, notebook = tiny
    started = tmp_path / "started"
    fake = tmp_path / "chromium"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "Fake Chromium 1"; exit 0;; esac\n'
        f'echo $$ >> "{started}"\nsleep 60\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    env = {**os.environ, "CHROMIUM": str(fake)}
    args = [sys.executable, "-m", "collablib.cli", *reports_args(data, out, notebook, "--pdf")]
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), "the fake Chromium never started"
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10, "Chromium must be stopped, not waited for"
    assert proc.returncode == 143, err
    assert "the HTML reports are complete" in err and "Traceback" not in err
    time.sleep(0.5)
    for pid in started.read_text().split():
        assert living_in_group(int(pid)) == [], "Chromium and its children must be gone"
    assert list(out.glob("*.pdf")) == [] and list(out.glob(".*.tmp")) == []
    assert (out / "alpha.html").is_file()


def test_cohort_limits_the_pdfs_to_those_cohorts_and_their_programme_years(tiny, tmp_path):
    data, out, notebook = tiny
    log = tmp_path / "printed"
    fake = tmp_path / "chromium"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "Fake Chromium 1"; exit 0;; esac\n'
        'for a in "$@"; do case "$a" in file:*) echo "$a" >> "' + str(log) + '";; esac; done\n'
        "exit 1\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    for year in ("2020-21", "2021-22"):  # stand-ins: the mini notebook builds no programme years
        (out / f"programme-{year}.html").write_text("<p>year</p>", encoding="utf-8")
    os.environ["CHROMIUM"] = str(fake)
    try:
        code = main(reports_args(data, out, notebook, "--cohort", "gamma", "--pdf"))
    finally:
        del os.environ["CHROMIUM"]
    assert code == 1  # the fake prints nothing, so every PDF failed
    printed = sorted(Path(line.removeprefix("file://")).name for line in log.read_text().split())
    assert printed == ["gamma.html", "programme-2021-22.html"]
