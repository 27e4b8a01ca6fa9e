"""Benchmark: the test suite's time on a fresh clone, with how fast the machine was.

The speed issue asks for ``make test`` to report at most 240 s from a fresh clone, measured
as ``.ci/run`` runs it. On this project's 2-CPU machine the same code has reported 229 s in
one session and 543 s in another: the suite is CPU-bound (both CPUs about 96% busy for the
whole run), and the machine's speed varies by more than two to one. A figure for the suite is
only comparable with another if the machine's speed was recorded with it.

The script clones a commit into an empty folder, times a fixed pure-Python loop (the
yardstick: the sum of ``i * i`` for ``i`` below ten million, the best CPU time of three,
taken before and after), runs ``bash .ci/run`` there, and prints one Markdown table row: the
commit, the tests that passed, the seconds pytest reports, the run's wall time, the CPU used
by every process on the machine while it ran (from ``/proc/stat``, so run nothing else
meanwhile), and the yardstick. The clone's ``.ci/run`` creates its own ``.venv``, as CI does;
its time is in the wall and CPU columns, not in pytest's.

Run: ``.venv/bin/python benchmarks/suite_time.py [--ref COMMIT]`` (Linux only). The exit
status is ``.ci/run``'s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: pytest's last line, e.g. "=== 1267 passed, 1 warning in 513.23s (0:08:33) ==="
SUMMARY = re.compile(r"=+ (?P<counts>.*?) in (?P<seconds>[\d.]+)s")


def yardstick() -> float:
    """The best CPU time of three runs of a fixed pure-Python loop, in seconds."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i * i
        best = min(best, time.process_time() - start)
    return best


def machine_cpu_seconds() -> float:
    """CPU time used by every process since boot (user, nice, system, irq and softirq)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to test (default HEAD)")
    parser.add_argument("--log", type=Path, help="also write .ci/run's output here")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.ref],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="collab-suite-") as folder:
        clone = Path(folder) / "collab"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", commit], check=True)
        before = yardstick()
        cpu, start = machine_cpu_seconds(), time.monotonic()
        run = subprocess.run(
            ["bash", ".ci/run"], cwd=clone, capture_output=True, text=True, check=False
        )
        wall, cpu = time.monotonic() - start, machine_cpu_seconds() - cpu
        after = yardstick()
    output = run.stdout + run.stderr
    if args.log:
        args.log.write_text(output, encoding="utf-8")
    found = SUMMARY.findall(output)
    counts, seconds = found[-1] if found else ("no pytest summary", "?")
    print(
        "| Commit | Tests | pytest reports | Wall | CPU, every process "
        "| Yardstick, before and after |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {commit} | {counts} | {seconds} s | {wall:.0f} s | {cpu:.0f} s "
        f"| {before:.2f} s, {after:.2f} s |"
    )
    if run.returncode != 0:
        print(output[-3000:], file=sys.stderr)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
