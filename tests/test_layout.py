"""The package layout's rules, read from the source: stages import one way, data reads inputs.

- ``data``, ``survey``, ``spc`` and ``cpes`` never import ``report``, ``build``, ``cli`` or
  ``analysis``, and never import matplotlib or seaborn;
- only ``data`` reads input files (the readers of CSV, XLSX and TOML are used nowhere else);
- every module has ``__all__`` and a docstring, and none is over 500 lines;
- importing collablib changes no global state.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from collablib.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "collablib"
MODULES = sorted(PACKAGE.rglob("*.py"))
CALCULATION = ("data", "survey", "spc", "cpes")
UPWARD = ("collablib.report", "collablib.build", "collablib.cli", "collablib.analysis")
PLOTTING = ("matplotlib", "seaborn")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports, anywhere in it (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def stage(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if stage(p) in CALCULATION],
    ids=lambda p: module_name(p),
)
def test_calculation_stages_never_import_report_build_or_plotting(path):
    bad = [
        name for name in imports(path) if name.startswith(UPWARD) or name.split(".")[0] in PLOTTING
    ]
    assert bad == [], f"{module_name(path)} imports {bad}"


#: Modules outside collablib.data that may open a file, and what they open (none is an input).
READS_OTHER_FILES = {
    "collablib.build.export": "the tidy tables the build itself published",
    "collablib.build.fileio": "its own temporary files and journals",
    "collablib.build.state": "build records",
    "collablib.build.lock": "the lock file",
    "collablib.build.provenance": "collablib's source and the lock file, to hash them",
    "collablib.build.htmlexport": "the stylesheet shipped with collablib",
    "collablib.build.render": "the executed notebook",
    "collablib.survey.privacy_names": "the first-name list shipped with collablib",
    "collablib.cli": "/dev/null, when the reader of its output has gone",
}
READERS = {"read_csv", "read_excel", "load_workbook", "read_bytes", "read_text", "open"}


@pytest.mark.parametrize(
    "path", [p for p in MODULES if stage(p) != "data"], ids=lambda p: module_name(p)
)
def test_only_the_data_package_reads_input_files(path):
    name = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    if name not in READS_OTHER_FILES:
        assert not calls & READERS, f"{name} reads a file: {sorted(calls & READERS)}"
    assert not {"tomllib", "openpyxl"} & {i.split(".")[0] for i in imports(path)}, name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_every_module_is_documented_declares_its_api_and_stays_short(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert ast.get_docstring(tree), f"{module_name(path)} has no docstring"
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "__all__" for t in node.targets)
    ]
    assert declared, f"{module_name(path)} has no __all__"
    assert len(source.splitlines()) <= 500, f"{module_name(path)} is over 500 lines"


def test_importing_collablib_changes_no_global_state():
    """No plotting backend switched, no warnings filters added, even by the report modules."""
    script = (
        "import warnings, matplotlib\n"
        "backend = matplotlib.rcParams._get_backend_or_none()\n"
        "filters = list(warnings.filters)\n"
        "import collablib\n"
        "assert list(warnings.filters) == filters, 'import collablib changed warnings filters'\n"
        "assert 'pandas' not in __import__('sys').modules, 'import collablib loaded pandas'\n"
        "import pandas, scipy.stats, statsmodels.api, pandera, seaborn, nbformat, papermill\n"
        "filters = list(warnings.filters)  # the libraries' own filters, not collablib's\n"
        "import collablib.analysis, collablib.report.survey_plots\n"
        "import collablib.report.spc_plots, collablib.report.cpes_plots, collablib.cli\n"
        "assert matplotlib.rcParams._get_backend_or_none() == backend, 'backend switched'\n"
        "assert list(warnings.filters) == filters, 'warnings filters changed'\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_the_public_api_is_importable_from_the_package():
    import collablib

    for name in (
        "analyse",
        "load_cohort",
        "CollabError",
        "xmr",
        "p_chart",
        "run_chart",
        "assurance",
    ):
        assert name in collablib.__all__ and callable(getattr(collablib, name))
