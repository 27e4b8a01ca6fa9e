import re

import pandas as pd
import pytest

from collablib.report import display
from collablib.report.survey_plots import count_chart


def test_table_is_real_accessible_html_and_escapes_cells():
    frame = pd.DataFrame({"Name": ["<script>alert(1)</script>"], "Count": [3]})
    markup = display.table(frame, caption="A & B", numeric=["Count"]).markup
    assert "<table" in markup and "<thead>" in markup and "<caption>A &amp; B</caption>" in markup
    assert '<th scope="col">Name</th>' in markup
    assert '<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>' in markup
    assert '<td class="num">3</td>' in markup
    assert "<script>" not in markup


def test_table_formats_and_missing_values():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [0.5, float("nan")]})
    markup = display.table(frame, formats={"b": lambda v: f"{v:.0%}"}).markup
    assert "<td>50%</td>" in markup
    markup = display.table(frame).markup
    assert "<td>–</td>" in markup


def test_figure_is_inline_svg_with_an_accessible_name_description_and_caption():
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    alt = 'Bar chart "quoted" of teams. Lung 2.'
    markup = display.figure(fig, alt=alt, caption="Cap <b>").markup
    assert markup.startswith('<figure class="collab-figure"><svg role="img" aria-labelledby="')
    name = re.search(r'aria-labelledby="([^"]+)"', markup).group(1)
    desc = re.search(r'aria-describedby="([^"]+)"', markup).group(1)
    # the name is the whole alt text (Chromium's tagged PDFs take a chart's alt from it);
    # the description is the visible caption
    assert f'<title id="{name}">Bar chart &quot;quoted&quot; of teams. Lung 2.</title>' in markup
    assert f'<figcaption id="{desc}">Cap &lt;b&gt;</figcaption>' in markup
    assert "<img" not in markup and "data:image" not in markup
    assert "http" not in markup  # no namespace URLs, nothing to fetch
    # Text stays text (so it scales and can be found), in a font stack every machine has.
    assert ">Teams</text>" in markup and ">Lung</text>" in markup
    assert (
        "font-family:'DejaVu Sans', 'Arial', 'Helvetica', 'Liberation Sans', sans-serif" in markup
    )
    assert "<metadata>" not in markup and "<?xml" not in markup and "<style" not in markup
    no_caption = display.figure(count_chart(pd.Series({"Lung": 2}), "T", "T"), alt="x").markup
    assert "aria-describedby" not in no_caption and "<figcaption" not in no_caption


def test_text_that_looks_like_markup_or_attributes_is_drawn_exactly_as_typed():
    label = 'Team id="x" url(#abc) width="1.23456" </a> <g>'
    fig = count_chart(pd.Series({label: 2}), "Teams", "T")
    svg = display.svg_markup(fig)
    assert '>Team id="x" url(#abc) width="1.23456" &lt;/a&gt; &lt;g&gt;</text>' in svg


def test_a_chart_link_that_is_not_a_point_tip_is_refused():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().scatter([1], [2]).set_urls(["https://example.org"])
    with pytest.raises(ValueError, match="point_tip"):
        display.svg_markup(fig)


def test_chart_text_from_data_is_escaped_in_the_svg():
    fig = count_chart(pd.Series({"<script>alert(1)</script>": 2}), "Teams", "A & $x$ <b>")
    markup = display.figure(fig, alt="chart").markup
    assert "<script" not in markup and "<b>" not in markup
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</text>" in markup
    assert ">A &amp; $x$ &lt;b&gt;</text>" in markup


def test_two_charts_in_one_page_share_no_id():
    page = "".join(
        display.figure(count_chart(pd.Series({"Lung": n}), "Teams", "Title"), alt="c").markup
        for n in (2, 2)
    )
    ids = re.findall(r' id="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', page))
    assert referenced and referenced <= set(ids)


def test_svg_markup_is_byte_reproducible():
    def draw() -> str:
        return display.svg_markup(count_chart(pd.Series({"Lung": 2}), "Teams", "T"), prefix="x-")

    assert draw() == draw()


def test_a_point_tip_becomes_hover_text_and_nothing_else():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    dots = fig.add_subplot().scatter([1, 2], [3, 4])
    dots.set_urls([display.point_tip('May 2021: 45% "a" <b> & c'), display.point_tip("Jun")])
    svg = display.svg_markup(fig)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert titles == ["May 2021: 45% &quot;a&quot; &lt;b&gt; &amp; c", "Jun"]
    assert "<a " not in svg and "</a>" not in svg and "collab-tip" not in svg


def test_a_title_wider_than_the_figure_is_wrapped_to_fit():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    words = "A very long chart title that could never fit on one line of a small chart " * 2
    title = ax.set_title(words.strip(), loc="left")
    centred = fig.add_subplot(2, 2, 4).set_title(words.strip())  # over the right-hand axes
    assert title.get_window_extent(fig._get_renderer()).width > fig.bbox.width
    display.svg_markup(fig)
    for drawn in (title, centred):
        box = drawn.get_window_extent(fig._get_renderer())
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1
        assert drawn.get_text().split() == words.split()  # every word kept, whole, in order
    assert "\n" in ax.get_title(loc="left")


def test_a_title_is_fitted_where_a_fixed_aspect_ratio_puts_its_axes():
    """An axes with a fixed aspect ratio is narrowed, and centred, only when drawn: its left
    title then starts further right, and must be fitted from there."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_aspect("equal")
    words = "How quickly patients were seen after a referral from their GP, answering well"
    title = ax.set_title(words, loc="left")
    display.svg_markup(fig)
    box = title.get_window_extent(fig._get_renderer())
    assert box.x0 > fig.bbox.width / 4  # the narrowed axes starts well inside the figure
    assert box.x1 <= fig.bbox.x1 and "\n" in title.get_text()
    assert title.get_text().split() == words.split()


def test_a_figure_with_no_axes_draws_without_a_layout_warning(recwarn):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 1), layout="constrained")
    fig.text(0.5, 0.5, "No data for this chart", ha="center")
    assert "No data for this chart" in display.svg_markup(fig)
    assert [str(w.message) for w in recwarn] == []


def test_figure_anchor_becomes_the_figure_id_escaped():
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    assert display.figure(fig, alt="chart").markup.startswith('<figure class="collab-figure"><svg')
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    markup = display.figure(fig, alt="chart", anchor='spc-C2-01-m"<x>').markup
    assert markup.startswith('<figure class="collab-figure" id="spc-C2-01-m&quot;&lt;x&gt;">')


@pytest.mark.parametrize("anchor", ["", "two words", "tab\there"])
def test_figure_refuses_an_invalid_anchor(anchor):
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    with pytest.raises(ValueError, match="not a valid HTML id"):
        display.figure(fig, alt="chart", anchor=anchor)


def test_quotes_are_escaped_and_attributed_by_role_only():
    frame = pd.DataFrame(
        {"role": ["Lived experience partner"], "quote": ["<img src=x onerror=alert(1)>"]}
    )
    markup = display.quotes(frame).markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "<img" not in markup
    assert "<footer>Lived experience partner</footer>" in markup


def test_empty_quotes_say_so():
    markup = display.quotes(pd.DataFrame(columns=["role", "quote"])).markup
    assert "No respondent agreed to be quoted" in markup


def test_html_object_renders_in_jupyter():
    block = display.paragraph("a < b")
    assert block._repr_html_() == "<p>a &lt; b</p>"
    assert (block + display.paragraph("c")).markup == "<p>a &lt; b</p><p>c</p>"
