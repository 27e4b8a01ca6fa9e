"""The text columns' dtype check: pandera's own, answered in one piece when every cell passes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.engines.pandas_engine import Engine

from collablib.data.schemas import _Text, text_column, validate
from collablib.errors import CollabError


def _outcome(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> str | None:
    try:
        validate(frame, schema, "x.csv")
    except CollabError as err:
        return str(err)
    return None


FRAMES = {
    "text": pd.DataFrame({"a": ["x", "y"], "b": ["1", ""]}, index=[2, 3]),
    "empty": pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype="str")}),
    "a number in an object column": pd.DataFrame(
        {"a": pd.Series(["x", 7], dtype=object, index=[2, 3]), "b": ["1", "2"]}, index=[2, 3]
    ),
    "a number column": pd.DataFrame({"a": [1, 2], "b": ["1", "2"]}, index=[2, 3]),
    "a missing cell": pd.DataFrame({"a": ["x", None], "b": ["1", "2"]}, index=[2, 3]),
}


@pytest.mark.parametrize("name", FRAMES)
def test_text_columns_pass_and_fail_exactly_as_pandera_string_columns_do(name):
    checks = [pa.Check(lambda s: s.str.len() < 5, element_wise=False, error="short|short text")]
    ours = pa.DataFrameSchema({"a": text_column(*checks), "b": text_column()})
    pandera = pa.DataFrameSchema(
        {
            "a": pa.Column("string", checks=checks, nullable=False),
            "b": pa.Column("string", nullable=False),
        }
    )
    frame = FRAMES[name]
    outcome = _outcome(frame, ours)
    assert outcome == _outcome(frame, pandera)
    if name == "a number in an object column":  # the dtype check names the cell, as pandera's
        assert 'row 3, column "a"' in outcome and 'Found: "7"' in outcome
    if name in ("text", "empty"):
        assert outcome is None
    else:
        assert outcome is not None


def test_an_exact_match_is_one_true_and_anything_else_is_pandera_s_answer():
    text = pd.Series(["x", "y"])
    assert _Text().check(Engine.dtype(text.dtype), text) is True
    mixed = pd.Series(["x", 7], dtype=object)
    answer = _Text().check(Engine.dtype(mixed.dtype), mixed)
    assert answer is not True and list(np.asarray(answer)) == [True, False]
    numbers = pd.Series([1, 2])
    assert _Text().check(Engine.dtype(numbers.dtype), numbers) is False
    assert str(_Text()) == str(Engine.dtype("string"))
