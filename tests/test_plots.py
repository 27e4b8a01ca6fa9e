"""Charts: drawn from the metrics tables, labelled, and byte-reproducible."""

from collections.abc import Callable

import matplotlib as mpl
import matplotlib.colors as mcolors
import matplotlib.text as mtext
import pandas as pd
import pytest
from matplotlib.figure import Figure

from collablib.cpes import analysis as cpes_analysis
from collablib.data.cpes import load_cpes
from collablib.data.loaders import load_cohort
from collablib.report import cpes_plots, display
from collablib.report import survey_plots as plots
from collablib.report.display import png_bytes
from collablib.report.style import NHS_BLUE, RATING_COLOURS
from collablib.survey import metrics
from collablib.survey.comparisons import compare_cohort, recommend_context

#: Names as they might arrive in a data file: "$" must be drawn as a dollar sign.
DOLLARS = "$5 to $10 grants"
#: Not valid mathtext: the mathtext parser raises ValueError at draw time.
HREF = r"$\href{http://x}{y}$"
#: A third one, so no two labels of a chart are equal.
MATHS = "Costs $x^2$"


@pytest.fixture(scope="module")
def cohort(demo_data):
    return load_cohort("cohort-2", demo_data)


def bar_widths(fig: Figure) -> list[float]:
    return [p.get_width() for p in fig.axes[0].patches]


def test_pct_positive_chart_bars_equal_the_percentages(cohort):
    items = metrics.item_summary(cohort.survey)
    fig = plots.pct_positive_chart(items)
    ax = fig.axes[0]
    assert bar_widths(fig) == pytest.approx(items["pct"].tolist())
    assert ax.get_xlim() == (0, 100)
    assert all(mcolors.to_hex(p.get_facecolor()) == NHS_BLUE.lower() for p in ax.patches)
    top_to_bottom = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text().replace("\n", " ") for t in top_to_bottom] == items["label"].tolist()
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("79%") and "(30 of 38)" in t for t in texts)


def test_pct_positive_chart_copes_with_no_answers():
    import pandas as pd

    items = pd.DataFrame(
        {
            "item": ["team_working"],
            "label": ["Team working"],
            "n": [0],
            "positive": [0],
            "not_answered": [3],
        }
    )
    fig = plots.pct_positive_chart(metrics.add_proportion_columns(items))
    assert any(t.get_text() == "no answers" for t in fig.axes[0].texts)


