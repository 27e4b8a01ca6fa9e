"""Benchmark: where the test suite's CPU goes, by kind of process (pytest, kernels, Chromium).

``pytest --durations`` gives each test's wall time, and on a 2-CPU machine where the suite
keeps both CPUs busy a test's wall time says little about its cost: a test that waits for
a kernel shows the wait, and the kernel's CPU is spent while another test runs. This script
runs ``make test`` in this checkout (with ``COLLAB_REQUIRE_BROWSER=1``, as ``.ci/run`` sets
it) and meanwhile reads every process's CPU time from ``/proc/<pid>/stat`` five times a
second, then prints one Markdown table: each kind of process (the pytest-xdist workers,
kernels started fresh, fork servers and the kernels they fork, ``collab`` commands,
Chromium's renderers and other processes, and so on), how many there were, and the CPU
seconds they used, with this script's own readings on a row of their own. The machine's busy
CPU from ``/proc/stat`` (as ``suite_time.py`` reads it) is printed with the total; the
difference, "not attributed", is a process that started and ended between two readings,
what a process used after its last reading (up to 0.2 s each), and interrupt time, which
no process is charged for. Run nothing else meanwhile.

The duration the speed issue asks about is measured on a fresh clone by ``suite_time.py``;
this script answers where that time goes.

Run: ``.venv/bin/python benchmarks/suite_processes.py [-- PYTEST_ARGS...]`` (Linux only).
The exit status is ``make test``'s (1 if it was ended by a signal).
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

from suite_time import SUMMARY, MachineTimes, machine_times  # noqa: E402  pytest's summary; /proc

#: How often every process's CPU time is read, in seconds.
INTERVAL = 0.2


@dataclass
class Seen:
    """One process (a pid with its start time, so a reused pid is another process)."""

    first_cpu: float  # its CPU time when first seen: all of it unless it was already running
    cpu: float  # the most CPU time read for it
    cmdline: str
    comm: str
    pid: int
    parent_cmdline: str | None  # the parent's command line when this process was first seen


def kind(cmdline: str, comm: str, parent_cmdline: str | None) -> str:
    """The kind of process a command line is, for the table's rows.

    A kernel forked by a fork server keeps the server's command line (``-m
    collablib.build.zygote``), so it is told from the server by its parent having the same one.
    """
    words = cmdline.split()
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
    if any(Path(w).name == "collab" for w in words[:2]) or "-m collablib.cli" in cmdline:
        return "collab command"
    if comm == "node" or "playwright" in cmdline:
        return "Playwright driver"
    if words and re.fullmatch(r"python[\d.]*", Path(words[0]).name):
        return "other Python process"
    return "other"


def parse_stat(text: str) -> tuple[str, int, int, int]:
    """(name, parent pid, CPU ticks, start time in ticks) from a ``/proc/<pid>/stat`` line.

    The name is in brackets and may itself hold spaces or brackets, so the fields are
    counted from the last closing bracket: after it come the state (field 3 of proc(5)),
    the parent (4), ..., user and system CPU time (14 and 15) and the start time (22).
    Children's CPU (fields 16 and 17) is not added: each child is counted on its own.
    """
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def _cmdline(pid: str) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace").strip()


class Watcher(threading.Thread):
    """Reads every process's CPU time every :data:`INTERVAL` seconds until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[tuple[int, int], Seen] = {}
        self.live: dict[int, tuple[int, int]] = {}  # pid -> the process with it at last reading
        self.stopped = threading.Event()
        self.first_read = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def read_once(self, first: bool) -> None:
        """Read every process once; a process first seen on the first reading counts only
        the CPU it uses from then on."""
        live = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                    comm, ppid, ticks, start = parse_stat(f.read())
                key, cpu = (int(entry), start), ticks / self.tick
                old = self.seen.get(key)
                if old is None:
                    parent = self.seen.get(live.get(ppid) or self.live.get(ppid) or (0, 0))
                    self.seen[key] = Seen(
                        cpu if first else 0.0,
                        cpu,
                        _cmdline(entry),
                        comm,
                        int(entry),
                        parent.cmdline if parent else None,
                    )
                else:
                    old.cpu, old.comm = max(old.cpu, cpu), comm
                    if old.cmdline == old.parent_cmdline:  # forked, perhaps not yet exec'd
                        old.cmdline = _cmdline(entry) or old.cmdline
            except (OSError, ValueError, IndexError):  # it ended meanwhile
                continue
            live[int(entry)] = key
        self.live = live

    def run(self) -> None:
        first = True
        while True:
            self.read_once(first)
            if first:
                self.first_read.set()
            first = False
            if self.stopped.wait(INTERVAL):
                return

    def table(self, own_pid: int) -> dict[str, tuple[int, float]]:
        """Kind of process -> (how many, CPU seconds used while watched). ``own_pid`` is this
        script's process, whose CPU is its own readings of ``/proc``."""
        rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for seen in self.seen.values():
            used = seen.cpu - seen.first_cpu
            if used <= 0:
                continue
            name = (
                "this script (its readings of /proc)"
                if seen.pid == own_pid
                else kind(seen.cmdline, seen.comm, seen.parent_cmdline)
            )
            rows[name][0] += 1
            rows[name][1] += used
        return {name: (int(n), cpu) for name, (n, cpu) in rows.items()}


def run_line(counts: str, seconds: str, wall: float, used: MachineTimes) -> str:
    """The line above the table: pytest's figure and what the machine did meanwhile."""
    return (
        f"pytest: {counts} in {seconds} s; wall {wall:.0f} s; busy CPU {used.busy:.0f} s, "
        f"stolen {used.stolen:.0f} s, I/O wait {used.iowait:.0f} s, "
        f"{used.read_mb:.0f} MB read from disk (waiting {used.read_wait:.0f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (make test ARGS=...)")
    args = parser.parse_args()
    watcher = Watcher()
    watcher.start()
    watcher.first_read.wait()  # the processes already running are read before make starts
    counters, start = machine_times(), time.monotonic()
    run = subprocess.run(
        # make expands $ in a variable: each is doubled to reach pytest as typed
        [
            "make",
            "-C",
            str(ROOT),
            "test",
            f"ARGS={shlex.join(args.pytest_args)}".replace("$", "$$"),
        ],
        env={**os.environ, "COLLAB_REQUIRE_BROWSER": "1"},
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    used = machine_times() - counters
    busy = used.busy
    watcher.stopped.set()
    watcher.join()
    table = watcher.table(os.getpid())
    attributed = sum(cpu for _, cpu in table.values())
    found = SUMMARY.findall(run.stdout)
    counts, seconds = found[-1] if found else ("no pytest summary", "?")
    print(run_line(counts, seconds, wall, used) + "\n")
    print("| Processes | How many | CPU s | Share of busy CPU |")
    print("|---|---|---|---|")
    for name, (n, cpu) in sorted(table.items(), key=lambda item: -item[1][1]):
        if cpu >= 0.5:
            print(f"| {name} | {n} | {cpu:.1f} | {cpu / busy:.0%} |")
    small = sum(cpu for _, cpu in table.values() if cpu < 0.5)
    print(f"| everything else seen | | {small:.1f} | {small / busy:.0%} |")
    missed = busy - attributed
    print(f"| not attributed | | {missed:.1f} | {missed / busy:.0%} |")
    if run.returncode != 0:
        print(run.stdout[-3000:] + run.stderr[-2000:], file=sys.stderr)
    return run.returncode if run.returncode >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
