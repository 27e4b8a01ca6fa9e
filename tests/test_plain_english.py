"""The reports' generated narrative is plain English: Flesch reading ease of at least 50.

Measured with textstat on each reviewer page's paragraphs and list items, the text a
reader reads as prose: not tables, charts, figure captions, quotes from respondents
(their own words), the contents list or code. The figures are recorded in
benchmarks/README.md.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

#: Flesch reading ease: 60 to 70 is plain English; 50 to 60 "fairly difficult".
MIN_READING_EASE = 50
SKIPPED = {"table", "nav", "figure", "svg", "pre", "blockquote", "script", "style"}


class _Prose(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._open: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skip += 1
        elif tag in ("p", "li") and not self._skip and self._open is None:
            self._open = []

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skip -= 1
        elif tag in ("p", "li") and self._open is not None:
            text = " ".join("".join(self._open).split())
            if text:
                self.paragraphs.append(text if text[-1] in ".!?:" else text + ".")
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._skip:
            self._open.append(data)


def prose(page: str) -> list[str]:
    parser = _Prose()
    parser.feed(page)
    return parser.paragraphs


def test_prose_reader_keeps_paragraphs_and_leaves_out_tables_and_quotes():
    page = (
        "<p>One <b>short</b> line</p><table><tr><td><p>cell</p></td></tr></table>"
        "<blockquote><p>A quote.</p></blockquote><ul><li>Item one.</li></ul>"
    )
    assert prose(page) == ["One short line.", "Item one."]


@pytest.fixture(scope="module")
def reviewer_pages(built):
    out, _ = built
    pages = sorted(p for p in out.glob("*.html") if not p.name.endswith(".code.html"))
    assert len(pages) >= 8
    return pages


def test_each_reports_narrative_reads_as_plain_english(reviewer_pages):
    import textstat

    scores = {}
    for path in reviewer_pages:
        paragraphs = prose(path.read_text(encoding="utf-8"))
        assert len(paragraphs) >= 5, path.name
        scores[path.name] = textstat.flesch_reading_ease("\n".join(paragraphs))
    assert all(score >= MIN_READING_EASE for score in scores.values()), scores
