"""The number passes of :func:`~collablib.survey.privacy.redact`: phones, NHS numbers, postcodes.

Split out of :mod:`collablib.survey.privacy` so that each step of redaction can be
read (and kept under the project's 500 lines a module) on its own; the
marker table and the order of all the passes are documented there. This
module also holds :data:`MARKERS`, because it is the first pass module to
need them: :mod:`collablib.survey.privacy_names` and :mod:`collablib.survey.privacy` import
them from here, so neither pass module ever imports :mod:`collablib.survey.privacy`.

**Numbers.** Dates are set aside first and always kept: two numbers up to 31
and a 2- or 4-digit year with the same ``.``, ``/`` or ``-`` between
(``12.03.2021``, ``12/03/21``), ISO dates (``2021-03-12``), a range of two
dates (``12/03/2021-14/03/2021``) and year ranges (``2019-2021``, ``2019/20``,
``2019 - 2021``). Phone numbers are matched next, so a UK phone number is
labelled as a phone; one never starts inside a date or a decimal (``0.5``).
What is left is read as *runs*: digits joined by one to four separator
characters (spaces, tab, ``.``, ``-``, ``/``); a closing bracket may end a
group (``(943) 476 5919``), while an opening bracket, a comma, a colon, a
line break or a letter ends the run. A run is cut into *chunks* wherever a
separator contains a space (``943-476`` is one chunk). Whole chunks that add
up to exactly 10 digits, taken from the left, are an NHS number, so in
``943 476 5919 2 weeks`` the number goes and the ``2`` stays, and
``943 476 5919 / 943 476 5920`` loses both. Kept: a chunk of more than 10
digits (``123456789012``, an ISBN-13 ``978-0-14-044913-6``), a run in which
no whole chunks make exactly 10 (``2019 2020 2021`` is 4 + 4 + 4), and
anything with fewer than 10 digits (``Order 12345678``, ``Ward 12``). Money
with commas (``£1,250,000``), times (``10:30``), percentages and counts are
never runs of 10 digits. The price of "any 10 digits" is over-redaction of
the rare number that has 10 digits and is not personal: a list typed with
spaces only (``1 2 3 4 5 6 7 8 9 10`` keeps only the ``1``), a range or
fraction of two 5-digit numbers (``10000-15000``), a dotted network address,
an ISBN-10, a foreign phone number (labelled as an NHS number).

**Postcodes** (:data:`POSTCODE`) are replaced by :func:`collablib.survey.privacy.redact`
after the numbers, once the dates set aside here are back in the text.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = [
    "DATE",
    "DIGIT_RUN",
    "MARKERS",
    "PHONE",
    "POSTCODE",
    "SPACE",
    "redact_numbers",
]

MARKERS = {
    "email": "[email removed]",
    "phone": "[phone removed]",
    "nhs_number": "[NHS number removed]",
    "postcode": "[postcode removed]",
    "name": "[name removed]",
}

# --- numbers ------------------------------------------------------------------------------

#: Spaces within a line (a line break ends a number); the name passes use it too.
SPACE = r"[ \t\u00a0\u2009\u202f]"
_SP = SPACE
_DASH = r"\-\u2010-\u2015\u2212"
#: One character that may sit between the digits of a number typed by hand.
_SEPARATOR = rf"[ \t\u00a0\u2009\u202f.{_DASH}/]"
_JOIN = rf"[ \t\u00a0\u2009\u202f.{_DASH}/()]"  # a phone number's digits may be in brackets

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:(?:19|20)\d\d|\d\d)"
_ONE_DATE = "|".join(
    rf"{_DAY}{s}{_DAY}{s}{_YEAR}|(?:19|20)\d\d{s}{_MONTH}{s}{_DAY}" for s in (r"\.", "/", "-")
)
#: Dates and year ranges: set aside before numbers are read, and always kept.
DATE = re.compile(
    rf"(?<!\d)(?<!\d[./{_DASH}])"
    rf"(?:(?:{_ONE_DATE})(?:{_SP}*[{_DASH}]{_SP}*(?:{_ONE_DATE}))?"
    rf"|(?:19|20)\d\d{_SP}*[/{_DASH}]{_SP}*(?:(?:19|20)\d\d|\d\d))"
    rf"(?!\d)(?![./{_DASH}]\d)"
)
_PJ = rf"{_JOIN}{{0,4}}"
PHONE = re.compile(
    rf"(?<![\d+])(?<!\d[./{_DASH}])"
    rf"(?:(?:\+|00){_SP}*44{_PJ}(?:0{_PJ})?|\(?0(?!\.){_PJ})"
    rf"[1-9](?:{_PJ}\d){{8,9}}(?!\d)(?![./{_DASH}]\d)"
)
#: A run of digits and separators (read by :func:`_redact_nhs_numbers`).
#: A bracket may close a group, "(943) 476 5919", but an opening one starts a new run.
DIGIT_RUN = re.compile(rf"(?<!\d)(?:\((?=\d))?\d+(?:(?:\)?{_SEPARATOR}{{1,4}}|\))\d+)*")
_DIGITS = re.compile(r"\d+")
_NHS_DIGITS = 10

# --- postcodes ----------------------------------------------------------------------------

POSTCODE = re.compile(
    rf"\b(?:GIR{_SP}*0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?{_SP}*"
    r"(?!(?-i:1st|2nd|3rd|[04-9]th)\b)\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)


def redact_numbers(text: str, counts: Counter[str]) -> str:
    """Phone numbers, then NHS numbers; dates are hidden meanwhile so they are never read."""
    if _DIGITS.search(text) is None:
        return text
    hidden: list[str] = []
    sentinel = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)

    def hide(match: re.Match[str]) -> str:
        hidden.append(match.group())
        return sentinel

    out = DATE.sub(hide, text)
    out, n = PHONE.subn(MARKERS["phone"], out)
    counts["phone"] += n
    out = DIGIT_RUN.sub(lambda m: _redact_nhs_numbers(m.group(), counts), out)
    if hidden:
        restored = iter(hidden)
        out = re.sub(re.escape(sentinel), lambda _m: next(restored), out)
    return out


def _redact_nhs_numbers(run: str, counts: Counter[str]) -> str:
    """Replace whole chunks of a digit run that add up to exactly 10 digits."""
    groups = list(_DIGITS.finditer(run))
    if sum(len(g.group()) for g in groups) < _NHS_DIGITS:
        return run
    # chunks: (start, end, digits); a separator with white space in it starts a new chunk
    chunks: list[list[int]] = []
    for i, g in enumerate(groups):
        if i and not any(ch.isspace() for ch in run[groups[i - 1].end() : g.start()]):
            chunks[-1][1] = g.end()
            chunks[-1][2] += len(g.group())
        else:
            chunks.append([g.start(), g.end(), len(g.group())])
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(chunks):
        total, j = 0, i
        while j < len(chunks) and total < _NHS_DIGITS:
            total += chunks[j][2]
            j += 1
        if total == _NHS_DIGITS:
            spans.append(_balance_brackets(run, chunks[i][0], chunks[j - 1][1]))
            i = j
        else:
            i += 1
    if not spans:
        return run
    counts["nhs_number"] += len(spans)
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [run[pos:start], MARKERS["nhs_number"]]
        pos = end
    return "".join([*pieces, run[pos:]])


def _balance_brackets(run: str, start: int, end: int) -> tuple[int, int]:
    """Take in the bracket that opens the run: "(943) 476 5919" goes whole."""
    if start == 1 and run[0] == "(" and ")" in run[start:end]:
        start = 0
    return start, end
