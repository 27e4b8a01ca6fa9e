"""Shared fixtures: the bundled demo data, and writable copies of it for corruption tests."""

from __future__ import annotations

import csv
import fcntl
import os
import pickle
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest

from collablib.paths import PROJECT_ROOT

DEMO_DATA = PROJECT_ROOT / "data"

#: ``collab reports`` (the command, run here about thirty times, in this process and as
#: subprocesses) starts only its fork server first, as it did before the early kernel
#: (``collablib.build.earlykernel``): each early kernel is a new process that costs about
#: 2.4 s of CPU, wasted where a test's build fails validation on purpose. The early kernel's
#: own behaviour is tested in ``test_earlykernel.py``, with it switched back on.
os.environ["COLLAB_EARLY_KERNEL"] = "0"


@pytest.fixture(scope="session")
def demo_data() -> Path:
    """The committed demo data folder (read only: tests must not modify it)."""
    return DEMO_DATA


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo data folder."""
    target = tmp_path / "data"
    shutil.copytree(DEMO_DATA, target)
    return target


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]], fieldnames: list[str] | None = None) -> None:
    fieldnames = fieldnames or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_canonical_survey(data: Path, cohort: str) -> Path:
    """Write the cohort's cleaned survey as a canonical final_survey.csv (which takes precedence).

    Tests that corrupt single values work on this tidy file, whatever form the
    demo export has. Row r of the data is spreadsheet row r + 2.
    """
    from collablib.data.loaders import load_cohort
    from collablib.data.schemas import SURVEY_COLUMNS

    survey = load_cohort(cohort, data).survey
    rows = []
    for rec in survey.to_dict("records"):
        row = {}
        for col in SURVEY_COLUMNS:
            value = rec[col]
            if col == "submitted_at":
                row[col] = value.strftime("%Y-%m-%d %H:%M")
            elif value is None or value is pd.NA or (isinstance(value, float) and value != value):
                row[col] = ""
            else:
                row[col] = str(value)
        rows.append(row)
    path = data / "raw" / cohort / "final_survey.csv"
    write_rows(path, rows, list(SURVEY_COLUMNS))
    return path


def make_survey(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A typed survey table, as :func:`collablib.data.loaders.import_survey` gives, from rows.

    Missing keys get defaults; ratings use ``None`` for not answered.
    """
    defaults: dict[str, object] = {
        "response_id": None,
        "submitted_at": pd.Timestamp("2021-04-01 10:00"),
        "team_id": "T1",
        "role": "Project team member",
        "recommend": "Yes",
        "team_working": None,
        "patient_carer_experience": None,
        "staff_experience": None,
        "comment": "",
        "consent_to_quote": "No",
    }
    records = []
    for i, row in enumerate(rows, start=1):
        rec = {**defaults, **row}
        rec["response_id"] = rec["response_id"] or f"R{i:03d}"
        records.append(rec)
    frame = pd.DataFrame(records, columns=list(defaults))
    for col in ("team_working", "patient_carer_experience", "staff_experience"):
        frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    for col in ("response_id", "team_id", "role", "recommend", "comment", "consent_to_quote"):
        frame[col] = frame[col].astype("string")
    return frame


def make_teams(team_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": pd.array(team_ids, dtype="string"),
            "team_name": pd.array([f"Team {t}" for t in team_ids], dtype="string"),
            "organisation": pd.array(["Org"] * len(team_ids), dtype="string"),
            "cancer_alliance": pd.array(["Alliance"] * len(team_ids), dtype="string"),
            "region": pd.array(["London"] * len(team_ids), dtype="string"),
            "tumour_group": pd.array(["Lung"] * len(team_ids), dtype="string"),
            "project_title": pd.array(["Project"] * len(team_ids), dtype="string"),
        }
    )


# --- running in parallel (pytest-xdist) ----------------------------------------------------------


