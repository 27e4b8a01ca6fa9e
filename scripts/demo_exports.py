"""Write the demo surveys as the exports survey tools really produce (authoring tool).

Each cohort gets a different, realistic export so that the import path is
exercised end to end:

- ``cohort-1``: a SmartSurvey-style CSV saved by Excel in Windows-1252, with
  UK dates and respondents' (accented) names and e-mails;
- ``cohort-2``: a Microsoft Forms XLSX workbook with answer labels, an edited
  response exported twice under the same ID, and a test submission;
- ``rare-cancers``: a UTF-8-with-BOM CSV worded as agree/disagree statements
  (the cohort's own ``survey_mapping.toml`` maps its headers), with " yes "/"Y"
  answers and "Don't know";
- ``cohort-3``: a Google Forms sheet downloaded as CSV: no response-id column, UK
  times (the cohort's own ``survey_mapping.toml``), numeric answers, blank rows and
  a test row.

Every export cleans back to exactly the canonical rows, so the headline
figures do not change.
"""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

ITEMS = ("team_working", "patient_carer_experience", "staff_experience")

RATING_LABELS = {
    1: "1 - Not improved",
    2: "2 - Slightly improved",
    3: "3 - Improved",
    4: "4 - Greatly improved",
}
AGREE_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}
ROLE_LABELS = {
    "Project team member": ["Project team member", "Team member", "Clinical team member"],
    "Lived experience partner": [
        "Lived experience partner",
        "Patient partner",
        "Carer partner",
        "Lived experience partner (patient or carer)",
    ],
    "Executive sponsor": ["Executive sponsor", "Exec sponsor"],
}

# Respondent names for the exports that record them. Invented; accented on purpose.
ACCENTED_NAMES = [
    "Zoë Hartley",
    "Siân Pritchard",
    "José Álvarez",
    "Chloé Martin",
    "Anaïs Dubois",
    "Renée O'Connor",
    "Björn Lindqvist",
    "Noël Fontaine",
    "Inés García",
    "Ciarán Ó Briain",
    "Mégane Leroy",
    "Søren Madsen",
    "Zoë Patel",
    "Raphaël Nguyen",
    "Aoife Ní Bhriain",
    "Françoise Hale",
    "Jürgen Weiss",
    "Léa Bernard",
    "Niamh Ó Súilleabháin",
    "Hélène Marsh",
    "Dóra Kiss",
    "André Silva",
    "Céline Walker",
    "Núria Puig",
    "Eloïse Grant",
    "Tomás Byrne",
    "Maëlle Roux",
    "Göran Berg",
    "Bríd Kelly",
    "Émile Carter",
    "Ana Sofía Ruiz",
    "Agnès Morel",
]
PLAIN_NAMES = [
    "Sarah Jones",
    "Amir Khan",
    "Helen Brooks",
    "David Owen",
    "Priya Shah",
    "Claire Dunn",
    "Tom Fletcher",
    "Fatima Begum",
    "Gareth Lewis",
    "Emma Reid",
    "Chidi Okeke",
    "Rachel Moss",
    "Hannah Wood",
    "Yusuf Ali",
    "Laura Price",
    "Mark Ellis",
    "Jenny Hall",
    "Sean Murphy",
    "Nadia Rahman",
    "Owen Price",
    "Beth Harding",
    "Imran Hussain",
    "Kate Walsh",
    "Ian Marsh",
    "Lucy Grant",
    "Ben Carter",
    "Ayesha Malik",
    "Gemma Fox",
    "Paul Reeve",
    "Joanne Tait",
    "Megan Lloyd",
    "Ali Haider",
    "Sophie Kerr",
    "Dean Wright",
    "Zara Iqbal",
    "Philip Moore",
    "Rhiannon Jenkins",
    "Nigel Cross",
    "Deepa Nair",
    "Ruth Allen",
]


def _email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".").replace("'", "") + "@example.nhs.uk"


def _blank_or(label: str, rng: random.Random, not_answered: str) -> str:
    return not_answered if rng.random() < 0.5 else ""


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _earlier_copy(row: dict, rng: random.Random) -> dict:
    """An earlier submission of the same response, with some answers since changed."""
    copy = dict(row)
    copy["submitted_at"] = (
        datetime.fromisoformat(row["submitted_at"]) - timedelta(minutes=rng.randint(20, 600))
    ).strftime("%Y-%m-%d %H:%M")
    for item in ITEMS:
        if copy[item]:
            copy[item] = str(max(1, int(copy[item]) - 1))
    copy["comment"] = ""
    return copy


