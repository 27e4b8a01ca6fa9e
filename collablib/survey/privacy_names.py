"""The name passes of :func:`~collablib.survey.privacy.redact`: export names, titles, first names.

Split out of :mod:`collablib.survey.privacy` so that the hardest step of redaction,
with its word lists and helpers, can be read (and kept under the project's
500 lines a module) on its own; the marker table and the order of all the
passes are documented there. :func:`redact_names` runs the three rules below
in order, then tidies the markers. The markers and the spacing pattern come
from :mod:`collablib.survey.privacy_numbers`, so this module never imports
:mod:`collablib.survey.privacy`.

**Names** are the hardest part: there is no offline, reliable way to find
every name in free text. collab removes

1. **names from the export** (the ``[privacy] name_columns`` of the survey
   mapping) and any listed under ``[privacy] redact_names``: the whole name
   and each word of it on its own (first name, surname, each half of a
   hyphenated name), compared with accents (including ø, æ, ß, ł), case and
   apostrophes ignored on both sides. A respondent "Søren O'Neill" removes
   "Soren", "SØREN", "soren", "ONeill", "O’Neill" and "O'Neill's" (the "'s"
   stays). The comment itself is never changed except for the words
   removed. Exceptions: a lone word in lower case that is also an everyday
   word (:data:`COMMON_WORD_NAMES`: mark, will, may, grace, hope, rose,
   ward, green, ...; or a little word such as "an", "so") is kept ("we mark
   progress"), while "Mark", "MARK" and "mark ellis" (the whole name) are
   removed; titles and particles within a name ("Dr" of "Dr Okafor", "de",
   "van", "al") are removed only with the whole name; single letters
   (initials) only with the whole name. These names belong to real
   respondents, so over-redaction is the safe side: a respondent "Will
   Jones" removes the capitalised "Will" at the start of a question;
2. **a title and the name after it** (titles: :data:`TITLES`). How the title
   is written decides what may follow:

   - a title written capitalised (``Dr``, ``Sister``) or in capitals (``DR``,
     ``SISTER``), then a capitalised word or an initial, and a second one
     written the same way (``Dr Okafor``, ``DR Okafor``, ``Dr J. Smith``,
     ``Sister Mary Jones``, ``DR SMITH``, ``SISTER MARY JONES``); after
     ``DR SMITH`` a further word in capitals is taken only if it is not a
     little word (``DR SMITH AND TEAM`` keeps ``AND TEAM``);
   - a short title in lower case that is not an everyday word (dr, mr, mrs,
     mx, prof, revd), then a word in lower case or capitalised (``dr smith``,
     ``mrs Patel``), and a second lower-case word when the first is a common
     first name (``dr john smith``);
   - any other title in lower case (sister, miss, matron, doctor, professor,
     sir, dame, ms, rev) only before a capitalised word that is not a day,
     a month or an organisation word: "the sister ward", "miss the bus",
     "matron's round", "our sister Trust", "miss Tuesday's huddle" and
     "2 ms per loop" stay; "ask sister Patel" goes.

   Never a name after a title: a little word ("see the Dr. Then we..."), a
   word for a thing ("MS Teams", "MS nurse", "MR Linac", "mr scan"), and
   after a word title an organisation word ("Sister Trust", "Matron Ward").
   A title straight before a removed name goes with it (``Dr [name removed]``
   becomes ``[name removed]``);
3. **a common UK first name, capitalised or in capitals** (``Sarah``,
   ``SARAH``; a hand-compiled list in ``collablib/survey/resources/first_names.txt``),
   together with a capitalised word straight after it (a likely surname:
   ``Jones``, ``JONES``).

Limits: surnames on their own that are not in the export, uncommon first
names not in the list, names written in lower case without a title,
nicknames and misspellings, and descriptions that identify someone without
naming them ("the only male nurse on the unit") are **not** caught. First
names that are also ordinary words (May, Will, Grace, Mark) are left out of
the list to avoid mangling sentences, so they are caught only by rules 1 and
2. A title takes at most two name words (the third of "Dr Mary Anne Smith"
stays).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from collablib.survey.privacy_numbers import MARKERS
from collablib.survey.privacy_numbers import SPACE as _SP

__all__ = [
    "COMMON_WORD_NAMES",
    "FIRST_NAMES_FILE",
    "SHORT_TITLES",
    "TITLES",
    "WORD_TITLES",
    "first_names",
    "redact_names",
]

FIRST_NAMES_FILE = Path(__file__).resolve().parent / "resources" / "first_names.txt"

_MARKER = re.compile("|".join(re.escape(m) for m in MARKERS.values()))

# --- names --------------------------------------------------------------------------------

#: Short titles, never everyday words: a title in any case.
SHORT_TITLES = ("Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Rev", "Revd")
#: Titles that are also everyday words ("sister ward", "miss the bus").
WORD_TITLES = ("Doctor", "Professor", "Sister", "Matron", "Miss", "Sir", "Dame")
TITLES = SHORT_TITLES + WORD_TITLES
#: Lower-case short titles that may be followed by a lower-case name ("dr smith").
_LOWER_TITLES = frozenset({"dr", "mr", "mrs", "mx", "prof", "revd"})


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Names that are also everyday words: a lone lower-case one is kept (rule 1 above).
COMMON_WORD_NAMES = _word_set(
    """
    mark will may grace hope rose bill sue pat joy dawn faith june april summer page
    long king hall green white brown black young wood hill rich bell cook baker mason
    ward day best lane field price hunt little short sharp small fox moss rice marsh
    church street north south west east law love bird cross wells wall ash glass
    major power new ray rob drew guy frank chase gene art penny amber ruby iris holly
    ivy lily daisy heather hazel sunny patience honor eve carol earl
    """
)
#: Words after a title that name a thing, not a person ("MS Teams", "MR Linac").
_NOT_A_NAME = _word_set(
    """
    team teams scan scans scanner scanners scanning linac guided imaging images forms
    form word excel outlook windows powerpoint sharepoint onedrive access nurse nurses
    clinic clinics society patient patients service services dev devt development
    """
)
#: Organisation words: not a name after a word title ("our sister Trust").
_ORGANISATION = _word_set(
    """
    trust trusts alliance alliances hospital hospitals ward wards unit units site sites
    organisation organisations organization organizations network networks centre
    centres center practice practices project projects department departments board
    boards charity charities hospice hospices group groups cohort cohorts programme
    """
)
_CALENDAR = _word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december christmas easter
    """
)
#: Words that do not continue a name ("DR SMITH AND TEAM", "dr smith said").
_FUNCTION_WORDS = _word_set(
    """
    a an and or but nor so the to of in on at by for from with as is was are were be
    been has had have do did said says who which that this it its we our i my me you
    your he his she her they their them also thanks thank very then there when if not
    no yes after before per
    """
)

