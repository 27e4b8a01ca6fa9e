"""Benchmark (c): one large generated cohort: 500 teams, 20,000 survey responses,
18,000 measure points. Targets: builds in under 60 s, peak memory under 2 GB, HTML under 25 MB.

Run: ``.venv/bin/python benchmarks/scale.py [--keep DIR]``. Generates the cohort in a
temporary data folder, runs ``collab reports --force`` on it, samples the resident
memory of collab and all its child processes (the Jupyter kernel) every 0.1 s from
/proc, and prints the time, the peak and the size of each HTML file.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from collablib.data.measure_schemas import MEASURES_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
TEAMS = 500
RESPONSES = 20_000
MONTHS = 36  # 500 x 36 = 18,000 measure points
ROLES = ["Project team member", "Lived experience partner", "Executive sponsor"]
REGIONS = [
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
]


def write(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(data: Path) -> None:
    rng = np.random.default_rng(2026)
    folder = data / "raw" / "big"
    folder.mkdir(parents=True)
    for name in ("survey_mapping.toml", "disclosure.toml", "NOTICE.txt"):
        (data / name).write_bytes((ROOT / "data" / name).read_bytes())
    write(
        data / "cohorts.csv",
        ["cohort_id", "name", "programme_year", "start_date", "end_date"],
        [["big", "Scale test cohort", "2022/23", "2022-06-01", "2023-03-31"]],
    )
    teams = [f"T{i:03d}" for i in range(TEAMS)]
    write(
        folder / "teams.csv",
        [
            "team_id",
            "team_name",
            "organisation",
            "cancer_alliance",
            "region",
            "tumour_group",
            "project_title",
        ],
        [
            [
                t,
                f"Team {t}",
                f"Trust {i % 120}",
                f"Alliance {i % 21}",
                REGIONS[i % 7],
                ["Lung", "Breast", "Colorectal", "Urology", "Skin"][i % 5],
                f"Project {t}",
            ]
            for i, t in enumerate(teams)
        ],
    )
    ratings = rng.choice(
        ["1", "2", "3", "4", ""], size=(RESPONSES, 3), p=[0.05, 0.1, 0.35, 0.45, 0.05]
    )
    comments = [
        "The collaborative helped us work better together.",
        "More time for data collection would have helped.",
        "",
        "",
        "",
    ]
    write(
        folder / "final_survey.csv",
        [
            "response_id",
            "submitted_at",
            "team_id",
            "role",
            "recommend",
            "team_working",
            "patient_carer_experience",
            "staff_experience",
            "comment",
            "consent_to_quote",
        ],
        [
            [
                f"R{k:06d}",
                f"2023-04-{1 + k % 28:02d} {8 + k % 10:02d}:{k % 60:02d}",
                teams[k % TEAMS],
                ROLES[k % 3],
                "Yes" if k % 23 else "No",
                *ratings[k],
                f"{comments[k % 5]} ({k})" if comments[k % 5] else "",
                "Yes" if k % 3 else "No",
            ]
            for k in range(RESPONSES)
        ],
    )
    periods = [f"{2021 + (m + 5) // 12}-{(m + 5) % 12 + 1:02d}-01" for m in range(MONTHS)]
    rows = []
    for i, team in enumerate(teams):
        lift = 0.15 if i % 3 == 0 else 0.0
        for m, period in enumerate(periods):
            n = int(rng.integers(20, 60))
            p = 0.5 + (lift if m >= 15 else 0.0)
            rows.append(
                [
                    team,
                    "main",
                    "Patients offered an HNA",
                    period,
                    "",
                    int(rng.binomial(n, p)),
                    n,
                    "%",
                    "increase",
                    "80",
                ]
            )
    write(
        folder / "measures.csv",
        list(MEASURES_COLUMNS),
        rows,
    )
    write(
        folder / "changes.csv",
        ["team_id", "measure_id", "date", "description", "rebase"],
        [[t, "main", "2022-08-10", "PDSA 1", "no"] for t in teams],
    )


def tree_rss(pid: int) -> int:
    """Resident memory, in bytes, of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack += [int(c) for c in children]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="keep the generated data and reports in this folder")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="collab-scale-"))
    data, out = base / "data", base / "reports"
    generate(data)
    collab = Path(sys.executable).with_name("collab")
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(collab), "--data-dir", str(data), "reports", "--output-dir", str(out), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    print(output.strip().splitlines()[-3:] if proc.returncode else "build OK")
    print(f"{TEAMS} teams, {RESPONSES:,} responses, {TEAMS * MONTHS:,} measure points")
    print(f"build time: {elapsed:.1f} s (target < 60 s)")
    print(f"peak memory (collab + kernel): {peak / 2**20:.0f} MiB (target < 2048 MiB)")
    for page in sorted(out.glob("*.html")):
        print(f"{page.name}: {page.stat().st_size / 2**20:.1f} MiB (target < 25 MiB)")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
