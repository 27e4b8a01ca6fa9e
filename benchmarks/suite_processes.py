"""Benchmark: where the test suite's CPU goes, by kind of process (pytest, kernels, Chromium).

``pytest --durations`` gives each test's wall time, and on a 2-CPU machine where the suite
keeps both CPUs busy a test's wall time says little about its cost: a test that waits for
a kernel shows the wait, and the kernel's CPU is spent while another test runs. This script
runs ``make test`` in this checkout (with ``COLLAB_REQUIRE_BROWSER=1``, as ``.ci/run`` sets
it) and meanwhile reads every process's CPU time from ``/proc/<pid>/stat`` five times a
second, then prints one Markdown table: each kind of process (the pytest-xdist workers,
kernels started fresh, fork servers and the kernels they fork, ``collab`` commands,
Chromium's renderers and other processes, and so on), how many there were, and the CPU
seconds they used. A process that started and ended between two readings is missed; the
machine's busy CPU from ``/proc/stat`` (as ``suite_time.py`` reads it) is printed with the
total, so what was missed shows as the difference. Run nothing else meanwhile.

The duration the speed issue asks about is measured on a fresh clone by ``suite_time.py``;
this script answers where that time goes.

Run: ``.venv/bin/python benchmarks/suite_processes.py [-- PYTEST_ARGS...]`` (Linux only).
The exit status is ``make test``'s.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from suite_time import SUMMARY, machine_times  # noqa: E402  pytest's summary; /proc/stat

#: How often every process's CPU time is read, in seconds.
INTERVAL = 0.2


@dataclass
class Seen:
    """One process (a pid with its start time, so a reused pid is another process)."""

    first_cpu: float  # its CPU time when first seen: all of it unless it was already running
    cpu: float  # the most CPU time read for it
    cmdline: str
    comm: str
    ppid: int


def kind(cmdline: str, comm: str, parent_cmdline: str | None) -> str:
    """The kind of process a command line is, for the table's rows.

    A kernel forked by a fork server keeps the server's command line (``-m
    collablib.build.zygote``), so it is told from the server by its parent having the same one.
    """
    if "chrom" in comm or re.search(r"(^|/)chromium[\w-]*( |$)", cmdline):
        found = re.search(r"--type=([\w-]+)", cmdline)
        return f"Chromium: {found.group(1) if found else 'browser'}"
    if "ipykernel_launcher" in cmdline:
        return "kernel, started fresh"
    if "collablib.build.zygote" in cmdline:
        return "kernel, forked" if parent_cmdline == cmdline else "fork server"
    if "exec(eval(sys.stdin.readline()))" in cmdline:
        return "pytest-xdist worker"
    if re.search(r"-m pytest\b", cmdline):
        return "pytest"
    if re.search(r"(/collab |-m collablib\.cli\b)", cmdline + " "):
        return "collab command"
    if comm == "node" or "playwright" in cmdline:
        return "Playwright driver"
    if re.search(r"(^|/)python[\d.]* ", cmdline + " "):
        return "other Python process"
    return "other"


def read_processes() -> dict[tuple[int, int], tuple[float, str, str, int]]:
    """Every process now: (pid, start time) -> (CPU seconds, command line, name, parent)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # it ended meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields from the state (field 3 of proc(5)): ppid is 4, utime 14, stime 15, start 22
        cpu = (int(fields[11]) + int(fields[12])) / tick
        found[(int(entry), int(fields[19]))] = (cpu, cmdline, comm, int(fields[1]))
    return found


class Watcher(threading.Thread):
    """Reads every process's CPU time every :data:`INTERVAL` seconds until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[tuple[int, int], Seen] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        first = True
        while True:
            for key, (cpu, cmdline, comm, ppid) in read_processes().items():
                old = self.seen.get(key)
                if old is None:
                    self.seen[key] = Seen(cpu if first else 0.0, cpu, cmdline, comm, ppid)
                else:
                    old.cpu = max(old.cpu, cpu)
                    old.cmdline = cmdline or old.cmdline  # a process that has exited has none
            first = False
            if self.stopped.wait(INTERVAL):
                return

    def table(self) -> dict[str, tuple[int, float]]:
        """Kind of process -> (how many, CPU seconds used while watched)."""
        by_pid = {pid: seen.cmdline for (pid, _), seen in self.seen.items()}
        rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for seen in self.seen.values():
            used = seen.cpu - seen.first_cpu
            if used <= 0:
                continue
            row = rows[kind(seen.cmdline, seen.comm, by_pid.get(seen.ppid))]
            row[0] += 1
            row[1] += used
        return {name: (int(n), cpu) for name, (n, cpu) in rows.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (make test ARGS=...)")
    args = parser.parse_args()
    watcher = Watcher()
    watcher.start()
    time.sleep(INTERVAL * 2)  # the processes already running are read once before make starts
    (busy, stolen), start = machine_times(), time.monotonic()
    run = subprocess.run(
        ["make", "-C", str(ROOT), "test", f"ARGS={shlex.join(args.pytest_args)}"],
        env={**os.environ, "COLLAB_REQUIRE_BROWSER": "1"},
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    busy_now, stolen_now = machine_times()
    busy, stolen = busy_now - busy, stolen_now - stolen
    watcher.stopped.set()
    watcher.join()
    table = watcher.table()
    attributed = sum(cpu for _, cpu in table.values())
    found = SUMMARY.findall(run.stdout)
    counts, seconds = found[-1] if found else ("no pytest summary", "?")
    print(
        f"pytest: {counts} in {seconds} s; wall {wall:.0f} s; busy CPU {busy:.0f} s, "
        f"stolen {stolen:.0f} s\n"
    )
    print("| Processes | How many | CPU s | Share of busy CPU |")
    print("|---|---|---|---|")
    for name, (n, cpu) in sorted(table.items(), key=lambda item: -item[1][1]):
        if cpu >= 0.5:
            print(f"| {name} | {n} | {cpu:.1f} | {cpu / busy:.0%} |")
    small = sum(cpu for _, cpu in table.values() if cpu < 0.5)
    print(f"| everything else seen | | {small:.1f} | {small / busy:.0%} |")
    missed = busy - attributed
    print(f"| not seen (ended between readings) | | {missed:.1f} | {missed / busy:.0%} |")
    if run.returncode != 0:
        print(run.stdout[-3000:] + run.stderr[-2000:], file=sys.stderr)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
