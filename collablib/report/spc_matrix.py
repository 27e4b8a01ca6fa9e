"""The SPC summary matrix: one row per team, one column per measure, two icons per cell.

Each cell shows a measure's Making Data Count icons, **variation** (the latest
point) and **assurance** (the target), drawn as small inline SVG in MDC's colours
(:mod:`collablib.report.spc_plots`) with the letters the charts use: H or L for
special cause higher or lower, ~ for common cause; P, F or ? for a target
consistently met, consistently missed, or hit and miss. A run chart has no
limits, so no variation icon: a dashed grey circle with R says so. With no target
(or no assurance possible) the assurance place is left empty. Icons alone
exclude anyone who cannot see or decode them, so every cell has an accessible
name and a tooltip in the words of :mod:`collablib.spc.vocabulary`, and the
matrix has a key in words underneath.

Each cell links to the measure's chart, the figure whose id is
:func:`chart_anchor`. Not every measure gets a chart in a large cohort
(:func:`collablib.spc.improvement.detail_selection`): a cell whose chart is not
in the report has no link, and says so. Every link therefore resolves.

**Columns.** When every team tracks the same measures (same ids, names and
order), there is one column per measure, headed by its name. Otherwise (as in
the demo cohorts, where each team has its own primary measure) the columns are
by position, "Primary measure", "Measure 2", ..., and each cell names its
measure next to the icons. A team's primary measure comes first, then the
others in the order of ``measures.csv``.

Nothing is loaded and nothing runs: no scripts, no external resources, and
every string from data is escaped.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from collablib.report.display import HTML, esc
from collablib.report.spc_plots import COMMON, CONCERN, ICON_LETTER, IMPROVEMENT, NEUTRAL
from collablib.report.style import NHS_DARK_GREY, NHS_MID_GREY
from collablib.spc.improvement import MeasureAnalysis
from collablib.spc.vocabulary import ASSURANCE, CHARTS, VARIATION

__all__ = [
    "NO_CHART",
    "NO_TARGET",
    "RUN_CHART",
    "cell_name",
    "chart_anchor",
    "icon_key",
    "icons_svg",
    "summary_matrix",
]

#: Words for the run chart's mark: it has no process limits, so no variation icon.
RUN_CHART = f"No SPC limits: {CHARTS['run'].sentence}"
#: Words for a measure with no target (no assurance icon).
NO_TARGET = "No target"
#: Added to a cell's name when the measure's chart is not in the report.
NO_CHART = "No chart in this report: its result is in the data table spc_summary.csv"

_ID_PART = re.compile(r"[^A-Za-z0-9_-]")
_ICON = 24  # width and height of one icon, in CSS pixels
_GAP = 4


def chart_anchor(team_id: str, measure_id: str) -> str:
    """The HTML id of a measure's chart: ``spc-<team>-<measure>``, only ``[A-Za-z0-9_-]``.

    Team and measure ids are validated to letters, digits, hyphens and
    underscores, so this is usually just ``spc-C2-01-hna_offered``. Hyphens
    could make two pairs read the same (team ``a-b`` with measure ``c``, team
    ``a`` with measure ``b-c``), so when the measure id has a hyphen, or either
    id had to be cleaned, a short hash of the exact ids keeps the id unique.
    """
    team, measure = _ID_PART.sub("-", team_id), _ID_PART.sub("-", measure_id)
    anchor = f"spc-{team}-{measure}"
    if "-" in measure or team != team_id or measure != measure_id or not measure:
        digest = hashlib.sha256(f"{team_id}\x00{measure_id}".encode()).hexdigest()[:8]
        anchor += f"-h{digest}"
    return anchor


# --- the icons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Icon:
    """One circle with a letter: ring and letter colours, dashed ring for the run-chart mark."""

    letter: str
    ring: str
    text: str
    dashed: bool = False


def _variation_icon(a: MeasureAnalysis) -> tuple[_Icon, str]:
    """The variation icon of ``a`` and its words (the run-chart mark for a run chart)."""
    if a.chart == "run":
        return _Icon("R", NHS_MID_GREY, NHS_DARK_GREY, dashed=True), RUN_CHART
    state = a.variation_icon if a.variation_icon in VARIATION else "common_cause"
    letter = "H" if state.endswith("_high") else "L" if state.endswith("_low") else "~"
    colour = (
        IMPROVEMENT
        if state.startswith("improvement")
        else CONCERN
        if state.startswith("concern")
        else NEUTRAL
        if state.startswith("neutral")
        else COMMON
    )
    return _Icon(letter, colour, ICON_LETTER[colour]), VARIATION[state].sentence


def _assurance_icon(a: MeasureAnalysis) -> tuple[_Icon | None, str]:
    """The assurance icon of ``a`` (``None`` for none) and its words."""
    if a.assurance == "pass":
        return _Icon("P", IMPROVEMENT, ICON_LETTER[IMPROVEMENT]), ASSURANCE["pass"].sentence
    if a.assurance == "fail":
        return _Icon("F", CONCERN, ICON_LETTER[CONCERN]), ASSURANCE["fail"].sentence
    if a.assurance == "inconsistent":  # hit and miss: grey ring, orange question mark
        return _Icon("?", COMMON, ICON_LETTER[CONCERN]), ASSURANCE["inconsistent"].sentence
    if a.target is None or math.isnan(a.target):
        return None, NO_TARGET
    return None, ASSURANCE["none"].sentence


def _circle(icon: _Icon, x: int) -> str:
    """One icon at horizontal offset ``x``: a white circle, coloured ring and letter."""
    centre = x + _ICON / 2
    dash = ' stroke-dasharray="3 2"' if icon.dashed else ""
    return (
        f'<circle cx="{centre:g}" cy="12" r="10" fill="#FFFFFF" stroke="{icon.ring}" '
        f'stroke-width="2.2"{dash}/>'
        f'<text x="{centre:g}" y="16.5" text-anchor="middle" font-family="Arial, sans-serif" '
        f'font-size="13" font-weight="bold" fill="{icon.text}">{esc(icon.letter)}</text>'
    )


def _svg(icons: Sequence[_Icon | None], name: str | None) -> str:
    """Icons side by side in one SVG: ``role="img"`` named ``name``, or hidden when ``None``."""
    width = len(icons) * _ICON + (len(icons) - 1) * _GAP
    shapes = "".join(
        _circle(icon, i * (_ICON + _GAP)) for i, icon in enumerate(icons) if icon is not None
    )
    label = (
        f' role="img" aria-label="{esc(name)}"><title>{esc(name)}</title>'
        if name is not None
        else ' aria-hidden="true" focusable="false">'
    )
    return (
        f'<svg width="{width}" height="{_ICON}" '
        f'viewBox="0 0 {width} {_ICON}" style="vertical-align:middle;margin-right:4px"'
        f"{label}{shapes}</svg>"
    )


def cell_name(a: MeasureAnalysis, charted: bool = True) -> str:
    """A cell's accessible name and tooltip: team, measure, variation and assurance in words.

    For example "Avonford skin team, Complaints: Latest point: common cause
    variation. No target." When the chart is not in the report, it says so.
    """
    _, variation = _variation_icon(a)
    _, assurance = _assurance_icon(a)
    primary = " (primary measure)" if a.primary else ""
    text = f"{a.team_name}, {a.measure_name}{primary}: {variation}. {assurance}."
    return text if charted else f"{text} {NO_CHART}."


def icons_svg(a: MeasureAnalysis, charted: bool = True) -> str:
    """The two icons of ``a`` as one inline SVG, named by :func:`cell_name`."""
    variation, _ = _variation_icon(a)
    assurance, _ = _assurance_icon(a)
    return _svg([variation, assurance], cell_name(a, charted))


# --- the matrix --------------------------------------------------------------------------------


def _by_team(analyses: Sequence[MeasureAnalysis]) -> dict[str, list[MeasureAnalysis]]:
    """Each team's measures, teams in order of first appearance, the primary measure first."""
    teams: dict[str, list[MeasureAnalysis]] = {}
    for a in analyses:
        teams.setdefault(a.team_id, []).append(a)
    return {team: sorted(ms, key=lambda a: not a.primary) for team, ms in teams.items()}