def cohort_1(folder: Path, teams: list[dict], rows: list[dict], rng: random.Random) -> Path:
    """SmartSurvey-style CSV, Windows-1252, UK dates, names and e-mails, one test row."""
    names = rng.sample(ACCENTED_NAMES, len(rows))
    team_name = {t["team_id"]: t["team_name"] for t in teams}
    header = [
        "Response ID",
        "Date started",
        "Date ended",
        "Respondent name",
        "Email address",
        "Which project team were you part of?",
        "What was your role in the project team?",
        "How much has taking part improved your ability to work as a team?",
        "How much has taking part improved patient and carer experience of cancer care?",
        "How much has taking part improved staff experience of delivering cancer care?",
        "Would you recommend taking part in the collaborative to others?",
        "Any other comments",
        "May we quote your comments anonymously in reports?",
    ]

    def line(row: dict, name: str, rid: str) -> list[str]:
        ended = datetime.fromisoformat(row["submitted_at"])
        started = ended - timedelta(minutes=rng.randint(3, 25))
        return [
            rid,
            started.strftime("%d/%m/%Y %H:%M"),
            ended.strftime("%d/%m/%Y %H:%M"),
            name,
            _email(name),
            team_name[row["team_id"]],
            rng.choice(ROLE_LABELS[row["role"]]),
            *[
                RATING_LABELS[int(row[i])] if row[i] else _blank_or(i, rng, "Prefer not to say")
                for i in ITEMS
            ],
            row["recommend"],
            row["comment"],
            "Yes, you may quote me anonymously"
            if row["consent_to_quote"] == "Yes"
            else "No, please do not quote me",
        ]

    ids = [str(84211000 + 37 * k) for k in range(len(rows))]
    body = [line(r, n, i) for r, n, i in zip(rows, names, ids, strict=True)]
    test = [
        "84210990",
        "28/03/2020 16:02",
        "28/03/2020 16:03",
        "Test",
        "test@test.com",
        team_name[rows[0]["team_id"]],
        "Team member",
        "3 - Improved",
        "3 - Improved",
        "3 - Improved",
        "Yes",
        "test please ignore",
        "No, please do not quote me",
    ]
    body.insert(0, test)
    body.insert(rng.randrange(5, len(body)), [""] * len(header))
    path = folder / "Cohort 1 final survey - SmartSurvey export.csv"
    path.write_bytes(_csv_text(header, body).encode("cp1252"))
    return path


def cohort_2(folder: Path, teams: list[dict], rows: list[dict], rng: random.Random) -> Path:
    """Microsoft Forms-style XLSX with an edited (duplicated) response and a test row."""
    import openpyxl

    names = rng.sample(PLAIN_NAMES, len(rows))
    team_name = {t["team_id"]: t["team_name"] for t in teams}
    header = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Which project team are you part of?",
        "Which best describes your role in the project team?",
        "How much has taking part improved your ability to work as a team?",
        "How much has taking part improved patient and carer experience of cancer care?",
        "How much has taking part improved staff experience of delivering cancer care?",
        "Would you recommend taking part in the collaborative to others?",
        "Is there anything else you would like to tell us about the collaborative?",
        "May we quote your comments anonymously in reports?",
    ]

    def line(row: dict, rid: int, name: str | None) -> list:
        ended = datetime.fromisoformat(row["submitted_at"])
        return [
            rid,
            ended - timedelta(minutes=rng.randint(3, 25)),
            ended,
            _email(name) if name else "anonymous",
            name or "",
            team_name[row["team_id"]],
            rng.choice(ROLE_LABELS[row["role"]]),
            *[RATING_LABELS[int(row[i])] if row[i] else "" for i in ITEMS],
            row["recommend"],
            row["comment"],
            row["consent_to_quote"],
        ]

    body: list[list] = []
    for k, row in enumerate(rows, start=1):
        named = rng.random() < 0.7
        body.append(line(row, k, names[k - 1] if named else None))
    # An edited response: Forms keeps the ID; the earlier version was exported too.
    edited = rng.randrange(len(rows))
    body.insert(edited, line(_earlier_copy(rows[edited], rng), edited + 1, names[edited]))
    test_time = datetime(2021, 3, 29, 9, 12)
    body.insert(
        0,
        [
            0,
            test_time,
            test_time + timedelta(minutes=2),
            "test@test.com",
            "Test User",
            "TEST",
            "Team member",
            "4 - Greatly improved",
            "4 - Greatly improved",
            "4 - Greatly improved",
            "Yes",
            "Testing the form",
            "No",
        ],
    )
    body.insert(rng.randrange(10, len(body)), [None] * len(header))

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(header)
    for values in body:
        sheet.append(values)
    for cell in sheet["B"][1:] + sheet["C"][1:]:
        cell.number_format = "dd/mm/yyyy hh:mm"
    fixed = datetime(2021, 4, 28, 9, 0)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "Microsoft Forms"
    path = folder / "Cohort 2 final survey (Microsoft Forms).xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_zip_times(buffer.getvalue()))
    return path


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip (XLSX) with fixed entry times, so regenerating gives identical bytes."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2021, 4, 28, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-04-28T09:00:00Z", content
                )
            target.writestr(fixed, content)
    return out.getvalue()