def shared_once(tmp_path_factory, name: str, make: Callable[[Path], Any]) -> tuple[Path, Any]:
    """Make something once per test run, even across pytest-xdist workers.

    ``make(folder)`` fills ``folder`` and returns a picklable result. Workers share the
    parent of their temporary folders; the first to get the lock makes it, and the
    others wait for it and then read the result. If making it fails, every worker fails
    with that error, and none tries again. Without xdist this is a plain call.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / f"shared-{name}"
    result_file = base / f"shared-{name}.pickle"
    failure_file = base / f"shared-{name}.failed"
    with (base / f"shared-{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failure_file.exists():  # another worker tried and failed: do not try again
            raise RuntimeError(f"making {name} failed:\n{failure_file.read_text()}")
        if not result_file.exists():
            folder.mkdir()
            try:
                result = make(folder)
            except BaseException:
                failure_file.write_text(traceback.format_exc())
                raise
            result_file.write_bytes(pickle.dumps(result))
        return folder, pickle.loads(result_file.read_bytes())


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every demo cohort built once into a temporary reports folder: (folder, summary).

    Made once per test run, shared by every xdist worker: tests must only read it.
    """
    from collablib.build.pipeline import build_reports

    def make(folder: Path):
        return build_reports(data_dir=DEMO_DATA, output_dir=folder, jobs=2)

    return shared_once(tmp_path_factory, "demo-reports", make)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium the browser tests drive and the PDF tests print with: the one
    ``collab reports --pdf`` prints with (:func:`collablib.build.pdf.find_chromium`), so
    Debian's ``chromium-headless-shell`` where it is installed (as ``.ci/run`` installs it).

    The shell is Chromium's own headless-only build of the same version, the one Playwright
    itself uses for headless runs: the same Blink engine lays out, paints, audits and prints
    the pages, without the full browser's interface pages, which cost about 0.3 s of CPU for
    every page a test opened (benchmarks/README.md).
    """
    from collablib.build.pdf import find_chromium

    return find_chromium()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright. Skipped where Chromium is not installed,
    unless COLLAB_REQUIRE_BROWSER is set (as .ci/run does), when its absence fails."""
    path = chromium_path()
    if path is None:
        if os.environ.get("COLLAB_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (COLLAB_REQUIRE_BROWSER) but was not found")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageVisit:
    """What happened while a page loaded with the network switched off."""

    def __init__(self) -> None:
        self.failed_requests: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []


def open_offline(browser, path: Path, screenshot: Path | None = None):
    """Load a local HTML file with all network access blocked; return (page, visit)."""
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    visit = PageVisit()

    def block_network(route):
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", block_network)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.failed_requests.append(r.url))
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))

    def on_dialog(dialog):
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.resolve().as_uri(), wait_until="load")
    if screenshot is not None:
        save_full_page_png(page, screenshot)
    return page, visit


def save_full_page_png(page, path: Path) -> None:
    """Save a PNG of the whole page, as ``page.screenshot(full_page=True)`` would, at half scale.

    Asked of Chromium directly (DevTools' ``Page.captureScreenshot``) with ``optimizeForSpeed``,
    which compresses the PNG less: Playwright's default encoding took about 1 s more CPU a
    page. The whole page is painted, at half its CSS pixel size: a long report is 35,000 CSS
    pixels tall, and in one hour of 2026-12-02 painting one took Chromium 3.5 to 4.5 s of CPU
    at full size and 1.6 to 2.2 s at half size (benchmarks/README.md). The picture is
    evidence that the page paints (text and charts give it dark and light pixels,
    :func:`painted`), not a record of its detail.
    """
    import base64

    page.evaluate("document.fonts.ready.then(() => true)")
    session = page.context.new_cdp_session(page)
    try:
        size = session.send("Page.getLayoutMetrics")["cssContentSize"]  # the whole page
        whole = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 0.5}
        shot = session.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "optimizeForSpeed": True,
                "clip": whole,
            },
        )
    finally:
        session.detach()
    path.write_bytes(base64.b64decode(shot["data"]))


