"""Charts: drawn from the metrics tables, labelled, and byte-reproducible."""

import matplotlib.colors as mcolors
import pytest
from matplotlib.figure import Figure

from collablib import metrics, plots
from collablib.display import png_bytes
from collablib.loaders import load_cohort
from collablib.style import NHS_BLUE, RATING_COLOURS


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
    from collablib.comparisons import recommend_context

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
    from collablib.disclosure import protect_role_breakdown

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

    from collablib.comparisons import compare_cohort

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


def test_png_output_is_byte_reproducible(cohort):
    items = metrics.item_summary(cohort.survey)
    first = png_bytes(plots.pct_positive_chart(items))
    second = png_bytes(plots.pct_positive_chart(items))
    assert first == second
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
