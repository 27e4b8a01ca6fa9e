"""Charts for the cohort reports, drawn with matplotlib and seaborn.

Each function takes the tidy tables from :mod:`collablib.survey.metrics` and returns a
:class:`matplotlib.figure.Figure`; none computes a statistic of its own. They
never call ``plt.show()`` and never touch pyplot's global state or backend:
figures are created directly and rendered by :func:`collablib.report.display.figure`,
so an analyst's interactive backend is left as it is.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from collablib.report.formatting import fmt_pct
from collablib.report.style import (
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

__all__ = [
    "RATING_LEGEND",
    "comparison_chart",
    "count_chart",
    "likert_chart",
    "pct_positive_chart",
    "recommend_chart",
    "role_chart",
]

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

    ``items`` is :func:`collablib.survey.metrics.item_summary` output. Each bar is
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
    :func:`collablib.survey.metrics.rating_counts` output; "not answered" is left out
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


def recommend_chart(rows: pd.DataFrame, title: str | None = None) -> Figure:
    """Stacked bars of Yes / No / not answered to "would you recommend", one bar per group.

    ``rows`` has columns ``label``, ``yes``, ``no`` and ``not_answered`` (see
    :func:`collablib.survey.comparisons.recommend_context`): this cohort, then pooled
    groups. Groups are cohort level or larger, so no small-number suppression
    applies. Bars show percentages of each group; counts are printed on them.
    """
    with chart_style():
        fig, ax = _new_figure(1.0 + 0.6 * len(rows))
        y = np.arange(len(rows))[::-1]
        for yi, r in zip(y, rows.itertuples(), strict=True):
            total = r.yes + r.no + r.not_answered
            left = 0.0
            for value, colour, hatch, name in (
                (r.yes, NHS_BLUE, None, "Yes"),
                (r.no, NHS_DARK_GREY, "xx", "No"),
                (r.not_answered, NHS_PALE_GREY, None, "Not answered"),
            ):
                width = 100 * value / total if total else 0
                if width:
                    ax.barh(
                        yi,
                        width,
                        left=left,
                        height=0.6,
                        color=colour,
                        hatch=hatch,
                        edgecolor="white",
                        zorder=2,
                    )
                    if width >= 8:
                        ax.text(
                            left + width / 2,
                            yi,
                            str(value),
                            ha="center",
                            va="center",
                            color="white" if name != "Not answered" else NHS_BLACK,
                            fontweight="bold",
                            fontsize=9,
                            zorder=3,
                        )
                left += width
            answered = r.yes + r.no
            label = f"{fmt_pct(100 * r.yes / answered)} yes" if answered else "no answers"
            ax.text(101, yi, label, va="center", ha="left", fontsize=9, color=NHS_BLACK)
        ax.set_yticks(y, [_wrap(lab, 30) for lab in rows["label"]])
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        ax.set_xlabel("Share of respondents (numbers on the bars are counts)")
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        handles = [
            Patch(facecolor=NHS_BLUE, label="Yes"),
            Patch(facecolor=NHS_DARK_GREY, hatch="xx", edgecolor="white", label="No"),
            Patch(facecolor=NHS_PALE_GREY, label="Not answered"),
        ]
        ax.legend(handles=handles, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=9)
        ax.set_title(title or "Would you recommend taking part in the collaborative?", pad=22)
    return fig


#: Style of a role group whose label and first member are not in ROLE_STYLES.
_OTHER_STYLE = {"color": NHS_MID_GREY, "marker": "o"}


def role_chart(by_role: pd.DataFrame, title: str | None = None) -> Figure | None:
    """Dot-and-whisker chart of % positive by role for each measure, with 95% Wilson intervals.

    Only percentages that disclosure control allows are drawn (column
    ``pct_shown`` from :func:`collablib.survey.disclosure.protect_role_breakdown`,
    when present). Roles differ in marker shape as well as colour, so the chart
    survives greyscale printing; a role group (such as "Staff") takes the
    style of its first member role. Returns ``None`` when nothing may be shown.
    """
    if "pct_shown" in by_role:
        by_role = by_role[by_role["pct_shown"]]
    by_role = by_role[by_role["n"] > 0]
    if by_role.empty:
        return None
    measures = list(dict.fromkeys(by_role["label"]))
    roles = list(dict.fromkeys(by_role["role"]))
    members = (
        dict(zip(by_role["role"], by_role["members"], strict=False)) if "members" in by_role else {}
    )
    with chart_style():
        fig, ax = _new_figure(1.2 + 0.95 * len(measures))
        base = np.arange(len(measures))[::-1].astype(float)
        offsets = np.linspace(0.22, -0.22, len(roles)) if len(roles) > 1 else np.zeros(1)
        for offset, role in zip(offsets, roles, strict=True):
            sub = by_role[by_role["role"] == role].set_index("label").reindex(measures)
            first = (members.get(role) or (role,))[0]
            style = ROLE_STYLES.get(role) or ROLE_STYLES.get(first, _OTHER_STYLE)
            ok = sub["n"].notna().to_numpy()
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
                label=role,
                zorder=3,
            )
        ax.set_yticks(base, [_wrap(m) for m in measures])
        ax.set_xlim(-3, 103)  # room for markers at exactly 0% or 100%
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        for yb in base[:-1] - 0.5:
            ax.axhline(yb, color=NHS_PALE_GREY, linewidth=0.8)
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        ax.set_xlabel("% positive (rated 3 or 4; or said yes) with 95% confidence interval")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(roles), fontsize=9)
        ax.set_title(title or "Answers by role", pad=26)
    return fig


def comparison_chart(comparisons: pd.DataFrame, title: str | None = None) -> Figure | None:
    """Forest plot of differences in % positive (this cohort minus comparator), with 95% CIs.

    ``comparisons`` is :func:`collablib.survey.comparisons.compare_cohort` output.
    One panel row per question; filled markers are statistically significant
    (interval excludes zero), hollow ones are not, so the chart reads in
    greyscale. Returns ``None`` when there is nothing to compare.
    """
    data = comparisons.dropna(subset=["diff"])
    if data.empty:
        return None
    labels = list(dict.fromkeys(data["label"]))
    comparators = list(dict.fromkeys(data["comparator"]))
    rows_per = len(comparators)
    with chart_style():
        fig, ax = _new_figure(1.3 + 0.28 * (len(labels) * (rows_per + 1)))
        ticks, names = [], []
        y = 0.0
        for label in labels:
            sub = data[data["label"] == label].set_index("comparator").reindex(comparators)
            ax.text(-100, y + 0.1, label, fontweight="bold", va="bottom", ha="left", fontsize=9)
            y -= 0.9
            for comp, r in sub.iterrows():
                if pd.notna(r["diff"]):
                    ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=NHS_BLACK, lw=1.2, zorder=2)
                    ax.plot(
                        r["diff"],
                        y,
                        marker="D" if r["kind"] == "programme year" else "o",
                        markersize=7,
                        color=NHS_BLUE,
                        markerfacecolor=NHS_BLUE if r["significant"] else "white",
                        markeredgewidth=1.5,
                        zorder=3,
                    )
                ticks.append(y)
                names.append(str(comp))
                y -= 1
            y -= 0.3
        ax.axvline(0, color=NHS_DARK_GREY, lw=1, zorder=1)
        ax.set_yticks(ticks, names)
        ax.set_ylim(y + 0.5, 1.0)
        ax.set_xlim(-100, 100)
        ax.set_xticks(range(-100, 101, 25), [f"{v:+d}" if v else "0" for v in range(-100, 101, 25)])
        ax.set_xlabel("Difference in % positive (percentage points) with 95% CI")
        ax.grid(axis="x", color=NHS_PALE_GREY, zorder=0)
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                color=NHS_BLUE,
                markerfacecolor=NHS_BLUE,
                lw=0,
                label="Significant (interval excludes 0)",
            ),
            Line2D(
                [],
                [],
                marker="o",
                color=NHS_BLUE,
                markerfacecolor="white",
                lw=0,
                markeredgewidth=1.5,
                label="Not significant",
            ),
        ]
        ax.legend(handles=handles, ncols=2, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=9)
        ax.set_title(title or "How this cohort compares", pad=22)
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
