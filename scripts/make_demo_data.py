"""Write the synthetic demo data in data/ (an authoring tool, not part of the build).

The demo data are invented, but built to reproduce the published NHS England
summary of the 2020/21 collaboratives exactly: 23 project teams across
``cohort-2`` and ``rare-cancers``; 100% would recommend; ratings of 3 or 4 for
team working 81%, patient/carer experience 93%, staff experience 89% (whole
percents, halves rounded up). The two other cohorts differ from those figures
and from each other.

The answer counts for every item are fixed below; the script only decides
*who* gave which answer, with a fixed random seed, so the output is the same
on every run. Run from the project root::

    .venv/bin/python scripts/make_demo_data.py

The canonical rows are then written as realistic survey-tool exports (see
``demo_exports.py``); cleaning them gives back exactly these rows. The reports
never run this script: ``data/raw`` is the committed input.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_content as content
import demo_cpes
import demo_exports
import demo_measures
import demo_progress

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED = 20210430  # the date of the 2020/21 recognition event

PTM, LEP, EXEC = "Project team member", "Lived experience partner", "Executive sponsor"


@dataclass
class ItemCounts:
    """How many respondents gave each answer: blank, then ratings 1-4."""

    blank: int
    r1: int
    r2: int
    r3: int
    r4: int

    def answers(self) -> list[int | None]:
        return [None] * self.blank + [1] * self.r1 + [2] * self.r2 + [3] * self.r3 + [4] * self.r4

    @property
    def total(self) -> int:
        return self.blank + self.r1 + self.r2 + self.r3 + self.r4


@dataclass
class CohortSpec:
    cohort_id: str
    name: str
    programme_year: str
    start: date
    end: date
    n_teams: int
    silent_teams: int  # teams with no respondent
    recommend: tuple[int, int, int]  # yes, no, blank
    team_working: ItemCounts
    patient_carer_experience: ItemCounts
    staff_experience: ItemCounts
    rare: bool = False
    covid: bool = False

    @property
    def respondents(self) -> int:
        return sum(self.recommend)


SPECS = [
    CohortSpec(
        "cohort-1",
        "Cohort 1",
        "2019/20",
        date(2019, 6, 3),
        date(2020, 3, 31),
        12,
        1,
        recommend=(29, 1, 1),
        team_working=ItemCounts(1, 2, 6, 12, 10),
        patient_carer_experience=ItemCounts(2, 1, 3, 11, 14),
        staff_experience=ItemCounts(1, 2, 7, 11, 10),
    ),
    CohortSpec(
        "cohort-2",
        "Cohort 2",
        "2020/21",
        date(2020, 6, 1),
        date(2021, 3, 31),
        15,
        1,
        recommend=(39, 0, 0),
        team_working=ItemCounts(1, 1, 7, 13, 17),
        patient_carer_experience=ItemCounts(2, 0, 2, 12, 23),
        staff_experience=ItemCounts(2, 1, 3, 15, 18),
        covid=True,
    ),
    CohortSpec(
        "rare-cancers",
        "Rare and less common cancers",
        "2020/21",
        date(2020, 6, 1),
        date(2021, 3, 31),
        8,
        0,
        recommend=(21, 0, 0),
        team_working=ItemCounts(1, 0, 3, 7, 10),
        patient_carer_experience=ItemCounts(1, 0, 2, 6, 12),
        staff_experience=ItemCounts(2, 1, 1, 8, 9),
        rare=True,
        covid=True,
    ),
    CohortSpec(
        "cohort-3",
        "Cohort 3",
        "2021/22",
        date(2021, 6, 1),
        date(2022, 3, 31),
        18,
        0,
        recommend=(45, 2, 0),
        team_working=ItemCounts(1, 0, 4, 16, 26),
        patient_carer_experience=ItemCounts(2, 1, 5, 17, 22),
        staff_experience=ItemCounts(1, 2, 7, 18, 19),
    ),
]

TEAM_LABEL = {
    "All cancers": "cancer services",
    "Brain and CNS": "brain and CNS",
    "Cancer of unknown primary": "CUP",
    "Teenage and young adult": "TYA",
    "Upper GI": "upper GI",
}

ITEMS = ("team_working", "patient_carer_experience", "staff_experience")


def make_teams(spec: CohortSpec, rng: random.Random, used_projects: set[str]) -> list[dict]:
    trusts = rng.sample(content.TRUSTS, spec.n_teams)
    pool = content.RARE_PROJECTS if spec.rare else content.PROJECTS
    fresh = [p for p in pool if p[1] not in used_projects]
    # Prefer projects no earlier cohort ran; similar projects recur when the pool runs out.
    chosen = rng.sample(fresh, min(spec.n_teams, len(fresh)))
    if len(chosen) < spec.n_teams:
        reused = [p for p in pool if p not in chosen]
        chosen += rng.sample(reused, spec.n_teams - len(chosen))
    teams = []
    prefix = {"cohort-1": "C1", "cohort-2": "C2", "rare-cancers": "RC", "cohort-3": "C3"}[
        spec.cohort_id
    ]
    for i, ((short, full, alliance), (tumour, title)) in enumerate(
        sorted(zip(trusts, chosen, strict=True), key=lambda t: t[0][0]), start=1
    ):
        used_projects.add(title)
        teams.append(
            {
                "team_id": f"{prefix}-{i:02d}",
                "team_name": f"{short} {TEAM_LABEL.get(tumour, tumour.lower())} team",
                "organisation": full,
                "cancer_alliance": alliance,
                "region": content.ALLIANCE_REGION[alliance],
                "tumour_group": tumour,
                "project_title": title,
                "org_code": ORG_CODES[full],
                "cpes_questions": "",  # filled in below, in the baseline year's numbering
            }
        )
    return teams


def assign_roles(spec: CohortSpec, teams: list[dict], rng: random.Random) -> list[tuple[str, str]]:
    """One lived experience partner and one team member per responding team, then extras."""
    responding = teams[: len(teams) - spec.silent_teams] if spec.silent_teams else teams
    if spec.silent_teams:
        silent = rng.sample(teams, spec.silent_teams)
        responding = [t for t in teams if t not in silent]
    people = []
    for team in responding:
        people += [(team["team_id"], PTM), (team["team_id"], LEP)]
    extra = spec.respondents - len(people)
    assert extra >= 0, spec.cohort_id
    n_exec = max(1, extra // 3)
    for k in range(extra):
        team = rng.choice(responding)
        people.append((team["team_id"], EXEC if k < n_exec else PTM))
    rng.shuffle(people)
    return people


def pick_comment(role: str, satisfied: bool, spec: CohortSpec, rng: random.Random, pools) -> str:
    if not satisfied:
        pool = pools["constructive"]
    elif spec.covid and role != LEP and rng.random() < 0.3:
        pool = pools["covid"]
    else:
        pool = {PTM: pools["team"], LEP: pools["lived"], EXEC: pools["exec"]}[role]
    if not pool:  # fall back to whichever pool still has the most comments
        pool = max(pools.values(), key=len)
    return pool.pop(rng.randrange(len(pool)))


# Fictional ODS codes for the fictional trusts ("X" + letter + digit).
ORG_CODES = {full: f"X{chr(65 + i // 10)}{i % 10}" for i, (_, full, _) in enumerate(content.TRUSTS)}


def make_survey(spec: CohortSpec, teams: list[dict], rng: random.Random, pools) -> list[dict]:
    people = assign_roles(spec, teams, rng)
    n = len(people)
    # A latent satisfaction score makes answers hang together: people who rate
    # one item low tend to rate the others low too.
    latent = [rng.gauss(0, 1) for _ in range(n)]
    columns: dict[str, list] = {}
    for item in ITEMS:
        counts: ItemCounts = getattr(spec, item)
        assert counts.total == n, (spec.cohort_id, item, counts.total, n)
        answers = counts.answers()
        blanks = [a for a in answers if a is None]
        ratings = sorted(a for a in answers if a is not None)
        who = list(range(n))
        rng.shuffle(who)
        blank_people = set(who[: len(blanks)])
        rated_people = sorted(
            (i for i in range(n) if i not in blank_people),
            key=lambda i: latent[i] + rng.gauss(0, 0.6),
        )
        col: list = [None] * n
        for person, rating in zip(rated_people, ratings, strict=True):
            col[person] = rating
        columns[item] = col
    _yes, no, blank = spec.recommend
    by_satisfaction = sorted(range(n), key=lambda i: latent[i])
    recommend = [""] * n
    for rank, person in enumerate(by_satisfaction):
        recommend[person] = "No" if rank < no else "Yes"
    if blank:
        for person in rng.sample(by_satisfaction[no:], blank):
            recommend[person] = ""

    rows = []
    start = datetime.combine(spec.end + timedelta(days=3), datetime.min.time())
    # Most people answer in the first days after the invitation, in working hours.
    offsets = sorted(
        int(rng.expovariate(1 / 5) % 21) * 24 * 60 + rng.randint(8 * 60, 19 * 60) for _ in range(n)
    )
    for k, person in enumerate(rng.sample(range(n), n)):
        team_id, role = people[person]
        ratings = [columns[item][person] for item in ITEMS]
        positive_share = sum(r >= 3 for r in ratings if r) / max(1, sum(1 for r in ratings if r))
        comment = ""
        if rng.random() < 0.5:
            comment = pick_comment(
                role, positive_share >= 0.67 and recommend[person] != "No", spec, rng, pools
            )
        consent = "Yes" if rng.random() < 0.72 else "No"
        submitted = start + timedelta(minutes=offsets[k])
        rows.append(
            {
                "response_id": f"R{spec.programme_year[2:4]}{k + 1:04d}"
                if spec.cohort_id != "rare-cancers"
                else f"RC{k + 1:04d}",
                "submitted_at": submitted.strftime("%Y-%m-%d %H:%M"),
                "team_id": team_id,
                "role": role,
                "recommend": recommend[person],
                **{
                    item: "" if columns[item][person] is None else str(columns[item][person])
                    for item in ITEMS
                },
                "comment": comment,
                "consent_to_quote": consent,
            }
        )
    return rows


def add_personal_details(cohort_id: str, rows: list[dict], rng: random.Random) -> None:
    """Give some consenting respondents comments that carry personal details to redact."""
    consenting = [r for r in rows if r["consent_to_quote"] == "Yes" and r["comment"]]
    for row, text in zip(
        rng.sample(consenting, len(content.PERSONAL_DETAILS[cohort_id])),
        content.PERSONAL_DETAILS[cohort_id],
        strict=True,
    ):
        row["comment"] = text


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    pools = {
        "team": list(content.POSITIVE_TEAM),
        "lived": list(content.POSITIVE_LIVED),
        "exec": list(content.POSITIVE_EXEC),
        "constructive": list(content.CONSTRUCTIVE),
        "covid": list(content.COVID_ERA),
    }
    used_projects: set[str] = set()
    registry = []
    canonical: dict[str, list[dict]] = {}
    all_teams: dict[str, tuple[CohortSpec, list[dict]]] = {}
    for spec in SPECS:
        registry.append(
            {
                "cohort_id": spec.cohort_id,
                "name": spec.name,
                "programme_year": spec.programme_year,
                "start_date": spec.start.isoformat(),
                "end_date": spec.end.isoformat(),
            }
        )
        teams = make_teams(spec, rng, used_projects)
        survey = make_survey(spec, teams, rng, pools)
        add_personal_details(spec.cohort_id, survey, random.Random(f"{SEED}-{spec.cohort_id}"))
        canonical[spec.cohort_id] = survey
        folder = DATA / "raw" / spec.cohort_id
        cpes_rng = random.Random(f"{SEED}-cpes-{spec.cohort_id}")
        for team in teams:
            keys = demo_cpes.targets_for(team["project_title"], cpes_rng)
            team["cpes_questions"] = ";".join(
                demo_cpes.number(k, baseline_year(spec)) for k in keys.split(";") if k
            )
        all_teams[spec.cohort_id] = (spec, teams)
        write_csv(folder / "teams.csv", teams)
        for old in folder.glob("*[Ss]urvey*"):
            if old.name != "survey_mapping.toml":
                old.unlink()
        export_rng = random.Random(f"{SEED}-export-{spec.cohort_id}")
        demo_exports.WRITERS[spec.cohort_id](folder, teams, survey, export_rng)
        measures_rng = random.Random(f"{SEED}-measures-{spec.cohort_id}")
        demo_measures.write(folder, teams, spec.start, spec.end, measures_rng)
        progress_rng = random.Random(f"{SEED}-progress-{spec.cohort_id}")
        gaps = spec.cohort_id == demo_progress.GAPS_COHORT
        demo_progress.write(folder, teams, spec.start, spec.end, progress_rng, gaps=gaps)
    write_csv(DATA / "cohorts.csv", registry)
    write_cpes(all_teams)
    check_exports(canonical)
    print(f"wrote {len(SPECS)} cohorts to {DATA}")


def baseline_year(spec: CohortSpec) -> int:
    """The last CPES year sampled wholly before the cohort started (April-June samples)."""
    years = [y for y in demo_cpes.YEARS if date(y, 6, 30) < spec.start]
    return max(years)


def write_cpes(all_teams: dict[str, tuple[CohortSpec, list[dict]]]) -> None:
    """The synthetic national CPES extract, with the demo teams' trusts improving on some of
    the questions they targeted."""
    trusts: dict[str, tuple[str, str, bool]] = {}
    groups: dict[str, set[str]] = {}
    targeted: set[tuple[str, str]] = set()
    keys_by_number = {}
    for spec, teams in all_teams.values():
        year = baseline_year(spec)
        for team in teams:
            code = team["org_code"]
            improves = int(code[2]) % 2 == 0  # about half the trusts improve
            trusts.setdefault(code, (code, team["organisation"], improves))
            groups.setdefault(code, set()).add(team["tumour_group"])
            for number in filter(None, team["cpes_questions"].split(";")):
                keys_by_number = {demo_cpes.number(q[0], year): q[0] for q in demo_cpes.QUESTIONS}
                targeted.add((code, keys_by_number[number]))
    ordered = [trusts[code] for code in sorted(trusts)]
    demo_cpes.write(
        DATA / "cpes",
        ordered,
        targeted,
        random.Random(f"{SEED}-cpes"),
        tumour_groups={code: sorted(names) for code, names in groups.items()},
        side_seed=f"{SEED}-cpes-side",
    )
    (DATA / "cpes" / "cpes.toml").write_text(CPES_SETTINGS, encoding="utf-8")


CPES_SETTINGS = """\
# CPES settings: see "CPES" in data/README.md.

