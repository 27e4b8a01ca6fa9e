"""Importing what a build needs with Python's cyclic garbage collector paused.

Importing pandas, SciPy, matplotlib, pandera, IPython and collablib makes about 200,000
objects that live as long as the process. While they are being made, the collector's
thresholds keep triggering collections, and each full collection walks every object made
so far: importing what a report kernel uses (:data:`collablib.build.forkserver.PRELOAD`)
ran about 490 young, 45 middle and 4 full collections, which found about 3,000 objects to
free, and cost 0.37 to 0.44 s of the 2.66 to 2.85 s of CPU a process took to start and
import it all; paused, 2.19 to 2.55 s (benchmarks/README.md, twelfth session). Modules are
not garbage, so pausing the collector while they are imported keeps nothing alive that a
collection would have freed, except those few thousand objects until the next collection;
it is switched back on, as it was, when the imports end, however they end.

:func:`preload` is the fork server's preload (:mod:`collablib.build.zygote`) and the early
kernel's silent imports (:mod:`collablib.build.earlykernel`); the test processes pause the
collector in the same way while pytest collects (``tests/early_plugin.py``). Importing
collablib itself never pauses the collector.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterable, Iterator

__all__ = ["collector_paused", "import_all", "preload"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block; at its end, switch the
    collector back on if it was on at the start.

    Nested use is safe: an inner block leaves it paused for the outer one. Reference
    counting frees everything outside reference cycles as usual meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_all(names: Iterable[str]) -> list[str]:
    """Import each module in ``names`` with the collector paused; the names that failed.

    A module that cannot be imported is skipped (whoever uses it imports it again and meets
    the error there), so a missing optional package costs nothing here.
    """
    failed = []
    with collector_paused():
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:
                failed.append(name)
    return failed


def preload(names: Iterable[str]) -> list[str]:
    """:func:`import_all`, then one collection and a freeze; the names that failed.

    For a process whose imports live as long as it does, a report kernel's: frozen
    (``gc.freeze``, as the gc module's documentation advises before forking), what they
    made is out of the collector's reach, so the collections of the report it runs (and of
    every kernel forked from it, and IPython's as a kernel exits) walk only what that made.
    """
    failed = import_all(names)
    gc.collect()
    gc.freeze()
    return failed
