"""Synthetic IHI progress scores for the demo cohorts (authoring tool).

Writes ``progress.csv`` for one cohort: the IHI Breakthrough Series assessment scale
(0.5 intent to participate ... 5.0 outstanding sustainable results), scored by the team
itself every month and by the faculty every second or third month. The reports need scores
that look like a real collaborative's, so that the share of teams reaching 4.0 (significant
improvement) and 3.0 (modest improvement) at their latest assessment is neither 0% nor 100%:

- every team starts at 0.5-1.5 and climbs in steps of 0.5, with plateaus and the occasional
  0.5 dip, to end between about 2.5 and 4.5;
- a team whose primary measure shows sustained improvement in ``demo_measures`` ends higher
  (4.0-4.5), one whose improvement fades drifts back late on, and teams with only common-cause
  variation, a deteriorating or unreachable measure or too few points end at 2.5-3.0;
- the faculty score equals the team's own or is 0.5 lower most months, occasionally 1.0
  lower, rarely 0.5 higher, so self-assessment runs slightly high on average;
- the last scoring month is the month after the cohort ends (the recognition event), when
  every team is assessed by the faculty;
- with ``gaps`` (``cohort-3``), a few teams skip one or two months of self-assessment and one
  team stops scoring two months before the end.

All scores are invented. The caller passes its own ``random.Random`` (seeded from the cohort
id), so the output is the same on every run and no other demo file's random draws change.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from demo_measures import month, patterns_for

COLUMNS = ("team_id", "month", "score", "assessed_by")
GAPS_COHORT = "cohort-3"

# Where a team's own score ends, in half-points (7 = 3.5), by its primary measure's pattern.
END_LEVELS: dict[str, tuple[int, ...]] = {
    "sustained": (8, 8, 9, 9),
    "missing": (8, 9),  # sustained improvement, with gaps in the measure
    "fading": (6, 7, 7),  # improved, then drifted back (ends after a late dip)
    "common": (5, 6, 6),
    "target_unreachable": (5, 6),
    "deteriorating": (5,),
    "too_few": (5, 6),
}


def self_scores(n_months: int, pattern: str, rng: random.Random) -> list[int]:
    """One team's own monthly scores in half-points (1 = 0.5 ... 10 = 5.0)."""
    start = rng.choice((1, 2, 2, 3))
    end = rng.choice(END_LEVELS[pattern])
    steps = n_months - 1
    while True:
        moves = [0] * steps
        rises = end - start
        dip = pattern == "fading" or rng.random() < 0.3
        if dip:
            rises += 1
        if rises + dip > steps:
            dip, rises = False, end - start
        slots = sorted(rng.sample(range(steps), rises + dip))
        if dip and pattern == "fading":
            fall = slots[-1]  # the level slips back in the last months
            if fall < steps - 3:
                continue
        elif dip:
            fall = rng.choice(slots[:-1])  # a dip that the team later recovers from
        else:
            fall = -1
        for slot in slots:
            moves[slot] = -1 if slot == fall else 1
        levels = [start]
        for move in moves:
            levels.append(levels[-1] + move)
        dipped_to = levels[fall + 1] if fall >= 0 else 2
        if min(levels) >= 1 and max(levels) <= 10 and dipped_to >= 2:
            return levels


def faculty_months(n_months: int, rng: random.Random) -> list[int]:
    """The faculty's review months: every second or third month, always the last."""
    months = [n_months - 1]
    while months[-1] - 2 >= 1:
        months.append(months[-1] - rng.choice((2, 2, 3)))
    return sorted(k for k in months if k >= 1)


def faculty_score(own: int, bias: int, rng: random.Random) -> int:
    """The faculty's score, in half-points, for a month the team scored ``own``.

    ``bias`` is how many half-points lower this team's faculty usually marks (0 or 1); a
    review now and then differs from that by half a point, mostly downwards.
    """
    roll = rng.random()
    gap = bias + (1 if roll < 0.12 else -1 if roll < 0.17 else 0)
    gap = min(max(gap, -1), 2)
    if gap < 0 and own >= 9:
        gap = 0  # the faculty do not mark a team above its own 4.5 or 5.0
    return min(max(own - gap, 1), 10)


def latest(rows: list[dict]) -> dict[str, float]:
    """Each team's score at its latest scored month (the faculty's where both scored)."""
    out: dict[str, tuple[str, float]] = {}
    for row in sorted(rows, key=lambda r: (r["team_id"], r["month"], r["assessed_by"] != "team")):
        out[row["team_id"]] = (row["month"], float(row["score"]))
    return {team: score for team, (_, score) in out.items()}


def write(
    folder: Path,
    teams: list[dict],
    start: date,
    end: date,
    rng: random.Random,
    *,
    gaps: bool = False,
) -> list[dict]:
    """Write progress.csv for one cohort and return its rows."""
    first = date(start.year, start.month, 1)
    n_months = (end.year - first.year) * 12 + end.month - first.month + 2  # to end month + 1
    periods = [month(first, k).strftime("%Y-%m") for k in range(n_months)]
    reviews = set(faculty_months(n_months, rng))
    ids = [team["team_id"] for team in teams]
    skipped: dict[str, set[int]] = {}
    stopped = ""
    if gaps:
        stopped, *skippers = rng.sample(ids, 4)
        for index, tid in enumerate(skippers):
            skipped[tid] = set(rng.sample(range(2, n_months - 2), 2 if index == 0 else 1))
    rows: list[dict] = []
    for tid, pattern in zip(ids, patterns_for(len(teams)), strict=True):
        own = self_scores(n_months, pattern, rng)
        bias = 1 if rng.random() < 0.55 else 0  # this team's faculty reviewers mark 0.5 lower
        last = n_months - 2 if tid == stopped else n_months
        for k in range(last):
            if k in reviews:
                rows.append(row(tid, periods[k], faculty_score(own[k], bias, rng), "faculty"))
            if k not in skipped.get(tid, ()):
                rows.append(row(tid, periods[k], own[k], "team"))
    rows.sort(key=lambda r: (r["team_id"], r["month"], r["assessed_by"]))
    final = latest(rows).values()
    assert any(s >= 4.0 for s in final) and any(s < 3.0 for s in final), folder.name
    with (folder / "progress.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def row(team_id: str, period: str, half_points: int, assessed_by: str) -> dict:
    return {
        "team_id": team_id,
        "month": period,
        "score": f"{half_points / 2:.1f}",
        "assessed_by": assessed_by,
    }
