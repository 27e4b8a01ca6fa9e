"""Synthetic national Cancer Patient Experience Survey (CPES) extract (authoring tool).

Writes ``data/cpes/``: one trust-level results file per survey year, the
question-mapping file, the survey-years file and the settings. Everything is
invented: fictional trusts with fictional ODS codes ("X.." for the demo teams'
trusts, "Y.." for the others), invented CCGs and Cancer Alliances, invented scores.

The files deliberately look as real published files do, each year in its own
layout:

- 2017, 2018: ``cpes_<year>_trust_results.csv``, one row per national result and
  per trust result, with the R-mangled headers of a dashboard data file
  (``Geog,Trust.Code,Trust.Name,Year,Question.Number,Question.Text,
  Number.of.responses,scored.percentage,Lower.95..confidence.interval,...,
  Performance``). 2017's counts carry thousands separators ("36,467"); 2018
  mixes scores given as fractions (0.7810) and as percentages (78.1) row by row.
  Suppressed results (fewer than 21 responses) are blank.
- 2019: ``cpes_2019_dashboard_data.csv``, the public dashboard data file: the same
  R-mangled headers plus ``Cancer.Type,Gender,IMD,adjusted.unadjusted.yearonyear``
  and ``Performance.Rating`` (1 below, 2 within, 3 above the expected range), in
  Windows-1252 (the overall-rating text has a curly apostrophe, byte 0x92). Per
  question: national ``unadjusted`` and ``yearonyear`` rows (``Trust.Code`` "All")
  and national ``unadjusted`` rows by Gender; per trust an ``adjusted`` whole row
  (the case-mix adjusted score, its confidence interval, expected range and
  Performance), an ``unadjusted`` and a ``yearonyear`` (whole percent) row; for the
  demo teams' trusts ``unadjusted`` rows by Cancer.Type and IMD quintile; and
  ``unadjusted`` rows for CCGs and Cancer Alliances. Results with fewer than 21
  responses have blank scores and intervals; a suppressed ``adjusted`` row still
  carries "Adjusted Score below Expected Lower Range" and Performance.Rating 1
  (a publishing quirk a reader must ignore). One demo trust took no part in 2019.
- 2021, 2023: ``cpes_<year>_trust_results.csv`` with the original headers
  (``Trust Code``, ``Number of responses``, ``Scored percentage``, ...);
  suppressed results are ``*``.
- 2022: ``NCPES_2022_trust_level_data.xlsx``, an official-statistics workbook:
  sheets ``Cover``, ``Contents``, ``Trust results`` (a title and a source line above
  the table, the header in row 4, no year column; counts and scores as numbers,
  suppressed results as the text ``*``) and ``Notes``.

In every year the national row of a question has the name "England" (2019:
"National"). Scores are percentages, except ``overall_care_rating``, which is a
mean rating out of 10 written with two decimals (8.83), never as a fraction; its
confidence interval and expected range come from a standard deviation of 1.6.
``question_map.csv`` gives each question's number and text per year and its
``score_type`` (``percent`` or ``mean_0_10``). Questions were renumbered from 2021,
when the method changed; 2020 has no survey (the pandemic).
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from demo_exports import _fixed_zip_times

YEARS = [2017, 2018, 2019, 2021, 2022, 2023]
SUPPRESS_BELOW = 21
PERCENT, MEAN = "percent", "mean_0_10"
MEAN_SD = 1.6  # spread of individual 0-10 ratings, for the mean's intervals
Z = 1.96

# (key, text, numbering 2015-2019 questionnaire, numbering from 2021,
#  national level 2017, score type)
QUESTIONS = [
    (
        "gp_referral_speed",
        "Patient felt they were seen as soon as necessary by a hospital doctor",
        1,
        1,
        0.83,
        PERCENT,
    ),
    (
        "diagnosis_explained",
        "Patient was told they had cancer in an understandable way",
        9,
        11,
        0.84,
        PERCENT,
    ),
    (
        "written_info_diagnosis",
        "Patient was given easy to understand written information about the type of cancer they had",
        12,
        14,
        0.73,
        PERCENT,
    ),
    (
        "treatment_options_explained",
        "Treatment options were explained in a way the patient could completely understand",
        15,
        17,
        0.83,
        PERCENT,
    ),
    (
        "side_effects_explained",
        "Possible side effects from treatment were definitely explained in a way the patient could understand",
        13,
        19,
        0.72,
        PERCENT,
    ),
    (
        "future_side_effects",
        "Patient was definitely told about side effects that could affect them in the future",
        18,
        20,
        0.56,
        PERCENT,
    ),
    (
        "involved_in_decisions",
        "Patient was definitely involved as much as they wanted to be in decisions about their care",
        16,
        18,
        0.79,
        PERCENT,
    ),
    (
        "named_cns",
        "Patient was given the name of a Clinical Nurse Specialist who would support them",
        17,
        21,
        0.91,
        PERCENT,
    ),
    (
        "cns_easy_contact",
        "Patient found it easy to contact their Clinical Nurse Specialist",
        20,
        22,
        0.86,
        PERCENT,
    ),
    (
        "care_plan",
        "Patient had been offered a written assessment and care plan (holistic needs assessment)",
        55,
        35,
        0.36,
        PERCENT,
    ),
    (
        "family_support_info",
        "Family or carers were given all the information they needed to help care for the patient at home",
        51,
        55,
        0.60,
        PERCENT,
    ),
    (
        "benefits_advice",
        "Hospital staff gave information about getting financial help or benefits",
        23,
        26,
        0.59,
        PERCENT,
    ),
    (
        "support_groups_info",
        "Hospital staff gave information about support or self-help groups",
        22,
        25,
        0.84,
        PERCENT,
    ),
    (
        "respect_dignity",
        "Patient was always treated with respect and dignity by staff while in hospital",
        41,
        45,
        0.88,
        PERCENT,
    ),
    (
        "staff_worked_together",
        "The different people treating and caring for the patient worked well together",
        56,
        59,
        0.71,
        PERCENT,
    ),
    (
        "overall_care_rating",
        "Patient's average rating of care, on a scale from 0 (very poor) to 10 (very good)",
        59,
        61,
        8.82,
        MEAN,
    ),
]

QUESTIONS_BY_KEY = {q[0]: q for q in QUESTIONS}
for _numbering in (2, 3):
    assert len({q[_numbering] for q in QUESTIONS}) == len(QUESTIONS), "question numbers collide"

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
    ("what matters", ["involved_in_decisions", "overall_care_rating"]),
    ("waiting", ["gp_referral_speed"]),
    ("privacy and dignity", ["respect_dignity"]),
    ("shared care", ["staff_worked_together"]),
]

OTHER_TRUSTS = 80

ABOVE = "Adjusted Score above Expected Upper Range"
BELOW = "Adjusted Score below Expected Lower Range"
WITHIN = "Adjusted Score between Expected Upper and Lower Ranges"
RATING = {BELOW: "1", WITHIN: "2", ABOVE: "3"}

# The 2019 dashboard's other geographies (invented).
CCGS = [
    ("00L", "NHS Northmoor CCG"),
    ("00Q", "NHS Tyneside Vale CCG"),
    ("01A", "NHS Eastmere CCG"),
    ("01D", "NHS Airedene and Calderbrook CCG"),
    ("02M", "NHS Donmouth CCG"),
    ("03F", "NHS Irwell Park CCG"),
    ("04C", "NHS Soarbridge City CCG"),
    ("05D", "NHS Arden Heath CCG"),
    ("06H", "NHS Wensum and Broadland CCG"),
    ("07K", "NHS Avonford and Mendip CCG"),
]
ALLIANCES = [
    ("E56000003", "Northmoor Cancer Alliance"),
    ("E56000006", "Pennine Dales Cancer Alliance"),
    ("E56000011", "Midland Shires Cancer Alliance"),
    ("E56000017", "Southern Coast Cancer Alliance"),
]


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


def interval(score_type: str, score: float, n: int) -> tuple[float, float]:
    """The 95% confidence interval of a score resting on n responses."""
    if score_type == MEAN:
        half = Z * MEAN_SD / math.sqrt(n)
        return max(0.0, score - half), min(10.0, score + half)
    return wilson(score, n)


@dataclass
class Result:
    """One published result, in natural units (a fraction, or a mean out of 10)."""

    geog: str  # "National" or "Trust"
    code: str
    name: str
    key: str
    n: int
    score: float
    ci: tuple[float, float]
    expected: tuple[float, float] | None = None
    perf: str = ""

    @property
    def score_type(self) -> str:
        return QUESTIONS_BY_KEY[self.key][5]

    @property
    def suppressed(self) -> bool:
        return self.geog != "National" and self.n < SUPPRESS_BELOW


def write(
    folder: Path,
    demo_trusts: list[tuple[str, str, bool]],
    targeted: set[tuple[str, str]],
    rng: random.Random,
    *,
    tumour_groups: dict[str, list[str]] | None = None,
    side_seed: str = "cpes-side",
) -> None:
    """Write every file in data/cpes/.

    ``demo_trusts``: (ODS code, name, improves) for the trusts the demo teams belong to.
    ``targeted``: (ODS code, question key) pairs some team targets.
    ``tumour_groups``: the demo teams' tumour groups at each of those trusts (2019 breakdowns).
    ``side_seed``: seeds the draws added since the first layout (the mean rating, the 2019
    dashboard's extra rows), so that ``rng`` gives the same percentages as it always did.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in (
        "cpes_*_trust_results.csv",
        "cpes_*_dashboard_data.csv",
        "NCPES_*_trust_level_data.xlsx",
    ):
        for old in folder.glob(pattern):
            old.unlink()
    trusts = list(demo_trusts) + [
        (f"Y{chr(65 + i // 10)}{i % 10}", f"Other Cancer Hospitals NHS Trust {i + 1:02d}", False)
        for i in range(OTHER_TRUSTS)
    ]
    size = {code: rng.randint(90, 900) for code, _, _ in trusts}
    size["YA3"] = 30  # a small specialist trust: many of its results are suppressed
    effect = {(code, q[0]): rng.gauss(0, 0.04) for code, _, _ in trusts for q in QUESTIONS}
    mean_rng = random.Random(f"{side_seed}-mean")
    mean_effect = {code: mean_rng.gauss(0, 0.12) for code, _, _ in trusts}
    for year in YEARS:
        results: list[Result] = []
        drift = 0.006 * (year - 2017) - (0.02 if year == 2021 else 0.0)  # method change dip
        mean_drift = 0.015 * (year - 2017) - (0.04 if year == 2021 else 0.0)
        for q in QUESTIONS:
            key, _text, _, _, level, score_type = q
            # For the mean question these draws are still made (and then not used), so
            # that every percentage question keeps its values.
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
                lifted = improves and (code, key) in targeted and year >= 2021
                lift = 0.05 + 0.02 * (year - 2021) if lifted else 0.0
                p = min(0.99, max(0.05, base + effect[(code, key)] + lift + rng.gauss(0, 0.015)))
                k = sum(rng.random() < p for _ in range(n))
                if score_type == MEAN:
                    true = (
                        level
                        + mean_drift
                        + mean_effect[code]
                        + (0.1 + 0.05 * (year - 2021) if lifted else 0.0)
                        + mean_rng.gauss(0, 0.04)
                    )
                    score = min(10.0, max(0.0, true + mean_rng.gauss(0, MEAN_SD / math.sqrt(n))))
                    total_k += score * n
                else:
                    score = k / n
                    total_k += k
                scores[code] = (name, n, score)
                total_n += n
            nat = total_k / total_n
            results.append(
                Result(
                    "National", "", "England", key, total_n, nat, interval(score_type, nat, total_n)
                )
            )
            for code, (name, n, score) in scores.items():
                if score_type == MEAN:
                    half = Z * MEAN_SD / math.sqrt(n)
                    low, high = max(0.0, nat - half), min(10.0, nat + half)
                else:
                    se = math.sqrt(nat * (1 - nat) / n)
                    low, high = max(0.0, nat - 1.96 * se), min(1.0, nat + 1.96 * se)
                perf = ABOVE if score > high else BELOW if score < low else WITHIN
                results.append(
                    Result(
                        "Trust",
                        code,
                        name,
                        key,
                        n,
                        score,
                        interval(score_type, score, n),
                        (low, high),
                        perf,
                    )
                )
        if year == 2019:
            _write_dashboard(
                folder,
                year,
                results,
                random.Random(f"{side_seed}-{year}"),
                tumour_groups or {},
            )
        elif year == 2022:
            _write_workbook(folder, year, results)
        else:
            _write_year(folder, year, results, rng)
    _write_metadata(folder)


