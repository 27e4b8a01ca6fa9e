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
makes objects that live as long as the process, and the collections they triggered, each
walking everything made so far, took 2 to 3 s of the 8.5 to 9 s each xdist worker spent
collecting (benchmarks/README.md, twelfth session). When collection ends, one collection frees
what it left, what remains is frozen (it lives as long as the process, so the tests'
collections need not walk it) and the collector is switched back on, whether collection
succeeded or not. Every test runs with the collector on.
"""

import gc

import pytest

from collablib.cli import skip_unused_slow_imports

skip_unused_slow_imports()
gc.disable()


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session):
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()
