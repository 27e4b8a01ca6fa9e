"""Redacting personal information from free-text comments before they are quoted.

Only comments whose respondent consented are ever quoted (see
:mod:`collablib.survey.quotes`); this module then removes what could identify a
person. Each kind of identifier is replaced by a marker, so readers can see
that something was removed. The passes run in the order of this table:

========================  ======================================================
Marker                    What is removed
========================  ======================================================
``[email removed]``       e-mail addresses
``[phone removed]``       UK telephone numbers: ``0``, ``+44`` or ``0044``, then
                          the 9 or 10 digits after the ``0`` (``(0)`` or ``0``
                          allowed after the country code), with up to four
                          spaces, dots, hyphens, slashes or brackets between
                          any two digits (``07700.900.123``, ``(020) 7946 0018``,
                          ``+44 (0) 20 7946 0018``, ``0044-20-7946-0018``)
``[NHS number removed]``  any other 10 digits written as one number, however
                          grouped or separated: spaces (one or several),
                          dots, hyphens, slashes, in any mix (``943 476 5919``,
                          ``943.476.5919``, ``943  476  5919``, ``943 4765 919``,
                          ``9434765919``, ``(943) 476 5919``). No check-digit
                          test: a mistyped number still identifies someone.
                          Dates are never read as numbers
                          (:mod:`collablib.survey.privacy_numbers`)
``[postcode removed]``    UK postcodes in any case, with any spacing or none
                          (``LS1 4AP``, ``LS1  4AP``, ``LS14AP``, ``m1 1ae``);
                          not an ordinal in lower case (``T2 3rd``)
``[name removed]``        people's names, as far as is feasible
                          (:mod:`collablib.survey.privacy_names`)
========================  ======================================================

The passes live in one module per step, each documenting its rules:
:mod:`collablib.survey.privacy_numbers` (dates set aside, phone numbers, NHS
numbers, and the postcode pattern) and :mod:`collablib.survey.privacy_names` (names
from the export, titled names, the first-name gazetteer, and what is not
caught). This module keeps the public API, :func:`redact` and
:class:`Redaction`, and re-exports the names other code uses
(:data:`MARKERS`, :func:`first_names`, :data:`TITLES`,
:data:`COMMON_WORD_NAMES`, ...), so ``from collablib.survey.privacy import ...``
works as before.

Automatic redaction reduces the risk; it does not replace a person reading
the quotes before a report is published.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from collablib.survey.privacy_names import (
    COMMON_WORD_NAMES,
    FIRST_NAMES_FILE,
    SHORT_TITLES,
    TITLES,
    WORD_TITLES,
    first_names,
    redact_names,
)
from collablib.survey.privacy_numbers import (
    DATE,
    DIGIT_RUN,
    MARKERS,
    PHONE,
    POSTCODE,
    redact_numbers,
)

__all__ = [
    "COMMON_WORD_NAMES",
    "DATE",
    "DIGIT_RUN",
    "EMAIL",
    "FIRST_NAMES_FILE",
    "MARKERS",
    "PHONE",
    "POSTCODE",
    "SHORT_TITLES",
    "TITLES",
    "WORD_TITLES",
    "Redaction",
    "first_names",
    "redact",
]

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


@dataclass(frozen=True)
class Redaction:
    """A redacted text and how many of each kind of identifier were removed."""

    text: str
    counts: Counter[str]

    @property
    def changed(self) -> bool:
        return sum(self.counts.values()) > 0


def redact(text: str, names: Iterable[str] = ()) -> Redaction:
    """Remove e-mail addresses, phone numbers, NHS numbers, postcodes and names from ``text``.

    ``names`` are respondents' names to remove wherever they appear, whole or
    in part (the export's respondent names, and names configured for the
    cohort); see :mod:`collablib.survey.privacy_numbers` and
    :mod:`collablib.survey.privacy_names` for the rules.
    """
    counts: Counter[str] = Counter()

    def sub(kind: str, pattern: re.Pattern[str], value: str) -> str:
        new, n = pattern.subn(MARKERS[kind], value)
        counts[kind] += n
        return new

    out = sub("email", EMAIL, text)
    out = redact_numbers(out, counts)
    out = sub("postcode", POSTCODE, out)
    out = redact_names(out, names, counts)
    return Redaction(out, +counts)
