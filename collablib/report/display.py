"""HTML building blocks for the reports: tables, figures, key figures and quotes.

Everything returned is an :class:`HTML` object, which Jupyter (and therefore
nbconvert) renders as HTML. All text is escaped with :func:`html.escape`, so
nothing typed into a data file can become markup in a report. Figures are
embedded as PNG data URIs with alt text and a caption, so a report is one
self-contained file that needs no network.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CSS_DPI",
    "HTML",
    "PNG_DPI",
    "Formatter",
    "bullets",
    "callout",
    "callout_list",
    "concat",
    "esc",
    "figure",
    "heading",
    "key_figures",
    "paragraph",
    "png_bytes",
    "quotes",
    "table",
    "title_block",
]

#: Pixels per inch used to size figures in the browser (CSS reference pixel).
CSS_DPI = 96
#: Resolution of the embedded PNGs: 1.5x CSS size, sharp on high-density screens.
PNG_DPI = 144


class HTML:
    """A fragment of HTML that Jupyter displays as such (via ``_repr_html_``)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:  # the text/plain fallback stored in the notebook
        return f"<HTML fragment, {len(self.markup)} characters>"

    def __add__(self, other: HTML) -> HTML:
        return HTML(self.markup + other.markup)


def esc(text: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape("" if text is None else str(text), quote=True)


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes with no timestamp or software metadata (byte-reproducible).

    Drawn inside :func:`collablib.report.style.chart_style`, the style the chart was
    drawn in: tick labels that matplotlib creates only now, at draw time, then
    get the same rcParams, including no mathtext for text from data.

    The figure is drawn once, on an Agg canvas at the final resolution, so its
    constrained layout runs in that same draw and reuses its text measurements.
    ``Figure.savefig`` would draw it twice: once to lay it out and once to print.

    matplotlib is imported here, not with this module: a notebook that shows only
    tables and text (and every kernel of the build tests) need not load it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from collablib.report.style import chart_style

    buffer = io.BytesIO()
    dpi, facecolor, canvas = fig.dpi, fig.get_facecolor(), fig.canvas
    try:
        with chart_style():
            fig.set_dpi(PNG_DPI)
            fig.set_facecolor("white")
            FigureCanvasAgg(fig).print_png(buffer, metadata={"Software": None})
    finally:  # leave the caller's figure as it was, as savefig does
        fig.set_dpi(dpi)
        fig.set_facecolor(facecolor)
        fig.set_canvas(canvas)
    return buffer.getvalue()


def figure(fig: Figure, alt: str, caption: str | None = None, *, anchor: str | None = None) -> HTML:
    """Embed ``fig`` as an inline PNG with alt text and an optional caption.

    ``anchor`` becomes the ``<figure>``'s id, for links to the chart (such as
    :func:`collablib.report.spc_matrix.chart_anchor`); an id must be non-empty and
    have no spaces, and the caller keeps it unique in the page.

    The figure is closed afterwards so that Jupyter's inline backend does not
    display it a second time.
    """
    if anchor is not None and (not anchor or any(c.isspace() for c in anchor)):
        raise ValueError(f"not a valid HTML id: {anchor!r}")
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    width_px = round(fig.get_figwidth() * CSS_DPI)
    caption_html = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    id_html = f' id="{esc(anchor)}"' if anchor is not None else ""
    fig.clf()
    return HTML(
        f'<figure class="collab-figure"{id_html}>'
        f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}" '
        f'style="width:{width_px}px;max-width:100%;height:auto" />'
        f"{caption_html}</figure>"
    )


Formatter = Callable[[Any], str]