_LETTER = r"[^\W\d_]"
_LETTER_OR_MARK = r"(?:[^\W\d_]|[\u0300-\u036f])"
#: A word as it may be written in a name: "Smith", "O'Neill", "Smith-Jones" ("'s" excluded).
_NAME_WORD = re.compile(
    rf"{_LETTER}(?:{_LETTER_OR_MARK}|-(?={_LETTER})|['\u2019](?![sS]\b)(?={_LETTER}))*"
)
_TITLE_AT = re.compile(
    rf"(?<![\w\[\]'\u2019-])(?P<title>{'|'.join(TITLES)})(?:\.{_SP}*|{_SP}+)(?={_LETTER})",
    re.IGNORECASE,
)
_BETWEEN_NAME_WORDS = re.compile(rf"{_SP}+")
_AFTER_INITIAL = re.compile(rf"\.?{_SP}*")


_SHORT_FOLDED = frozenset(t.casefold() for t in SHORT_TITLES)
#: Words of a name matched only within the whole name: titles ("Dr" of "Dr Okafor") and
#: particles ("de", "van", "al"), which say nothing about who someone is.
_NOT_ALONE = frozenset(t.casefold() for t in TITLES) | _word_set(
    "de la le da di du del della der den van von dos das al el bin bint ibn ap mac st"
)
#: A title written as a title, straight before a removed name: it goes with the name.
_TITLE_BEFORE_MARKER = re.compile(
    rf"(?<![\w\[\]'\u2019-])"
    rf"(?:{'|'.join(sorted([*TITLES, *map(str.upper, TITLES), *_LOWER_TITLES], key=len)[::-1])})"
    rf"\.?{_SP}+(?=\[name removed\])"
)
_ADJACENT_NAME_MARKERS = re.compile(r"(\[name removed\])(?:\s+\[name removed\])+")

#: Letters that NFKD does not split into a base letter and an accent.
_UNSPLIT_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "ẞ": "SS",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
    }
)
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
#: A word in a comment or a name, for matching the export's names (hyphens split words).
_TOKEN = re.compile(
    rf"{_MARKER.pattern}|{_LETTER_OR_MARK}+(?:['\u2019\u2018\u02bc`\u00b4]{_LETTER_OR_MARK}+)*"
)
_POSSESSIVE = re.compile(r"['\u2019\u02bc]s$", re.IGNORECASE)
_NAME_GAP = re.compile(rf"(?:{_SP}+|{_SP}*-{_SP}*)")


@cache
def first_names() -> frozenset[str]:
    """The gazetteer of common first names (comment lines and blanks skipped)."""
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


