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


def test_figure_is_inline_png_with_alt_text_and_caption():
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    markup = display.figure(fig, alt='Bar chart "quoted"', caption="Cap <b>").markup
    assert 'src="data:image/png;base64,' in markup
    assert 'alt="Bar chart &quot;quoted&quot;"' in markup
    assert "<figcaption>Cap &lt;b&gt;</figcaption>" in markup
    assert "http" not in markup


def test_figure_anchor_becomes_the_figure_id_escaped():
    fig = count_chart(pd.Series({"Lung": 2}), "Teams", "Title")
    assert "id=" not in display.figure(fig, alt="chart").markup
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
