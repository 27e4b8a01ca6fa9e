"""Charts for CPES results: a trust's score by year against the expected range and England."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from collablib.report.formatting import fmt_cpes_score
from collablib.report.style import (
    FIG_WIDTH,
    NHS_BLACK,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_LIGHT_BLUE,
    NHS_PALE_GREY,
    chart_style,
)

__all__ = [
    "question_alt_text",
    "question_chart",
]


def question_chart(
    yearly: pd.DataFrame, title: str, baseline: int | None, followup: int | None
) -> Figure:
    """One team's trust on one question: score and 95% interval per year, expected range as a
    band, the national (England) score as a line; baseline and follow-up years marked.

    Suppressed years are labelled rather than drawn; years the trust took no part are left
    empty. A dotted line marks the 2019 to 2021 method change when both sides are shown.
    """
    data = yearly.sort_values("year")
    years = data["year"].to_numpy()
    x = np.arange(len(years))
    with chart_style():
        fig = Figure(figsize=(FIG_WIDTH, 2.9), layout="constrained")
        ax = fig.add_subplot()
        for xi, row in zip(x, data.itertuples(), strict=True):
            if not math.isnan(row.expected_low) and not math.isnan(row.expected_high):
                ax.fill_between(
                    [xi - 0.35, xi + 0.35],
                    row.expected_low,
                    row.expected_high,
                    color=NHS_LIGHT_BLUE,
                    alpha=0.35,
                    lw=0,
                    zorder=1,
                )
        ax.plot(
            x,
            data["national"],
            color=NHS_DARK_GREY,
            lw=1.5,
            ls="--",
            marker="_",
            markersize=14,
            zorder=2,
        )
        shown = data[~data["suppressed"] & data["present"]]
        xs = x[(~data["suppressed"] & data["present"]).to_numpy()]
        ax.errorbar(
            xs,
            shown["score"],
            yerr=[shown["score"] - shown["ci_low"], shown["ci_high"] - shown["score"]],
            fmt="o",
            color=NHS_BLUE,
            ecolor=NHS_BLUE,
            capsize=4,
            markersize=7,
            zorder=3,
        )
        for xi, row in zip(x, data.itertuples(), strict=True):
            if row.present and row.suppressed:
                ax.text(
                    xi,
                    0.5,
                    "suppressed\n(too few\nresponses)",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=NHS_DARK_GREY,
                )
            elif not row.present:
                ax.text(
                    xi,
                    0.5,
                    "trust not\nin survey",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=NHS_DARK_GREY,
                )
        labels = []
        for year, row in zip(years, data.itertuples(), strict=True):
            tag = (
                "\n(baseline)" if year == baseline else "\n(follow-up)" if year == followup else ""
            )
            if _merged(row):
                tag += f"\n({row.source_org_code}, merged)"
            labels.append(f"{year}{tag}")
        ax.set_xticks(x, labels, fontsize=8)
        if (years < 2021).any() and (years >= 2021).any():
            cut = x[years >= 2021][0] - 0.5
            ax.axvline(cut, color=NHS_BLACK, lw=1, ls=":")
            ax.text(
                cut,
                1.0,
                " questionnaire changed",
                transform=ax.get_xaxis_transform(),
                ha="left",
                va="top",
                fontsize=7,
                color=NHS_BLACK,
            )
        values = pd.concat(
            [
                shown["ci_low"],
                shown["ci_high"],
                data["national"],
                data["expected_low"],
                data["expected_high"],
            ]
        ).dropna()
        mean = _is_mean(data)
        top, pad = (10.0, 0.25) if mean else (100.0, 5.0)
        low = max(0, (values.min() if len(values) else 0) - pad)
        high = min(top, (values.max() if len(values) else top) + pad)
        ax.set_ylim(low, high)
        ax.set_ylabel("Mean score (out of 10)" if mean else "% positive")
        ax.grid(axis="y", color=NHS_PALE_GREY)
        ax.set_axisbelow(True)
        ax.set_title("\n".join(textwrap.wrap(title, 95)), fontsize=9.5, loc="left")
        handles = [
            Line2D([], [], marker="o", color=NHS_BLUE, lw=0, label="Trust score (95% interval)"),
            Patch(facecolor=NHS_LIGHT_BLUE, alpha=0.35, label="Expected range"),
            Line2D([], [], color=NHS_DARK_GREY, ls="--", label="England"),
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def question_alt_text(yearly: pd.DataFrame, title: str) -> str:
    """Alt text for :func:`question_chart`."""
    parts = []
    for row in yearly.sort_values("year").itertuples():
        if not row.present:
            parts.append(f"{row.year}: trust not in the survey")
        elif row.suppressed:
            parts.append(f"{row.year}: suppressed")
        else:
            score_type = "mean_0_10" if _is_mean(yearly) else "percent"
            england = (
                fmt_cpes_score(row.national, score_type)
                if row.national == row.national
                else "\u2013"
            )
            merged = f" at {row.source_org_code}, the successor trust" if _merged(row) else ""
            parts.append(
                f"{row.year}: {fmt_cpes_score(row.score, score_type)}{merged} (England {england}, "
                f"{row.flag or 'no'} expected range)"
            )
    return f"Chart of CPES results for {title}. " + "; ".join(parts) + "."


def _is_mean(yearly: pd.DataFrame) -> bool:
    return "score_type" in yearly and bool((yearly["score_type"] == "mean_0_10").any())


def _merged(row: object) -> bool:
    return bool(getattr(row, "merged", False))
