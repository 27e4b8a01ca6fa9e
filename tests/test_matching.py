"""Matching texts from survey exports (collablib.data.matching)."""

from __future__ import annotations

import pandas as pd

from collablib.data.matching import column_key, matching_columns, normalise, normalise_values


def _reference_normalise(text: object) -> str:
    """The definition: NFKD, drop combining marks and apostrophes, casefold, non-word to spaces."""
    import re
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = re.sub(r"['\u2019\u2018`]", "", stripped)
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


def test_fast_normalise_gives_exactly_the_definition():
    """normalise() caches short texts and folds ASCII in one pass: same answers as the rules."""
    import random

    rng = random.Random(11)
    alphabet = [chr(c) for c in range(256)] + list(
        "\u2019\u2018\u201c\u201d\u00e9\u00c9\u00f8\u00df\u1e9e\u0130\u0131\ufb01\u2460\u00b2"
        "\u00bd\u03a9\u0301\u0308 \t\n"
    )
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(20000)
    ]
    samples += [f"a{chr(c)}b" for c in range(0x3000)]  # every code point up to CJK, between letters
    for sample in samples:
        assert normalise(sample) == _reference_normalise(sample), repr(sample)
        assert normalise(sample) == _reference_normalise(sample), repr(sample)  # cached


def test_normalise_values_folds_each_distinct_text_once():
    values = pd.Series([" YES ", "yes", "Don\u2019t know", " YES "], dtype="string")
    assert normalise_values(values).tolist() == ["yes", "yes", "dont know", "yes"]


def test_column_key_ignores_spaces_too_and_finds_matching_columns():
    assert column_key(" E-mail Address ") == column_key("email_address") == "emailaddress"
    frame = pd.DataFrame({"E-mail address": ["a"], "Name": ["b"], "Notes": ["c"]})
    found = matching_columns(frame, ["Email address", "NAME"])
    assert [c.name for c in found] == ["E-mail address", "Name"]
