"""Shared fixtures: the bundled demo data, and writable copies of it for corruption tests."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from collablib.paths import PROJECT_ROOT

DEMO_DATA = PROJECT_ROOT / "data"


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
    from collablib.loaders import load_cohort
    from collablib.schemas import SURVEY_COLUMNS

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
    """A typed survey table, as :func:`collablib.loaders.load_survey` returns, from short rows.

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


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every demo cohort built once into a temporary reports folder: (folder, summary)."""
    from collablib.pipeline import build_reports

    out = tmp_path_factory.mktemp("reports")
    summary = build_reports(data_dir=DEMO_DATA, output_dir=out, jobs=2)
    return out, summary


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
    """Debian's chromium (or $CHROMIUM)."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


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
        page.screenshot(path=str(screenshot), full_page=True)
    return page, visit
