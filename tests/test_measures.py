"""Loading and validating measures.csv and changes.csv."""

from __future__ import annotations

import pandas as pd
import pytest

from collablib.data.loaders import load_cohort
from collablib.data.measures import complete_periods, load_measures
from collablib.errors import CollabError
from tests.conftest import read_rows, write_rows

HEADER = [
    "team_id",
    "measure_id",
    "measure_name",
    "period",
    "value",
    "numerator",
    "denominator",
    "unit",
    "improvement_direction",
    "target",
]


def measures_path(data, cohort="cohort-2"):
    return data / "raw" / cohort / "measures.csv"


def edit(data, index, **changes):
    rows = read_rows(measures_path(data))
    rows[index].update(changes)
    write_rows(measures_path(data), rows)
    return index + 2  # spreadsheet row


def test_demo_measures_load_typed_with_gaps_filled(demo_data):
    data = load_cohort("cohort-2", demo_data).measures
    m = data.measures
    assert {
        "team_id",
        "measure_id",
        "period",
        "value",
        "is_proportion",
        "primary",
        "missing",
    } <= set(m.columns)
    assert pd.api.types.is_datetime64_any_dtype(m["period"])
    props = m[m["is_proportion"] & ~m["missing"]]
    assert (props["value"] == props["numerator"] / props["denominator"]).all()
    # every team has exactly one primary measure
    assert m.groupby("team_id")["primary"].any().all()
    assert (m[m["primary"]].groupby("team_id")["measure_id"].nunique() == 1).all()
    # the team with missing months: two absent months added back, one blank row kept
    gaps = m[m["missing"]]
    assert len(gaps) == 3 and gaps["row"].isna().sum() == 2
    assert data.changes["rebase"].dtype == bool and data.changes["rebase"].any()


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"value": "twelve", "numerator": "", "denominator": ""}, "value", "a number"),
        ({"numerator": "0", "denominator": "0"}, "denominator", "the denominator is zero"),
        ({"numerator": "99", "denominator": "40"}, "numerator", "larger than its denominator"),
        ({"improvement_direction": "up"}, "improvement_direction", "increase, decrease or neutral"),
        ({"period": "2021-13-01"}, "period", "YYYY-MM-DD"),
        ({"numerator": "4.5"}, "numerator", "whole number"),
        ({"team_id": "C2-99"}, "team_id", "teams.csv"),
        ({"denominator": ""}, "denominator", "numerator needs a denominator"),
        ({"value": "55"}, "value", "value and counts in the same row"),
        ({"unit": "percent"}, "unit", "unit differs from the first row"),
    ],
)
def test_bad_measure_rows_are_named(data_copy, change, column, fragment):
    row = edit(data_copy, 5, **change)
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    err = info.value
    assert err.file.endswith("measures.csv")
    assert err.row == row and err.column == column
    assert fragment in str(err)


def test_duplicate_periods_are_an_error(data_copy):
    rows = read_rows(measures_path(data_copy))
    rows.insert(6, dict(rows[5]))
    write_rows(measures_path(data_copy), rows)
    with pytest.raises(CollabError, match="duplicate period") as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.row == 8 and info.value.column == "period"


def test_a_measure_mixing_values_and_counts_is_an_error(data_copy):
    row = edit(data_copy, 3, value="0.5", numerator="", denominator="")
    with pytest.raises(CollabError, match="mixes values and counts") as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.row == row


def test_changes_must_refer_to_a_known_measure(data_copy):
    path = data_copy / "raw" / "cohort-2" / "changes.csv"
    rows = read_rows(path)
    rows[0]["measure_id"] = "no_such_measure"
    write_rows(path, rows)
    with pytest.raises(CollabError, match="no such measure") as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.row == 2 and info.value.file.endswith("changes.csv")


def test_rebase_must_be_yes_or_no(data_copy):
    path = data_copy / "raw" / "cohort-2" / "changes.csv"
    rows = read_rows(path)
    rows[1]["rebase"] = "maybe"
    write_rows(path, rows)
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.column == "rebase" and info.value.value == "maybe"


def test_measures_are_optional(data_copy):
    folder = data_copy / "raw" / "cohort-2"
    (folder / "measures.csv").unlink()
    (folder / "changes.csv").unlink()
    assert load_cohort("cohort-2", data_copy).measures is None
    (folder / "changes.csv").write_text(
        "team_id,measure_id,date,description,rebase\n", encoding="utf-8"
    )
    with pytest.raises(CollabError, match=r"changes\.csv is present but measures\.csv is not"):
        load_cohort("cohort-2", data_copy)


def test_complete_periods_adds_absent_months_only_for_monthly_measures():
    frame = pd.DataFrame(
        {
            "row": [2, 3, 4, 5],
            "team_id": ["t"] * 4,
            "measure_id": ["m", "m", "m", "w"],
            "period": pd.to_datetime(["2021-01-01", "2021-04-01", "2021-05-01", "2021-01-06"]),
            "value": [1.0, 2.0, 3.0, 4.0],
            "numerator": float("nan"),
            "denominator": float("nan"),
            "missing": False,
        }
    )
    out = complete_periods(frame)
    monthly = out[out["measure_id"] == "m"]
    assert list(monthly["period"].dt.month) == [1, 2, 3, 4, 5]
    assert monthly["missing"].tolist() == [False, True, True, False, False]
    assert out[out["measure_id"] == "w"].shape[0] == 1


def test_primary_flag_chooses_the_primary_measure(tmp_path, demo_data):
    teams = load_cohort("cohort-2", demo_data).teams
    folder = tmp_path
    rows = []
    for measure, primary in (("a", ""), ("b", "yes")):
        for month in range(1, 4):
            rows.append(
                {
                    "team_id": "C2-01",
                    "measure_id": measure,
                    "measure_name": measure,
                    "period": f"2021-0{month}-01",
                    "value": str(month),
                    "numerator": "",
                    "denominator": "",
                    "unit": "days",
                    "improvement_direction": "decrease",
                    "target": "",
                    "primary": primary,
                }
            )
    write_rows(folder / "measures.csv", rows)
    data = load_measures(folder, teams)
    primary = data.measures.drop_duplicates("measure_id").set_index("measure_id")["primary"]
    assert primary.to_dict() == {"a": False, "b": True}
    rows[0]["primary"] = "yes"
    for r in rows[:3]:
        r["primary"] = "yes"
    write_rows(folder / "measures.csv", rows)
    with pytest.raises(CollabError, match="second primary measure"):
        load_measures(folder, teams)