def table(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    formats: Mapping[str, Formatter] | None = None,
    numeric: Iterable[str] = (),
    note: str | None = None,
    row_header: bool = True,
    css_class: str = "collab-table",
) -> HTML:
    """A real, accessible HTML table from ``frame``.

    Column names are used as headers (``<th scope="col">``); the first column
    is marked as row headers when ``row_header`` is true. ``formats`` maps a
    column to a function that turns a value into text; ``numeric`` columns are
    right-aligned. Every cell is escaped.
    """
    formats = dict(formats or {})
    numeric = set(numeric)
    head = "".join(f'<th scope="col"{_num(col, numeric)}>{esc(col)}</th>' for col in frame.columns)
    body_rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for i, (col, value) in enumerate(zip(frame.columns, record, strict=True)):
            text = formats[col](value) if col in formats else _default(value)
            tag = "th" if (i == 0 and row_header) else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f"<{tag}{scope}{_num(col, numeric)}>{esc(text)}</{tag}>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    foot = f'<p class="collab-note">{esc(note)}</p>' if note else ""
    return HTML(
        f'<div class="collab-table-wrap"><table class="{esc(css_class)}">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body_rows)}</tbody></table>{foot}</div>"
    )


def _num(col: str, numeric: set[str]) -> str:
    return ' class="num"' if col in numeric else ""


def _default(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "–"
    return str(value)


def concat(blocks: Iterable[HTML]) -> HTML:
    """Several HTML fragments as one (so a notebook cell can show a list of figures)."""
    return HTML("".join(block.markup for block in blocks))


def heading(text: str, level: int = 4) -> HTML:
    """A heading inside an output (levels 4 and below stay out of the table of contents)."""
    return HTML(f"<h{level}>{esc(text)}</h{level}>")


def key_figures(figures: Sequence[tuple[str, str]]) -> HTML:
    """A row of headline numbers, each a big value with a short label underneath."""
    cards = "".join(
        f'<div class="collab-kf"><div class="collab-kf-value">{esc(value)}</div>'
        f'<div class="collab-kf-label">{esc(label)}</div></div>'
        for value, label in figures
    )
    return HTML(f'<div class="collab-key-figures">{cards}</div>')


def bullets(points: Iterable[str], css_class: str = "collab-findings") -> HTML:
    """A bulleted list of plain-text points."""
    items = "".join(f"<li>{esc(p)}</li>" for p in points)
    return HTML(f'<ul class="{esc(css_class)}">{items}</ul>')


def paragraph(text: str, css_class: str | None = None) -> HTML:
    """One escaped paragraph."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return HTML(f"<p{cls}>{esc(text)}</p>")


def callout(text: str, title: str | None = None) -> HTML:
    """A highlighted box for caveats and notes to reviewers."""
    head = f"<strong>{esc(title)}</strong> " if title else ""
    return HTML(f'<div class="collab-callout"><p>{head}{esc(text)}</p></div>')


def callout_list(points: Iterable[str], title: str) -> HTML:
    """A highlighted box with a title and a bulleted list (caveats, notes to reviewers)."""
    items = "".join(f"<li>{esc(p)}</li>" for p in points)
    return HTML(
        f'<div class="collab-callout"><p><strong>{esc(title)}</strong></p><ul>{items}</ul></div>'
    )


def quotes(frame: pd.DataFrame, empty_text: str = "No respondent agreed to be quoted.") -> HTML:
    """Block quotes attributed by role only (``frame`` has ``role`` and ``quote`` columns)."""
    if frame.empty:
        return paragraph(empty_text, "collab-note")
    blocks = "".join(
        f'<blockquote class="collab-quote"><p>\u2018{esc(r.quote)}\u2019</p>'
        f"<footer>{esc(r.role)}</footer></blockquote>"
        for r in frame.itertuples()
    )
    return HTML(f'<div class="collab-quotes">{blocks}</div>')


def title_block(title: str, subtitle: str | None = None, badge: str | None = None) -> HTML:
    """The report's title block (the only ``<h1>`` in a report)."""
    sub = f'<p class="collab-subtitle">{esc(subtitle)}</p>' if subtitle else ""
    tag = f'<p class="collab-badge">{esc(badge)}</p>' if badge else ""
    return HTML(f'<header class="collab-title">{tag}<h1>{esc(title)}</h1>{sub}</header>')