#: The trust-table headers as published: R-mangled (a dashboard data file) and original.
MANGLED_HEADER = [
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
ORIGINAL_HEADER = [
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


def _fmt(value, score_type: str, as_fraction: bool, suppressed_marker: str) -> str:
    if value is None:
        return suppressed_marker
    if score_type == MEAN:
        return f"{value:.2f}"
    return f"{value:.4f}" if as_fraction else f"{100 * value:.1f}"


def _write_year(folder: Path, year: int, results: list[Result], rng: random.Random) -> None:
    mangled = year in (2017, 2018)
    header = MANGLED_HEADER if mangled else ORIGINAL_HEADER
    marker = "" if year < 2021 else "*"
    out = []
    for r in results:
        # The mixed year: one draw per row (the mean question is never a fraction).
        as_fraction = year == 2018 and rng.random() < 0.5 and r.score_type != MEAN
        count = f"{r.n:,}" if year == 2017 else str(r.n)
        numbers = [None] * 5 if r.suppressed else [r.score, *r.ci, *(r.expected or (None, None))]
        cells = [
            ""
            if (v is None and r.geog == "National")
            else _fmt(v, r.score_type, as_fraction, marker)
            for v in numbers
        ]
        out.append(
            [
                r.geog,
                r.code,
                r.name,
                year,
                number(r.key, year),
                QUESTIONS_BY_KEY[r.key][1],
                count,
                *cells,
                "" if r.suppressed else r.perf,
            ]
        )
    with (folder / f"cpes_{year}_trust_results.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out)


DASHBOARD_HEADER = [
    "Geog",
    "Trust.Code",
    "Trust.Name",
    "Year",
    "Question.Number",
    "Question.Text",
    "Cancer.Type",
    "Gender",
    "IMD",
    "adjusted.unadjusted.yearonyear",
    "Number.of.responses",
    "scored.percentage",
    "Lower.95..confidence.interval",
    "Upper.95..confidence.interval",
    "Expected.Range..lower.",
    "Expected.Range..upper.",
    "Performance",
    "Performance.Rating",
]


def _dash_score(value: float | None, score_type: str, yearonyear: bool = False) -> str:
    if value is None:
        return ""
    if score_type == MEAN:
        return f"{value:.1f}" if yearonyear else f"{value:.2f}"
    return f"{100 * value:.0f}" if yearonyear else f"{100 * value:.1f}"


def _clamp(score_type: str, value: float) -> float:
    return min(10.0, max(0.0, value)) if score_type == MEAN else min(0.995, max(0.02, value))


def _sample(rng: random.Random, score_type: str, centre: float, n: int, spread: float) -> float:
    """A subgroup's score: the centre, a group effect (``spread`` in percentage points as a
    fraction; four times that on the 0-10 scale) and the sampling noise of n responses."""
    if score_type == MEAN:
        value = centre + rng.gauss(0, 4 * spread) + rng.gauss(0, MEAN_SD / math.sqrt(max(n, 1)))
    else:
        value = (
            centre
            + rng.gauss(0, spread)
            + rng.gauss(0, math.sqrt(centre * (1 - centre) / max(n, 1)))
        )
    return _clamp(score_type, value)


def _write_dashboard(
    folder: Path,
    year: int,
    results: list[Result],
    rng: random.Random,
    tumour_groups: dict[str, list[str]],
) -> None:
    """2019 as the public dashboard data file (Windows-1252, R-mangled headers)."""
    by_key: dict[str, list[Result]] = {}
    for r in results:
        by_key.setdefault(r.key, []).append(r)
    demo_codes = list(dict.fromkeys(r.code for r in results if r.code.startswith("X")))
    # Shares fixed per trust (a trust's breast patients are the same share on every question).
    cancer_types: dict[str, list[tuple[str, float]]] = {}
    imd_shares: dict[str, list[float]] = {}
    for code in demo_codes:
        groups = [g for g in tumour_groups.get(code, []) if g != "All cancers"]
        if "Breast" in groups:
            other = "Lung"
        elif "Lung" in groups:
            other = "Breast"
        else:
            other = rng.choice(["Breast", "Lung"])
        cancer_types[code] = [(g, rng.uniform(0.06, 0.35)) for g in [*groups, other]]
        weights = [rng.uniform(0.7, 1.3) for _ in range(5)]
        imd_shares[code] = [w / sum(weights) for w in weights]
    female_share = rng.uniform(0.5, 0.55)
    sizes = {code: rng.randint(700, 2400) for code, _ in CCGS}
    sizes |= {code: rng.randint(3000, 8000) for code, _ in ALLIANCES}

    out: list[list] = []
    for key, rows in by_key.items():
        _, text, _, _, _, score_type = QUESTIONS_BY_KEY[key]
        if score_type == MEAN:
            text = text.replace("'", "\u2019")  # as the real file has it

        def line(
            geog: str,
            code: str,
            name: str,
            kind: str,
            n: int,
            score: float | None,
            ci: tuple[float, float] | None = None,
            expected: tuple[float, float] | None = None,
            perf: str = "",
            cancer: str = "All",
            gender: str = "All",
            imd: str = "All",
            *,
            key: str = key,
            text: str = text,
            score_type: str = score_type,
        ) -> None:
            if n < SUPPRESS_BELOW:
                score = ci = expected = None
            out.append(
                [
                    geog,
                    code,
                    name,
                    year,
                    number(key, year),
                    text,
                    cancer,
                    gender,
                    imd,
                    kind,
                    f"{n:,}",
                    _dash_score(score, score_type, kind == "yearonyear"),
                    *(_dash_score(v, score_type) for v in (ci or (None, None))),
                    *(_dash_score(v, score_type) for v in (expected or (None, None))),
                    perf,
                    RATING.get(perf, ""),
                ]
            )

        national, trusts = rows[0], rows[1:]
        nat = national.score
        line("National", "All", "National", "unadjusted", national.n, nat, national.ci)
        line("National", "All", "National", "yearonyear", national.n, nat)
        gap = rng.gauss(0.05, 0.04) if score_type == MEAN else rng.gauss(0.01, 0.01)
        n_female = round(national.n * female_share)
        for gender, n, score in (
            ("Female", n_female, nat + gap * (1 - female_share)),
            ("Male", national.n - n_female, nat - gap * female_share),
        ):
            score = _clamp(score_type, score)
            line(
                "National",
                "All",
                "National",
                "unadjusted",
                n,
                score,
                interval(score_type, score, n),
                gender=gender,
            )
        for r in trusts:
            if r.suppressed:  # count kept, values blank, and still "below" (a quirk)
                line("Trust", r.code, r.name, "adjusted", r.n, None, perf=BELOW)
            else:
                line("Trust", r.code, r.name, "adjusted", r.n, r.score, r.ci, r.expected, r.perf)
            step = 0.05 if score_type == MEAN else 0.01
            unadjusted = _clamp(score_type, r.score + rng.uniform(-step, step))
            line(
                "Trust",
                r.code,
                r.name,
                "unadjusted",
                r.n,
                unadjusted,
                interval(score_type, unadjusted, r.n),
            )
            line("Trust", r.code, r.name, "yearonyear", r.n, r.score)
            if r.code not in cancer_types:
                continue
            for cancer, share in cancer_types[r.code]:
                n = max(1, round(r.n * share))
                score = _sample(rng, score_type, r.score, n, 0.03)
                line(
                    "Trust",
                    r.code,
                    r.name,
                    "unadjusted",
                    n,
                    score,
                    interval(score_type, score, n),
                    cancer=cancer,
                )
            counts = [round(r.n * s) for s in imd_shares[r.code][:4]]
            counts.append(max(1, r.n - sum(counts)))
            for quintile, n in enumerate(counts, start=1):
                centre = _clamp(
                    score_type, r.score + (quintile - 3) * 0.005 * (4 if score_type == MEAN else 1)
                )
                score = _sample(rng, score_type, centre, n, 0.01)
                line(
                    "Trust",
                    r.code,
                    r.name,
                    "unadjusted",
                    n,
                    score,
                    interval(score_type, score, n),
                    imd=str(quintile),
                )
        scale = 0.6 if key in ("family_support_info", "benefits_advice") else 1.0
        for geog, areas, spread in (("CCG", CCGS, 0.025), ("Cancer Alliance", ALLIANCES, 0.015)):
            for code, name in areas:
                n = int(sizes[code] * rng.uniform(0.55, 0.8) * scale)
                score = _sample(rng, score_type, nat, n, spread)
                line(geog, code, name, "unadjusted", n, score, interval(score_type, score, n))
    path = folder / f"cpes_{year}_dashboard_data.csv"
    with path.open("w", newline="", encoding="cp1252") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(DASHBOARD_HEADER)
        writer.writerows(out)


WORKBOOK_HEADER = [h for h in ORIGINAL_HEADER if h != "Year"]  # one year per workbook


def _cell(value: float | None, score_type: str):
    """A score as the number the CSVs would show (percent to 1 dp, mean to 2 dp)."""
    if value is None:
        return None
    return float(f"{value:.2f}") if score_type == MEAN else float(f"{100 * value:.1f}")


def _write_workbook(folder: Path, year: int, results: list[Result]) -> None:
    """2022 as an official-statistics workbook: cover, contents, the table, notes."""
    import openpyxl
    from openpyxl.styles import Font

    title = f"National Cancer Patient Experience Survey {year}"
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover["A1"] = title
    cover["A1"].font = Font(bold=True, size=14)
    for row, note in enumerate(
        [
            "Publication date: 6 July 2023",
            f"Source: {title}, trust-level results (synthetic data for the collab demo)",
            f"Results based on fewer than {SUPPRESS_BELOW} responses are suppressed and shown as *",
            "Official statistics. Questions were reviewed and renumbered in 2021.",
        ],
        start=3,
    ):
        cover.cell(row, 1, note)
    sheets = [
        ("Cover", "Title, publication date, source and suppression rule"),
        ("Contents", "This list of sheets"),
        ("Trust results", f"Table 1: Trust-level results, {title}"),
        ("Notes", "Notes on the method and the measures"),
    ]
    contents = book.create_sheet("Contents")
    contents.append(["Sheet", "Description"])
    for sheet in sheets:
        contents.append(list(sheet))
    contents["A1"].font = contents["B1"].font = Font(bold=True)

    table = book.create_sheet("Trust results")
    table["A1"] = f"Table 1: Trust-level results, {title}"
    table["A1"].font = Font(bold=True)
    table["A2"] = "Source: synthetic data for the collab demo"
    for col, heading in enumerate(WORKBOOK_HEADER, start=1):
        table.cell(4, col, heading).font = Font(bold=True)
    for row, r in enumerate(results, start=5):
        if r.suppressed:
            numbers = ["*"] * 5
        else:
            numbers = [_cell(v, r.score_type) for v in (r.score, *r.ci)] + [
                _cell(v, r.score_type) for v in (r.expected or (None, None))
            ]
        values = [
            r.geog,
            r.code or None,
            r.name,
            number(r.key, year),
            QUESTIONS_BY_KEY[r.key][1],
            r.n,
            *numbers,
            (r.perf or None) if not r.suppressed else None,
        ]
        for col, value in enumerate(values, start=1):
            table.cell(row, col, value)

    notes = book.create_sheet("Notes")
    for row, note in enumerate(
        [
            "Notes",
            "1. Scores are case-mix adjusted percentages of positive answers, except the overall"
            " rating of care, which is the mean rating on a scale from 0 to 10.",
            "2. The expected range is the range a trust's score would fall in 95 times in 100 if"
            " it performed as the national average.",
            "3. The national row of each question is shown as England, with no trust code.",
            "4. The questionnaire was reviewed in 2021; question numbers differ from 2015-2019.",
        ],
        start=1,
    ):
        notes.cell(row, 1, note)

    fixed = datetime(2021, 4, 28, 9, 0)  # the stamp _fixed_zip_times writes
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "NHS England"
    buffer = io.BytesIO()
    book.save(buffer)
    (folder / f"NCPES_{year}_trust_level_data.xlsx").write_bytes(
        _fixed_zip_times(buffer.getvalue())
    )


def _write_metadata(folder: Path) -> None:
    with (folder / "question_map.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["question_key", "year", "question_number", "question_text", "score_type"])
        for key, text, _, _, _, score_type in QUESTIONS:
            for year in YEARS:
                writer.writerow([key, year, number(key, year), text, score_type])
    with (folder / "cpes_years.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["year", "sample_start", "sample_end", "method"])
        for year in YEARS:
            method = (
                "postal with an online option (2015-2019 questionnaire, Quality Health)"
                if year < 2021
                else "mixed mode, post and online (questionnaire reviewed and renumbered in 2021, Picker)"
            )
            writer.writerow([year, f"{year}-04-01", f"{year}-06-30", method])