[suppression]
# Published results resting on fewer responses than this are treated as suppressed
# (the exact national threshold is a setting, not a fixed rule).
min_responses = 21
# The same, for the results by cancer type shown as tumour-group context.
breakdown_min_responses = 21

[files]
# Which files in data/cpes/ hold results: case-insensitive patterns for their names.
results = ["*results*", "*ncpes*", "*dashboard*"]
# A file with no Year column takes its year from its name, found with this pattern.
year_pattern = '(?<![0-9])(20[0-9]{2})(?![0-9])'

# Where a workbook's table cannot be found automatically (it is looked for in the first
# 30 rows of every sheet), name its sheet and header row, and the year if need be:
# [file."NCPES_2022_trust_level_data.xlsx"]
# sheet = "Trust results"
# header_row = 4
# year = 2022
"""


def check_exports(canonical: dict[str, list[dict]]) -> None:
    """Cleaning each export must give back exactly the canonical rows (ids aside)."""
    from collablib.data.loaders import load_cohort

    fields = ["team_id", "role", "recommend", *ITEMS, "comment", "consent_to_quote"]
    for cohort_id, rows in canonical.items():
        survey = load_cohort(cohort_id, DATA).survey
        got = sorted(
            tuple("" if str(v) in ("<NA>", "nan") else str(v) for v in rec)
            for rec in survey[fields].astype("string").fillna("").itertuples(index=False)
        )
        want = sorted(
            tuple(r[f] if f != "consent_to_quote" else r[f] or "No" for f in fields) for r in rows
        )
        assert got == want, f"{cohort_id}: the export does not clean back to the canonical rows"


if __name__ == "__main__":
    main()