def rare_cancers(folder: Path, teams: list[dict], rows: list[dict], rng: random.Random) -> Path:
    """UTF-8-with-BOM CSV with agree/disagree statements and loose yes/no answers."""
    team_name = {t["team_id"]: t["team_name"] for t in teams}
    header = [
        "Response number",
        "Submitted",
        "Project team",
        "Your role",
        "Taking part improved how our project team works together",
        "Taking part improved the experience of care for patients and carers",
        "Taking part improved the experience of staff delivering care",
        "I would recommend the collaborative to others",
        "Comments",
        "Consent to quote",
    ]
    yes_forms = ["Yes", " yes ", "Y", "YES", "yes"]
    body = []
    for k, row in enumerate(rows, start=1):
        body.append(
            [
                f"RC-{k:03d}",
                row["submitted_at"].replace(" ", "T") + ":00",
                team_name[row["team_id"]] if rng.random() < 0.5 else row["team_id"],
                rng.choice(ROLE_LABELS[row["role"]]),
                *[
                    AGREE_LABELS[int(row[i])] if row[i] else _blank_or(i, rng, "Don't know")
                    for i in ITEMS
                ],
                rng.choice(yes_forms) if row["recommend"] == "Yes" else row["recommend"],
                row["comment"],
                "Y" if row["consent_to_quote"] == "Yes" else "N",
            ]
        )
    path = folder / "rare_cancers_final_survey_export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text(header, body).encode("utf-8"))
    return path


#: Cohort 3's own mapping: the Google Sheet's UK locale writes times day first.
COHORT_3_MAPPING = """\
# Cohort 3 ran its survey in Google Forms and downloaded the linked Google Sheet as CSV, exactly
# as it came: no response-id column (collab numbers responses by time and row) and no e-mail
# column (the form did not collect them). The sheet's locale is UK, so times are day first.
[survey]
date_format = "%d/%m/%Y %H:%M:%S"
"""


def cohort_3(folder: Path, teams: list[dict], rows: list[dict], rng: random.Random) -> Path:
    """A Google Forms sheet as downloaded: no response id, UK times, numeric answers.

    Also blank rows and a test submission. The form collected no e-mails, so
    resubmissions cannot be checked, which the report says.
    """
    header = [
        "Timestamp",
        "Which project team are you part of?",
        "Which best describes your role in the project team?",
        "How much has taking part improved your ability to work as a team?",
        "How much has taking part improved patient and carer experience of cancer care?",
        "How much has taking part improved staff experience of delivering cancer care?",
        "Would you recommend taking part in the collaborative to others?",
        "Is there anything else you would like to tell us about the collaborative?",
        "May we quote your comments anonymously in reports?",
    ]
    names = {t["team_id"]: t["team_name"] for t in teams}

    def uk_time(iso: str) -> str:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M:%S")

    body = []
    for row in rows:
        body.append(
            [
                uk_time(row["submitted_at"] + f":{rng.randint(0, 59):02d}"),
                names[row["team_id"]],
                row["role"],
                *[row[i] or _blank_or(i, rng, "Prefer not to say") for i in ITEMS],
                row["recommend"],
                row["comment"],
                row["consent_to_quote"],
            ]
        )
    body.insert(3, [""] * len(header))
    body.insert(len(body) - 4, [""] * len(header))
    body.insert(
        0,
        ["01/04/2022 08:55:02", "test", "Role", "4", "4", "4", "Yes", "test submission", "No"],
    )
    (folder / "survey_mapping.toml").write_text(COHORT_3_MAPPING, encoding="utf-8")
    path = folder / "Cohort 3 final survey (Responses) - Form responses 1.csv"
    path.write_text(_csv_text(header, body), encoding="utf-8", newline="")
    return path


WRITERS = {
    "cohort-1": cohort_1,
    "cohort-2": cohort_2,
    "rare-cancers": rare_cancers,
    "cohort-3": cohort_3,
}
