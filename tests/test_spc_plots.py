import dataclasses

import matplotlib as mpl
import matplotlib.colors as mcolors
import pandas as pd
import pytest

from collablib.data.loaders import load_cohort
from collablib.report import spc_plots
from collablib.report.display import png_bytes
from collablib.spc import improvement
from tests.test_plots import DOLLARS, HREF, MATHS, assert_drawn_literally, report_texts


@pytest.fixture(scope="module")
def analyses(demo_data):
    data = load_cohort("cohort-2", demo_data)
    return improvement.analyse_cohort(data.measures, data.teams, data.cohort.start_date)


def colours_and_markers(fig):
    found = set()
    for coll in fig.axes[0].collections:
        for colour in coll.get_facecolors():
            found.add(mcolors.to_hex(colour))
    return found


def test_points_use_mdc_colours(analyses):
    improved = next(a for a in analyses if a.primary and a.improved_after_change)
    fig = spc_plots.spc_chart(improved)
    colours = colours_and_markers(fig)
    assert spc_plots.IMPROVEMENT.lower() in colours
    assert colours <= {
        c.lower()
        for c in (spc_plots.COMMON, spc_plots.IMPROVEMENT, spc_plots.CONCERN, spc_plots.NEUTRAL)
    }


def test_limits_dashed_target_red_and_changes_numbered(analyses):
    a = next(a for a in analyses if a.primary and a.chart == "p" and len(a.changes) == 3)
    fig = spc_plots.spc_chart(a)
    ax = fig.axes[0]
    dashed = [
        ln
        for ln in ax.lines
        if ln.get_linestyle() == "--" and mcolors.to_hex(ln.get_color()) != spc_plots.TARGET.lower()
    ]
    groups = a.frame["group"].nunique()
    assert len(dashed) == 2 * groups  # lower and upper limit for each segment (break at rebase)
    target = [ln for ln in ax.lines if mcolors.to_hex(ln.get_color()) == spc_plots.TARGET.lower()]
    assert target and target[0].get_ydata()[0] == a.target
    labels = [t.get_text().strip() for t in ax.texts]
    assert {"1", "2", "3"} <= set(labels)
    words = " ".join(labels)
    assert "Latest point" in words and "Target:" in words


def test_missing_months_are_drawn_as_gaps(analyses):
    a = next(a for a in analyses if a.missing_periods)
    ax = spc_plots.spc_chart(a).axes[0]
    series = ax.lines[0].get_ydata()
    assert pd.isna(series).sum() == a.missing_periods
    assert len(ax.patches) >= a.missing_periods  # shaded bands


def test_run_chart_has_a_median_and_no_limits(analyses):
    a = next(a for a in analyses if a.chart == "run")
    ax = spc_plots.spc_chart(a).axes[0]
    assert not [
        ln
        for ln in ax.lines
        if ln.get_linestyle() == "--" and mcolors.to_hex(ln.get_color()) != spc_plots.TARGET.lower()
    ]
    assert "Median" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_small_multiples_one_panel_per_measure_and_deterministic(analyses):
    primaries = [a for a in analyses if a.primary]
    fig = spc_plots.small_multiples(primaries)
    assert sum(ax.get_visible() for ax in fig.axes) == len(primaries)
    assert png_bytes(spc_plots.small_multiples(primaries)) == png_bytes(fig)
    assert spc_plots.small_multiples([]) is None


def test_alt_text_describes_the_chart(analyses):
    a = next(a for a in analyses if a.primary and a.improved_after_change)
    text = spc_plots.measure_alt_text(a)
    assert a.team_name in text and a.measure_name in text and "special-cause" in text


def test_spc_chart_draws_team_measure_and_unit_names_literally(analyses):
    a = next(a for a in analyses if a.primary and a.chart == "p" and len(a.changes) == 3)
    named = dataclasses.replace(a, team_name=DOLLARS, measure_name=HREF, unit="$ per patient")
    before = dict(mpl.rcParams.copy())
    texts = report_texts(spc_plots.spc_chart(named))  # ValueError from mathtext without the fix
    assert_drawn_literally(texts, f"{DOLLARS}: {HREF}", "$ per patient", " 1", " 2", " 3")
    assert_drawn_literally(report_texts(spc_plots.spc_chart(named, title=MATHS)), MATHS)
    assert dict(mpl.rcParams.copy()) == before


def test_small_multiples_draw_team_names_literally(analyses):
    primaries = [a for a in analyses if a.primary][:3]
    names = [DOLLARS, HREF, MATHS]
    named = [
        dataclasses.replace(a, team_name=name, measure_name=f"{name} measure")
        for a, name in zip(primaries, names, strict=True)
    ]
    before = dict(mpl.rcParams.copy())
    texts = report_texts(spc_plots.small_multiples(named))
    titles = [f"{a.team_name}\n{spc_plots._status_word(a)}" for a in named]
    assert_drawn_literally(texts, *titles)
    assert dict(mpl.rcParams.copy()) == before


def test_alt_text_says_which_rules_fired_and_when():
    frame = pd.DataFrame(
        {
            "x": pd.date_range("2021-01-01", periods=6, freq="MS"),
            "rules": [pd.NA, "shift", "outside limits; shift", "shift", pd.NA, "outside limits"],
        }
    )
    assert spc_plots.rules_sentence(frame) == (
        "Rules that flagged points: outside limits (Mar 2021; Jun 2021), "
        "shift (Feb 2021 to Apr 2021)."
    )
    assert spc_plots.rules_sentence(frame.assign(rules=pd.NA)) == ""


def test_every_demo_chart_with_a_flagged_point_names_its_rules(analyses):
    flagged = [a for a in analyses if a.chart != "run" and a.frame["rules"].notna().any()]
    assert flagged
    for a in flagged:
        text = spc_plots.measure_alt_text(a)
        assert "Rules that flagged points:" in text
        for rules in a.frame["rules"].dropna():
            assert all(rule in text for rule in rules.split("; "))
