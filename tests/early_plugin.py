"""Loaded by pytest before installed packages' plugins, nbval among them, and before any
``conftest.py`` (``-p tests.early_plugin`` in pyproject.toml).

The test processes skip the import the ``collab`` command skips: ``rfc3987_syntax``, which
jsonschema imports (through nbformat, which nbval imports when pytest loads it) only to check
an "iri" string format that no notebook schema has. Compiling its grammar took about 1.3 s of
CPU in pytest and in each of its xdist workers (benchmarks/README.md). It has to happen
before nbval is loaded, so it cannot wait for ``conftest.py``.
"""

from collablib.cli import skip_unused_slow_imports

skip_unused_slow_imports()
