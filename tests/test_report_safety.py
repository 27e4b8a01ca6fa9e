"""Hostile or personal text in comments is inert and redacted in the built HTML (Chromium)."""

from __future__ import annotations

import pytest

from collablib.build.pipeline import build_reports
from tests.conftest import open_offline, painted, read_rows, write_canonical_survey, write_rows

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile") / "data"
    import shutil

    from tests.conftest import DEMO_DATA

    shutil.copytree(DEMO_DATA, data)
    path = write_canonical_survey(data, "cohort-2")
    rows = read_rows(path)
    consenting = [r for r in rows if r["consent_to_quote"] == "Yes"]
    for row, text in zip(consenting, HOSTILE, strict=False):
        row["comment"] = f"Great project {text} - mail me at amy.lee@example.org"
    refused = next(r for r in rows if r["consent_to_quote"] != "Yes")
    refused["comment"] = "SECRET-NOT-CONSENTED"
    write_rows(path, rows)
    out = tmp_path_factory.mktemp("hostile-reports")
    summary = build_reports(["cohort-2"], data_dir=data, output_dir=out, jobs=1)
    assert summary.exit_code == 0, summary.text()
    return out / "cohort-2.html"


def test_hostile_text_is_escaped_in_the_html_source(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "SECRET-NOT-CONSENTED" not in page
    assert "amy.lee@example.org" not in page


def test_hostile_text_is_inert_and_shown_as_text_in_chromium(browser, hostile_report, tmp_path):
    page, visit = open_offline(browser, hostile_report, screenshot=tmp_path / "hostile.png")
    assert visit.dialogs == []  # no alert() ran
    assert visit.console_errors == []
    assert visit.failed_requests == []
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], svg[onload]').length") == 0
    voices = page.inner_text("div.collab-quotes")
    for text in HOSTILE:
        assert text in voices  # visible, literally, as text
    assert "[email removed]" in voices
    assert "amy.lee@example.org" not in voices
    assert (tmp_path / "hostile.png").stat().st_size > 10_000 and painted(tmp_path / "hostile.png")
