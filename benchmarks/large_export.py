"""Benchmark: ``collab validate`` on a very large survey export (110,800 rows, about 50 MB).

What it measures, and why: a survey tool can hand us an export far larger than the demo's
few dozen rows, and ``collab validate`` (which every build runs first) keeps every cell as
text so that its messages quote what the user typed. This script shows where the time and
the memory go on such a file, so that the slow steps can be fixed with numbers in hand.

Run: ``.venv/bin/python benchmarks/large_export.py [--keep DIR] [--cohort ID]``.

1. **Data.** Builds a complete data folder, in a temporary folder or in ``--keep DIR``: the
   project's ``cohorts.csv`` trimmed to one cohort, ``survey_mapping.toml``,
   ``disclosure.toml``, ``NOTICE.txt``, ``cpes/`` and that cohort's raw folder, whose survey
   export is replaced by a generated one. The generated export has the real export's
   headers, encoding, line ends and date format; answers drawn from the labels in the survey
   mapping; seeded-random comments a few hundred characters long; unique response ids;
   submission times in the cohort's last weeks; a name and a unique e-mail per respondent
   where the real export has those columns; and a few blank rows, test submissions,
   repeated response ids and resubmissions by one person, so that every cleaning step has
   work to do. The same seed always writes the same bytes.
2. **Command.** Runs ``collab validate --data-dir DIR`` ``--runs`` times, each under a fresh
   wrapper process, and prints the median wall time and the peak resident memory of the
   command (``ru_maxrss`` of the wrapper's only child), with the file's size and rows.
3. **Profile**, in a fresh process (``--profile DIR``), of the same code path,
   ``collablib.cli.main(["--data-dir", DIR, "validate"])``: cProfile's top functions by
   cumulative and by own time.

Nothing here asserts on time: the numbers are printed to be read and recorded.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from collablib.data.ingest import read_table
from collablib.data.loaders import TEAMS_FILE, load_teams
from collablib.data.matching import normalise
from collablib.data.registry import Cohort, get_cohort
from collablib.data.schemas import RATING_COLUMNS, SURVEY_COLUMNS
from collablib.data.survey_mapping import (
    VALUE_FIELDS,
    SurveyMapping,
    find_survey_file,
    load_mapping,
)
from collablib.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
ROWS = 110_800
SEED = 20261201
#: The survey runs over the cohort's last weeks, up to its end date.
SURVEY_WINDOW_DAYS = 91
BLANK_ROWS = 3
TEST_ROWS = 12
DUPLICATE_ROWS = 60  # an edited response exported again under the same response id
RESUBMISSIONS = 20  # the same person (e-mail) answering again under a new response id
MB = 1024 * 1024

# --------------------------------------------------------------------------------------------
# Generating the export
# --------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """The words of ``text``; an underscore joins the parts of one ("Ó_Briain")."""
    return tuple(word.replace("_", " ") for word in text.split())


#: First names and surnames, all encodable in Windows-1252 (Excel's plain "CSV").
FIRST_NAMES = _words(
    "Søren Zoë Maëlle Niamh Ciarán Eloïse Hélène Céline Émile Chloé Aoife André José Agnès "
    "Jürgen Tomás Björn Raphaël Léa Anaïs Göran Inés Noël Françoise Bríd Núria Renée Mégane "
    "Dóra Siân Seán Máire Eilidh Catriona Sarah James Emma Mohammed Priya Olivia David Fatima "
    "Grace Tom Rachel Daniel Aisha Hannah Michael Rhys Gareth Oluwaseun Chidi Deepa Ravi Mei "
    "Kofi Yusuf Joanne Karen Paul Helen Claire Andrew Lucy Ben Amir Nadia Zara Kate Megan "
    "Liam Connor Orla Dafydd Ffion Gwen Iwan Mark Will May Jo Sam Alex Chris Pat Bernadette "
    "Imran Sunita Anil Rosa Elena Marta Piotr Agnieszka Tariq Leanne Gemma Stuart Fiona"
)
SURNAMES = _words(
    "Madsen Patel Roux Grant Marsh Walker Carter Martin Silva Álvarez Morel Weiss Byrne "
    "Lindqvist Nguyen Bernard Dubois Berg García Fontaine Hale Hartley Kelly Puig O'Connor "
    "Leroy Ruiz Kiss Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson "
    "Roberts Robinson Thompson Wright Khan Ahmed Ali Hussain Begum Singh Kaur Shah Okafor "
    "Adeyemi Mensah Osei Chen Wang Li Kowalski Nowak Müller Schmidt Rossi Bianchi Costa "
    "Pereira O'Neill McDonald MacLeod Campbell Stewart Murray Hughes Lewis Morgan Price "
    "Griffiths Edwards Owen Baker Green Hall Wood Clarke Jackson White Harris Cooper Ward "
    "King Turner Hill Moore Allen Young Scott Mitchell Phillips Parker Bennett "
    "Ó_Súilleabháin Ní_Bhriain Ó_Briain Fernández Ødegaard Nørgaard"
)
EMAIL_DOMAINS = ("example.nhs.uk", "nhs.net", "example.org.uk", "example.com")

#: Sentences that comments are built from. {site}, {months}, {n}, {who}, {session} and
#: {surname} are filled in per comment, so that few comments repeat exactly.
OPENERS = (
    "Really enjoyed being part of this.",
    "Overall a very positive experience for our team.",
    "I was sceptical at the start, but I have changed my mind.",
    "Mixed feelings, if I am honest.",
    "Thank you to everyone who organised the collaborative.",
    "As a lived experience partner I felt genuinely listened to.",
    "Speaking as the executive sponsor for the {site} project:",
    "Hard work, but worth it.",
    "It took us a while to get going.",
    "A brilliant opportunity for a small team like ours.",
    "We joined late, so some of this may not apply to everyone.",
    "Some honest feedback, which I hope is useful:",
)
BODIES = (
    "The monthly learning sessions kept us on track and gave us deadlines we could not ignore.",
    "Meeting other {site} teams facing the same problems was reassuring and motivating.",
    "We ran {n} PDSA cycles on the new pathway and the third one finally stuck.",
    "The measurement teaching went over my head at first, but the coaching calls helped a lot.",
    "Our {who} left half way through and it took us {months} months to find a replacement.",
    "Patients told us the new information leaflet was the first one they had actually read.",
    "Having protected time for the project made all the difference; without it we would have "
    "given up by month {months}.",
    "The run charts showed us that what we thought was an improvement was just noise.",
    "It gave our team a voice with the executive board, which we have never had before.",
    "Involving patients took longer than we expected, so plan for that from the start.",
    "The {session} session on co-design was the best training I have had in {n} years.",
    "We struggled to get data out of the hospital systems, and that slowed everything down.",
    "Clinic letters are now written to the patient, not about them, and GPs like them too.",
    "Waiting times in the {site} clinic came down and have stayed down for {months} months.",
    "Staff morale improved once people could see the changes were making a difference.",
    "The online sessions were convenient, but we missed the chance to talk over coffee.",
    "Some sessions were pitched at teams much further ahead than us.",
    'A patient said the new phone line "felt like someone was on my side", which stuck with us.',
    "We now ask patients what matters to them at the first appointment, every time.",
    "Backfilling clinical time was a real problem, especially during the winter months.",
    "The faculty were approachable and answered questions quickly, even out of hours.",
    "We shared our change package with {n} other trusts in the region after the programme.",
    "It was hard to keep the executive sponsor engaged after the first few months.",
    "Our lived experience partners shaped every change we tested, from the wording to the timing.",
    "Data collection was a burden on top of the day job, so we kept the measures simple.",
    "The peer review day with the {site} teams gave us ideas we would never have had alone.",
    "I would have liked more time with teams working on similar tumour sites.",
    "The final showcase was a great way to celebrate, though {months} minutes each was tight.",
    "Simple ideas, tested properly, made a real difference to our clinic.",
    "We are not sure the changes will last once the programme support ends.",
    "I didn't expect the patients' stories to change how the consultants ran their clinic.",
    "It's the first time our team has tested a change properly rather than just doing it.",
    "We couldn't have done it without the Trust's quality improvement team, who gave us a "
    "day a week of analyst time.",
    "The nurses' handover now includes what each patient told us matters most to them.",
)
CLOSERS = (
    "I would encourage any cancer team to apply.",
    "Please run it again next year.",
    "Thank you.",
    "Happy to talk more about this if it helps.",
    "More of the same, please, but with more time for data.",
    "If you need another volunteer next year, ring me on 07700 900{n:03d}.",
    "Sister {surname} on the ward deserves a special mention.",
    "It was worth every minute.",
)
SITES = ("lung", "breast", "colorectal", "urology", "skin", "haematology", "upper GI", "gynae")
WHO = ("lived experience partner", "project lead", "data analyst", "clinical nurse specialist")
SESSIONS = ("March", "April", "autumn", "first", "second", "final")


@dataclass(frozen=True)
class ExportLayout:
    """What the cohort's real export looks like: the layout the generated one copies."""

    path: Path
    headers: list[str]
    codec: str  # Python codec to write with
    line_end: str
    fields: dict[str, str]  # survey field -> header
    extra: dict[str, str]  # other header -> what it holds: name, email, started or copy
    date_format: str
    sample: pd.DataFrame  # the real export, as text
    mapping: SurveyMapping


