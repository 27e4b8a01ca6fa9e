"""HTML building blocks for the reports: tables, figures, key figures and quotes.

Everything returned is an :class:`HTML` object, which Jupyter (and therefore
nbconvert) renders as HTML. All text is escaped with :func:`html.escape`, so
nothing typed into a data file can become markup in a report. Figures are
embedded as inline SVG with text kept as text, an accessible name and
description, and a caption, so a report is one self-contained file that needs
no network, stays sharp at any zoom and is a fraction of the size of PNGs.
"""

from __future__ import annotations

import contextlib
import html
import io
import itertools
import re
import textwrap
import urllib.parse
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
    "point_tip",
    "quotes",
    "svg_markup",
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


#: The start of a point's hover text, carried through matplotlib as the point's URL
#: (:func:`point_tip`) and turned into an SVG ``<title>`` by :func:`svg_markup`.
_TIP = "collab-tip:"
_TIP_OPEN = re.compile(r'<a xlink:href="collab-tip:([^"]*)" target="_blank">')
_IDS = itertools.count(1)
_NUMBER = re.compile(r"(?<![\w#.])(-?\d+\.\d{3,})")
_GEOMETRY = re.compile(r' (d|x|y|x1|y1|x2|y2|width|height|transform|points)="([^"]*)"')


def point_tip(text: str) -> str:
    """The URL to give a matplotlib artist (``set_url``/``set_urls``) so that, in the
    report's SVG, hovering over it shows ``text`` (an SVG ``<title>``, no JavaScript)."""
    return _TIP + urllib.parse.quote(text, safe="")


def _tip_title(match: re.Match[str]) -> str:
    return f"<g><title>{esc(urllib.parse.unquote(match.group(1)))}</title>"


def _round(match: re.Match[str]) -> str:
    """A coordinate to 2 decimal places (1/100 of a point: far below a screen pixel)."""
    text = f"{float(match.group(1)):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _fit_titles(fig: Figure) -> bool:
    """Re-wrap any axes or figure title that runs past the figure's edge; True if any did.

    The figure must have been laid out (its axes are then placed). Titles are measured
    with Agg's hinted font metrics, which are a little wider than the SVG's, and broken
    at spaces so that each line fits between the title's start and the figure's right
    edge (less a small margin); long question wording then wraps instead of being
    clipped, whichever of the two a reader sees.
    """
    renderer = fig._get_renderer()
    right = fig.bbox.x1 - 4
    changed = False
    titles = [
        t
        for ax in fig.axes
        for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))
        if t is not None
    ]
    if getattr(fig, "_suptitle", None) is not None:
        titles.append(fig._suptitle)
    for title in titles:
        text = title.get_text()
        if not text or not title.get_visible():
            continue
        box = title.get_window_extent(renderer)
        if box.x1 <= right and box.x0 >= 4:
            continue
        align = title.get_horizontalalignment()
        if align == "center":  # stays centred on its point: fit both halves
            middle = (box.x0 + box.x1) / 2
            space = 2 * min(middle - 4, right - middle)
        elif align == "right":
            space = box.x1 - 4
        else:
            space = right - max(box.x0, 4)
        words = " ".join(text.split())
        chars = max(len(line) for line in text.split("\n"))
        per_line = max(int(chars * space / box.width), 1) if box.width > 0 else chars
        while True:
            lines = textwrap.wrap(words, per_line, break_long_words=False)
            title.set_text("\n".join(lines))
            if per_line <= 1 or title.get_window_extent(renderer).width <= space:
                break
            per_line -= 1
        changed = changed or title.get_text() != text
    return changed