def test_likert_chart_segments_sum_to_100_per_item(cohort):
    counts = metrics.rating_counts(cohort.survey)
    fig = plots.likert_chart(counts)
    ax = fig.axes[0]
    by_row: dict[float, float] = {}
    for patch in ax.patches:
        y = round(patch.get_y(), 6)
        by_row[y] = by_row.get(y, 0) + patch.get_width()
    assert len(by_row) == 3
    assert list(by_row.values()) == pytest.approx([100.0] * 3)
    negatives = [p for p in ax.patches if p.get_x() < 0]
    assert negatives and all(p.get_hatch() == "///" for p in negatives)
    colours = {mcolors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert colours <= {c.lower() for c in RATING_COLOURS.values()}


def test_recommend_chart_has_a_bar_per_group_adding_to_100(cohort, demo_data):
    from collablib.survey.comparisons import recommend_context

    others = [load_cohort(c, demo_data) for c in ("rare-cancers", "cohort-1")]
    rows = recommend_context(cohort, others)
    fig = plots.recommend_chart(rows)
    ax = fig.axes[0]
    by_row: dict[float, float] = {}
    for patch in ax.patches:
        by_row[round(patch.get_y(), 6)] = by_row.get(round(patch.get_y(), 6), 0) + patch.get_width()
    assert list(by_row.values()) == pytest.approx([100.0] * len(rows))
    top = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "Cohort 2"
    assert any(t.get_text() == "39" for t in ax.texts)  # counts printed on the bars


def test_role_chart_draws_only_published_percentages(cohort):
    from collablib.survey.disclosure import protect_role_breakdown

    protected = protect_role_breakdown(metrics.role_breakdown(cohort.survey))
    fig = plots.role_chart(protected)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    shown_roles = set(protected.loc[protected["pct_shown"], "role"])
    assert set(legend) == shown_roles
    assert "Executive sponsor" not in legend
    points = [line for line in fig.axes[0].lines if line.get_marker() in ("o", "s", "D")]
    xs = sorted(x for line in points for x in line.get_xdata())
    assert xs == pytest.approx(sorted(protected.loc[protected["pct_shown"], "pct"]))


def test_role_chart_with_all_roles_shown_uses_distinct_markers(cohort):
    fig = plots.role_chart(metrics.role_breakdown(cohort.survey))  # unprotected: all roles
    markers = {
        line.get_marker()
        for line in fig.axes[0].lines
        if line.get_marker() not in (None, "None", "", "|", "_")
    }
    assert len(markers) == 3


def test_role_chart_with_nothing_publishable_is_none(cohort):
    frame = metrics.role_breakdown(cohort.survey).assign(pct_shown=False)
    assert plots.role_chart(frame) is None


def test_comparison_chart_marks_significance_by_fill(demo_data, cohort):
    import pandas as pd

    from collablib.survey.comparisons import compare_cohort

    others = [load_cohort(c, demo_data) for c in ("cohort-1", "cohort-3")]
    table = compare_cohort(cohort, others)
    table.loc[0, ["significant"]] = True  # force one filled marker
    fig = plots.comparison_chart(table)
    markers = [line for line in fig.axes[0].lines if line.get_marker() in ("o", "D")]
    assert len(markers) == len(table)
    filled = [m for m in markers if m.get_markerfacecolor() != "white"]
    assert len(filled) == 1
    assert plots.comparison_chart(table.iloc[0:0]) is None
    assert isinstance(table, pd.DataFrame)


def test_count_chart_orders_largest_first_and_labels_bars(cohort):
    counts = cohort.teams["tumour_group"].value_counts()
    fig = plots.count_chart(counts, "Teams", "Teams by tumour group")
    ax = fig.axes[0]
    widths = bar_widths(fig)
    assert widths == sorted(widths, reverse=True)
    assert sum(widths) == len(cohort.teams)
    assert ax.get_title(loc="left") == "Teams by tumour group"


def test_png_and_svg_output_are_byte_reproducible(cohort):
    items = metrics.item_summary(cohort.survey)
    first = png_bytes(plots.pct_positive_chart(items))
    second = png_bytes(plots.pct_positive_chart(items))
    assert first == second
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    first = display.svg_markup(plots.pct_positive_chart(items), prefix="c-")
    assert first == display.svg_markup(plots.pct_positive_chart(items), prefix="c-")


def report_texts(fig: Figure) -> list[tuple[str, bool]]:
    """Save ``fig`` the way reports do; (text, parse_math) of each of its Text artists.

    :func:`display.svg_markup` is what :func:`display.figure` embeds. The Text
    artists are read after it, so tick labels created only at draw time are
    included, and before ``display.figure``, which clears the figure; that is
    then run too, as a report would.
    """
    assert display.svg_markup(fig).startswith("<svg ")
    texts = [(t.get_text(), t.get_parse_math()) for t in fig.findobj(mtext.Text)]
    markup = display.figure(fig, alt="chart").markup
    assert '<svg role="img"' in markup
    return texts


def assert_drawn_literally(texts: list[tuple[str, bool]], *expected: str) -> None:
    """Each expected string is some Text artist's exact text, and no Text parses mathtext."""
    shown = [text for text, _ in texts]
    for text in expected:
        assert text in shown, f"no Text artist shows {text!r}: {shown}"
    assert not any(parse for text, parse in texts if text in expected)
    # every Text, the tick labels created while saving included
    assert [text for text, parse in texts if parse] == []


def test_count_chart_draws_dollar_signs_in_tumour_groups_literally():
    counts = pd.Series({DOLLARS: 3, HREF: 2, "Lung": 1})
    fig = plots.count_chart(counts, "Teams ($)", f"Teams by tumour group: {DOLLARS}")
    texts = report_texts(fig)  # a ValueError from the mathtext parser without the fix
    assert_drawn_literally(texts, DOLLARS, HREF, "Teams ($)", f"Teams by tumour group: {DOLLARS}")


def _relabel(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    names = list(dict.fromkeys(frame[column]))
    mapping = dict(zip(names, [DOLLARS, HREF, MATHS, "$4", "$5"], strict=False))
    return frame.assign(**{column: frame[column].map(mapping)})


def _pct_positive(cohort, demo_data):
    items = _relabel(metrics.item_summary(cohort.survey), "label")
    return plots.pct_positive_chart(items, title=f"Title {DOLLARS}"), [DOLLARS, HREF, MATHS]


def _likert(cohort, demo_data):
    counts = _relabel(metrics.rating_counts(cohort.survey), "label")
    return plots.likert_chart(counts, title=f"Title {DOLLARS}"), [DOLLARS, HREF, MATHS]


def _recommend(cohort, demo_data):
    others = [load_cohort(c, demo_data) for c in ("rare-cancers", "cohort-1")]
    rows = _relabel(recommend_context(cohort, others), "label")
    return plots.recommend_chart(rows, title=f"Title {DOLLARS}"), [DOLLARS, HREF, MATHS]


def _role(cohort, demo_data):
    frame = _relabel(_relabel(metrics.role_breakdown(cohort.survey), "role"), "label")
    return plots.role_chart(frame, title=f"Title {DOLLARS}"), [DOLLARS, HREF, MATHS]


def _comparison(cohort, demo_data):
    others = [load_cohort(c, demo_data) for c in ("cohort-1", "cohort-3")]
    table = _relabel(_relabel(compare_cohort(cohort, others), "label"), "comparator")
    return plots.comparison_chart(table, title=f"Title {DOLLARS}"), [DOLLARS, HREF, MATHS]


SURVEY_CHARTS: dict[str, Callable] = {
    "pct_positive": _pct_positive,
    "likert": _likert,
    "recommend": _recommend,
    "role": _role,
    "comparison": _comparison,
}


@pytest.mark.parametrize("kind", SURVEY_CHARTS)
def test_survey_charts_draw_labels_from_data_literally(kind, cohort, demo_data):
    fig, expected = SURVEY_CHARTS[kind](cohort, demo_data)
    assert_drawn_literally(report_texts(fig), *expected, f"Title {DOLLARS}")


def test_cpes_question_chart_draws_question_text_and_trust_literally(demo_data):
    data = load_cohort("cohort-2", demo_data)
    result = cpes_analysis.analyse_cohort(
        load_cpes(demo_data), data.teams, data.cohort.start_date, data.cohort.end_date
    )
    _, yearly = result.charts()[0]
    title = f"Trust {DOLLARS} (RXX): Q1 {HREF} answered?"
    fig = cpes_plots.question_chart(yearly, title, result.years.baseline, result.years.followup)
    assert_drawn_literally(report_texts(fig), title)


def test_charts_leave_the_global_rcparams_as_they_were(cohort):
    before = dict(mpl.rcParams.copy())
    report_texts(plots.count_chart(pd.Series({DOLLARS: 2, "Lung": 1}), "Teams", "Title"))
    report_texts(plots.pct_positive_chart(metrics.item_summary(cohort.survey)))
    assert dict(mpl.rcParams.copy()) == before
    # an analyst's own plot afterwards still gets matplotlib's default: mathtext on
    assert mpl.rcParams["text.parse_math"] is True
    assert Figure().text(0, 0, "$x^2$").get_parse_math() is True
