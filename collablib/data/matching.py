"""How texts from survey exports are matched: headers, answer labels, markers.

Survey tools and people write the same thing many ways: ``"4 - Greatly
improved"``, ``" 4 greatly IMPROVED "``, ``"Don\u2019t know"``, ``"dont know"``.
:func:`normalise` folds such texts to one form (no accents, lower case,
punctuation as single spaces, apostrophes dropped), and :func:`column_key`
also drops the spaces, for the optional columns a mapping names. The rules
are documented in ``data/README.md`` ("Matching").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["column_key", "matching_columns", "normalise", "normalise_values"]

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[\W_]+")
#: For ASCII text: letters and digits kept, everything else a space (``'`` and `````` dropped).
_ASCII_FOLD = bytes(c if chr(c).isalnum() else 32 for c in range(256))
#: Texts up to this long (labels, headers, team names, e-mails) are remembered once folded.
_CACHED_LENGTH = 80


def normalise(text: object) -> str:
    """Fold text for matching: no accents, lower case, punctuation as spaces, single spaces.

    ``"  4 - Greatly IMPROVED! "`` and ``"4 greatly improved"`` both become
    ``"4 greatly improved"``. Apostrophes are dropped rather than spaced, so
    ``"Don't know"`` and ``"dont know"`` both become ``"dont know"``.

    Short texts are cached, because an export repeats a few labels on every
    row; plain ASCII takes a one-pass path that gives the same result as the
    general one (a 110,800-row export calls this about 2 million times).
    """
    text = str(text)
    return _fold_short(text) if len(text) <= _CACHED_LENGTH else _fold(text)


@functools.lru_cache(maxsize=1 << 16)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return " ".join(text.encode().translate(_ASCII_FOLD, b"'`").decode().lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped)
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def normalise_values(values: pd.Series) -> pd.Series:
    """:func:`normalise` of every cell, folding each distinct text once."""
    distinct = values.unique()
    return values.map(dict(zip(distinct, map(normalise, distinct), strict=True)))


def column_key(header: object) -> str:
    """A header for matching a configured column: case, accents, spacing and punctuation ignored.

    ``"E-mail address"``, ``" Email Address "`` and ``"email_address"`` all
    become ``"emailaddress"``.
    """
    return normalise(header).replace(" ", "")


def matching_columns(frame: pd.DataFrame, wanted: Iterable[str]) -> list[pd.Series]:
    """The columns of ``frame`` whose header matches one of ``wanted`` (see :func:`column_key`)."""
    keys = {column_key(w) for w in wanted}
    return [
        frame.iloc[:, i] for i, header in enumerate(frame.columns) if column_key(header) in keys
    ]
