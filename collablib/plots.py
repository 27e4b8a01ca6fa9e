"""Charts for the cohort reports, drawn with matplotlib and seaborn.

Each function takes the tidy tables from :mod:`collablib.metrics` and returns a
:class:`matplotlib.figure.Figure`; none computes a statistic of its own. They
never call ``plt.show()``: the caller decides how to display the figure
(see :func:`collablib.display.figure`).
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")  # no screen: charts are rendered to PNG

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from collablib.formatting import fmt_pct
from collablib.style import (
    FIG_WIDTH,
    NHS_BLACK,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    RATING_COLOURS,
    ROLE_STYLES,
    chart_style,
)

RATING_LEGEND = {
    1: "1 (least improved)",
    2: "2",
    3: "3",
    4: "4 (most improved)",
}


def _wrap(label: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _new_figure(height: float) -> tuple[Figure, object]:
    fig = Figure(figsize=(FIG_WIDTH, height), layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def pct_positive_chart(items: pd.DataFrame, title: str | None = None) -> Figure:
    """Horizontal bars of % positive (3 or 4) per item, with 95% Wilson intervals as whiskers.

    ``items`` is :func:`collablib.metrics.item_summary` output. Each bar is
    labelled with its percentage and "k of n", so the chart reads without the
    table.
    """
    with chart_style():
        fig, ax = _new_figure(0.8 + 0.75 * len(items))
        y = np.arange(len(items))[::-1]
        pct = items["pct"].fillna(0).to_numpy()
        ax.barh(y, pct, color=NHS_BLUE, height=0.6, zorder=2)
        err_low = (items["pct"] - items["ci_low"]).to_numpy()
        err_high = (items["ci_high"] - items["pct"]).to_numpy()
        ax.errorbar(
            items["pct"],
            y,
            xerr=[err_low, err_high],
            fmt="none",
            ecolor=NHS_BLACK,
            elinewidth=1.4,
            capsize=5,
            zorder=3,
        )
        for yi, row in zip(y, items.itertuples(), strict=True):
            text = f"{fmt_pct(row.pct)}  ({row.positive} of {row.n})" if row.n else "no answers"
            inside = row.n and row.pct >= 30
            ax.text(
                2 if inside else (row.pct if row.n else 0) + 2,
                yi,
                text,
                va="center",
                ha="left",
                color="white" if inside else NHS_BLACK,
                fontweight="bold",
                zorder=4,
            )
        ax.set_yticks(y, [_wrap(label) for label in items["label"]])
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        ax.set_xlabel("Respondents rating 3 or 4 out of 4 (black lines: 95% confidence interval)")
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        ax.set_title(title or "How many said the collaborative improved each area")
    return fig


def likert_chart(counts: pd.DataFrame, title: str | None = None) -> Figure:
    """Diverging stacked bars of the 1-4 answers per item, as % of those who answered.

    Answers 1 and 2 extend left of zero (hatched), 3 and 4 to the right, so the
    balance of opinion is visible at a glance. ``counts`` is
    :func:`collablib.metrics.rating_counts` output; "not answered" is left out
    and reported in the axis label instead.
    """
    answered = counts[counts["rating"].notna()]
    labels = list(dict.fromkeys(answered["label"]))
    with chart_style():
        fig, ax = _new_figure(1.2 + 0.75 * len(labels))
        y = np.arange(len(labels))[::-1]
        for yi, label in zip(y, labels, strict=True):
            sub = answered[answered["label"] == label].set_index("rating")["count"]
            total = sub.sum()
            share = (sub / total * 100) if total else sub * 0.0
            segments = [
                (2, -share.get(2, 0), 0),
                (1, -share.get(1, 0) - share.get(2, 0), -share.get(2, 0)),
                (3, 0, share.get(3, 0)),
                (4, share.get(3, 0), share.get(3, 0) + share.get(4, 0)),
            ]
            for rating, left, right in segments:
                width = right - left
                if width <= 0:
                    continue
                ax.barh(
                    yi,
                    width,
                    left=left,
                    height=0.6,
                    color=RATING_COLOURS[rating],
                    hatch="///" if rating <= 2 else None,
                    edgecolor="white",
                    linewidth=0.8,
                    zorder=2,
                )
                if width >= 7:
                    dark = rating in (1, 4)
                    ax.text(
                        left + width / 2,
                        yi,
                        fmt_pct(width),
                        ha="center",
                        va="center",
                        color="white" if dark else NHS_BLACK,
                        fontsize=9,
                        fontweight="bold",
                        bbox=None
                        if dark
                        else {"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85},
                        zorder=3,
                    )
            ax.text(
                101,
                yi,
                f"n = {int(total)}",
                va="center",
                ha="left",
                color=NHS_DARK_GREY,
                fontsize=9,
            )
        ax.axvline(0, color=NHS_BLACK, linewidth=1.2, zorder=3)
        ax.set_yticks(y, [_wrap(label) for label in labels])
        ax.set_xlim(-100, 100)
        ticks = range(-100, 101, 25)
        ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        not_answered = int(counts.loc[counts["rating"].isna(), "count"].sum())
        ax.set_xlabel(
            "← rated 1 or 2 (% of those who answered)      rated 3 or 4 →"
            + (
                f"\n{not_answered} blank answers across all items are not counted"
                if not_answered
                else ""
            )
        )
        handles = [
            Patch(
                facecolor=RATING_COLOURS[r],
                hatch="///" if r <= 2 else None,
                edgecolor="white",
                label=RATING_LEGEND[r],
            )
            for r in (1, 2, 3, 4)
        ]
        ax.legend(
            handles=handles,
            ncols=4,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            fontsize=9,
            handlelength=1.6,
        )
        ax.set_title(title or "All answers on the 1 to 4 scale", pad=28)
    return fig


def recommend_chart(by_role: pd.DataFrame, overall: dict, title: str | None = None) -> Figure:
    """Stacked bars of Yes / No / not answered to "would you recommend", overall and by role.

    ``by_role`` is :func:`collablib.metrics.role_breakdown` output and
    ``overall`` is :func:`collablib.metrics.recommend_summary` output.
    Counts, not percentages, because the groups are small.
    """
    rec = by_role[by_role["measure"] == "recommend"]
    rows = [
        ("All respondents", overall["yes"], overall["n"] - overall["yes"], overall["not_answered"])
    ]
    for r in rec.itertuples():
        rows.append((r.role, r.positive, r.n - r.positive, r.respondents - r.n))
    with chart_style():
        fig, ax = _new_figure(0.9 + 0.55 * len(rows))
        y = np.arange(len(rows))[::-1]
        max_total = max(1, max(a + b + c for _, a, b, c in rows))
        for yi, (_, yes, no, blank) in zip(y, rows, strict=True):
            left = 0
            for value, colour, hatch, name in (
                (yes, NHS_BLUE, None, "Yes"),
                (no, NHS_DARK_GREY, "xx", "No"),
                (blank, NHS_PALE_GREY, None, "Not answered"),
            ):
                if value:
                    ax.barh(
                        yi,
                        value,
                        left=left,
                        height=0.6,
                        color=colour,
                        hatch=hatch,
                        edgecolor="white",
                        zorder=2,
                    )
                    if value / max_total >= 0.06:
                        ax.text(
                            left + value / 2,
                            yi,
                            str(value),
                            ha="center",
                            va="center",
                            color="white" if name != "Not answered" else NHS_BLACK,
                            fontweight="bold",
                            fontsize=9,
                            zorder=3,
                        )
                left += value
            total = yes + no
            label = f"{fmt_pct(100 * yes / total)} yes" if total else "no answers"
            ax.text(
                left + max_total * 0.01,
                yi,
                label,
                va="center",
                ha="left",
                fontsize=9,
                color=NHS_BLACK,
            )
        ax.set_yticks(y, [name for name, *_ in rows])
        ax.set_xlim(0, max_total * 1.18)
        ax.set_xlabel("Number of respondents")
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        handles = [
            Patch(facecolor=NHS_BLUE, label="Yes"),
            Patch(facecolor=NHS_DARK_GREY, hatch="xx", edgecolor="white", label="No"),
            Patch(facecolor=NHS_PALE_GREY, label="Not answered"),
        ]
        ax.legend(handles=handles, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=9)
        ax.set_title(title or "Would you recommend taking part in the collaborative?", pad=22)
    return fig


def role_chart(by_role: pd.DataFrame, title: str | None = None) -> Figure:
    """Dot-and-whisker chart of % positive by role for each measure, with 95% Wilson intervals.

    Roles differ in marker shape as well as colour, so the chart survives
    greyscale printing. Groups with no answers are left out of the chart.
    """
    measures = list(dict.fromkeys(by_role["label"]))
    roles = list(dict.fromkeys(by_role["role"]))
    with chart_style():
        fig, ax = _new_figure(1.2 + 0.95 * len(measures))
        base = np.arange(len(measures))[::-1].astype(float)
        offsets = np.linspace(0.22, -0.22, len(roles)) if len(roles) > 1 else np.zeros(1)
        for offset, role in zip(offsets, roles, strict=True):
            sub = by_role[by_role["role"] == role].set_index("label").reindex(measures)
            style = ROLE_STYLES.get(role, {"color": NHS_MID_GREY, "marker": "o"})
            ok = sub["n"].to_numpy() > 0
            yy = base + offset
            ax.errorbar(
                sub["pct"][ok],
                yy[ok],
                xerr=[(sub["pct"] - sub["ci_low"])[ok], (sub["ci_high"] - sub["pct"])[ok]],
                fmt=style["marker"],
                color=style["color"],
                ecolor=style["color"],
                elinewidth=1.3,
                capsize=3,
                markersize=7,
                label=f"{role} (n = {int(sub['respondents'].max())})",
                zorder=3,
            )
        ax.set_yticks(base, [_wrap(m) for m in measures])
        ax.set_xlim(-3, 103)  # room for markers at exactly 0% or 100%
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        for yb in base[:-1] - 0.5:
            ax.axhline(yb, color=NHS_PALE_GREY, linewidth=0.8)
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        ax.set_xlabel("% positive (rated 3 or 4; or said yes) with 95% confidence interval")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=1, fontsize=9)
        ax.set_title(title or "Answers by role", pad=58)
    return fig


def count_chart(counts: pd.Series, xlabel: str, title: str) -> Figure:
    """Horizontal bar chart of counts per category (e.g. teams per tumour group), largest first.

    Ties keep alphabetical order so the chart is the same on every run.
    """
    frame = pd.DataFrame({"category": counts.index.astype(str), "count": counts.to_numpy()})
    frame = frame.sort_values(["count", "category"], ascending=[False, True], kind="stable")
    with chart_style():
        fig, ax = _new_figure(0.9 + 0.32 * len(frame))
        sns.barplot(data=frame, x="count", y="category", orient="h", color=NHS_BLUE, ax=ax)
        for container in ax.containers:
            ax.bar_label(container, fmt="%d", padding=3, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        ax.set_axisbelow(True)
        ax.set_title(title)
    return fig
