"""Loaded by pytest before installed packages' plugins, nbval among them, and before any
``conftest.py`` (``-p tests.early_plugin`` in pyproject.toml).

The test processes skip the import the ``collab`` command skips: ``rfc3987_syntax``, which
jsonschema imports (through nbformat, which nbval imports when pytest loads it) only to check
an "iri" string format that no notebook schema has. Compiling its grammar took about 1.3 s of
CPU in pytest and in each of its xdist workers (benchmarks/README.md). It has to happen
before nbval is loaded, so it cannot wait for ``conftest.py``.

Python's cyclic garbage collector is paused from here until collection ends, as the fork
server pauses it for its imports (:mod:`collablib.build.importing`): loading the plugins and
importing every test module (pandas, SciPy, matplotlib, Hypothesis, Playwright, collablib)
makes objects that live as long as the process, and each full collection walks all of them.
``pytest -n 0 --collect-only`` took 8.5 to 9.1 s of CPU with the collector on and 5.8 to
6.8 s with it paused (benchmarks/README.md, twelfth session); each xdist worker collects the
whole suite. When collection ends, whether it succeeded or not, one collection frees what
it left, what remains is frozen (test modules and the collected tests live as long as the
process, so the tests' collections need not walk them; a test's own objects are made later
and collected as usual) and the collector is switched back on. Every test runs with it on.
"""

import gc

import pytest

from collablib.cli import skip_unused_slow_imports

skip_unused_slow_imports()
gc.disable()


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session):
    """Switch the collector back on once collection ends (in the xdist controller too, where
    the workers collect and this hook returns at once)."""
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()
