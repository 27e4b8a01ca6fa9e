"""The SPC summary matrix: icons per state, escaping, determinism, and links that resolve."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from html.parser import HTMLParser

import pandas as pd
import pytest

from collablib.report import spc_matrix
from collablib.report.spc_plots import COMMON, CONCERN, ICON_LETTER, IMPROVEMENT, NEUTRAL
from collablib.spc import improvement
from collablib.spc.improvement import MeasureAnalysis
from collablib.spc.vocabulary import ASSURANCE, VARIATION

SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def make(
    team: str = "T1",
    measure: str = "m1",
    *,
    chart: str = "xmr",
    icon: str = "common_cause",
    assurance: str = "none",
    target: float = math.nan,
    primary: bool = True,
    team_name: str | None = None,
    measure_name: str | None = None,
) -> MeasureAnalysis:
    """A measure's SPC result with only what the matrix reads filled in."""
    return MeasureAnalysis(
        team_id=team,
        team_name=team_name or f"Team {team}",
        measure_id=measure,
        measure_name=measure_name or f"Measure {measure}",
        unit="%",
        direction="increase",
        target=target,
        is_proportion=True,
        primary=primary,
        chart=chart,
        reason="",
        points=20,
        missing_periods=0,
        frame=pd.DataFrame(),
        changes=pd.DataFrame(),
        variation=None if chart == "run" else "common_cause",
        variation_icon=icon,
        assurance=assurance,
    )


