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


def test_recommend_chart_counts(cohort):
    by_role = metrics.role_breakdown(cohort.survey)
    overall = metrics.recommend_summary(cohort.survey)
    fig = plots.recommend_chart(by_role, overall)
    widths = bar_widths(fig)
    assert max(widths) == overall["n"]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "All respondents"
    assert set(labels[1:]) == {
        "Project team member",
        "Lived experience partner",
        "Executive sponsor",
    }


def test_role_chart_has_a_series_per_role_with_distinct_markers(cohort):
    fig = plots.role_chart(metrics.role_breakdown(cohort.survey))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(legend) == 3
    markers = {
        line.get_marker()
        for line in fig.axes[0].lines
        if line.get_marker() not in (None, "None", "", "|", "_")
    }
    assert len(markers) == 3


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
