"""Synthetic national Cancer Patient Experience Survey (CPES) extract (authoring tool).

Writes ``data/cpes/``: one trust-level results file per survey year in the
published layout, the question-mapping file, the survey-years file and the
settings. Everything is invented: fictional trusts with fictional ODS codes
("X.." for the demo teams' trusts, "Y.." for the others), invented scores.

The files deliberately look as real published files do: some years use the
R-mangled headers of a dashboard data file (``Number.of.responses``), some the
original ones; one year mixes scores given as fractions and as percentages;
counts carry thousands separators; small results are suppressed (``*`` or
blank); 2020 has no survey (the pandemic); questions are renumbered from 2021,
when the method changed; and one demo trust is missing from 2019.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

YEARS = [2017, 2018, 2019, 2021, 2022, 2023]
SUPPRESS_BELOW = 21

# (key, text, numbering before 2021, numbering from 2021, national level 2017)
QUESTIONS = [
    (
        "gp_referral_speed",
        "Patient felt they were seen as soon as necessary by a hospital doctor",
        1,
        1,
        0.83,
    ),
    (
        "diagnosis_explained",
        "Patient was told they had cancer in an understandable way",
        9,
        11,
        0.84,
    ),
    (
        "written_info_diagnosis",
        "Patient was given easy to understand written information about the type of cancer they had",
        12,
        14,
        0.73,
    ),
    (
        "treatment_options_explained",
        "Treatment options were explained in a way the patient could completely understand",
        15,
        17,
        0.83,
    ),
    (
        "side_effects_explained",
        "Possible side effects from treatment were definitely explained in a way the patient could understand",
        17,
        19,
        0.72,
    ),
    (
        "future_side_effects",
        "Patient was definitely told about side effects that could affect them in the future",
        18,
        20,
        0.56,
    ),
    (
        "involved_in_decisions",
        "Patient was definitely involved as much as they wanted to be in decisions about their care",
        16,
        18,
        0.79,
    ),
    (
        "named_cns",
        "Patient was given the name of a Clinical Nurse Specialist who would support them",
        19,
        21,
        0.91,
    ),
    (
        "cns_easy_contact",
        "Patient found it easy to contact their Clinical Nurse Specialist",
        20,
        22,
        0.86,
    ),
    (
        "care_plan",
        "Patient had been offered a written assessment and care plan (holistic needs assessment)",
        32,
        35,
        0.36,
    ),
    (
        "family_support_info",
        "Family or carers were given all the information they needed to help care for the patient at home",
        51,
        55,
        0.60,
    ),
    (
        "benefits_advice",
        "Hospital staff gave information about getting financial help or benefits",
        23,
        26,
        0.59,
    ),
    (
        "support_groups_info",
        "Hospital staff gave information about support or self-help groups",
        22,
        25,
        0.84,
    ),
    (
        "respect_dignity",
        "Patient was always treated with respect and dignity by staff while in hospital",
        41,
        45,
        0.88,
    ),
    (
        "staff_worked_together",
        "The different people treating and caring for the patient worked well together",
        55,
        59,
        0.71,
    ),
    (
        "overall_care_rating",
        "Patient's average rating of care, scored from very good to very poor (percentage positive)",
        59,
        61,
        0.88,
    ),
]

QUESTIONS_BY_KEY = {q[0]: q for q in QUESTIONS}

# Which CPES questions a project on each theme targets (by words in its title).
TARGETS = [
    ("holistic needs", ["care_plan"]),
    ("care plan", ["care_plan"]),
    ("side effects", ["side_effects_explained", "future_side_effects"]),
    ("side-effect", ["side_effects_explained"]),
    ("carer", ["family_support_info"]),
    ("clinical nurse specialist", ["named_cns", "cns_easy_contact"]),
    ("news of a diagnosis", ["diagnosis_explained"]),
    ("information", ["written_info_diagnosis"]),
    ("letters", ["written_info_diagnosis"]),
    ("benefits", ["benefits_advice"]),
    ("peer support", ["support_groups_info"]),
    ("support group", ["support_groups_info"]),
    ("what matters", ["involved_in_decisions"]),
    ("waiting", ["gp_referral_speed"]),
    ("privacy and dignity", ["respect_dignity"]),
    ("shared care", ["staff_worked_together"]),
]

OTHER_TRUSTS = 80


def number(key: str, year: int) -> str:
    q = QUESTIONS_BY_KEY[key]
    return f"Q{q[2] if year < 2021 else q[3]}"


def targets_for(title: str, rng: random.Random) -> str:
    lowered = title.lower()
    for words, keys in TARGETS:
        if words in lowered:
            return ";".join(sorted({k for k in keys}, key=lambda k: QUESTIONS_BY_KEY[k][2]))
    return ""


def wilson(p: float, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def write(
    folder: Path,
    demo_trusts: list[tuple[str, str, bool]],
    targeted: set[tuple[str, str]],
    rng: random.Random,
) -> None:
    """Write every file in data/cpes/.

    ``demo_trusts``: (ODS code, name, improves) for the trusts the demo teams belong to.
    ``targeted``: (ODS code, question key) pairs some team targets.
    """
    folder.mkdir(parents=True, exist_ok=True)
    trusts = list(demo_trusts) + [
        (f"Y{chr(65 + i // 10)}{i % 10}", f"Other Cancer Hospitals NHS Trust {i + 1:02d}", False)
        for i in range(OTHER_TRUSTS)
    ]
    size = {code: rng.randint(90, 900) for code, _, _ in trusts}
    size["YA3"] = 30  # a small specialist trust: many of its results are suppressed
    effect = {(code, q[0]): rng.gauss(0, 0.04) for code, _, _ in trusts for q in QUESTIONS}
    for year in YEARS:
        rows = []
        drift = 0.006 * (year - 2017) - (0.02 if year == 2021 else 0.0)  # method change dip
        national = {}
        for q in QUESTIONS:
            key, text, _, _, level = q
            base = min(0.97, level + drift)
            total_n = 0
            total_k = 0.0
            scores = {}
            for code, name, improves in trusts:
                if year == 2019 and code == demo_trusts[1][0]:
                    continue  # this trust took no part in 2019
                n = max(
                    5,
                    int(
                        size[code]
                        * rng.uniform(0.55, 0.8)
                        * (0.6 if key in ("family_support_info", "benefits_advice") else 1.0)
                    ),
                )
                lift = 0.0
                if improves and (code, key) in targeted and year >= 2021:
                    lift = 0.05 + 0.02 * (year - 2021)
                p = min(0.99, max(0.05, base + effect[(code, key)] + lift + rng.gauss(0, 0.015)))
                k = sum(rng.random() < p for _ in range(n))
                scores[code] = (name, n, k / n)
                total_n += n
                total_k += k
            p_nat = total_k / total_n
            national[key] = p_nat
            rows.append(
                (
                    "National",
                    "",
                    "England",
                    year,
                    number(key, year),
                    text,
                    total_n,
                    p_nat,
                    *wilson(p_nat, total_n),
                    "",
                    "",
                    "",
                )
            )
            for code, (name, n, p) in scores.items():
                se = math.sqrt(p_nat * (1 - p_nat) / n)
                low, high = max(0.0, p_nat - 1.96 * se), min(1.0, p_nat + 1.96 * se)
                perf = (
                    "Adjusted Score above Expected Upper Range"
                    if p > high
                    else "Adjusted Score below Expected Lower Range"
                    if p < low
                    else "Adjusted Score between Expected Upper and Lower Ranges"
                )
                ci = wilson(p, n)
                if n < SUPPRESS_BELOW and year != 2019:  # 2019's file left them in
                    rows.append(
                        (
                            "Trust",
                            code,
                            name,
                            year,
                            number(key, year),
                            text,
                            n,
                            None,
                            None,
                            None,
                            None,
                            None,
                            "",
                        )
                    )
                else:
                    rows.append(
                        (
                            "Trust",
                            code,
                            name,
                            year,
                            number(key, year),
                            text,
                            n,
                            p,
                            *ci,
                            low,
                            high,
                            perf,
                        )
                    )
        _write_year(folder, year, rows, rng)
    _write_metadata(folder)


def _fmt(value, as_fraction: bool, suppressed_marker: str) -> str:
    if value is None:
        return suppressed_marker
    return f"{value:.4f}" if as_fraction else f"{100 * value:.1f}"


def _write_year(folder: Path, year: int, rows, rng: random.Random) -> None:
    mangled = year in (2017, 2018)
    header = (
        [
            "Geog",
            "Trust.Code",
            "Trust.Name",
            "Year",
            "Question.Number",
            "Question.Text",
            "Number.of.responses",
            "scored.percentage",
            "Lower.95..confidence.interval",
            "Upper.95..confidence.interval",
            "Expected.Range..lower.",
            "Expected.Range..upper.",
            "Performance",
        ]
        if mangled
        else [
            "Geog",
            "Trust Code",
            "Trust Name",
            "Year",
            "Question Number",
            "Question Text",
            "Number of responses",
            "Scored percentage",
            "Lower 95% confidence interval",
            "Upper 95% confidence interval",
            "Expected Range (lower)",
            "Expected Range (upper)",
            "Performance",
        ]
    )
    marker = "" if year < 2021 else "*"
    out = []
    for geog, code, name, yr, qnum, text, n, *numbers, perf in rows:
        as_fraction = year == 2018 and rng.random() < 0.5  # the mixed year
        count = f"{n:,}" if year in (2017, 2022) else str(n)
        out.append(
            [
                geog,
                code,
                name,
                yr,
                qnum,
                text,
                count,
                *[
                    _fmt(v, as_fraction, marker)
                    if not (v == "" or (v is None and geog == "National"))
                    else ""
                    for v in numbers
                ],
                perf,
            ]
        )
    with (folder / f"cpes_{year}_trust_results.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out)


def _write_metadata(folder: Path) -> None:
    with (folder / "question_map.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["question_key", "year", "question_number", "question_text"])
        for key, text, _, _, _ in QUESTIONS:
            for year in YEARS:
                writer.writerow([key, year, number(key, year), text])
    with (folder / "cpes_years.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["year", "sample_start", "sample_end", "method"])
        for year in YEARS:
            method = (
                "postal (2015-2019 method)" if year < 2021 else "online and postal (2021 method)"
            )
            writer.writerow([year, f"{year}-04-01", f"{year}-06-30", method])
