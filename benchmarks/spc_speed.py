"""Benchmark: SPC calculations for 500 teams x 36 months (target: under 2 seconds).

Run: ``.venv/bin/python benchmarks/spc_speed.py``. Prints the best of five
timings for an XmR chart, a p chart and a run chart over all facets, and the
machine it ran on. Results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import pandas as pd

from collablib import spc

TEAMS = 500
MONTHS = 36


def data() -> pd.DataFrame:
    rng = np.random.default_rng(500)
    periods = pd.date_range("2020-01-01", periods=MONTHS, freq="MS")
    frame = pd.DataFrame(
        {
            "team": np.repeat([f"T{i:03d}" for i in range(TEAMS)], MONTHS),
            "period": np.tile(periods, TEAMS),
        }
    )
    level = np.repeat(rng.normal(50, 10, TEAMS), MONTHS)
    step = np.tile(np.arange(MONTHS) >= 18, TEAMS) * rng.choice([0, 8], TEAMS * MONTHS)
    frame["value"] = level + step + rng.normal(0, 4, len(frame))
    frame["denominator"] = rng.integers(20, 80, len(frame))
    frame["numerator"] = rng.binomial(frame["denominator"], 0.6)
    return frame


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    frame = data()
    rebase = {f"T{i:03d}": ["2021-07-01"] for i in range(0, TEAMS, 2)}
    results = {
        "xmr (500 facets, rebase on half, fixed limits)": best_of(
            lambda: spc.xmr(
                frame, "value", "period", "team", rebase=rebase, fix_after_n_points=12, target=55
            )
        ),
        "p_chart (500 facets, freeze 12)": best_of(
            lambda: spc.p_chart(frame, "numerator", "denominator", "period", "team", freeze=12)
        ),
        "run_chart (500 facets)": best_of(lambda: spc.run_chart(frame, "value", "period", "team")),
    }
    print(
        f"{TEAMS} teams x {MONTHS} months = {len(frame)} rows; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, pandas {pd.__version__}"
    )
    for name, seconds in results.items():
        print(f"  {name}: {seconds:.3f} s (best of 5)")


if __name__ == "__main__":
    main()
