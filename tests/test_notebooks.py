"""The committed notebooks are thin, parameterised and stored without outputs."""

from pathlib import Path

import nbformat
import pytest

from collablib.paths import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert PROJECT_ROOT / "notebooks" / "cohort_report.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat(path: Path):
    nbformat.validate(nbformat.read(path, as_version=4))


def test_report_notebook_has_a_parameters_cell_with_cohort_and_data_folder():
    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "cohort_report.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict = {}
    exec(tagged[0].source, namespace)  # the parameters cell is plain assignments
    assert isinstance(namespace["cohort_id"], str)
    assert "data_dir" in namespace and "provenance" in namespace
    assert nb.metadata["kernelspec"]["name"] == "collab"


def test_report_notebook_cells_stay_thin():
    """Logic belongs in collablib: no code cell in the report grows beyond a few statements."""
    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "cohort_report.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            statements = [
                line
                for line in cell.source.splitlines()
                if line.strip() and not line.startswith((" ", ")", "#"))
            ]
            assert len(statements) <= 8, cell.source


def test_report_notebook_analyses_once_and_then_only_renders():
    """Every figure comes from the one ``analyse()`` call: no loading, pooling or counting here."""
    import ast

    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "cohort_report.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    called = [
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
    ]
    assert called.count("analyse") == 1
    computing = {
        *("load_cohort", "load_programme_year", "load_comparators", "pool", "cohort_figures"),
        *("headline", "item_summary", "compare_cohort", "analyse_cohort", "status_counts"),
        *("value_counts", "groupby", "sum", "mean", "median", "pivot_table", "merge", "apply"),
    }
    assert not computing & set(called), sorted(computing & set(called))


def test_cells_that_show_something_end_with_the_thing_shown():
    """A display call inside an if-block shows nothing; each showing cell must end with it."""
    import ast

    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "cohort_report.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "show." not in cell.source:
            continue
        body = ast.parse(cell.source).body
        assert isinstance(body[-1], ast.Expr), cell.source
        for node in body:
            assert not isinstance(node, ast.If), f"display inside an if-block:\n{cell.source}"