@cache
def _folded_first_names() -> frozenset[str]:
    return frozenset(_fold(n) for n in first_names())


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """A word for matching: no accents (ø, æ, ß, ł too), no apostrophes, case folded."""
    if word.isascii():
        return word.replace("'", "").replace("`", "").casefold()
    word = _APOSTROPHES.sub("", word.translate(_UNSPLIT_LETTERS))
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def redact_names(text: str, names: Iterable[str], counts: Counter[str]) -> str:
    """Remove people's names from ``text``: rules 1 to 3 of the module documentation.

    ``names`` are the respondents' names to remove wherever they appear, whole
    or in part. A title straight before a removed name goes with it, and
    adjacent name markers become one.
    """
    index = _name_index(names if isinstance(names, tuple) else tuple(names))
    out = text
    if index.parts:
        out = _redact_known_names(out, index, counts)
    out = _redact_titled_names(out, counts)
    out = _redact_first_names(out, counts)
    # "Dr [name removed]" and "[name removed] [name removed]" read better as one marker
    out = _TITLE_BEFORE_MARKER.sub("", out)
    out = _ADJACENT_NAME_MARKERS.sub(r"\1", out)
    return out


# --- names from the export ----------------------------------------------------------------


@dataclass(frozen=True)
class _NameIndex:
    parts: frozenset[str]  # folded words of every name (two letters or more)
    wholes: dict[str, tuple[tuple[str, ...], ...]]  # first folded word -> whole names


@lru_cache(maxsize=32)
def _name_index(names: tuple[str, ...]) -> _NameIndex:
    """The folded words and whole names to look for (cached per tuple of names)."""
    parts: set[str] = set()
    wholes: dict[str, set[tuple[str, ...]]] = {}
    for name in names:
        words = tuple(
            _fold(m.group()) for m in _TOKEN.finditer(str(name)) if not _MARKER.fullmatch(m.group())
        )
        words = tuple(w for w in words if w)
        parts.update(w for w in words if len(w) >= 2 and w not in _NOT_ALONE)
        if len(words) >= 2:
            wholes.setdefault(words[0], set()).add(words)
    return _NameIndex(
        frozenset(parts),
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in wholes.items()},
    )


def _redact_known_names(text: str, index: _NameIndex, counts: Counter[str]) -> str:
    """Replace the export's names, whole or in part, accents, case and apostrophes ignored."""
    tokens: list[tuple[int, int, str, str, str]] = []  # start, end, text, key, key without 's
    for m in _TOKEN.finditer(text):
        word = m.group()
        if _MARKER.fullmatch(word):
            tokens.append((m.start(), m.end(), word, "", ""))
            continue
        key = _fold(word)
        bare = _fold(word[:-2]) if _POSSESSIVE.search(word) else key
        tokens.append((m.start(), m.end(), word, key, bare))
    if not any(t[3] in index.parts or t[4] in index.parts for t in tokens):
        return text

    def joined(a: int, b: int) -> bool:
        gap = text[tokens[a][1] : tokens[b][0]]
        if len(tokens[a][2]) == 1 and _AFTER_INITIAL.fullmatch(gap):
            return True  # "Mary J. Jones"
        return bool(_NAME_GAP.fullmatch(gap))

    ends: dict[int, int] = {}  # token index -> end offset of the text to replace
    i = 0
    while i < len(tokens):
        key = tokens[i][3]
        for whole in index.wholes.get(key, ()):
            k = len(whole)
            if i + k <= len(tokens) and all(joined(i + n - 1, i + n) for n in range(1, k)):
                keys = [tokens[i + n][3] for n in range(k)]
                last_bare = tokens[i + k - 1][4]
                if keys[:-1] == list(whole[:-1]) and whole[-1] in (keys[-1], last_bare):
                    for n in range(k):
                        ends[i + n] = tokens[i + n][1]
                    if keys[-1] != whole[-1]:  # possessive: keep the 's
                        ends[i + k - 1] = tokens[i + k - 1][1] - 2
                    i += k - 1
                    break
        i += 1
    for i, (_start, end, word, key, bare) in enumerate(tokens):
        if i in ends or not key:
            continue
        found = key if key in index.parts else bare if bare in index.parts else None
        if found is None:
            continue
        if word.islower() and (found in COMMON_WORD_NAMES or found in _FUNCTION_WORDS):
            continue  # "we mark progress", "an idea" (respondent An Nguyen)
        ends[i] = end if found == key else end - 2

    pieces: list[str] = []
    pos = 0
    i = 0
    while i < len(tokens):
        if i not in ends:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(tokens) and j + 1 in ends and ends[j] == tokens[j][1] and joined(j, j + 1)
        ):
            j += 1
        pieces += [text[pos : tokens[i][0]], MARKERS["name"]]
        pos = ends[j]
        counts["name"] += 1
        i = j + 1
    pieces.append(text[pos:])
    return "".join(pieces)