class _Matrix(HTMLParser):
    """The matrix's links, cells and accessible names, and every id and its count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.matrix_links: list[str] = []
        self.names: list[str] = []
        self.cells: list[list[str]] = []  # per <td> of the matrix: the tags in it
        self.in_matrix = 0
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] += 1
        if tag == "table" and "collab-spc-matrix" in (a.get("class") or "").split():
            self.in_matrix += 1
        if not self.in_matrix:
            return
        if tag == "td":
            self.cell = []
            self.cells.append(self.cell)
        elif self.cell is not None:
            self.cell.append(tag)
        if tag == "a":
            self.matrix_links.append(a.get("href") or "")
        if tag == "svg" and a.get("role") == "img":
            self.names.append(a.get("aria-label") or "")

    def handle_endtag(self, tag):
        if tag == "table" and self.in_matrix:
            self.in_matrix -= 1
        elif tag == "td":
            self.cell = None


def parse(markup: str) -> _Matrix:
    parser = _Matrix()
    parser.feed(markup)
    return parser


# --- anchors -------------------------------------------------------------------------------------


def test_chart_anchor_is_readable_safe_and_unique():
    assert spc_matrix.chart_anchor("C2-01", "hna_offered") == "spc-C2-01-hna_offered"
    pairs = [("a-b", "c"), ("a", "b-c"), ("a", "b_c"), ("a_b", "c"), ("a b", "c"), ("a", 'b"<c')]
    anchors = [spc_matrix.chart_anchor(t, m) for t, m in pairs]
    assert len(set(anchors)) == len(pairs)
    assert all(SAFE_ID.match(anchor) and anchor.startswith("spc-") for anchor in anchors)
    assert anchors == [spc_matrix.chart_anchor(t, m) for t, m in pairs]  # deterministic


# --- icons ---------------------------------------------------------------------------------------

VARIATION_STATES = [
    ("common_cause", "~", COMMON),
    ("improvement_high", "H", IMPROVEMENT),
    ("improvement_low", "L", IMPROVEMENT),
    ("concern_high", "H", CONCERN),
    ("concern_low", "L", CONCERN),
    ("neutral_high", "H", NEUTRAL),
    ("neutral_low", "L", NEUTRAL),
]


@pytest.mark.parametrize(("icon", "letter", "colour"), VARIATION_STATES)
def test_variation_icon_has_its_letter_colour_and_words(icon, letter, colour):
    svg = spc_matrix.icons_svg(make(icon=icon))
    assert f'stroke="{colour}"' in svg and f'fill="{ICON_LETTER[colour]}">{letter}</text>' in svg
    assert 'role="img"' in svg and "<title>" in svg
    assert VARIATION[icon].sentence in spc_matrix.cell_name(make(icon=icon))


@pytest.mark.parametrize(
    ("assurance", "letter", "ring", "text"),
    [
        ("pass", "P", IMPROVEMENT, ICON_LETTER[IMPROVEMENT]),
        ("fail", "F", CONCERN, ICON_LETTER[CONCERN]),
        ("inconsistent", "?", COMMON, ICON_LETTER[CONCERN]),
    ],
)
def test_assurance_icon_has_its_letter_colour_and_words(assurance, letter, ring, text):
    a = make(assurance=assurance, target=75.0)
    svg = spc_matrix.icons_svg(a)
    assert svg.count("<circle") == 2
    assert f'stroke="{ring}" stroke-width="2.2"/><text x="40"' in svg
    assert f'fill="{text}">{letter}</text>' in svg
    assert spc_matrix.cell_name(a) == (
        f"Team T1, Measure m1 (primary measure): {VARIATION['common_cause'].sentence}. "
        f"{ASSURANCE[assurance].sentence}."
    )


def test_no_target_means_no_assurance_icon_and_says_so():
    a = make(target=math.nan)
    assert spc_matrix.icons_svg(a).count("<circle") == 1
    assert spc_matrix.cell_name(a).endswith(f"{spc_matrix.NO_TARGET}.")
    with_target = make(target=75.0)  # a target, but no assurance (e.g. no direction)
    assert spc_matrix.icons_svg(with_target).count("<circle") == 1
    assert spc_matrix.cell_name(with_target).endswith(f"{ASSURANCE['none'].sentence}.")


def test_run_chart_has_a_neutral_mark_instead_of_a_variation_icon():
    a = make(chart="run", icon="common_cause", target=75.0)
    svg = spc_matrix.icons_svg(a)
    assert "stroke-dasharray" in svg and ">R</text>" in svg and svg.count("<circle") == 1
    name = spc_matrix.cell_name(a)
    assert spc_matrix.RUN_CHART in name and "common cause" not in name


def test_key_explains_in_words_only_the_icons_shown():
    analyses = [
        make("T1", icon="improvement_high", assurance="pass", target=1.0),
        make("T2", chart="run"),
    ]
    key = spc_matrix.icon_key(analyses).markup
    for words in (
        VARIATION["improvement_high"].sentence,
        spc_matrix.RUN_CHART,
        ASSURANCE["pass"].sentence,
        spc_matrix.NO_TARGET,
    ):
        assert words in key
    assert VARIATION["concern_high"].sentence not in key
    assert 'aria-hidden="true"' in key and 'role="img"' not in key  # the words carry it


# --- the table -----------------------------------------------------------------------------------

HOSTILE_TEAM = '<script>alert(1)</script> & "Q\'s" $5'
HOSTILE_MEASURE = "<img src=x onerror=alert(1)> $\\href{http://x}{y}$"


def test_hostile_names_are_escaped_everywhere_and_named_literally():
    a = make(
        "T&1",
        'm"<1>',
        team_name=HOSTILE_TEAM,
        measure_name=HOSTILE_MEASURE,
        assurance="fail",
        target=5.0,
    )
    b = make("T2", "m2", measure_name="Other")  # different measures: names shown in the cells
    markup = spc_matrix.summary_matrix([a, b], [a, b], caption="<b>cap</b>", note="<i>n</i>").markup
    assert "<script" not in markup and "<img" not in markup
    assert "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;" in markup and "&lt;img src=x" in markup
    parsed = parse(markup)
    assert parsed.names[0].startswith(f"{HOSTILE_TEAM}, {HOSTILE_MEASURE} (primary measure):")
    assert parsed.matrix_links == [
        "#" + spc_matrix.chart_anchor("T&1", 'm"<1>'),
        "#" + spc_matrix.chart_anchor("T2", "m2"),
    ]


def test_output_is_deterministic_and_self_contained():
    analyses = [make("T1", icon="concern_low", assurance="inconsistent", target=3.0)]
    first = spc_matrix.summary_matrix(analyses, analyses, caption="c").markup
    again = spc_matrix.summary_matrix(
        [dataclasses.replace(a) for a in analyses], analyses, caption="c"
    )
    assert first == again.markup
    assert "<script" not in first and "http" not in first and "url(" not in first


def test_columns_by_position_when_teams_track_different_measures():
    analyses = [
        make("T1", "other", primary=False, measure_name="Complaints"),
        make("T1", "m1", measure_name="Waiting days"),
        make("T2", "m2", measure_name="Named nurse"),
    ]
    markup = spc_matrix.summary_matrix(analyses, analyses).markup
    assert '<th scope="col">Team</th><th scope="col">Primary measure</th>' in markup
    assert '<th scope="col">Measure 2</th>' in markup
    parsed = parse(markup)
    # primary first, then the others; the team with one measure gets an empty cell
    assert parsed.matrix_links == ["#spc-T1-m1", "#spc-T1-other", "#spc-T2-m2"]
    assert "Waiting days</span>" in markup and "<td>–</td>" in markup
    assert '<th scope="row">Team T1</th>' in markup and '<th scope="row">Team T2</th>' in markup


def test_columns_by_measure_name_when_every_team_tracks_the_same_measures():
    analyses = [
        make(team, measure, primary=measure == "a", measure_name=f"Name {measure}")
        for team in ("T1", "T2")
        for measure in ("a", "b")
    ]
    markup = spc_matrix.summary_matrix(analyses, analyses).markup
    assert '<th scope="col">Name a (primary)</th><th scope="col">Name b</th>' in markup
    assert "collab-spc-measure" not in markup  # the header names the measure
    assert len(parse(markup).matrix_links) == 4


def test_no_measures_no_matrix():
    assert spc_matrix.summary_matrix([], []).markup == ""


# --- every link resolves -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_measures() -> list[MeasureAnalysis]:
    from collablib.analysis import analyse

    return analyse("cohort-2").improvement.measures


def figure_ids(analyses: list[MeasureAnalysis]) -> Counter[str]:
    """The ids of the chart figures the notebook draws ("Each team's measures")."""
    detailed, _ = improvement.detail_selection(analyses)
    return Counter(spc_matrix.chart_anchor(a.team_id, a.measure_id) for a in detailed)


def test_every_cell_of_the_demo_matrix_links_to_a_chart_in_the_report(demo_measures):
    detailed, _ = improvement.detail_selection(demo_measures)
    parsed = parse(spc_matrix.summary_matrix(demo_measures, detailed).markup)
    ids = figure_ids(demo_measures)
    assert len(parsed.matrix_links) == len(demo_measures) == len(ids)
    for href in parsed.matrix_links:
        assert href.startswith("#") and ids[href[1:]] == 1, href
    assert all(SAFE_ID.match(anchor) for anchor in ids)


def test_measures_without_a_chart_are_shown_without_a_link_and_say_so(demo_measures):
    many = [
        dataclasses.replace(a, team_id=f"{a.team_id}-{copy}", team_name=f"{a.team_name} {copy}")
        for copy in range(3)
        for a in demo_measures
    ]
    assert len(many) > improvement.DETAIL_CHART_LIMIT
    detailed, note = improvement.detail_selection(many)
    assert note and len(detailed) < len(many)
    markup = spc_matrix.summary_matrix(many, detailed).markup
    parsed = parse(markup)
    ids = figure_ids(many)
    assert len(parsed.matrix_links) == len(detailed)
    for href in parsed.matrix_links:
        assert ids[href[1:]] == 1, href
    unlinked = [cell for cell in parsed.cells if "svg" in cell and "a" not in cell]
    assert len(unlinked) == len(many) - len(detailed)
    assert sum(spc_matrix.NO_CHART in name for name in parsed.names) == len(unlinked)
    assert f"{len(unlinked)} of these {len(many)} measures, marked (no chart)" in markup


@pytest.mark.parametrize("suffix", [".html", ".code.html"])
def test_built_report_matrix_links_resolve_in_the_same_page(built, suffix):
    out, _ = built
    page = (out / f"cohort-2{suffix}").read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.matrix_links, "no SPC summary matrix in the report"
    for href in parsed.matrix_links:
        assert href.startswith("#") and parsed.ids[href[1:]] == 1, href
    charts = [anchor for anchor in parsed.ids if anchor.startswith("spc-")]
    assert sorted(href[1:] for href in parsed.matrix_links) == sorted(charts)
