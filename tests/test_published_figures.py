"""Back test: the demo data reproduce NHS England's published 2020/21 summary.

Published record (../shared/seed): 23 project teams across the two 2020/21
collaboratives; 100% of respondents would recommend taking part; ratings of
3 or 4 for team working 81%, patient/carer experience 93% and staff
experience 89%. Figures are whole percents with halves rounded up.
"""

import json
import subprocess
import sys
from pathlib import Path

from collablib.cli import main
from collablib.report.formatting import round_half_up

PUBLISHED = {
    "teams": 23,
    "recommend": 100,
    "team_working": 81,
    "patient_carer_experience": 93,
    "staff_experience": 89,
}


def collab(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("collab")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


def summary_json(capsys, *args: str) -> dict:
    """``collab summary ... --json`` run in this process (the back test above runs the
    command itself): the same ``main``, without a process's imports and reads each time."""
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_collab_summary_reproduces_the_published_2020_21_figures(demo_data):
    proc = collab("--data-dir", str(demo_data), "summary", "--programme-year", "2020/21", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["teams"] == PUBLISHED["teams"]
    assert round_half_up(result["recommend"]["pct"]) == PUBLISHED["recommend"]
    for item in ("team_working", "patient_carer_experience", "staff_experience"):
        assert round_half_up(result["items"][item]["pct"]) == PUBLISHED[item], item
    # the published statement "no denominator below 27 yields all three"
    assert result["respondents"] >= 27
    assert sorted(result["scope"]["cohorts"]) == ["cohort-2", "rare-cancers"]


def test_json_keys_are_the_documented_contract(demo_data, capsys):
    result = summary_json(capsys, "--data-dir", str(demo_data), "summary", "--cohort", "cohort-2")
    assert {"teams", "respondents", "recommend", "items"} <= set(result)
    assert set(result["recommend"]) >= {"n", "yes", "pct"}
    assert set(result["items"]) == {"team_working", "patient_carer_experience", "staff_experience"}
    for values in result["items"].values():
        assert set(values) >= {"n", "positive", "pct", "ci_low", "ci_high"}
        assert 0 <= values["ci_low"] <= values["pct"] <= values["ci_high"] <= 100


def test_other_cohorts_differ_from_the_published_figures_and_each_other(demo_data, capsys):
    figures = {}
    for cohort in ("cohort-1", "cohort-3"):
        result = summary_json(capsys, "--data-dir", str(demo_data), "summary", "--cohort", cohort)
        figures[cohort] = tuple(
            round_half_up(result["items"][i]["pct"])
            for i in ("team_working", "patient_carer_experience", "staff_experience")
        )
    published = (81, 93, 89)
    assert figures["cohort-1"] != published
    assert figures["cohort-3"] != published
    assert figures["cohort-1"] != figures["cohort-3"]
