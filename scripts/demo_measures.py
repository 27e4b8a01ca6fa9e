"""Synthetic improvement measures and change ideas for the demo cohorts (authoring tool).

Every cohort gets the patterns an evaluation has to tell apart:

- teams whose measure improves after their change, sustained (limits recalculated
  once the new level has held), or improving but drifting back;
- teams with only common-cause variation;
- one team whose measure deteriorates (a waiting time creeping up);
- one team with too few points for SPC (it started collecting late);
- one team with missing months (two months absent, one left blank);
- one measure whose target cannot be met by the current process.

Proportions are monthly counts (numerator and denominator); other measures are
values. All numbers are invented.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from collablib.data.measure_schemas import MEASURES_COLUMNS

PROPORTIONS = [
    (
        "hna_offered",
        "Patients offered a Holistic Needs Assessment",
        75.0,
        [
            "HNA offered at the first clinical nurse specialist appointment",
            "HNA reminder added to the clinic checklist",
            "Lived experience partner rewrote the HNA invitation letter",
        ],
    ),
    (
        "side_effects_told",
        "Patients who say they were told about side effects",
        75.0,
        [
            "Side-effect leaflet co-produced with patients",
            "Teach-back at the chemotherapy consent appointment",
            "Follow-up call 48 hours after first treatment",
        ],
    ),
    (
        "carer_conversation",
        "Carers offered a support conversation",
        70.0,
        [
            "Carer question added to the clinic booking form",
            "Carers' drop-in session launched",
            "Carer support card given at diagnosis",
        ],
    ),
    (
        "named_cns",
        "Patients given the name of their clinical nurse specialist",
        95.0,
        [
            "Key worker name printed on every clinic letter",
            "CNS introduction call within a week of diagnosis",
            "Contact card handed over at results appointment",
        ],
    ),
]
VALUES = [
    (
        "first_appt_days",
        "Days from referral to first clinic appointment",
        "days",
        14.0,
        [
            "Straight-to-test booking for suitable referrals",
            "Extra Friday clinic slot",
            "Triage by the clinical nurse specialist",
        ],
    ),
    (
        "info_pack_days",
        "Days to send the information pack after diagnosis",
        "days",
        5.0,
        [
            "Information packs pre-assembled each Monday",
            "Pack sent by e-mail where patients prefer it",
            "Administrator cover for annual leave",
        ],
    ),
]
SECONDARY = ("complaints", "Complaints about communication", "complaints")


def month(start: date, offset: int) -> date:
    index = start.month - 1 + offset
    return date(start.year + index // 12, index % 12 + 1, 1)


def clamp(p: float) -> float:
    return min(max(p, 0.02), 0.98)


def proportion_rows(team, spec, rng, months, change_at, pattern, target, name, mid):
    rows = []
    base = rng.uniform(0.46, 0.6) if pattern != "target_unreachable" else 0.62
    lift = rng.uniform(0.17, 0.25)
    for k, period in enumerate(months):
        if pattern in ("sustained", "missing") and k > change_at:
            p = base + lift * min(1.0, (k - change_at) / 2)
        elif pattern == "fading" and k > change_at:
            p = base + lift * max(0.0, 1 - max(0, k - change_at - 7) / 4)
        else:
            p = base
        n = rng.randint(22, 60)
        successes = sum(rng.random() < clamp(p) for _ in range(n))
        rows.append(
            {
                "team_id": team,
                "measure_id": mid,
                "measure_name": name,
                "period": period.isoformat(),
                "value": "",
                "numerator": str(successes),
                "denominator": str(n),
                "unit": "%",
                "improvement_direction": "increase",
                "target": f"{target:g}",
                "primary": "yes",
            }
        )
    return rows


def value_rows(team, rng, months, change_at, pattern, target, name, mid, unit):
    rows = []
    base = rng.uniform(17, 24)
    for k, period in enumerate(months):
        level = base
        if pattern == "sustained" and k > change_at:
            level = base - rng.uniform(0.3, 0.35) * base * min(1.0, (k - change_at) / 2)
        elif pattern == "deteriorating" and k > change_at + 2:
            level = base + 0.55 * (k - change_at - 2)
        value = max(1.0, rng.gauss(level, 1.6))
        rows.append(
            {
                "team_id": team,
                "measure_id": mid,
                "measure_name": name,
                "period": period.isoformat(),
                "value": f"{value:.1f}",
                "numerator": "",
                "denominator": "",
                "unit": unit,
                "improvement_direction": "decrease",
                "target": f"{target:g}",
                "primary": "yes",
            }
        )
    return rows


def patterns_for(n_teams: int) -> list[str]:
    fixed = ["too_few", "missing", "deteriorating", "target_unreachable"]
    cycle = ["sustained", "common", "sustained", "fading", "common", "sustained"]
    return fixed + [cycle[i % len(cycle)] for i in range(n_teams - len(fixed))]


def write(folder: Path, teams: list[dict], start: date, end: date, rng: random.Random) -> None:
    """Write measures.csv and changes.csv for one cohort."""
    first = month(date(start.year, start.month, 1), -12)
    count = (end.year - first.year) * 12 + end.month - first.month + 1 + 6
    months = [month(first, k) for k in range(count)]
    change_at = 12 + 2  # two months into the cohort
    measures: list[dict] = []
    changes: list[dict] = []
    for index, (team, pattern) in enumerate(zip(teams, patterns_for(len(teams)), strict=True)):
        tid = team["team_id"]
        use_value = pattern == "deteriorating" or (pattern == "sustained" and index % 4 == 0)
        if use_value:
            mid, name, unit, target, ideas = VALUES[index % len(VALUES)]
            rows = value_rows(tid, rng, months, change_at, pattern, target, name, mid, unit)
        else:
            mid, name, target, ideas = PROPORTIONS[index % len(PROPORTIONS)]
            kind = "missing" if pattern == "missing" else pattern
            rows = proportion_rows(tid, None, rng, months, change_at, kind, target, name, mid)
        if pattern == "too_few":
            rows = rows[-8:]
        if pattern == "missing":
            for k in (change_at - 7, change_at + 11):  # two months absent from the file
                rows[k]["_drop"] = True
            for key in ("numerator", "denominator", "value"):  # and one left blank
                rows[change_at - 3][key] = ""
            rows = [r for r in rows if not r.get("_drop")]
        measures += rows
        change_day = month(first, change_at)
        changes.append(
            {
                "team_id": tid,
                "measure_id": mid,
                "date": change_day.replace(day=rng.randint(3, 20)).isoformat(),
                "description": f"PDSA 1: {ideas[0]}",
                "rebase": "no",
            }
        )
        changes.append(
            {
                "team_id": tid,
                "measure_id": mid,
                "date": month(first, change_at + 3).replace(day=rng.randint(3, 20)).isoformat(),
                "description": f"PDSA 2: {ideas[1]}",
                "rebase": "no",
            }
        )
        if pattern in ("sustained", "missing"):
            changes.append(
                {
                    "team_id": tid,
                    "measure_id": mid,
                    "date": month(first, change_at + 10).isoformat(),
                    "description": f"New process embedded: {ideas[2].lower()} is now "
                    "standard practice; limits recalculated",
                    "rebase": "yes",
                }
            )
        if index % 3 == 1 and pattern != "too_few":
            sid, sname, sunit = SECONDARY
            for period in months:
                measures.append(
                    {
                        "team_id": tid,
                        "measure_id": sid,
                        "measure_name": sname,
                        "period": period.isoformat(),
                        "value": str(rng.randint(0, 6)),
                        "numerator": "",
                        "denominator": "",
                        "unit": sunit,
                        "improvement_direction": "decrease",
                        "target": "",
                        "primary": "no",
                    }
                )
    fields = [*MEASURES_COLUMNS, "primary"]
    with (folder / "measures.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(measures)
    with (folder / "changes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(changes[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(changes)
