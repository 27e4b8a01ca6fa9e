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
CALCULATION = ("data", "survey", "spc", "cpes", "ihi")
UPWARD = ("collablib.report", "collablib.build", "collablib.cli", "collablib.analysis")
PLOTTING = ("matplotlib", "seaborn")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _lazy_names() -> dict[str, str]:
    """``collablib``'s lazily exported names and the modules they come from."""
    import collablib

    return dict(collablib._LAZY)


def imports(path: Path, name: str | None = None) -> list[str]:
    """Every module ``path`` imports, anywhere in it (functions included).

    Relative imports are resolved against the module's package, a name that
    ``collablib`` exports lazily counts as its module, and
    ``importlib.import_module("...")`` or ``__import__("...")`` with a literal
    name counts too.
    """
    lazy = _lazy_names()
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append(base)
            for alias in node.names:
                found.append(f"{base}.{alias.name}")
                if base == "collablib" and alias.name in lazy:
                    found.append(lazy[alias.name])
        elif (
            isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def test_the_import_reader_sees_relative_lazy_and_dynamic_imports(tmp_path):
    """The rules below are only as good as this reader, so check it on the ways round it."""
    source = (
        "from ..report import tables\n"
        "from .. import build\n"
        "from collablib import analyse\n"
        "def f():\n"
        "    import importlib\n"
        "    importlib.import_module('collablib.cli')\n"
        "    import matplotlib.pyplot\n"
    )
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    found = imports(probe, "collablib.spc.probe")
    for expected in (
        "collablib.report.tables",
        "collablib.build",
        "collablib.analysis",
        "collablib.cli",
        "matplotlib.pyplot",
    ):
        assert expected in found, (expected, found)


def stage(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


#: Top-level modules the calculation stages use, so bound by the same rules.
SHARED = (PACKAGE / "errors.py", PACKAGE / "paths.py")


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if stage(p) in CALCULATION or p in SHARED],
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
    "collablib.build.pages": "the stylesheet shipped with collablib",
    "collablib.build.pdf": "the PDFs it printed, for the source hash they record",
    "collablib.survey.privacy_names": "the first-name list shipped with collablib",
    "collablib.cli": "/dev/null, when the reader of its output has gone",
}
READERS = {
    "read_csv",
    "read_excel",
    "read_table",
    "read_json",
    "read_parquet",
    "read_fwf",
    "loadtxt",
    "genfromtxt",
    "load_workbook",
    "read_bytes",
    "read_text",
    "open",
}


@pytest.mark.parametrize(
    "path", [p for p in MODULES if stage(p) != "data"], ids=lambda p: module_name(p)
)
def test_only_the_data_package_reads_input_files(path):
    name = module_name(path)
    if name not in READS_OTHER_FILES:
        assert not reads(path), f"{name} reads a file: {sorted(reads(path))}"
    assert not {"tomllib", "openpyxl"} & {i.split(".")[0] for i in imports(path)}, name


def reads(path: Path) -> set[str]:
    """The file-reading functions and methods that ``path`` calls."""
    return {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
    } & READERS


def test_the_allow_list_of_other_readers_holds_only_modules_that_read():
    """An entry whose module no longer reads a file would let a future input read slip by."""
    paths = {name: PROJECT_ROOT / (name.replace(".", "/") + ".py") for name in READS_OTHER_FILES}
    assert [name for name, path in paths.items() if not reads(path)] == []


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


def test_importing_every_calculation_module_loads_no_report_build_or_plotting_code():
    """What the source rules promise, checked at run time: nothing upward is imported."""
    names = [module_name(p) for p in MODULES if stage(p) in CALCULATION or p in SHARED]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({UPWARD!r})"
        f" or m.split('.')[0] in {PLOTTING!r})\n"
        "print(bad)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def test_importing_collablib_changes_no_global_state():
    """No backend switched, no rcParams, pandas or numpy options or warnings filters changed."""
    script = (
        "import copy, warnings, matplotlib, numpy as np\n"
        "def state():\n"
        "    import pandas as pd\n"
        "    from pandas._config import config\n"
        "    return (matplotlib.rcParams._get_backend_or_none(), matplotlib.rcParams.copy(),\n"
        "            copy.deepcopy(config._global_config), np.geterr(), list(warnings.filters),\n"
        "            sorted(matplotlib.colormaps))\n"
        "early = (matplotlib.rcParams._get_backend_or_none(), matplotlib.rcParams.copy(),\n"
        "         np.geterr(), list(warnings.filters))\n"
        "import collablib\n"
        "assert (matplotlib.rcParams._get_backend_or_none(), matplotlib.rcParams.copy(),\n"
        "        np.geterr(), list(warnings.filters)) == early, 'import collablib changed state'\n"
        "assert 'pandas' not in __import__('sys').modules, 'import collablib loaded pandas'\n"
        "import pandas, scipy.stats, statsmodels.api, pandera, seaborn, nbformat, papermill\n"
        "import nbconvert, jupyter_client  # bleach, under nbconvert, adds a filter of its own\n"
        "before = state()  # after the libraries' own import-time changes, not collablib's\n"
        "import collablib.analysis, collablib.report.survey_plots\n"
        "import collablib.report.spc_plots, collablib.report.cpes_plots, collablib.cli\n"
        "import collablib.build.pipeline, collablib.build.export\n"
        "from collablib.build.forkserver import PRELOAD  # and all a report kernel preloads\n"
        "for name in PRELOAD:\n"
        "    if name.startswith('collablib.'):\n"
        "        __import__(name)\n"
        "after = state()\n"
        "names = ('backend', 'rcParams', 'pandas options', 'numpy errors', 'warnings filters',\n"
        "         'colormaps')\n"
        "changed = [n for n, b, a in zip(names, before, after) if b != a]\n"
        "print(changed)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


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
