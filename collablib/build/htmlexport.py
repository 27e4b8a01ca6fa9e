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

import html
import re

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
    exporter = HTMLExporter(
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
    body, _ = exporter.from_notebook_node(nb, resources={"collab_css": read_css()})
    return add_table_of_contents(body)


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
    cell_start = page.rfind('<div class="jp-Cell ', 0, first.start())
    insert_at = cell_start if cell_start != -1 else first.start()
    return page[:insert_at] + nav + page[insert_at:]
