"""The words for SPC results: one vocabulary for every table, chart and alt text.

Making Data Count (MDC) summarises a chart with two icons, variation and
assurance (:func:`collablib.spc.assurance.assurance`). Icons alone exclude
anyone who cannot see or decode them, so the report always puts them into
words; defining the words once, here, keeps a table and the chart beside it
saying the same thing. Each state has a :class:`Words`: a short ``label`` for
table cells and a ``sentence`` for chart subtitles and alt text.

- :data:`VARIATION` is keyed by variation icon (``variation_icon``:
  ``common_cause``, ``improvement_high`` ... ``neutral_low``);
  :data:`VARIATION_LABELS` gives the same labels keyed by the latest point's
  type (``variation``: one of :data:`~collablib.spc.options.POINT_TYPES`),
  which is what tables show.
- :data:`ASSURANCE` is keyed by assurance (``pass``, ``fail``,
  ``inconsistent``, ``none``).
- :data:`CHARTS` names each chart type (``xmr``, ``p``, ``run``).
- :data:`STATUS_ORDER` is a measure's status in summaries
  (:func:`collablib.spc.improvement.status`), in report order, and
  :func:`after_change` says whether a measure improved after its first change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ASSURANCE",
    "CHARTS",
    "CONCERN",
    "IMPROVED_NOT_SUSTAINED",
    "IMPROVED_SUSTAINED",
    "NOT_JUDGED",
    "NO_CHANGE",
    "STATUS_ORDER",
    "VARIATION",
    "VARIATION_LABELS",
    "Words",
    "after_change",
]


@dataclass(frozen=True)
class Words:
    """How one SPC state is put into words."""

    #: Short, for a table cell.
    label: str
    #: For a chart subtitle or alt text (no final full stop).
    sentence: str


def _words(table: dict[str, tuple[str, str]]) -> Mapping[str, Words]:
    """A read-only mapping of state to :class:`Words` from ``(label, sentence)`` pairs."""
    return MappingProxyType({state: Words(*pair) for state, pair in table.items()})


_LATEST = "Latest point: special cause,"

VARIATION: Mapping[str, Words] = _words(
    {
        "common_cause": ("Common cause", "Latest point: common cause variation"),
        "improvement_high": ("Improvement", f"{_LATEST} improvement (higher)"),
        "improvement_low": ("Improvement", f"{_LATEST} improvement (lower)"),
        "concern_high": ("Concern", f"{_LATEST} concern (higher)"),
        "concern_low": ("Concern", f"{_LATEST} concern (lower)"),
        "neutral_high": ("Higher (neutral)", f"{_LATEST} higher (no direction)"),
        "neutral_low": ("Lower (neutral)", f"{_LATEST} lower (no direction)"),
    }
)

#: The variation icon whose label names each point type (high and low share the label of an
#: improvement or a concern).
_ICON_OF_POINT_TYPE = {
    "common_cause": "common_cause",
    "special_cause_improvement": "improvement_high",
    "special_cause_concern": "concern_high",
    "special_cause_neutral_high": "neutral_high",
    "special_cause_neutral_low": "neutral_low",
}

VARIATION_LABELS: Mapping[str, str] = MappingProxyType(
    {point: VARIATION[icon].label for point, icon in _ICON_OF_POINT_TYPE.items()}
)

ASSURANCE: Mapping[str, Words] = _words(
    {
        "pass": ("Meets target", "Target: consistently met"),
        "fail": ("Misses target", "Target: consistently missed"),
        "inconsistent": ("Hit and miss", "Target: hit and miss"),
        "none": ("–", "Target: no assurance possible"),
    }
)

CHARTS: Mapping[str, Words] = _words(
    {"xmr": ("XmR", "XmR chart"), "p": ("p chart", "p chart"), "run": ("Run chart", "run chart")}
)

IMPROVED_SUSTAINED = "Improved, sustained"
IMPROVED_NOT_SUSTAINED = "Improved, not yet sustained"
NO_CHANGE = "No significant change"
CONCERN = VARIATION["concern_high"].label
NOT_JUDGED = "Not judged"
#: A measure's status in summaries, in the order the report lists them.
STATUS_ORDER = (IMPROVED_SUSTAINED, IMPROVED_NOT_SUSTAINED, NO_CHANGE, CONCERN, NOT_JUDGED)


def after_change(improved: bool | None, sustained: bool | None) -> str:
    """Whether a measure improved after its first change, and stayed improved, for a table."""
    if improved is None:
        return NOT_JUDGED
    if improved:
        return "Yes, sustained" if sustained else "Yes, not yet sustained"
    return "No"
