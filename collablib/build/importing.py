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

Used by the fork server (:mod:`collablib.build.zygote`) for its preload and by the early
kernel's silent imports (:mod:`collablib.build.earlykernel`); the test processes do the same
while pytest collects (``tests/early_plugin.py``). Importing collablib itself never pauses
the collector.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterable, Iterator

__all__ = ["collector_paused", "import_all"]


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
