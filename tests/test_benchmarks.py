"""The benchmark scripts still fit the library they measure.

The scripts in ``benchmarks/`` are run by hand, not by ``make test``, and several import
collablib names inside functions, where importing the script does not reach them. A name
that moved or was renamed would only fail the next time someone records a benchmark.
"""

from __future__ import annotations

import ast
import importlib
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