def _header_key(header: str) -> str:
    return normalise(header).replace(" ", "")


def _column_kind(header: str, fld: str | None) -> str:
    """What a column that is not a survey field holds, judged by its field or its header."""
    key = fld or _header_key(header)
    if "mail" in key:
        return "email"
    if "name" in key:
        return "name"
    if "date" in key or "time" in key or "start" in key:
        return "started"
    return "copy"


def read_layout(cohort: Cohort, data_dir: Path = DATA) -> ExportLayout:
    """Find the cohort's real export as ``collab validate`` does, and describe its layout."""
    folder = cohort.raw_dir(data_dir)
    mapping = load_mapping(data_dir, folder)
    path = find_survey_file(folder, mapping)
    if path.suffix.lower() != ".csv":
        raise SystemExit(f"{cohort.cohort_id}'s survey export is not a CSV file: {path.name}")
    sample, source = read_table(path)
    lookup = mapping.header_lookup()
    field_of = {h: lookup.get(normalise(h)) for h in sample.columns}
    fields = {f: h for h, f in field_of.items() if f in SURVEY_COLUMNS}
    extra = {h: _column_kind(h, f) for h, f in field_of.items() if f not in SURVEY_COLUMNS}
    data = path.read_bytes()
    encoding = {"UTF-8 with BOM": "utf-8-sig", "Windows-1252": "cp1252"}.get(
        source.encoding or "", "utf-8"
    )
    date_format = mapping.date_format
    if not date_format:
        example = next((e for e in sample[fields["submitted_at"]] if e), "2021-04-12 14:05")
        sep = "T" if "T" in example else " "
        date_format = f"%Y-%m-%d{sep}%H:%M" + (":%S" if example.count(":") == 2 else "")
    return ExportLayout(
        path=path,
        headers=list(sample.columns),
        codec=encoding,
        line_end="\r\n" if b"\r\n" in data else "\n",
        fields=fields,
        extra=extra,
        date_format=date_format,
        sample=sample,
        mapping=mapping,
    )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


