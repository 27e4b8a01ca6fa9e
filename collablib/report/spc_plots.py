"""Charts for statistical process control, in the Making Data Count (MDC) style.

Calculation lives in :mod:`collablib.spc` and :mod:`collablib.spc.improvement`;
this module only draws. Conventions, as in NHS England's MDC charts and
NHSRplotthedots:

- points: common cause grey, special-cause improvement blue, concern orange,
  neutral purple; for greyscale printing the special-cause markers also differ
  in shape (improvement a diamond, concern a square, neutral a triangle);
- the mean (or median) solid, process limits dashed, each recalculated
  segment drawn separately so the break at a rebase shows;
- a red dashed target line; change ideas as numbered dotted lines;
- the variation and assurance icons in the top corner, with their meaning in
  words underneath so that nobody has to decode an icon.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from collablib.report.display import point_tip
from collablib.report.style import FIG_WIDTH, NHS_BLACK, NHS_DARK_GREY, NHS_PALE_GREY, chart_style
from collablib.spc import vocabulary
from collablib.spc.improvement import MeasureAnalysis, format_value, status
from collablib.spc.rules import RULE_NAMES
from collablib.spc.vocabulary import ASSURANCE, CHARTS, NOT_JUDGED, VARIATION, VARIATION_LABELS

__all__ = [
    "COMMON",
    "CONCERN",
    "ICON_LETTER",
    "IMPROVEMENT",
    "LINE",
    "NEUTRAL",
    "POINT_STYLE",
    "TARGET",
    "measure_alt_text",
    "point_text",
    "rules_sentence",
    "small_multiples",
    "small_multiples_alt_text",
    "spc_chart",
    "status_alt_text",
    "status_chart",
]

#: MDC colours (as NHSRplotthedots' ptd_spc_colours).
COMMON = "#A6A6A6"
IMPROVEMENT = "#00B0F0"
CONCERN = "#E46C0A"
NEUTRAL = "#490092"
TARGET = "#DE1B1B"
LINE = "#7B7D7D"

#: The letter colour for an icon of each MDC colour: the same hue, dark enough for text
#: contrast of at least 4.5:1 on the icon's white centre (WCAG 2.2 AA, 1.4.3); the MDC
#: colours themselves are 2.4:1 to 3.3:1, so they draw only the ring.
ICON_LETTER: dict[str, str] = {
    IMPROVEMENT: "#00628A",
    CONCERN: "#9A4600",
    COMMON: NHS_DARK_GREY,
    NEUTRAL: NEUTRAL,
}

POINT_STYLE: dict[str, tuple[str, str]] = {
    "common_cause": (COMMON, "o"),
    "special_cause_improvement": (IMPROVEMENT, "D"),
    "special_cause_concern": (CONCERN, "s"),
    "special_cause_neutral_high": (NEUTRAL, "^"),
    "special_cause_neutral_low": (NEUTRAL, "v"),
}


def _variation_sentence(a: MeasureAnalysis) -> str:
    """The variation icon in words (:mod:`collablib.spc.vocabulary`); empty if unknown."""
    words = VARIATION.get(a.variation_icon)
    return words.sentence if words else ""


def _icon_colour(icon: str) -> str:
    if icon.startswith("improvement"):
        return IMPROVEMENT
    if icon.startswith("concern"):
        return CONCERN
    if icon.startswith("neutral"):
        return NEUTRAL
    return COMMON


def _draw_icons(ax: Axes, a: MeasureAnalysis) -> None:
    """Two small MDC-style icons (letters in circles) in the top-right corner, with words."""
    if a.chart == "run":
        return
    icon = a.variation_icon or "common_cause"
    letter = "H" if icon.endswith("_high") else "L" if icon.endswith("_low") else "~"
    assurance_letter = {"pass": "P", "fail": "F", "inconsistent": "?", "none": ""}[a.assurance]
    assurance_colour = {
        "pass": IMPROVEMENT,
        "fail": CONCERN,
        "inconsistent": COMMON,
        "none": "white",
    }[a.assurance]
    # Variation on the left, assurance on the right, as Making Data Count and the summary
    # matrix show them; with no target, the variation icon alone sits in the corner.
    icons = [(letter, _icon_colour(icon)), (assurance_letter, assurance_colour)]
    icons = [(char, colour) for char, colour in icons if char]
    for i, (char, colour) in enumerate(icons):
        x = 0.985 - (len(icons) - 1 - i) * 0.045
        ax.plot(
            [x],
            [1.11],
            marker="o",
            markersize=17,
            markerfacecolor="white",
            markeredgecolor=colour,
            markeredgewidth=2.2,
            transform=ax.transAxes,
            clip_on=False,
            zorder=5,
        )
        ax.text(
            x,
            1.11,
            char,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color=ICON_LETTER[colour],
            zorder=6,
        )


def spc_chart(a: MeasureAnalysis, title: str | None = None) -> Figure:
    """One team's measure as an MDC chart (XmR, p or run chart), with changes and icons."""
    with chart_style():
        fig = Figure(figsize=(FIG_WIDTH, 3.6), layout="constrained")
        ax = fig.add_subplot()
        _draw(ax, a, detail=True)
        heading = title or f"{a.team_name}: {a.measure_name}"
        ax.set_title("\n".join(textwrap.wrap(heading, 70)), loc="left", pad=20)
        words = (
            [] if a.chart == "run" else [_variation_sentence(a), ASSURANCE[a.assurance].sentence]
        )
        if words:
            ax.text(
                1.0,
                1.005,
                "   |   ".join(words),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
                color=NHS_DARK_GREY,
            )
        unit = "%" if a.unit == "%" else a.unit
        ax.set_ylabel(unit)
        handles = _point_handles()
        handles.append(
            Line2D([], [], color=NHS_BLACK, lw=1.2, label="Median" if a.chart == "run" else "Mean")
        )
        if a.chart != "run":
            handles.append(
                Line2D([], [], color=NHS_DARK_GREY, lw=1, ls="--", label="Process limits")
            )
        if not math.isnan(a.target):
            handles.append(Line2D([], [], color=TARGET, lw=1.2, ls=(0, (4, 2)), label="Target"))
        if len(a.changes):
            handles.append(
                Line2D([], [], color=NHS_DARK_GREY, lw=1, ls=":", label="Change idea (numbered)")
            )
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.13), ncols=4, fontsize=8)
    return fig


