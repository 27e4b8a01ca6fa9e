"""Small HTML readers for tests (standard library only)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.images: list[dict[str, str | None]] = []
        self.charts: list[dict[str, str | None]] = []  # <svg role="img">, with "name"
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.resources: list[tuple[str, str, str]] = []
        self._table: dict | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False
        self._text: list[str] = []
        self._chart_text: tuple[str, str] | None = None
        self.chart_texts: dict[str, str] = {}  # id of an SVG <title>/<desc> -> its text

    @property
    def text(self) -> str:
        """The page's text as a reader sees it (tags, including highlighting spans, removed)."""
        return "".join(self._text)

    def chart_alts(self) -> list[str]:
        """Each chart's alt text: its accessible name, the ``<title>`` its ``<svg>`` names."""
        return [self.chart_texts.get(c.get("aria-labelledby") or "", "") for c in self.charts]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "img":
            self.images.append(a)
        if tag == "svg" and a.get("role") == "img":
            self.charts.append(a)
        if tag in ("title", "desc") and a.get("id") and self.charts:
            self._chart_text = (tag, a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attr in ("src", "href", "data", "poster"):
            if a.get(attr):
                self.resources.append((tag, attr, a[attr]))
        if tag == "table":
            self._table = {"caption": "", "rows": []}
        elif tag == "caption" and self._table is not None:
            self._in_caption = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("title", "desc"):
            self._chart_text = None
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._chart_text is not None:
            key = self._chart_text[1]
            self.chart_texts[key] = self.chart_texts.get(key, "") + data
            return
        self._text.append(data)
        if self._in_caption and self._table is not None:
            self._table["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def table_by_caption(page: str, caption_start: str) -> list[list[str]]:
    """Rows (header first) of the first table whose caption starts with ``caption_start``."""
    for table in parse(page).tables:
        if table["caption"].strip().startswith(caption_start):
            return table["rows"]
    raise AssertionError(f"no table captioned {caption_start!r}")


def external_resources(page: str) -> list[tuple[str, str, str]]:
    """Every src/href that would make the browser fetch something from the network.

    In-page anchors (#...), relative links between reports and data: URIs are
    fine; anything with a scheme such as http(s) or a protocol-relative // is not.
    Hyperlinks (<a href>) are navigation, not loads, but reports carry none to
    the web either, so they are included.
    """
    bad = []
    for tag, attr, value in parse(page).resources:
        v = value.strip().lower()
        if v.startswith(("#", "data:")) or ("://" not in v and not v.startswith("//")):
            continue
        bad.append((tag, attr, value))
    return bad


def provenance_matches_disk(page: Path, data: Path, cohort_id: str) -> bool:
    """Whether every input a report's Provenance section names has that SHA-256 on disk now.

    The registry is listed by the cohort's own row, whose hash is of the row's values.
    """
    from collablib.build.provenance import registry_row_entry
    from collablib.data.inputs import sha256_file
    from collablib.data.registry import load_registry

    rows = table_by_caption(page.read_text(encoding="utf-8"), "Input files and their SHA-256")
    row = next(c for c in load_registry(data) if c.cohort_id == cohort_id).as_dict()
    for name, digest in rows[1:]:
        if name.startswith("cohorts.csv"):
            entry = registry_row_entry(row)
            if (name, digest) != (entry["file"], entry["sha256"]):
                return False
        elif not (data / name).is_file() or sha256_file(data / name) != digest:
            return False
    return len(rows) > 2
