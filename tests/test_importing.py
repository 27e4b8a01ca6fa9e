"""collablib.build.importing: imports with the cyclic garbage collector paused, and restored."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from collablib.build.importing import collector_paused, import_all


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
    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)

    assert import_all(names) == [broken, "collab_probe_not_there"]
    assert sys.modules[seen].PAUSED is True  # the collector was paused while it was imported
    assert sys.modules[after].VALUE == 1  # a failure does not stop the imports after it
    assert gc.isenabled()


def test_tests_run_with_the_collector_on():
    """``tests/early_plugin.py`` pauses the collector while pytest collects, and only then."""
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what collection left, frozen
