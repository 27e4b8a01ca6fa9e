"""The test run itself: what pytest-xdist must keep on one worker (the root ``conftest.py``)."""

from __future__ import annotations

import importlib.util
import re

from collablib.paths import PROJECT_ROOT


def root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", PROJECT_ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Module fixtures that only pass on the session's shared build, so costing nothing to repeat.
CHEAP_MODULE_FIXTURES = {"test_bad_inputs.py"}


def test_whole_modules_and_notebooks_are_one_unit_and_other_tests_their_own():
    conf = root_conftest()
    for name in conf.WHOLE_MODULES:
        assert (PROJECT_ROOT / "tests" / name).exists(), name
        assert conf.whole_unit(f"tests/{name}::test_a[x]") == f"tests/{name}"
    assert conf.whole_unit("notebooks/explore.ipynb::Cell 3") == "notebooks/explore.ipynb"
    assert conf.whole_unit("tests/test_spc.py::test_a[1]") == "tests/test_spc.py::test_a[1]"


def test_every_module_with_a_module_fixture_is_kept_whole():
    conf = root_conftest()
    with_module_fixtures = {
        path.name
        for path in (PROJECT_ROOT / "tests").glob("test_*.py")
        if re.search(r"@pytest\.fixture\(scope=.module.\)", path.read_text(encoding="utf-8"))
    }
    assert with_module_fixtures - CHEAP_MODULE_FIXTURES <= conf.WHOLE_MODULES


def test_the_scheduler_builds_on_pytest_xdists_load_scope_scheduling():
    """conftest.py overrides a method of pytest-xdist's scheduler; fail loudly if it goes."""
    from xdist.scheduler import LoadScopeScheduling

    assert callable(getattr(LoadScopeScheduling, "_split_scope", None))
    conf = root_conftest()

    class Config:
        def getvalue(self, name):
            return {"dist": "each"}[name]

    assert conf.pytest_xdist_make_scheduler(Config(), None) is None  # other modes: xdist's own
