"""Benchmark (b): `make reports` when nothing has changed (target: under 1 second).

Makes sure a complete build exists (``make reports``), then times five more
``make reports`` runs and prints each, the median and the "up to date" lines.
Run from the project root: ``.venv/bin/python benchmarks/noop_rebuild.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_reports() -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        ["make", "--no-print-directory", "reports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    make_reports()  # a complete build first (cold or not)
    runs = [make_reports() for _ in range(5)]
    times = [t for t, _ in runs]
    print(runs[-1][1].strip())
    print(
        "no-op make reports: "
        + ", ".join(f"{t:.2f} s" for t in times)
        + f"; median {statistics.median(times):.2f} s (target < 1 s)"
    )


if __name__ == "__main__":
    main()