def _headers(teams: dict[str, list[MeasureAnalysis]]) -> tuple[list[str], bool]:
    """The measure columns' headers, and whether they are measure names (else positions)."""
    layouts = {
        tuple((a.measure_id, a.measure_name, a.primary) for a in ms) for ms in teams.values()
    }
    if len(layouts) == 1:
        (layout,) = layouts
        return [name + (" (primary)" if primary else "") for _, name, primary in layout], True
    width = max(len(ms) for ms in teams.values())
    first_primary = all(ms[0].primary for ms in teams.values())
    first = "Primary measure" if first_primary else "Measure 1"
    return [first, *(f"Measure {i}" for i in range(2, width + 1))], False


def _cell(a: MeasureAnalysis, charted: bool, show_name: bool, primary_column: bool) -> str:
    """One matrix cell: the icons (and the measure's name), linked to the chart if there is one.

    The visible words repeat what the icons' accessible name says, so they are
    hidden from screen readers, which would otherwise hear them twice.
    """
    words = []
    if show_name:
        words.append(a.measure_name + (" (primary)" if a.primary and not primary_column else ""))
    if not charted:
        words.append("(no chart)")
    label = (
        f'<span class="collab-spc-measure" aria-hidden="true">{esc(" ".join(words))}</span>'
        if words
        else ""
    )
    content = icons_svg(a, charted) + label
    if charted:
        anchor = chart_anchor(a.team_id, a.measure_id)
        return f'<td><a href="#{esc(anchor)}">{content}</a></td>'
    return f'<td class="collab-spc-nochart">{content}</td>'