def painted(path: Path) -> bool:
    """Whether a screenshot shows something: both dark and light pixels, as text on a page
    has (a page that failed to paint is one colour, whatever its PNG's size)."""
    from PIL import Image

    with Image.open(path) as picture:
        darkest, lightest = picture.convert("L").getextrema()
    return darkest < 100 and lightest > 200


# --- a tiny project for build and fault tests -------------------------------------------------

TINY_COHORTS = {
    "alpha": ("Alpha cohort", "2020/21"),
    "beta": ("Beta cohort", "2020/21"),
    "gamma": ("Gamma cohort", "2021/22"),
}


def make_tiny_data(root: Path, cohorts: dict[str, tuple[str, str]] | None = None) -> Path:
    """A data folder with small cohorts (2 teams, 12 respondents each), no CPES, no measures.

    Small enough that a build is quick, but read, validated and keyed exactly as
    the demo data are. The project settings are the real ones.
    """
    cohorts = cohorts or TINY_COHORTS
    data = root / "data"
    (data / "raw").mkdir(parents=True)
    for name in ("survey_mapping.toml", "disclosure.toml", "NOTICE.txt"):
        shutil.copy(DEMO_DATA / name, data / name)
    registry = [
        {
            "cohort_id": cid,
            "name": name,
            "programme_year": year,
            "start_date": f"{year[:4]}-06-01",
            "end_date": f"{int(year[:4]) + 1}-03-31",
        }
        for cid, (name, year) in cohorts.items()
    ]
    write_rows(data / "cohorts.csv", registry)
    roles = ["Project team member"] * 8 + ["Lived experience partner"] * 4
    for n, (cid, (name, year)) in enumerate(cohorts.items()):
        folder = data / "raw" / cid
        folder.mkdir()
        teams = [
            {
                "team_id": f"{cid[:1].upper()}{t}",
                "team_name": f"{name} team {t}",
                "organisation": f"Trust {t}",
                "cancer_alliance": "Alliance",
                "region": "London",
                "tumour_group": ["Lung", "Breast"][t - 1],
                "project_title": f"Project {t}",
            }
            for t in (1, 2)
        ]
        write_rows(folder / "teams.csv", teams)
        survey = []
        for i, role in enumerate(roles):
            survey.append(
                {
                    "response_id": f"{cid}-{i + 1:02d}",
                    "submitted_at": f"{int(year[:4]) + 1}-03-{10 + i:02d} 10:00",
                    "team_id": teams[i % 2]["team_id"],
                    "role": role,
                    "recommend": "Yes" if (i + n) % 5 else "No",
                    "team_working": str(4 - (i + n) % 3),
                    "patient_carer_experience": str(4 - (i * 2 + n) % 4),
                    "staff_experience": str(3 + (i + n) % 2),
                    "comment": "Working together helped." if i % 3 == 0 else "",
                    "consent_to_quote": "Yes" if i % 2 == 0 else "No",
                }
            )
        write_rows(folder / "final_survey.csv", survey)
    return data


MINI_NOTEBOOK_CELLS = (
    "import os, pathlib, time\n"
    "from collablib.analysis import analyse, load_comparators\n"
    "from collablib.report import tables\n"
    "from collablib.report import display as show",
    # A test can hold the kernel here: it sees <gate>/<cohort>.ready, acts, then writes .go
    "gate = os.environ.get('COLLAB_TEST_GATE')\n"
    "if gate:\n"
    "    pathlib.Path(gate, cohort_id + '.ready').touch()\n"
    "    while not pathlib.Path(gate, cohort_id + '.go').exists():\n"
    "        time.sleep(0.05)",
    "analysis = analyse(cohort_id, data_dir, comparators=comparators, provenance=provenance)\n"
    "others, _ = load_comparators(cohort_id, data_dir, comparators)\n"
    "show.paragraph(f'{analysis.cohort.name}: {analysis.survey.headline.respondents} '\n"
    "               'responses; compared with: '\n"
    "               + ', '.join(f'{o.name} {o.counts}' for o in others))",
    "show.table(tables.provenance_inputs(analysis.provenance.facts),\n"
    "           caption='Input files and their SHA-256')",
)


