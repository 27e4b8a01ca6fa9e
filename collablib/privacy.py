"""Redacting personal information from free-text comments before they are quoted.

Only comments whose respondent consented are ever quoted (see
:mod:`collablib.quotes`); this module then removes what could identify a
person. Each kind of identifier is replaced by a marker, so readers can see
that something was removed:

=====================  =========================================================
Marker                 What is removed
=====================  =========================================================
``[email removed]``    e-mail addresses
``[phone removed]``    UK telephone numbers: ``0`` or ``+44`` then 9-10 digits,
                       with spaces, hyphens or brackets (``07700 900123``,
                       ``(020) 7946 0018``, ``+44 7700 900123``)
``[NHS number removed]`` any remaining 10-digit number, with or without spaces
                       or hyphens (``943 476 5919``, ``9434765919``); no
                       check-digit test, so a mistyped number is still removed
``[postcode removed]`` UK postcodes in upper or lower case (``LS1 4AP``, ``m1 1ae``)
``[name removed]``     people's names, as far as is feasible (below)
=====================  =========================================================

**Names** are the hardest part: there is no offline, reliable way to find
every name in free text. collab removes

1. any name given in the export's own name or e-mail columns (the
   ``[privacy] name_columns`` of the survey mapping) and any listed under
   ``[privacy] redact_names``, wherever it appears, in any case;
2. a title followed by one or two capitalised words (``Dr Okafor``,
   ``Sister Mary Jones``, ``Mrs O'Neill``);
3. a capitalised word that is a common UK first name (a hand-compiled list in
   ``collablib/resources/first_names.txt``), together with a capitalised word
   straight after it (a likely surname).

Limits: surnames on their own, uncommon first names not in the list, names
written in lower case, nicknames, and descriptions that identify someone
without naming them ("the only male nurse on the unit") are **not** caught.
First names that are also ordinary words (May, Will, Grace, Mark) are left
out of the list to avoid mangling sentences, so they are caught only by rules
1 and 2. Automatic redaction reduces the risk; it does not replace a person
reading the quotes before a report is published.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FIRST_NAMES_FILE = Path(__file__).resolve().parent / "resources" / "first_names.txt"

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d(?:[\s-]?\)?[\s-]?\d){8,9}(?!\d)")
NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)")
POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
TITLES = (
    "Dr",
    "Doctor",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Prof",
    "Professor",
    "Sister",
    "Matron",
    "Sir",
    "Dame",
    "Rev",
    "Revd",
)
_CAP = r"[A-Z\u00C0-\u00DE][\w'\u2019-]*"
TITLED_NAME = re.compile(rf"\b(?:{'|'.join(TITLES)})\.?\s+{_CAP}(?:\s+{_CAP})?")

MARKERS = {
    "email": "[email removed]",
    "phone": "[phone removed]",
    "nhs_number": "[NHS number removed]",
    "postcode": "[postcode removed]",
    "name": "[name removed]",
}


@cache
def first_names() -> frozenset[str]:
    """The gazetteer of common first names (comment lines and blanks skipped)."""
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


@dataclass(frozen=True)
class Redaction:
    """A redacted text and how many of each kind of identifier were removed."""

    text: str
    counts: Counter[str]

    @property
    def changed(self) -> bool:
        return sum(self.counts.values()) > 0


def _fold_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _known_name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole names in any case; single first names or surnames only when capitalised.

    "Mark Ellis" removes "mark ellis" and "Mark", but leaves the verb "mark".
    """
    whole: set[str] = set()
    parts: set[str] = set()
    for name in names:
        name = " ".join(str(name).split())
        if len(name) < 2:
            continue
        for variant in {name, _fold_accents(name)}:  # "Björn" is often typed "Bjorn"
            whole.add(variant)
            parts.update(p[0].upper() + p[1:] for p in variant.split() if len(p) >= 2)
    if not whole:
        return None

    def alternation(texts: set[str]) -> str:
        return "|".join(sorted((re.escape(t) for t in texts), key=len, reverse=True))

    return re.compile(rf"(?<!\w)(?:(?i:{alternation(whole)})|{alternation(parts)})(?!\w)")


def redact(text: str, names: Iterable[str] = ()) -> Redaction:
    """Remove e-mail addresses, phone numbers, NHS numbers, postcodes and names from ``text``.

    ``names`` are extra names to remove wherever they appear (the export's
    respondent names, and names configured for the cohort).
    """
    counts: Counter[str] = Counter()

    def sub(kind: str, pattern: re.Pattern[str], value: str) -> str:
        new, n = pattern.subn(MARKERS[kind], value)
        counts[kind] += n
        return new

    out = sub("email", EMAIL, text)
    out = sub("phone", PHONE, out)
    out = sub("nhs_number", NHS_NUMBER, out)
    out = sub("postcode", POSTCODE, out)
    known = _known_name_pattern(names)
    if known is not None:
        out = sub("name", known, out)
    out = sub("name", TITLED_NAME, out)
    out = _redact_first_names(out, counts)
    # "[name removed] [name removed]" (first name and surname) reads better as one marker
    out = re.sub(r"(\[name removed\])(?:\s+\[name removed\])+", r"\1", out)
    return Redaction(out, +counts)


@cache
def _first_name_pattern() -> re.Pattern[str]:
    """A gazetteer first name, then (unless possessive) an optional capitalised surname."""
    names = sorted((re.escape(n) for n in first_names()), key=len, reverse=True)
    word = r"[A-Z\u00C0-\u00DE][\w-]*"
    return re.compile(
        rf"(?<![\w\[])(?:{'|'.join(names)})(?!\w)"
        rf"(?:(?P<pos>['\u2019]s)|(?:\s+{word}(?P<last_pos>['\u2019]s)?)?)"
    )


def _redact_first_names(text: str, counts: Counter[str]) -> str:
    """Replace a common first name (and a capitalised word after it) by the name marker."""

    def replace(match: re.Match[str]) -> str:
        counts["name"] += 1
        return MARKERS["name"] + (match.group("pos") or match.group("last_pos") or "")

    return _first_name_pattern().sub(replace, text)
