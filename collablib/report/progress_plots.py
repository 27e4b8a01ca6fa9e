"""The IHI progress chart, its alt text and the sentences and tables around it.

Draws what :mod:`collablib.ihi.scores` computed; computes nothing of its own.
The chart shows each team's counted score month by month as a thin grey
line, and over them the median across teams (dark blue) with the
interquartile range (shaded): the view Life QI and IHI collaboratives use
to follow progress on the assessment scale.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from collablib.ihi.scores import (
    LEVELS,
    MODEST,
    SIGNIFICANT,
    ProgressSummary,
)
from collablib.report.formatting import fmt_pct
from collablib.report.style import (
    FIG_WIDTH,
    NHS_DARK_BLUE,
    NHS_GREEN,
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    chart_style,
)

__all__ = [
    "levels_table",
    "progress_alt_text",
    "progress_chart",
    "progress_findings",
    "progress_key_figures",
    "progress_team_table",
    "score_text",
]


def _month_label(month: pd.Period, sep: str = " ") -> str:
    return month.strftime(f"%b{sep}%Y")


def _team_keys(frame: pd.DataFrame) -> list[str]:
    """Teams are told apart by cohort as well when a programme year pools several cohorts."""
    return ["cohort_id", "team_id"] if "cohort_id" in frame else ["team_id"]


def progress_chart(progress: ProgressSummary) -> Figure:
    """Every team's counted score by month, with the median and interquartile range across teams.

    The months run from the first scored to the last without a gap, so a month nobody
    scored keeps its place; a team's line breaks where it has no score.
    """
    counted = progress.scores[progress.scores["counted"]]
    months = pd.period_range(counted["month"].min(), counted["month"].max(), freq="M")
    position = {m: i for i, m in enumerate(months)}
    monthly = progress.monthly.set_index("month").reindex(months)
    x = list(range(len(months)))
    with chart_style():
        fig = Figure(figsize=(FIG_WIDTH, 4.2), layout="constrained")
        ax = fig.add_subplot()
        for _, team in counted.groupby(_team_keys(counted), sort=True):
            line = team.set_index("month")["score"].reindex(months)
            ax.plot(x, line.to_numpy(), color=NHS_MID_GREY, linewidth=0.8, alpha=0.55, zorder=2)
            alone = line.notna() & line.shift(1).isna() & line.shift(-1).isna()
            ax.plot(
                [position[m] for m in line.index[alone]],
                line[alone].to_numpy(),
                linestyle="none",
                marker="o",
                markersize=2.5,
                color=NHS_MID_GREY,
                zorder=2,
            )
        ax.fill_between(
            x,
            monthly["q1"].to_numpy(dtype=float),
            monthly["q3"].to_numpy(dtype=float),
            color=NHS_LIGHT_BLUE,
            alpha=0.35,
            linewidth=0,
            zorder=1,
        )
        ax.plot(
            x,
            monthly["median"].to_numpy(dtype=float),
            color=NHS_DARK_BLUE,
            linewidth=2.4,
            marker="o" if len(months) == 1 else None,
            zorder=3,
        )
        ax.axhline(SIGNIFICANT, color=NHS_GREEN, linewidth=1.2, linestyle="--", zorder=1)
        ax.set_ylim(0.25, 5.25)
        ax.set_yticks([score for score, _ in LEVELS[1::2]])
        ax.set_ylabel("IHI assessment score")
        step = max(1, len(months) // 8)
        ax.set_xticks(x[::step], [_month_label(m, "\n") for m in months[::step]])
        ax.set_xlim(-0.5, len(months) - 0.5)
        ax.legend(
            handles=[
                Line2D([], [], color=NHS_MID_GREY, linewidth=0.8, label="Each team"),
                Line2D([], [], color=NHS_DARK_BLUE, linewidth=2.4, label="Median across teams"),
                Patch(color=NHS_LIGHT_BLUE, alpha=0.35, label="Middle half of teams (IQR)"),
                Line2D(
                    [], [], color=NHS_GREEN, linestyle="--", label="4.0 significant improvement"
                ),
            ],
            loc="upper left",
            frameon=False,
            fontsize="small",
        )
    return fig


def progress_alt_text(progress: ProgressSummary) -> str:
    """What the chart shows, in words, for a reader who cannot see it."""
    head = progress.headline
    monthly = progress.monthly
    first, last = monthly.iloc[0], monthly.iloc[-1]
    return (
        f"Line chart of IHI assessment scores for {head.teams_scored} teams, month by month "
        f"from {_month_label(first['month'])} to {_month_label(last['month'])}. The median "
        f"across teams went from {score_text(first['median'])} to {score_text(last['median'])} "
        f"(middle half of teams {score_text(last['q1'])} to {score_text(last['q3'])} in the last "
        "month). "
        f"{head.n_ge_4} of {head.teams_scored} teams ended at 4.0 (significant "
        "improvement) or more."
    )


def score_text(value: float) -> str:
    """A score as the scale writes it (3.0, 3.5), or to two places for a median (3.25)."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def _share(k: int, n: int, pct: float, ci: tuple[float, float]) -> str:
    return f"{fmt_pct(pct)} ({k} of {n}; 95% CI {fmt_pct(ci[0])} to {fmt_pct(ci[1])})"