def svg_markup(fig: Figure, *, prefix: str | None = None) -> str:
    """``fig`` as an inline ``<svg>`` element: text as text, byte-reproducible, no metadata.

    Drawn inside :func:`collablib.report.style.chart_style` (``svg.fonttype = "none"``,
    a font stack every machine has, fixed ``svg.hashsalt``), as for :func:`png_bytes`.
    The markup is made fit to sit in an HTML page beside others: ids are prefixed
    with a number unique in the kernel (so two charts never share one; ``prefix``
    fixes it instead) and unused ids dropped, the stylesheet matplotlib puts in
    ``<defs>`` (a global ``*`` rule) is moved onto the root element, coordinates are
    rounded to 1/100 pt, and points given a :func:`point_tip` get a ``<title>`` (hover
    text). A title wider than the figure is re-wrapped (:func:`_fit_titles`) before the
    figure is drawn.
    """
    from collablib.report.style import chart_style

    with chart_style():
        fig.set_facecolor("white")
        raw = _print_svg(fig)
    return _clean_svg(raw, prefix or f"c{next(_IDS)}-")


def _print_svg(fig: Figure) -> str:
    """Lay ``fig`` out, fit its titles, then draw it once as SVG text (no date or tool name).

    The figure's layout engine (constrained layout) is run here, as ``Figure.draw`` runs
    it (with the SVG canvas, fixed aspect ratios applied before and after, only when the
    figure has axes, a ``ValueError`` ignored), so that the titles can be measured where the
    layout puts them; a title that had to be re-wrapped is laid out again. The draw then
    runs with the layout engine set aside, as the layout is done, and with the figure's own
    dpi for any embedded image (working out the layout leaves it at the SVG's 72). The
    figure is drawn once, where drawing it, fitting its titles and drawing it again cost a
    second full draw (about a fifth of a report's charts have a title to fit); the layout
    computations are the same, in the same order, so a report's charts are byte for byte
    what the two draws gave. The figure's canvas and layout engine are left as they were.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    canvas, engine, dpi, buffer = fig.canvas, fig.get_layout_engine(), fig.dpi, io.StringIO()

    def lay_out() -> None:
        FigureCanvasSVG(fig)
        renderer = fig._get_renderer()
        fig._get_draw_artists(renderer)  # applies fixed aspects, as a draw does first
        if fig.axes:
            with contextlib.suppress(ValueError):  # as Figure.draw
                engine.execute(fig)
        fig._get_draw_artists(renderer)  # and again, as each axes' draw does after it
        fig.set_canvas(canvas)  # titles are measured as _fit_titles says: with Agg

    try:
        if engine is None:
            _fit_titles(fig)
        else:
            lay_out()
            if _fit_titles(fig):
                lay_out()
            fig.set_layout_engine("none")
            fig.dpi = dpi
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": None})
    finally:
        fig.set_canvas(canvas)
        if engine is not None:
            fig.set_layout_engine(engine)
    return buffer.getvalue()


_TAG = re.compile(r"<[^>]*>")


def _clean_svg(raw: str, prefix: str) -> str:
    """matplotlib's SVG made fit for an HTML page (see :func:`svg_markup`).

    Every rewrite is made inside tags only: text from data (in ``<text>`` elements, where
    matplotlib escapes ``<`` and ``&``) is never touched, whatever it looks like.
    """
    svg = raw[raw.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    svg = re.sub(r'\s*<defs>\s*<style type="text/css">[^<]*</style>\s*</defs>', "", svg, count=1)
    tags = "".join(_TAG.findall(svg))
    referenced = set(re.findall(r'(?:url\(#|xlink:href="#)([^)"]+)', tags))
    fonts = re.search(r"font-family: ([^;\"]+)", tags)

    def tidy(tag: str) -> str:
        tag = re.sub(
            r' id="([^"]+)"',
            lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else "",
            tag,
        )
        tag = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", tag)
        tag = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', tag)
        tag = re.sub(r' transform="rotate\(-0 [^"]*\)"', "", tag)
        tag = _GEOMETRY.sub(lambda m: f' {m.group(1)}="{_NUMBER.sub(_round, m.group(2))}"', tag)
        if fonts:  # one font declaration, on the root, inherited by every text element
            tag = tag.replace(f"; font-family: {fonts.group(1)}", "")
        return re.sub(r"\s*\n\s*", " ", tag).replace(' "', '"')

    svg = _TAG.sub(lambda m: tidy(m.group(0)), svg)
    svg = re.sub(r">\s+<", ">\n<", _drop_bare_groups(svg))
    svg = _TIP_OPEN.sub(_tip_title, svg)
    if "<a " in svg:
        raise ValueError(
            "a chart artist has a URL that is not a point_tip(): charts carry no links"
        )
    svg = svg.replace("</a>", "</g>")
    head = re.match(r'<svg [^>]*viewBox="0 0 ([\d.]+) ([\d.]+)"[^>]*>', svg)
    assert head is not None, "matplotlib wrote no SVG root"
    style = "stroke-linejoin:round;stroke-linecap:butt"
    if fonts:
        style += f";font-family:{fonts.group(1)}"
    root = (
        f'<svg viewBox="0 0 {head.group(1)} {head.group(2)}" '
        f'width="{round(float(head.group(1)) * CSS_DPI / 72)}" '
        f'height="{round(float(head.group(2)) * CSS_DPI / 72)}" '
        f'style="{html.escape(style, quote=False)}">'
    )
    return root + svg[head.end() :].strip()


_GROUP_TAG = re.compile(r"<g>|<g [^>]*>|</g>")


def _drop_bare_groups(svg: str) -> str:
    """Unwrap every ``<g>`` that has no attributes: matplotlib opens one per artist and
    tick, and a group with nothing on it changes nothing (about a third of the bytes)."""
    out: list[str] = []
    bare: list[bool] = []
    last = 0
    for match in _GROUP_TAG.finditer(svg):
        out.append(svg[last : match.start()])
        last = match.end()
        tag = match.group(0)
        if tag == "</g>":
            if not bare.pop():
                out.append(tag)
        else:
            bare.append(tag == "<g>")
            if tag != "<g>":
                out.append(tag)
    out.append(svg[last:])
    return "".join(out)


def figure(fig: Figure, alt: str, caption: str | None = None, *, anchor: str | None = None) -> HTML:
    """Embed ``fig`` as inline SVG with an accessible name and description, and a caption.

    The ``<svg>`` has ``role="img"``. Its accessible name is its ``<title>``, the whole
    of ``alt`` (what the chart shows, with its numbers): Chromium's tagged PDFs take a
    chart's alternative text from its name alone, so the name carries everything. Its
    accessible description is the visible caption (``aria-describedby`` on the
    ``<figcaption>``), so nothing is read twice. Hovering over a point shows the
    point's own ``<title>`` where the chart gave it one (:func:`point_tip`).

    ``anchor`` becomes the ``<figure>``'s id, for links to the chart (such as
    :func:`collablib.report.spc_matrix.chart_anchor`); an id must be non-empty and
    have no spaces, and the caller keeps it unique in the page.

    The figure is closed afterwards so that Jupyter's inline backend does not
    display it a second time.
    """
    if anchor is not None and (not anchor or any(c.isspace() for c in anchor)):
        raise ValueError(f"not a valid HTML id: {anchor!r}")
    svg = svg_markup(fig)
    fig.clf()
    number = next(_IDS)
    name, description = f"chart{number}-name", f"chart{number}-desc"
    described = f' aria-describedby="{description}"' if caption else ""
    svg = svg.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{name}"{described} class="collab-chart" ', 1
    )
    opening = svg.index(">") + 1
    svg = svg[:opening] + f'<title id="{name}">{esc(alt)}</title>' + svg[opening:]
    caption_html = f'<figcaption id="{description}">{esc(caption)}</figcaption>' if caption else ""
    id_html = f' id="{esc(anchor)}"' if anchor is not None else ""
    return HTML(f'<figure class="collab-figure"{id_html}>{svg}{caption_html}</figure>')


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
