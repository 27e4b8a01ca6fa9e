"""Benchmark: how long `collab reports` takes before its first kernel process starts.

Everything before that runs on one CPU while the other waits: the command's
imports, reading and validating every cohort, hashing the inputs. The script
starts `collab reports` on the demo data into an empty folder, polls /proc for
a child process running ``ipykernel``, records the time, and stops the build.

Run: ``.venv/bin/python benchmarks/startup.py [--repeat N]`` (Linux only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process: pid -> (parent pid, command line)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = (parent, command)
    return found


def kernel_children(pid: int) -> list[int]:
    """The kernels of the ``collab`` process ``pid``.

    A kernel started as a new process is its child running ``ipykernel``; a forked one is
    a child of its fork server (a child running ``collablib.build.zygote``), whose
    command line it keeps.
    """
    processes = _processes()
    zygote = b"collablib.build.zygote"
    servers = {p for p, (parent, cmd) in processes.items() if parent == pid and zygote in cmd}
    return [
        p
        for p, (parent, cmd) in processes.items()
        if (parent == pid and b"ipykernel" in cmd) or (parent in servers and zygote in cmd)
    ]


def time_to_first_kernel() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(BIN / "collab"), "reports", "--output-dir", out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not kernel_children(proc.pid):
                if proc.poll() is not None:
                    raise SystemExit("collab reports ended before starting a kernel")
                time.sleep(0.01)
            return time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = [time_to_first_kernel() for _ in range(args.repeat)]
    print(
        f"start-up before the first kernel: median {statistics.median(times):.2f} s "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