class ExportWriter:
    """Rows of a synthetic export in the layout of a real one (seeded, so deterministic)."""

    def __init__(self, layout: ExportLayout, teams: pd.DataFrame, cohort: Cohort, seed: int):
        self.layout = layout
        self.rng = random.Random(seed)
        self.end = datetime.combine(cohort.end_date, datetime.min.time()) + timedelta(
            hours=23, minutes=59
        )
        self.start = max(
            datetime.combine(cohort.start_date, datetime.min.time()),
            self.end - timedelta(days=SURVEY_WINDOW_DAYS),
        )
        self.team_names = teams["team_name"].tolist()
        self.team_ids = teams["team_id"].tolist()
        real_teams = layout.sample[layout.fields["team_id"]]
        self.team_by_name = bool(real_teams.isin(self.team_names).mean() >= 0.5)
        self.labels = {fld: self._label_choices(fld) for fld in VALUE_FIELDS}
        self.copied = {h: layout.sample[h].tolist() for h, k in layout.extra.items()}
        self.emails: set[str] = set()
        rating = {"1": 0.05, "2": 0.15, "3": 0.40, "4": 0.34, "": 0.02, None: 0.04}
        # Canonical value -> share of answers; None = a "not answered" label.
        self.weights: dict[str, dict[str | None, float]] = {
            "role": {
                "Project team member": 0.60,
                "Lived experience partner": 0.30,
                "Executive sponsor": 0.10,
            },
            "recommend": {"Yes": 0.89, "No": 0.07, "": 0.02, None: 0.02},
            "consent_to_quote": {"Yes": 0.64, "No": 0.31, "": 0.05},
            **{col: rating for col in RATING_COLUMNS},
        }

    def _label_choices(self, fld: str) -> dict[str, tuple[list[str], list[str]]]:
        """Value -> (labels the real export uses for it, the mapping's other labels for it)."""
        mapping = self.layout.mapping
        lookup = mapping.label_lookup(fld)
        set_name = "rating" if fld in RATING_COLUMNS else fld
        seen: dict[str, list[str]] = {}
        header = self.layout.fields.get(fld)
        if header is not None:
            for label in dict.fromkeys(self.layout.sample[header]):
                value = lookup.get(normalise(label))
                if value is not None:
                    seen.setdefault(value, []).append(label)
        choices = {}
        for value in VALUE_FIELDS[fld]:
            known = list(mapping.values.get(set_name, {}).get(value, ()))
            house = seen.get(value) or known[:1] or [value]
            others = [lab for lab in [*known, value] if lab not in house]
            choices[value] = (house, others)
        return choices

    def _answer(self, fld: str) -> str:
        weights = self.weights[fld]
        value = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        if value is None:
            return self.rng.choice(self.layout.mapping.not_answered or ("",))
        if value == "":
            return ""
        house, others = self.labels[fld][value]
        if others and self.rng.random() < 0.04:
            return self.rng.choice(others)
        return self.rng.choice(house)

    def _comment(self) -> str:
        rng = self.rng
        if rng.random() < 0.19:
            return ""
        parts = [rng.choice(OPENERS)] if rng.random() < 0.6 else []
        parts += rng.sample(BODIES, rng.choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6)))
        if rng.random() < 0.35:
            parts.append(rng.choice(CLOSERS))
        text = ("\n" if rng.random() < 0.05 else " ").join(parts)  # an in-cell line break
        if rng.random() < 0.08:  # typed in Word or Outlook first: curly apostrophes
            text = text.replace("'", "\u2019")
        return text.format(
            site=rng.choice(SITES),
            months=rng.randint(2, 18),
            n=rng.randint(2, 15),
            who=rng.choice(WHO),
            session=rng.choice(SESSIONS),
            surname=rng.choice(SURNAMES),
        )

    def _person(self) -> tuple[str, str]:
        """A name and an e-mail address no other respondent has."""
        rng = self.rng
        if rng.random() < 0.03:
            return rng.choice(("Anonymous", "", "N/A")), ""
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        local = _ascii(f"{first}.{last}").lower().replace(" ", ".").replace("'", "")
        domain = rng.choice(EMAIL_DOMAINS)
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return f"{first} {last}", email

    def _team(self) -> str:
        i = self.rng.randrange(len(self.team_ids))
        by_name = self.team_by_name != (self.rng.random() < 0.03)
        return str((self.team_names if by_name else self.team_ids)[i])

    def record(self, ended: datetime) -> dict[str, str]:
        """One respondent's answers, keyed by survey field and by the other columns' headers."""
        rec = {fld: self._answer(fld) for fld in VALUE_FIELDS}
        rec["team_id"] = self._team()
        rec["comment"] = self._comment()
        rec["submitted_at"] = ended.strftime(self.layout.date_format)
        started = ended - timedelta(minutes=self.rng.randint(1, 40))
        name, email = self._person()
        made = {"name": name, "email": email, "started": started.strftime(self.layout.date_format)}
        for header, kind in self.layout.extra.items():
            rec[header] = made[kind] if kind in made else self.rng.choice(self.copied[header])
        return rec

    def test_record(self, ended: datetime) -> dict[str, str]:
        rec = self.record(ended)
        marker = self.rng.choice(self.layout.mapping.test_markers or ("test",))
        kinds = self.layout.extra.items()
        options = ["comment", "team_id", *[h for h, k in kinds if k == "name"]]
        rec[self.rng.choice(options)] = marker.upper() if self.rng.random() < 0.3 else marker
        rec.update({h: "test@test.com" for h, k in kinds if k == "email"})
        return rec

    def row(self, rec: dict[str, str], response_id: str) -> list[str]:
        cells = {h: rec.get(f, "") for f, h in self.layout.fields.items()}
        cells[self.layout.fields["response_id"]] = response_id
        cells.update({h: rec.get(h, "") for h in self.layout.extra})
        return [cells[h] for h in self.layout.headers]

    def ids(self, count: int) -> list[str]:
        """Unique, increasing response ids in the style of the real export's first id."""
        first = str(self.layout.sample[self.layout.fields["response_id"]].iloc[0])
        prefix = first.rstrip("0123456789")
        digits = first[len(prefix) :]
        number, width = int(digits or 0), max(len(digits), 6)
        ids = []
        for _ in range(count):
            ids.append(f"{prefix}{number:0{width}d}")
            number += self.rng.randint(1, 60)
        return ids

    def rows(self, total: int) -> list[list[str]]:
        """``total`` data rows: respondents, repeats, tests and blanks, in submission order."""
        rng = self.rng
        real = total - BLANK_ROWS - TEST_ROWS - DUPLICATE_ROWS - RESUBMISSIONS
        span = int((self.end - self.start).total_seconds() // 60)
        ids = self.ids(real + TEST_ROWS + RESUBMISSIONS)
        when = [self.start + timedelta(minutes=m) for m in sorted(rng.randrange(span) for _ in ids)]
        rows: list[tuple[datetime, int, list[str]]] = []
        records = []
        for i in range(real):
            records.append(self.record(when[i]))
            rows.append((when[i], len(rows), self.row(records[i], ids[i])))
        # An edited response exported again under the same id, later (the first at the same
        # minute, so the lower row wins the tie).
        for k, i in enumerate(sorted(rng.sample(range(real // 2), DUPLICATE_ROWS))):
            later = min(
                when[i] + timedelta(minutes=0 if k == 0 else rng.randint(5, 3000)), self.end
            )
            edited = dict(records[i], **{col: self._answer(col) for col in RATING_COLUMNS})
            edited["submitted_at"] = later.strftime(self.layout.date_format)
            rows.append((later, len(rows), self.row(edited, ids[i])))
        # The same person (the same e-mail) answering again, under a new response id.
        emails = [h for h, k in self.layout.extra.items() if k == "email"]
        known = [i for i in range(real // 2) if all(records[i][h] for h in emails)]
        for j, i in enumerate(sorted(rng.sample(known, RESUBMISSIONS))):
            later = min(when[i] + timedelta(days=rng.randint(1, 20)), self.end)
            again = dict(self.record(later), **{h: records[i][h] for h in self.layout.extra})
            again["submitted_at"] = later.strftime(self.layout.date_format)
            rows.append((later, len(rows), self.row(again, ids[real + TEST_ROWS + j])))
        for j in range(TEST_ROWS):
            ended = self.start + timedelta(minutes=rng.randrange(span))
            rows.append((ended, len(rows), self.row(self.test_record(ended), ids[real + j])))
        rows.sort(key=lambda r: (r[0], r[1]))
        body = [row for _, _, row in rows]
        for _ in range(BLANK_ROWS):
            body.insert(rng.randrange(1, len(body)), [""] * len(self.layout.headers))
        return body


@dataclass(frozen=True)
class ExportInfo:
    path: Path
    size: int
    rows: int


def build_data_folder(dest: Path, cohort_id: str, rows: int, seed: int) -> ExportInfo:
    """A data folder that ``collab validate`` accepts: one cohort, with a large export."""
    cohort = get_cohort(cohort_id, DATA)
    layout = read_layout(cohort)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("survey_mapping.toml", "disclosure.toml", "NOTICE.txt"):
        if (DATA / name).is_file():
            shutil.copy2(DATA / name, dest / name)
    if (DATA / "cpes").is_dir():
        shutil.copytree(DATA / "cpes", dest / "cpes", dirs_exist_ok=True)
    with (DATA / "cohorts.csv").open(newline="", encoding="utf-8-sig") as src:
        registry = list(csv.reader(src))
    with (dest / "cohorts.csv").open("w", newline="", encoding="utf-8") as out:
        kept = [registry[0], *[r for r in registry[1:] if r and r[0] == cohort_id]]
        csv.writer(out, lineterminator="\n").writerows(kept)
    folder = dest / "raw" / cohort_id
    shutil.copytree(
        cohort.raw_dir(DATA), folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*")
    )
    writer = ExportWriter(layout, load_teams(folder / TEAMS_FILE), cohort, seed)
    target = folder / layout.path.name
    with target.open("w", newline="", encoding=layout.codec) as out:
        sink = csv.writer(out, lineterminator=layout.line_end)
        sink.writerow(layout.headers)
        sink.writerows(writer.rows(rows))
    return ExportInfo(target, target.stat().st_size, rows)


# --------------------------------------------------------------------------------------------
# The command, timed
# --------------------------------------------------------------------------------------------

#: Runs in a fresh wrapper process: runs the command and reports its wall time and its peak
#: resident memory (the wrapper's only child, so ru_maxrss of its children is the command's).
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "maxrss_kb": peak, "status": done.returncode,
                  "stdout": done.stdout, "stderr": done.stderr}))
"""


@dataclass(frozen=True)
class CommandRun:
    wall: float
    peak_mb: float
    status: int
    stdout: str
    stderr: str


def validate_command(data_dir: Path) -> list[str]:
    exe = Path(sys.executable).with_name("collab")
    collab = [str(exe)] if exe.is_file() else [sys.executable, "-m", "collablib.cli"]
    return [*collab, "--data-dir", str(data_dir), "validate"]


def run_validate(data_dir: Path) -> CommandRun:
    wrapper = [sys.executable, "-c", _WRAPPER, *validate_command(data_dir)]
    rec = json.loads(subprocess.run(wrapper, capture_output=True, text=True, check=True).stdout)
    return CommandRun(
        rec["wall"], rec["maxrss_kb"] / 1024, rec["status"], rec["stdout"], rec["stderr"]
    )


def import_seconds() -> float:
    """Wall time to import what ``collab validate`` imports, in a fresh process."""
    code = (
        "import time; t = time.perf_counter(); import collablib.cli, collablib.data.loaders; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


# --------------------------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------------------------


def run_collab_validate(data_dir: Path) -> tuple[int, str]:
    """``collablib.cli.main(["--data-dir", data_dir, "validate"])``: exit status and output."""
    from collablib.cli import main as collab_main

    out = io.StringIO()
    with redirect_stdout(out):
        status = collab_main(["--data-dir", str(data_dir), "validate"])
    return status, out.getvalue().strip()


def _where(key: tuple[str, int, str]) -> str:
    file, line, name = key
    if file == "~":
        return name
    path = Path(file)
    if path.is_relative_to(PROJECT_ROOT):
        return f"{path.relative_to(PROJECT_ROOT)}:{line}({name})"
    parts = path.parts
    if "site-packages" in parts:
        path = Path(*parts[parts.index("site-packages") + 1 :])
    return f"{path}:{line}({name})"


def print_profile(data_dir: Path, limit: int) -> None:
    """cProfile of ``collab validate`` in this process: top functions, two orders."""
    profiler = cProfile.Profile()
    status, output = profiler.runcall(run_collab_validate, data_dir)
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(v[3] for v in stats.values())
    print(f"exit status {status}: {output}; {total:.2f} s under cProfile (which slows Python)")
    for title, index in (("cumulative", 3), ("own (total)", 2)):
        print(f"\nTop {limit} functions by {title} time:")
        print(f"{'calls':>10} {'own s':>8} {'cum s':>8}  function")
        for key, (_, calls, own, cum, _) in sorted(
            stats.items(), key=lambda kv: kv[1][index], reverse=True
        )[:limit]:
            print(f"{calls:>10} {own:>8.3f} {cum:>8.3f}  {_where(key)}")


def profile(data_dir: Path, top: int) -> int:
    """cProfile of ``collab validate`` on ``data_dir``, in this (fresh) process."""
    print(f"=== cProfile of collab validate on {data_dir} ===")
    print_profile(data_dir, top)
    return 0


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Prints the results; nothing is asserted. See the module docstring.",
    )
    parser.add_argument("--keep", metavar="DIR", help="build the data folder in DIR and keep it")
    parser.add_argument(
        "--cohort", default="cohort-1", help="the cohort whose export is copied (%(default)s)"
    )
    parser.add_argument("--rows", type=int, default=ROWS, help="data rows (%(default)s)")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (%(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (%(default)s)")
    parser.add_argument("--top", type=int, default=25, help="cProfile rows (%(default)s)")
    parser.add_argument(
        "--no-profile", action="store_true", help="time the command only, skip the profile"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="only profile collab validate on the data folder DIR (built with --keep); the "
        "script runs this in a fresh process after timing",
    )
    args = parser.parse_args(argv)
    least = BLANK_ROWS + TEST_ROWS + 2 * (DUPLICATE_ROWS + RESUBMISSIONS) + 2
    if args.rows < least:
        parser.error(f"--rows must be at least {least}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def run(args: argparse.Namespace, data_dir: Path) -> int:
    start = time.perf_counter()
    info = build_data_folder(data_dir, args.cohort, args.rows, args.seed)
    print(
        f"Generated in {time.perf_counter() - start:.1f} s: {info.path}\n"
        f"  {info.size:,} bytes ({info.size / 1e6:.1f} MB), {info.rows:,} data rows "
        f"({BLANK_ROWS} blank, {TEST_ROWS} test submissions, {DUPLICATE_ROWS} repeated response "
        f"ids, {RESUBMISSIONS} resubmissions by one person)\n"
    )
    print(f"Timing: {' '.join(validate_command(data_dir))}")
    runs = []
    for i in range(args.runs):
        done = run_validate(data_dir)
        runs.append(done)
        print(
            f"  run {i + 1}: {done.wall:.2f} s, peak RSS {done.peak_mb:.0f} MB, exit {done.status}"
        )
        if done.status != 0:
            print(f"collab validate failed (exit {done.status}):\n{done.stderr}", file=sys.stderr)
            return 1
    print(f"  output: {runs[0].stdout.strip()}")
    print(
        f"Median wall time {statistics.median(r.wall for r in runs):.2f} s; peak resident memory "
        f"{max(r.peak_mb for r in runs):.0f} MB (median "
        f"{statistics.median(r.peak_mb for r in runs):.0f} MB); file {info.size / 1e6:.1f} MB, "
        f"{info.rows:,} data rows."
    )
    print(f"Importing collab validate's modules in a fresh process: {import_seconds():.2f} s\n")
    if args.no_profile:
        return 0
    sys.stdout.flush()
    child = [sys.executable, __file__, "--profile", str(data_dir), "--cohort", args.cohort]
    return subprocess.run([*child, "--top", str(args.top)], check=False).returncode


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        return profile(Path(args.profile).resolve(), args.top)
    print(
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, {os.cpu_count()} CPUs, "
        f"{date.today().isoformat()}\n"
    )
    if args.keep:
        keep = Path(args.keep).resolve()
        if keep.exists() and any(keep.iterdir()):
            raise SystemExit(f"--keep {keep}: the folder exists and is not empty")
        return run(args, keep)
    with tempfile.TemporaryDirectory(prefix="collab-large-export-") as tmp:
        return run(args, Path(tmp) / "data")


if __name__ == "__main__":
    sys.exit(main())
