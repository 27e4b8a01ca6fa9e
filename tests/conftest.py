"""Shared fixtures: the bundled demo data, and writable copies of it for corruption tests."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from collablib.paths import PROJECT_ROOT

DEMO_DATA = PROJECT_ROOT / "data"


@pytest.fixture(scope="session")
def demo_data() -> Path:
    """The committed demo data folder (read only: tests must not modify it)."""
    return DEMO_DATA


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo data folder."""
    target = tmp_path / "data"
    shutil.copytree(DEMO_DATA, target)
    return target


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]], fieldnames: list[str] | None = None) -> None:
    fieldnames = fieldnames or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_survey(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A typed survey table, as :func:`collablib.loaders.load_survey` returns, from short rows.

    Missing keys get defaults; ratings use ``None`` for not answered.
    """
    defaults: dict[str, object] = {
        "response_id": None,
        "submitted_at": pd.Timestamp("2021-04-01 10:00"),
        "team_id": "T1",
        "role": "Project team member",
        "recommend": "Yes",
        "team_working": None,
        "patient_carer_experience": None,
        "staff_experience": None,
        "comment": "",
        "consent_to_quote": "No",
    }
    records = []
    for i, row in enumerate(rows, start=1):
        rec = {**defaults, **row}
        rec["response_id"] = rec["response_id"] or f"R{i:03d}"
        records.append(rec)
    frame = pd.DataFrame(records, columns=list(defaults))
    for col in ("team_working", "patient_carer_experience", "staff_experience"):
        frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    for col in ("response_id", "team_id", "role", "recommend", "comment", "consent_to_quote"):
        frame[col] = frame[col].astype("string")
    return frame


def make_teams(team_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": pd.array(team_ids, dtype="string"),
            "team_name": pd.array([f"Team {t}" for t in team_ids], dtype="string"),
            "organisation": pd.array(["Org"] * len(team_ids), dtype="string"),
            "cancer_alliance": pd.array(["Alliance"] * len(team_ids), dtype="string"),
            "region": pd.array(["London"] * len(team_ids), dtype="string"),
            "tumour_group": pd.array(["Lung"] * len(team_ids), dtype="string"),
            "project_title": pd.array(["Project"] * len(team_ids), dtype="string"),
        }
    )
