from datetime import date
from pathlib import Path

import pytest

from collablib.data.registry import get_cohort, load_registry, programme_years
from collablib.errors import CollabError

HEADER = "cohort_id,name,programme_year,start_date,end_date\n"


def write_registry(tmp_path: Path, body: str) -> Path:
    (tmp_path / "cohorts.csv").write_text(HEADER + body, encoding="utf-8")
    return tmp_path


def test_demo_registry_has_the_four_cohorts(demo_data):
    cohorts = load_registry(demo_data)
    assert [c.cohort_id for c in cohorts] == ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"]
    rare = get_cohort("rare-cancers", demo_data)
    assert rare.name == "Rare and less common cancers"
    assert rare.programme_year == "2020/21"
    assert isinstance(rare.start_date, date)
    assert programme_years(cohorts) == ["2019/20", "2020/21", "2021/22"]


def test_cohort_id_like_01_stays_text(tmp_path):
    data = write_registry(tmp_path, "01,First,2020/21,2020-06-01,2021-03-31\n")
    assert load_registry(data)[0].cohort_id == "01"


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("c1,One,2020-21,2020-06-01,2021-03-31", "programme_year", "2020-21"),
        ("c1,One,2020/22,2020-06-01,2021-03-31", "programme_year", "2020/22"),
        ("c1,One,2020/21,01/06/2020,2021-03-31", "start_date", "01/06/2020"),
        ("c1,One,2020/21,2020-06-01,2021-02-30", "end_date", "2021-02-30"),
        ("c 1,One,2020/21,2020-06-01,2021-03-31", "cohort_id", "c 1"),
        ("c1,,2020/21,2020-06-01,2021-03-31", "name", ""),
    ],
)
def test_bad_registry_values_are_named(tmp_path, row, column, value):
    data = write_registry(tmp_path, row + "\n")
    with pytest.raises(CollabError) as info:
        load_registry(data)
    err = info.value
    assert err.row == 2
    assert err.column == column
    assert err.value == value
    assert err.allowed
    assert "cohorts.csv" in str(err)


def test_duplicate_cohort_id(tmp_path):
    data = write_registry(
        tmp_path,
        "c1,One,2020/21,2020-06-01,2021-03-31\nc1,Two,2020/21,2020-06-01,2021-03-31\n",
    )
    with pytest.raises(CollabError, match="duplicate") as info:
        load_registry(data)
    assert info.value.column == "cohort_id"


def test_end_before_start(tmp_path):
    data = write_registry(tmp_path, "c1,One,2020/21,2021-06-01,2021-03-31\n")
    with pytest.raises(CollabError, match="ends before it starts") as info:
        load_registry(data)
    assert info.value.column == "end_date"


def test_missing_column(tmp_path):
    (tmp_path / "cohorts.csv").write_text("cohort_id,name\nc1,One\n", encoding="utf-8")
    with pytest.raises(CollabError, match="missing required column") as info:
        load_registry(tmp_path)
    assert "programme_year" in str(info.value)


def test_unknown_cohort_lists_the_known_ones(demo_data):
    with pytest.raises(CollabError) as info:
        get_cohort("cohort-9", demo_data)
    assert info.value.value == "cohort-9"
    assert "cohort-2" in info.value.allowed
