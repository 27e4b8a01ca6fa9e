"""Benchmark (a): a cold `collab reports` against the plain loop a user would otherwise write.

The plain loop: for each cohort in turn, the `papermill` command line, then
`jupyter nbconvert --to html`; then the same for each programme year's report
(`programme_report.ipynb`), so both sides run the same notebooks. collab:
`collab reports` on an empty output folder (parallel, default jobs = CPUs).
Both run on the bundled demo data, on the same machine, in the same run,
alternating plain, collab, plain, collab...; the script prints both times, the
ratio of the medians and the median of the pairs' ratios.

Run: ``.venv/bin/python benchmarks/cold_build.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "cohort_report.ipynb"
PROGRAMME = ROOT / "notebooks" / "programme_report.ipynb"
DATA = ROOT / "data"


def cohorts() -> list[str]:
    with (DATA / "cohorts.csv").open(encoding="utf-8") as fh:
        return [row["cohort_id"] for row in csv.DictReader(fh)]


def years() -> list[str]:
    with (DATA / "cohorts.csv").open(encoding="utf-8") as fh:
        return sorted({row["programme_year"] for row in csv.DictReader(fh)})


def run_notebook(notebook: Path, executed: Path, name: str, value: str) -> None:
    """One papermill run (``-y`` keeps a year such as 2020/21 a string), then nbconvert."""
    subprocess.run(
        [
            str(BIN / "papermill"),
            str(notebook),
            str(executed),
            "-y",
            f"{name}: '{value}'\ndata_dir: '{DATA}'",
            "-k",
            "collab",
            "--cwd",
            str(notebook.parent),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)],
        check=True,
        capture_output=True,
    )


def plain_loop(out: Path) -> float:
    start = time.perf_counter()
    for cohort in cohorts():
        run_notebook(NOTEBOOK, out / f"{cohort}.ipynb", "cohort_id", cohort)
    for year in years():
        run_notebook(
            PROGRAMME, out / f"programme-{year.replace('/', '-')}.ipynb", "programme_year", year
        )
    return time.perf_counter() - start


def collab(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "collab"), "--data-dir", str(DATA), "reports", "--output-dir", str(out)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plain, ours = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "plain", Path(tmp) / "collab"
            a.mkdir()
            plain.append(plain_loop(a))
            ours.append(collab(b))
            shutil.rmtree(a)
    print(
        f"{len(cohorts())} demo cohorts and {len(years())} programme years, "
        f"{os.cpu_count()} CPUs, {args.repeat} runs each"
    )
    print(
        f"plain papermill + nbconvert loop: median {statistics.median(plain):.1f} s "
        f"({', '.join(f'{t:.1f}' for t in plain)})"
    )
    print(
        f"collab reports (cold):            median {statistics.median(ours):.1f} s "
        f"({', '.join(f'{t:.1f}' for t in ours)})"
    )
    pairs = [a / b for a, b in zip(plain, ours, strict=True)]
    print(f"ratio of the medians: {statistics.median(plain) / statistics.median(ours):.2f}x faster")
    print(
        f"median ratio of the pairs: {statistics.median(pairs):.2f}x "
        f"({', '.join(f'{r:.2f}x' for r in pairs)})"
    )


if __name__ == "__main__":
    main()
