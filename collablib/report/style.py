"""NHS identity colours and the matplotlib style used by every chart.

Colours are from the NHS England identity guidelines (colour palette for
digital and print). Charts must still read when printed in greyscale, so
series that need telling apart differ in lightness and, where they could be
confused, in marker shape or hatching as well as hue.

Text from data is drawn literally. Matplotlib would read ``$...$`` in any label
as mathtext, so a tumour group called ``$5 to $10 grants`` would lose its
dollar signs and one called ``$\\href{...}$`` would stop the build with a
parser error at save time. :data:`RC_PARAMS` therefore sets
``text.parse_math: False``. It has to be in force whenever a
:class:`~matplotlib.text.Text` is *created*, and matplotlib creates some tick
labels only while the figure is drawn, so the chart functions draw inside
:func:`chart_style` and :func:`collablib.report.display.png_bytes` (the one place
reports turn a figure into an image) saves inside it too; code that saves a
collab chart some other way must do the same. None of collab's own labels uses
mathtext; write symbols as plain Unicode (e.g. "≥", "±", "²").

The style is applied only inside :func:`chart_style` (a ``with`` block around
:func:`matplotlib.rc_context`), never globally: collab selects no backend and
changes no global rcParams, and leaves them as they were after each chart, so
an analyst's own plots in the same session keep matplotlib's defaults, mathtext
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl

__all__ = [
    "FIG_WIDTH",
    "NHS_AQUA_BLUE",
    "NHS_BLACK",
    "NHS_BLUE",
    "NHS_BRIGHT_BLUE",
    "NHS_DARK_BLUE",
    "NHS_DARK_GREEN",
    "NHS_DARK_GREY",
    "NHS_DARK_PINK",
    "NHS_DARK_RED",
    "NHS_GREEN",
    "NHS_LIGHT_BLUE",
    "NHS_MID_GREY",
    "NHS_ORANGE",
    "NHS_PALE_GREY",
    "NHS_PINK",
    "NHS_PURPLE",
    "NHS_WARM_YELLOW",
    "NHS_WHITE",
    "RATING_COLOURS",
    "RC_PARAMS",
    "ROLE_STYLES",
    "chart_style",
]

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_BRIGHT_BLUE = "#0072CE"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_AQUA_BLUE = "#00A9CE"
NHS_BLACK = "#231F20"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WHITE = "#FFFFFF"
NHS_DARK_GREEN = "#006747"
NHS_GREEN = "#009639"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_DARK_RED = "#8A1538"
NHS_PINK = "#AE2573"
NHS_DARK_PINK = "#7C2855"
NHS_PURPLE = "#330072"

#: Answer colours on the 1-4 scale: dark-light-light-dark, so greyscale keeps the
#: ends distinct from the middle; the negative side is also hatched.
RATING_COLOURS: dict[int, str] = {
    1: NHS_DARK_RED,
    2: NHS_WARM_YELLOW,
    3: NHS_LIGHT_BLUE,
    4: NHS_DARK_BLUE,
}

#: Marker and colour per respondent role: shapes differ so greyscale still works.
ROLE_STYLES: dict[str, dict[str, str]] = {
    "Project team member": {"color": NHS_BLUE, "marker": "o"},
    "Lived experience partner": {"color": NHS_DARK_PINK, "marker": "s"},
    "Executive sponsor": {"color": NHS_DARK_GREY, "marker": "D"},
}

#: Figure width in inches; charts are drawn at this width and scaled by the browser.
FIG_WIDTH = 8.0

RC_PARAMS: dict[str, object] = {
    # DejaVu Sans ships with matplotlib, so charts are laid out identically everywhere.
    # Charts are SVG with text kept as text, so the browser draws the text: where DejaVu
    # Sans is missing (most NHS Windows laptops) it falls back to Arial or another
    # sans-serif, all narrower than DejaVu Sans, so text laid out for it still fits.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "svg.fonttype": "none",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.edgecolor": NHS_DARK_GREY,
    "axes.labelcolor": NHS_BLACK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": NHS_DARK_GREY,
    "ytick.color": NHS_DARK_GREY,
    "text.color": NHS_BLACK,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 144,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "collab",
    # Labels come from data (team, tumour-group, trust and measure names, question
    # text): "$" must be drawn as a dollar sign, never parsed as mathtext.
    "text.parse_math": False,
}


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply the collab chart style for the duration of a ``with`` block.

    Use it both while drawing a chart and while saving it (tick labels may be
    created at draw time); global rcParams are restored on leaving the block.
    """
    with mpl.rc_context(RC_PARAMS):
        yield
