import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from collablib.build.htmlexport import add_table_of_contents, export_html, table_of_contents
from tests.htmltools import external_resources, parse


def executed_notebook():
    code = new_code_cell("print('hidden code marker')", execution_count=1)
    code.outputs = [
        new_output("stream", name="stdout", text="visible output\n"),
        new_output("stream", name="stderr", text="a library warning\n"),
        new_output("display_data", data={"text/html": "<p class='x'>table here</p>"}),
    ]
    return new_notebook(
        cells=[
            new_markdown_cell("Intro text."),
            new_markdown_cell(
                "## First section\n\nText with $dollars$ and a [link](#First-section)."
            ),
            new_markdown_cell("### A subsection"),
            code,
            new_markdown_cell("## Second section"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def test_reviewer_page_hides_code_and_stderr_and_loads_nothing():
    page = export_html(executed_notebook(), title="T & co", show_code=False)
    assert "hidden code marker" not in page
    assert "a library warning" not in page
    assert "visible output" in page and "table here" in page
    assert "<title>T &amp; co</title>" in page
    assert external_resources(page) == []
    assert "<script" not in page.lower()
    assert "cdn" not in page.lower()


def test_analyst_page_shows_code():
    page = export_html(executed_notebook(), title="T", show_code=True)
    assert "hidden code marker" in page
    assert external_resources(page) == []


def test_table_of_contents_links_every_section_to_an_existing_anchor():
    page = export_html(executed_notebook(), title="T", show_code=False)
    entries = table_of_contents(page)
    assert [(level, text) for level, _, text in entries] == [
        (2, "First section"),
        (3, "A subsection"),
        (2, "Second section"),
    ]
    parsed = parse(page)
    toc_links = [href for href in parsed.links if href.startswith("#")]
    for _, anchor, _ in entries:
        assert f"#{anchor}" in toc_links
        assert anchor in parsed.ids
    # the contents come after the introduction and before the first section
    assert (
        page.index("Intro text")
        < page.index('class="collab-toc"')
        < page.index('id="First-section"')
    )


def test_page_without_headings_is_unchanged():
    assert add_table_of_contents("<main><p>x</p></main>") == "<main><p>x</p></main>"


def test_export_does_not_modify_the_notebook():
    nb = executed_notebook()
    before = nbformat.writes(nb)
    export_html(nb, title="T", show_code=False)
    assert nbformat.writes(nb) == before


def test_export_is_deterministic():
    nb = executed_notebook()
    assert export_html(nb, title="T", show_code=False) == export_html(
        nb, title="T", show_code=False
    )
