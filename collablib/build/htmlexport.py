"""Turn an executed report notebook into a self-contained HTML page.

Two renderings come from the same executed notebook:

- the **reviewer** page hides all code (nbconvert's ``exclude_input``) and any
  warnings printed to stderr, leaving narrative, tables and charts;
- the **analyst** page shows the code as well.

Both use the ``collab`` nbconvert template (``collablib/build/templates/collab``),
which extends JupyterLab's template but loads nothing from the network: the
stock template fetches require.js and MathJax from a CDN, which offline NHS
laptops cannot reach. A table of contents is built from the report's
section headings.
"""

from __future__ import annotations

import contextlib
import html
import re
import threading
from collections.abc import Iterator

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from collablib.build.pages import TEMPLATE_DIR, read_css

__all__ = [
    "DropStderr",
    "add_table_of_contents",
    "export_html",
    "table_of_contents",
]


#: The Pygments style of the analyst rendering's code (see :func:`export_html`).
CODE_STYLE = "xcode"

_HEADING = re.compile(
    r'<h([23]) id="(?P<id>[^"]+)"[^>]*>(?P<text>.*?)<a class="anchor-link"', re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")
#: The start tag of a notebook cell (its attributes in any order).
_CELL = re.compile(r'<div\s(?:[^>]*\s)?class="jp-Cell [^"]*"[^>]*>')


class DropStderr(Preprocessor):
    """Remove stderr stream outputs (library warnings), which mean nothing to reviewers."""

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        if cell.get("cell_type") == "code":
            cell.outputs = [
                out
                for out in cell.get("outputs", [])
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
            ]
        return cell, resources


def export_html(nb: nbformat.NotebookNode, *, title: str, show_code: bool) -> str:
    """Render an executed notebook as one self-contained HTML page.

    ``show_code`` selects the analyst rendering (code shown) over the reviewer
    rendering (code and stderr hidden). ``title`` becomes the page title.
    """
    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook is left alone
    nb.metadata["title"] = title
    for cell in nb.cells:
        # papermill gives the cell it injects a random id; a fixed one keeps the HTML
        # byte-for-byte the same from one build to the next.
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    with _exporter(show_code) as exporter:
        body, _ = exporter.from_notebook_node(nb, resources={"collab_css": read_css()})
    return add_table_of_contents(body)


class _Exporter(HTMLExporter):
    """nbconvert's HTML exporter without its last pass through BeautifulSoup.

    That pass parses the whole page (about 0.5 s of CPU for a report full of SVG
    charts) only to add ``tabindex="0"`` to code and output areas, so that keyboard
    users can scroll them, and a stock alt text to ``<img>`` without one; it then
    re-serialises the page, which lower-cases SVG's ``viewBox``. Our pages get the same
    ``tabindex`` from :data:`_FOCUSABLE`; their charts are inline SVG, and a test
    checks that every image and chart has a text alternative.
    """

    def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def, override]
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter(
            "highlight_code",
            self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)),
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _FOCUSABLE.sub(r'\1 tabindex="0">', page), resources


#: The start tags of code and output areas, which nbconvert makes focusable.
_FOCUSABLE = re.compile(
    r'(<div class="(?:[^"]* )?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?: [^"]*)?"[^>]*)>'
)

#: Exporters not in use, per rendering (True: the analyst's, with code), kept for reuse.
_idle: dict[bool, list[_Exporter]] = {True: [], False: []}
_idle_lock = threading.Lock()


@contextlib.contextmanager
def _exporter(show_code: bool) -> Iterator[_Exporter]:
    """An exporter for one rendering, for this thread alone while the block runs.

    Exporters are kept and reused, by later reports and later builds in this process:
    nbconvert compiles its templates for each new exporter (about 0.15 s of CPU).
    """
    with _idle_lock:
        exporter = _idle[show_code].pop() if _idle[show_code] else None
    if exporter is None:
        exporter = _Exporter(
            # Pygments' "xcode" colours all contrast at least 4.65:1 with the code background
            # (WCAG 2.2 AA asks 4.5:1); the default style's comments are 4.17:1.
            config=Config({"CSSHTMLHeaderPreprocessor": {"style": CODE_STYLE}}),
            template_name="collab",
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            exclude_input=not show_code,
            exclude_input_prompt=not show_code,
            exclude_output_prompt=True,
            embed_images=True,
        )
        if not show_code:
            exporter.register_preprocessor(DropStderr(), enabled=True)
    try:
        yield exporter
    finally:
        with _idle_lock:
            _idle[show_code].append(exporter)


def table_of_contents(page: str) -> list[tuple[int, str, str]]:
    """The (level, anchor id, text) of every section (h2) and subsection (h3) heading."""
    entries = []
    for match in _HEADING.finditer(page):
        text = html.unescape(_TAG.sub("", match.group("text"))).strip()
        entries.append((int(match.group(1)), match.group("id"), text))
    return entries


def add_table_of_contents(page: str) -> str:
    """Insert a linked table of contents just before the first section heading's cell."""
    entries = table_of_contents(page)
    if not entries:
        return page
    items: list[str] = []
    open_sub = False
    for level, anchor, text in entries:
        link = f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>'
        if level == 2:
            if open_sub:
                items.append("</ol></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f"<li>{link}")
        else:
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f"<li>{link}</li>")
    items.append("</ol></li>" if open_sub else "</li>")
    nav = (
        '<nav class="collab-toc" aria-label="Contents"><h2 class="collab-toc-title">Contents</h2>'
        f"<ol>{''.join(items)}</ol></nav>\n"
    )
    first = _HEADING.search(page)
    assert first is not None
    cells = [m.start() for m in _CELL.finditer(page, 0, first.start())]
    insert_at = cells[-1] if cells else first.start()
    return page[:insert_at] + nav + page[insert_at:]