def progress_findings(progress: ProgressSummary, teams: pd.DataFrame) -> list[str]:
    """The section's findings, as bullets; ``teams`` names the teams that stopped early."""
    head = progress.headline
    names = teams.set_index(_team_keys(progress.latest))["team_name"]
    n = head.teams_scored
    lines = [
        f"{_share(head.n_ge_4, n, head.pct_ge_4, head.ci_ge_4)} of the teams scored "
        f"reached significant improvement (4.0 or more) at their latest scored month.",
        f"{_share(head.n_ge_3, n, head.pct_ge_3, head.ci_ge_3)} reached at least "
        "modest improvement (3.0 or more). The median final score was "
        f"{score_text(head.final_median)}.",
    ]
    if head.teams_scored < progress.teams:
        missing = progress.teams - head.teams_scored
        verb = (
            "has no progress scores and is" if missing == 1 else "have no progress scores and are"
        )
        lines.append(f"{missing} of the {progress.teams} teams {verb} left out of these shares.")
    stopped = progress.latest[progress.latest["stopped_early"]]
    if len(stopped):
        index = stopped.set_index(_team_keys(stopped)).index
        shown = zip(names.reindex(index), stopped["month"], strict=True)
        who = [f"{name} ({_month_label(month)})" for name, month in shown]
        lines.append(
            "Not scored in their cohort's last scored month, so their latest score is used: "
            + ", ".join(who)
            + "."
        )
    if not progress.paired_months:
        lines.append(
            "No month was scored by both the team and the faculty, so their scores cannot be "
            "compared."
        )
    elif progress.mean_difference is not None:
        direction = "higher" if progress.mean_difference > 0 else "lower"
        lines.append(
            f"In the {progress.paired_months} team-months scored by both the team and the "
            f"faculty, teams scored themselves {abs(progress.mean_difference):.2f} points "
            f"{direction} on average, and the two scores were within 0.5 of each other in "
            f"{fmt_pct(progress.pct_within_half)} of them."
            if progress.mean_difference
            else f"In the {progress.paired_months} team-months scored by both, the team and "
            "faculty scores were the same on average."
        )
    return lines


def progress_key_figures(progress: ProgressSummary) -> list[tuple[str, str]]:
    """(value, label) pairs for the section's key figures, as :func:`display.key_figures` takes."""
    head = progress.headline
    return [
        (f"{head.teams_scored}", "teams scored"),
        (
            fmt_pct(head.pct_ge_4),
            f"at {SIGNIFICANT:.1f} or more (significant improvement)",
        ),
        (fmt_pct(head.pct_ge_3), f"at {MODEST:.1f} or more (modest improvement)"),
        (score_text(head.final_median), "median final score"),
    ]


def progress_team_table(progress: ProgressSummary, teams: pd.DataFrame) -> pd.DataFrame:
    """One row per team scored: its latest month, score, who scored it and what it means."""
    latest = progress.latest
    keys = _team_keys(latest)
    names = teams.set_index(keys)["team_name"].reindex(latest.set_index(keys).index)
    meaning = dict(LEVELS)
    return pd.DataFrame(
        {
            "Team": names.to_numpy(),
            "Latest month": latest["month"].map(_month_label),
            "Score": latest["score"].map(lambda s: f"{s:.1f}"),
            "Scored by": latest["assessed_by"].str.capitalize(),
            "Meaning": latest["score"].map(meaning),
        }
    )


def levels_table() -> pd.DataFrame:
    """The IHI assessment scale: each score and what it means."""
    return pd.DataFrame(
        {"Score": [f"{s:.1f}" for s, _ in LEVELS], "Meaning": [m for _, m in LEVELS]}
    )