def summary_matrix(
    analyses: Sequence[MeasureAnalysis],
    charted: Iterable[MeasureAnalysis],
    *,
    caption: str | None = None,
    note: str | None = None,
    key: bool = True,
) -> HTML:
    """The SPC summary matrix as an accessible HTML table, with a key to its icons.

    ``charted`` are the measures whose chart is in the report (with id
    :func:`chart_anchor`): only their cells link, and the note says how many
    are not charted. Columns are described in the module docstring. Empty if
    there are no measures.
    """
    if not analyses:
        return HTML("")
    drawn = {(a.team_id, a.measure_id) for a in charted}
    teams = _by_team(analyses)
    headers, by_name = _headers(teams)
    primary_column = headers[0] == "Primary measure"
    head = '<th scope="col">Team</th>' + "".join(
        f'<th scope="col">{esc(text)}</th>' for text in headers
    )
    rows = []
    for measures in teams.values():
        cells = [
            _cell(a, (a.team_id, a.measure_id) in drawn, not by_name, primary_column and i == 0)
            for i, a in enumerate(measures)
        ]
        cells += ["<td>–</td>"] * (len(headers) - len(cells))
        rows.append(f'<tr><th scope="row">{esc(measures[0].team_name)}</th>{"".join(cells)}</tr>')
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    legend = icon_key(analyses).markup if key else ""
    uncharted = sum((a.team_id, a.measure_id) not in drawn for a in analyses)
    if uncharted:
        missing = (
            f"{uncharted} of these {len(analyses)} measures, marked (no chart), are not charted "
            "in this report; their results are in the data table spc_summary.csv."
        )
        note = f"{note} {missing}" if note else missing
    foot = f'<p class="collab-note">{esc(note)}</p>' if note else ""
    return HTML(
        f'<div class="collab-table-wrap"><table class="collab-table collab-spc-matrix">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{legend}{foot}</div>"
    )


def icon_key(analyses: Sequence[MeasureAnalysis]) -> HTML:
    """A key in words to the icons ``analyses`` show: only those that appear, in a fixed order."""
    entries: dict[str, _Icon | None] = {}
    for a in analyses:
        for icon, words in (_variation_icon(a), _assurance_icon(a)):
            entries.setdefault(words, icon)
    items = []
    for words in sorted(entries, key=lambda w: _ORDER.get(w, len(_ORDER))):
        icon = entries[words]
        mark = _svg([icon], None) if icon is not None else "No icon:"
        items.append(f"<li>{mark} {esc(words)}</li>")
    return HTML(
        '<p class="collab-note"><strong>Key to the icons</strong> (left: the latest point; '
        "right: the target)</p>"
        f'<ul class="collab-note collab-spc-key">{"".join(items)}</ul>'
    )


#: The order of the key: variation states, the run-chart mark, then assurance states.
_ORDER: dict[str, int] = {
    words: i
    for i, words in enumerate(
        [
            *(VARIATION[state].sentence for state in VARIATION),
            RUN_CHART,
            *(ASSURANCE[state].sentence for state in ("pass", "fail", "inconsistent", "none")),
            NO_TARGET,
        ]
    )
}
