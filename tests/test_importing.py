"""collablib.build.importing: imports with the cyclic garbage collector paused, and restored."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collablib.build.importing import collector_paused, import_all
from collablib.paths import PROJECT_ROOT


@pytest.fixture
def collector_on():
    """The collector switched on for the test, and left as it was found."""
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_paused_inside_and_switched_back_on_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: still paused, and not switched on by the inner one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_switched_back_on_when_the_block_raises(collector_on):
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def _module(folder: Path, name: str, body: str) -> str:
    (folder / f"{name}.py").write_text(body, encoding="utf-8")
    return name


def test_import_all_imports_with_the_collector_paused_and_names_what_failed(
    tmp_path, monkeypatch, collector_on
):
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = _module(tmp_path, "collab_probe_seen", "import gc\nPAUSED = not gc.isenabled()\n")
    broken = _module(tmp_path, "collab_probe_broken", "raise RuntimeError('broken on import')\n")
    after = _module(tmp_path, "collab_probe_after", "VALUE = 1\n")
    names = [seen, broken, "collab_probe_not_there", after]
    try:
        assert import_all(names) == [broken, "collab_probe_not_there"]
        assert sys.modules[seen].PAUSED is True  # the collector was paused for its import
        assert sys.modules[after].VALUE == 1  # a failure does not stop the imports after it
        assert gc.isenabled()
    finally:
        for name in names:
            sys.modules.pop(name, None)


def test_preload_imports_then_freezes_and_leaves_the_collector_on():
    """In a process of its own: a freeze cannot be undone for only some objects."""
    code = (
        "import gc, sys\n"
        "from collablib.build.importing import preload\n"
        "before = gc.get_freeze_count()\n"
        "failed = preload(['colorsys', 'collab_probe_not_there'])\n"
        "print(failed, 'colorsys' in sys.modules, gc.isenabled(), gc.get_freeze_count() > before)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['collab_probe_not_there']", "True", "True", "True"]


def test_tests_run_with_the_collector_on():
    """``tests/early_plugin.py`` switches the collector back on once collection ends."""
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what collection left, frozen


PROBE = """
import gc

COLLECTING = gc.isenabled()


def test_probe():
    assert (COLLECTING, gc.isenabled(), gc.get_freeze_count() > 0) == (False, True, True)
"""


@pytest.mark.parametrize("broken", [False, True], ids=["collected", "collection failed"])
def test_pytest_collects_with_the_collector_paused_and_tests_run_with_it_on(tmp_path, broken):
    """In a pytest of its own with ``tests/early_plugin.py``: a test module imported while
    collecting finds the collector paused, and its test finds it on, with collection's
    objects frozen; a module that fails to collect still gets the collector back on."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    if broken:
        (tmp_path / "test_broken.py").write_text("raise RuntimeError('x')\n", encoding="utf-8")
    at_exit = "import gc, atexit; atexit.register(lambda: print('ON AT EXIT', gc.isenabled()))"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{at_exit}\nimport pytest, sys\nsys.exit(pytest.main())",
            *("-p", "tests.early_plugin", "-p", "no:cacheprovider", "-q", str(tmp_path)),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if broken:
        assert done.returncode == 2 and "1 error" in done.stdout, done.stdout + done.stderr
    else:
        assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert "ON AT EXIT True" in done.stdout, done.stdout
