import shutil

import pandas as pd

from collablib.build import provenance
from collablib.data import inputs


def test_provenance_lists_every_input_with_its_sha256(demo_data):
    facts = provenance.collect("cohort-2", demo_data)
    files = [row["file"] for row in facts["inputs"]]
    # The registry is represented by the cohort's own row only: adding another cohort to
    # cohorts.csv must not change this report.
    assert "cohorts.csv (row cohort-2)" in files and "cohorts.csv" not in files
    assert "raw/cohort-2/teams.csv" in files
    assert any(f.endswith(".xlsx") for f in files)
    assert all(len(row["sha256"]) == 64 for row in facts["inputs"])
    assert facts["versions"]["pandas"] == pd.__version__
    assert provenance.collect("cohort-2", demo_data) == facts  # no clock, no randomness
    assert provenance.to_json(facts) == provenance.to_json(dict(reversed(list(facts.items()))))


def test_input_hashes_are_of_the_bytes_read_not_of_the_file_now(data_copy):
    """The provenance of a build names the bytes it read, even if the file changed since."""
    from collablib.data.inputs import InputLog
    from collablib.data.loaders import load_cohort

    log = InputLog()
    teams = data_copy / "raw" / "cohort-2" / "teams.csv"
    before = inputs.sha256_file(teams)
    inputs.INPUT_LOG.clear()
    load_cohort("cohort-2", data_copy)
    teams.write_text(teams.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    facts = provenance.collect("cohort-2", data_copy)
    row = next(r for r in facts["inputs"] if r["file"] == "raw/cohort-2/teams.csv")
    assert row["sha256"] == before != inputs.sha256_file(teams)
    # A file nothing had read is read (and recorded) when the facts are collected.
    assert inputs.input_hash(teams, log) == inputs.sha256_file(teams) == log.get(teams)


def test_git_state_notes_data_outside_the_repository(tmp_path):
    outside = tmp_path / "file.csv"
    outside.write_text("x", encoding="utf-8")
    state = provenance.git_state([outside])
    assert state["note"] in ("the data folder is outside the git repository", "not a git checkout")


def test_data_as_of_is_the_latest_date_in_the_data():
    survey = pd.Series(pd.to_datetime(["2021-04-03 10:00", "2021-04-20 09:00"]))
    periods = pd.Series(pd.to_datetime(["2021-09-01"]))
    assert provenance.data_as_of(survey, periods) == "2021-09-01"
    assert provenance.data_as_of([], []) is None


def test_code_digest_changes_with_the_source(monkeypatch, tmp_path):
    # On a copy of the source: a probe file in the real tree would change the code hash
    # of every build that other test workers run meanwhile.
    shutil.copytree(
        provenance.PROJECT_ROOT / "collablib",
        tmp_path / "collablib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.setattr(provenance, "PROJECT_ROOT", tmp_path)
    first = provenance.code_digest()
    extra = tmp_path / "collablib" / "survey" / "resources" / "_probe.txt"
    extra.write_text("probe", encoding="utf-8")
    assert provenance.code_digest() != first
    extra.unlink()
    assert provenance.code_digest() == first
