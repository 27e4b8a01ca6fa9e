"""The benchmark scripts still fit the library they measure.

The scripts in ``benchmarks/`` are run by hand, not by ``make test``, and several import
collablib names inside functions, where importing the script does not reach them. A name
that moved or was renamed would only fail the next time someone records a benchmark.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py"))


def collablib_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every ``from collablib... import name`` in a script."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and (node.module == "collablib" or node.module.startswith("collablib."))
        for alias in node.names
    ]


def test_there_are_benchmark_scripts_that_use_collablib():
    assert len(BENCHMARKS) >= 5
    assert any(collablib_imports(path) for path in BENCHMARKS)


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_every_collablib_name_a_benchmark_imports_exists(path):
    missing = []
    for line, module, name in collablib_imports(path):
        target = importlib.import_module(module)
        if not hasattr(target, name):
            try:
                importlib.import_module(f"{module}.{name}")  # a submodule
            except ModuleNotFoundError:
                missing.append(f"{path.name}:{line}: {module}.{name}")
    assert missing == []


def load_script(name: str):
    import importlib.util

    path = BENCHMARKS[0].parent / name
    spec = importlib.util.spec_from_file_location(f"benchmark_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_suite_processes_tells_each_kind_of_process_apart():
    """The rows of ``suite_processes.py``'s table, from command lines as the suite starts them."""
    kind = load_script("suite_processes.py").kind
    venv = "/work/collab/.venv/bin/python"
    zygote = f"{venv} -Xfrozen_modules=off -m collablib.build.zygote 18 collab-6165-forks"
    chromium = "/usr/lib/chromium/chromium-headless-shell"
    cases = [
        (f"{chromium} --type=renderer --lang=en", "chromium-headle", "Chromium: renderer"),
        (f"{chromium} --headless --no-sandbox", "chromium-headle", "Chromium: browser"),
        (f"{venv} -m ipykernel_launcher -f /tmp/kernel.json", "python", "kernel, started fresh"),
        (
            f"{venv} -u -c import sys;exec(eval(sys.stdin.readline()))",
            "python",
            "pytest-xdist worker",
        ),
        (f"{venv} -m pytest -p tl", "python", "pytest"),
        (f"{venv} /work/collab/.venv/bin/collab --data-dir d reports", "python", "collab command"),
        (f"{venv} -m collablib.cli --data-dir d reports", "python", "collab command"),
        (f"{venv} -c import sys", "python", "other Python process"),
        ("/usr/bin/make test", "make", "other"),
    ]
    for cmdline, comm, expected in cases:
        assert kind(cmdline, comm, "/usr/bin/make test") == expected, cmdline
    # a fork server's forked kernels keep its command line: told apart by their parent
    assert kind(zygote, "python", f"{venv} -m collablib.cli reports") == "fork server"
    assert kind(zygote, "python", zygote) == "kernel, forked"