def point_text(point: Any, a: MeasureAnalysis) -> str:
    """One point's hover text: period, value, what SPC says of it and the rules that
    flagged it ("May 2021: 72.4%. Special cause: Improvement (shift, trend).")."""
    text = f"{point.x:%b %Y}: {format_value(point.y, a.unit)}."
    kind = getattr(point, "point_type", None)
    if a.chart != "run" and isinstance(kind, str) and kind in VARIATION_LABELS:
        rules = getattr(point, "rules", None)
        named = f" ({rules.replace('; ', ', ')})" if isinstance(rules, str) and rules else ""
        label = VARIATION_LABELS[kind]
        text += " Common cause." if kind == "common_cause" else f" Special cause: {label}{named}."
    return text


def _draw(ax: Axes, a: MeasureAnalysis, *, detail: bool) -> None:
    frame = a.frame
    x = frame["x"]
    ax.plot(x, frame["y"], color=LINE, lw=1, zorder=2)  # NaN leaves a visible gap
    for _, seg in frame.groupby("group", sort=True):
        step = "steps-mid" if a.chart == "p" else "default"
        ax.plot(seg["x"], seg["centre"], color=NHS_BLACK, lw=1.2, zorder=3)
        if a.chart != "run":
            for col in ("lower", "upper"):
                ax.plot(
                    seg["x"], seg[col], color=NHS_DARK_GREY, lw=1, ls="--", drawstyle=step, zorder=3
                )
    observed = frame[~frame["missing"]]
    for kind, (colour, marker) in POINT_STYLE.items():
        if a.chart == "run":
            pts = observed if kind == "common_cause" else observed.iloc[0:0]
        else:
            pts = observed[observed["point_type"] == kind]
        if len(pts):
            dots = ax.scatter(
                pts["x"],
                pts["y"],
                color=colour,
                marker=marker,
                s=30 if detail else 14,
                zorder=4,
                edgecolors="white",
                linewidths=0.5,
            )
            dots.set_urls([point_tip(point_text(row, a)) for row in pts.itertuples()])
    if not math.isnan(a.target):
        ax.axhline(a.target, color=TARGET, lw=1.2, ls=(0, (4, 2)), zorder=2)
    for gap in frame.loc[frame["missing"], "x"]:
        ax.axvspan(
            gap - pd.Timedelta(days=14),
            gap + pd.Timedelta(days=14),
            color=NHS_PALE_GREY,
            zorder=0,
            lw=0,
        )
    if detail:
        top = ax.get_ylim()[1]
        for number, change in enumerate(a.changes.itertuples(), start=1):
            ax.axvline(change.date, color=NHS_DARK_GREY, lw=1, ls=":", zorder=1)
            ax.text(
                change.date,
                top,
                f" {number}",
                va="top",
                ha="left",
                fontsize=8,
                color=NHS_DARK_GREY,
                fontweight="bold",
            )
        _draw_icons(ax, a)
    ax.grid(axis="y", color=NHS_PALE_GREY, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def small_multiples(analyses: Sequence[MeasureAnalysis], columns: int = 3) -> Figure | None:
    """A grid of small SPC charts, one per measure (usually each team's primary measure)."""
    if not analyses:
        return None
    rows = math.ceil(len(analyses) / columns)
    with chart_style():
        fig = Figure(figsize=(FIG_WIDTH, 1.95 * rows + 0.6), layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False)
        for ax, a in zip(axes.flat, analyses, strict=False):
            _draw(ax, a, detail=False)
            status = _status_word(a)
            ax.set_title(
                "\n".join(textwrap.wrap(f"{a.team_name}", 32)) + f"\n{status}",
                fontsize=8,
                loc="left",
                fontweight="normal",
            )
            ax.tick_params(labelsize=7)  # 6.4 CSS px or more at 200% zoom
            ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
        for ax in list(axes.flat)[len(analyses) :]:
            ax.set_visible(False)
        handles = _point_handles()
        handles.append(Line2D([], [], color=TARGET, lw=1.2, ls=(0, (4, 2)), label="Target"))
        fig.legend(handles=handles, loc="outside upper left", ncols=4, fontsize=8)
    return fig


def _point_handles() -> list[Line2D]:
    """Legend entries for the three common point types."""
    return [
        Line2D([], [], marker=m, color=c, lw=0, markersize=6, label=label)
        for label, (c, m) in (
            (VARIATION_LABELS[point], POINT_STYLE[point])
            for point in ("common_cause", "special_cause_improvement", "special_cause_concern")
        )
    ]


def _status_word(a: MeasureAnalysis) -> str:
    """The measure's status (:func:`collablib.spc.improvement.status`) as a chart subtitle."""
    word = status(a)
    return (
        "too few points to judge"
        if word == NOT_JUDGED and a.chart == "run"
        else (word[0].lower() + word[1:])
    )


def measure_alt_text(a: MeasureAnalysis) -> str:
    """Alt text for :func:`spc_chart`: what the chart shows, in words and numbers."""
    kind = CHARTS[a.chart].sentence
    counts = a.frame["point_type"].value_counts() if a.chart != "run" else pd.Series(dtype=int)
    parts = [
        f"{kind} of {a.measure_name} for {a.team_name}, {a.points} points"
        + (f" with {a.missing_periods} missing" if a.missing_periods else "")
        + ".",
        f"Baseline {'median' if a.chart == 'run' else 'mean'} "
        f"{format_value(a.baseline_mean, a.unit)}; latest {format_value(a.latest_value, a.unit)}"
        + (f" ({a.latest_date:%B %Y})" if a.latest_date is not None else "")
        + ".",
    ]
    if a.chart != "run":
        parts.append(
            f"{int(counts.get('special_cause_improvement', 0))} points of special-cause "
            f"improvement, {int(counts.get('special_cause_concern', 0))} of concern."
        )
        parts.append(_variation_sentence(a) + ". " + ASSURANCE[a.assurance].sentence + ".")
        parts.append(rules_sentence(a.frame))
    if not math.isnan(a.target):
        parts.append(f"Target {format_value(a.target, a.unit)}.")
    if len(a.changes):
        parts.append(f"{len(a.changes)} change ideas marked.")
    return " ".join(p for p in parts if p)


def rules_sentence(frame: pd.DataFrame) -> str:
    """Which special-cause rules fired, and when: "Rules that flagged points: outside limits
    (May 2021; Jan 2022), shift (Jun 2021 to Dec 2021)." Empty when none did.

    Each rule's points are grouped into runs of consecutive points, so a 7-point shift
    reads as one span.
    """
    if "rules" not in frame:
        return ""
    named = frame["rules"].fillna("").astype(str)
    spans = []
    for rule in RULE_NAMES:
        hit = named.str.split("; ").apply(lambda names, r=rule: r in names).to_numpy()
        runs, start = [], None
        for i, flagged in enumerate([*hit, False]):
            if flagged and start is None:
                start = i
            elif not flagged and start is not None:
                first, last = frame["x"].iloc[start], frame["x"].iloc[i - 1]
                runs.append(
                    f"{first:%b %Y}" if start == i - 1 else f"{first:%b %Y} to {last:%b %Y}"
                )
                start = None
        if runs:
            spans.append(f"{rule} ({'; '.join(runs)})")
    return f"Rules that flagged points: {', '.join(spans)}." if spans else ""


def small_multiples_alt_text(analyses: Sequence[MeasureAnalysis]) -> str:
    """Alt text for :func:`small_multiples`."""
    return (
        "Small SPC charts of each team's primary measure: "
        + "; ".join(f"{a.team_name}: {_status_word(a)}" for a in analyses)
        + "."
    )


def status_chart(counts: pd.Series, title: str | None = None) -> Figure:
    """Bar chart of primary measures by status (for cohorts too large for small multiples)."""
    colours = {
        vocabulary.IMPROVED_SUSTAINED: IMPROVEMENT,
        vocabulary.IMPROVED_NOT_SUSTAINED: IMPROVEMENT,
        vocabulary.NO_CHANGE: COMMON,
        vocabulary.CONCERN: CONCERN,
        NOT_JUDGED: NHS_PALE_GREY,
    }
    hatches = {vocabulary.IMPROVED_NOT_SUSTAINED: "//", NOT_JUDGED: ".."}
    with chart_style():
        fig = Figure(figsize=(FIG_WIDTH, 0.8 + 0.45 * len(counts)), layout="constrained")
        ax = fig.add_subplot()
        labels = list(counts.index)[::-1]
        values = counts.to_numpy()[::-1]
        bars = ax.barh(
            labels,
            values,
            color=[colours[k] for k in labels],
            hatch=[hatches.get(k) for k in labels],
            edgecolor="white",
        )
        ax.bar_label(bars, fmt="%d", padding=3, fontsize=9)
        ax.set_xlabel("Number of teams (primary measure)")
        ax.grid(axis="x", color=NHS_PALE_GREY)
        ax.set_axisbelow(True)
        ax.set_title(title or "Teams' primary measures by what SPC shows")
    return fig


def status_alt_text(counts: pd.Series) -> str:
    """Alt text for :func:`status_chart`."""
    return (
        "Bar chart of teams' primary measures by status: "
        + "; ".join(f"{k} {v}" for k, v in counts.items())
        + "."
    )