# --- titles and the first-name list -------------------------------------------------------


def _redact_titled_names(text: str, counts: Counter[str]) -> str:
    """Replace a title and the name after it (rule 2 of the module documentation)."""
    pieces: list[str] = []
    pos = search_from = 0
    while (match := _TITLE_AT.search(text, search_from)) is not None:
        end = _name_after_title(text, match)
        if end is None:
            search_from = match.end("title")
            continue
        pieces += [text[pos : match.start()], MARKERS["name"]]
        counts["name"] += 1
        pos = search_from = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _style(word: str) -> str:
    letters = [ch for ch in word if ch.isalpha()]
    if not letters:
        return "other"
    if len(letters) == 1 and letters[0].isupper():
        return "initial"
    if all(ch.isupper() for ch in letters):
        return "upper"
    if letters[0].isupper():
        return "capitalised"
    return "lower" if all(ch.islower() for ch in letters) else "other"


def _name_after_title(text: str, match: re.Match[str]) -> int | None:
    """Where the name after a title ends, or None when the title is not followed by a name."""
    title = match.group("title")
    short = title.casefold() in _SHORT_FOLDED
    if title.isupper() and len(title) > 1:
        written = "upper"
    elif title.islower():
        written = "lower"
    elif title[0].isupper() and title[1:].islower():
        written = "capitalised"
    else:
        return None
    words: list[tuple[int, int, str]] = []
    pos = match.end()
    while len(words) < 4:
        found = _NAME_WORD.match(text, pos)
        if found is None:
            break
        words.append((found.start(), found.end(), found.group()))
        gap = (_AFTER_INITIAL if len(found.group()) == 1 else _BETWEEN_NAME_WORDS).match(
            text, found.end()
        )
        if gap is None or gap.end() == found.end():
            break
        pos = gap.end()
    if not words:
        return None

    first = words[0][2]
    folded = first.casefold()
    style = _style(first)
    if folded in _NOT_A_NAME or folded in _FUNCTION_WORDS:
        return None
    if not short and folded in _ORGANISATION:
        return None
    if written == "lower":
        lower_name_allowed = title.casefold() in _LOWER_TITLES  # "dr smith"
        if not (
            (lower_name_allowed and style in {"lower", "capitalised"})
            or (style == "capitalised" and folded not in _CALENDAR)  # "ask sister Mary"
        ):
            return None
    elif written == "capitalised":
        if style not in {"capitalised", "upper", "initial"} or first == "I":
            return None
    elif style not in {"capitalised", "upper", "initial"} or first == "I":  # DR, SISTER
        return None

    # further words must be written like the name's first full word
    # an initial after the first word is taken only before a further word ("Dr Mary J. Jones")
    mode = style if style != "initial" else None
    taken, initials = 1, 0
    full_words = 0 if style == "initial" else 1
    for _start, _end, word in words[1:]:
        wstyle = _style(word)
        if word.casefold() in _FUNCTION_WORDS or word.casefold() in _NOT_A_NAME:
            break
        if wstyle == "initial" and mode != "lower":
            initials += 1
            continue
        if full_words >= 2:
            break
        if mode is None:
            if wstyle not in {"capitalised", "upper"}:
                break
            mode = wstyle
        elif mode == "lower":
            if not (
                wstyle == "lower" and full_words == 1 and _fold(first) in _folded_first_names()
            ):
                break
        elif mode == "capitalised":
            if wstyle != "capitalised":
                break
        elif wstyle != "upper":
            break
        taken += initials + 1
        initials = 0
        full_words += 1
    # the full stop after a last initial ("Dr J.") stays in the text
    return words[taken - 1][1]


@cache
def _first_name_pattern() -> re.Pattern[str]:
    """A gazetteer first name, capitalised or in capitals (``Sarah``, ``SARAH``), then (unless
    possessive) an optional capitalised surname (``Jones``, ``JONES``)."""
    spellings = {n for name in first_names() for n in (name, name.upper())}
    names = sorted((re.escape(n) for n in spellings), key=len, reverse=True)
    word = r"[A-Z\u00C0-\u00DE][\w-]*"
    return re.compile(
        rf"(?<![\w\[])(?:{'|'.join(names)})(?!\w)"
        rf"(?:(?P<pos>['\u2019][sS])|(?:\s+{word}(?P<last_pos>['\u2019][sS])?)?)"
    )


def _redact_first_names(text: str, counts: Counter[str]) -> str:
    """Replace a common first name (and a capitalised word after it) by the name marker."""

    def replace(match: re.Match[str]) -> str:
        counts["name"] += 1
        return MARKERS["name"] + (match.group("pos") or match.group("last_pos") or "")

    return _first_name_pattern().sub(replace, text)
