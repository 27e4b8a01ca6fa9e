"""Benchmark: build 20 cohorts in parallel, 10 times in a row, and count flaky failures.

Parallel notebook runs are known to fail now and then with ZMQ "Address already
in use" or kernel start-up time-outs. collab starts kernels over Unix sockets
(no TCP ports to race for) and retries start-up failures; this script checks
that the combination holds up: 20 cohorts (the four demo cohorts copied five
times, with ids "01" to "20", which also checks ids stay text), ``--force`` so
every run rebuilds everything, ``-j`` = number of CPUs, 10 runs.

Run: ``.venv/bin/python benchmarks/parallel_stability.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import tempfile
import time
from pathlib import Path

from collablib.build.pipeline import build_reports
from collablib.build.progress import PlainProgress

ROOT = Path(__file__).resolve().parent.parent


def make_data(target: Path, copies: int = 5) -> list[str]:
    source = ROOT / "data"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("raw"))
    with (source / "cohorts.csv").open(encoding="utf-8") as fh:
        demo = list(csv.DictReader(fh))
    rows = []
    for k in range(copies):
        for row in demo:
            cohort_id = f"{len(rows) + 1:02d}"
            shutil.copytree(source / "raw" / row["cohort_id"], target / "raw" / cohort_id)
            rows.append({**row, "cohort_id": cohort_id, "name": f"{row['name']} (copy {k + 1})"})
    with (target / "cohorts.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return [r["cohort_id"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="collab-stability-"))
    ids = make_data(base / "data")
    jobs = len(os.sched_getaffinity(0))
    failures = retried = 0
    times = []
    quiet = open(os.devnull, "w")  # noqa: SIM115 - kept open for every run, closed below
    for run in range(1, args.runs + 1):
        start = time.perf_counter()
        summary = build_reports(
            data_dir=base / "data",
            output_dir=base / "reports",
            jobs=jobs,
            force=True,
            progress=PlainProgress(quiet),
        )
        times.append(time.perf_counter() - start)
        failed = summary.failed
        failures += len(failed)
        retried += sum(1 for r in summary.results if r.attempts > 1)
        built = len(summary.with_status("built"))
        print(
            f"run {run}: {built}/{len(ids)} built, {len(failed)} failed, "
            f"{sum(r.attempts > 1 for r in summary.results)} needed a kernel retry, "
            f"{times[-1]:.0f} s",
            flush=True,
        )
        for r in failed:
            print(f"  FAILED {r.cohort_id}: {r.reason.splitlines()[0]}", flush=True)
    print(
        f"{args.runs} runs x {len(ids)} cohorts with -j {jobs}: {failures} failures, "
        f"{retried} kernel start-up retries; {sum(times) / len(times):.0f} s per run"
    )
    quiet.close()
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
