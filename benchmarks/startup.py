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


def kernel_children(pid: int) -> list[str]:
    """Process ids of the children of ``pid`` whose command line mentions ipykernel."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry.name}/stat").read_text().split()[3])
            command = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"ipykernel" in command:
            found.append(entry.name)
    return found


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