def reports_args(data: Path, out: Path, notebook: Path, *extra: str) -> list[str]:
    """`collab` arguments to build ``data`` into ``out`` with ``notebook``."""
    return [
        "--data-dir",
        str(data),
        "reports",
        "--output-dir",
        str(out),
        "--notebook",
        str(notebook),
        *extra,
    ]


#: The kernel spec of the tests' own notebooks: the real report's (``make`` installs it), so
#: that in each test process their kernels and the full reports' fork from one fork server,
#: which imports what kernels use once (about 3 s of CPU), rather than one server per spec.
TEST_KERNEL = {"name": "collab", "display_name": "Python (collab)", "language": "python"}


def write_mini_notebook(path: Path) -> Path:
    """A report notebook with the real parameters, reading, tables and provenance, but no charts.

    Build, incremental and fault tests use it so that a kernel run takes a few seconds: what
    they test is the pipeline, which treats every notebook alike. The full notebook is built
    once per test run (:func:`built`), and tests of the reports themselves read that.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    params = new_code_cell(
        'cohort_id = "x"\ndata_dir = None\nprovenance = None\ncomparators = None'
    )
    params.metadata["tags"] = ["parameters"]
    cells = [params, *(new_code_cell(src) for src in MINI_NOTEBOOK_CELLS)]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": dict(TEST_KERNEL)},
    )
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory):
    """The tiny project built once with the mini notebook: (root, data, out, notebook).

    Made once per test run, shared by every xdist worker: tests must only read it (or copy
    it, as :func:`tiny` does). Its kernels get an IPython folder of their own
    (:func:`tiny_ipython_dir`), where a test checks that they kept no input history.
    """
    from collablib.build.pipeline import build_reports

    def make(root: Path) -> tuple[Path, Path, Path, Path]:
        data = make_tiny_data(root)
        notebook = write_mini_notebook(root / "mini.ipynb")
        out = root / "reports"
        # the kernels' IPython folder, a private one (see tiny_ipython_dir)
        with mock.patch.dict(os.environ, {"IPYTHONDIR": str(tiny_ipython_dir(root))}):
            summary = build_reports(data_dir=data, output_dir=out, notebook=notebook, jobs=2)
        assert summary.exit_code == 0, summary.text()
        return root, data, out, notebook

    return shared_once(tmp_path_factory, "tiny", make)[1]


def tiny_ipython_dir(root: Path) -> Path:
    """The IPython folder (``IPYTHONDIR``) the kernels of :func:`tiny_built`'s build were given,
    beside the project rather than in it, so that :func:`tiny` does not copy it."""
    return root.with_name(f"{root.name}-ipython")


def assert_no_ipython_history(ipython_dir: Path) -> None:
    """Kernels given ``ipython_dir`` as their IPython folder used it (each kernel makes its
    profile folder there) and kept no input history there: no SQLite file at all."""
    assert (ipython_dir / "profile_default").is_dir(), f"no kernel used {ipython_dir}"
    databases = sorted(str(p.relative_to(ipython_dir)) for p in ipython_dir.rglob("*.sqlite*"))
    assert databases == [], f"a kernel kept its history: {databases}"


@pytest.fixture
def tiny(tiny_built, tmp_path):
    """A private copy of the built tiny project: (data, out, notebook)."""
    root, _, _, _ = tiny_built
    shutil.copytree(root, tmp_path / "tiny")
    copy = tmp_path / "tiny"
    return copy / "data", copy / "reports", copy / "mini.ipynb"
