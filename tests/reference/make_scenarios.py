"""Write the SPC cross-check scenarios: input CSVs and a manifest of options.

Run once from the project root (``.venv/bin/python tests/reference/make_scenarios.py``);
then ``Rscript tests/reference/generate_expected.R`` runs the reference
implementations (NHSRplotthedots 0.2.2, qicharts2 0.8.1) on them and writes
``tests/reference/expected/``. Both outputs are committed; the R packages are
not, and CI never runs R. ``tests/test_spc_reference.py`` compares collab's
results with the expected files to 1e-9.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 2014  # Anhøj and Olesen's run chart paper


def months(n: int, start: str = "2019-04-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def frame(values, start="2019-04-01", facet=None) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "date": months(len(values), start).strftime("%Y-%m-%d"),
            "value": np.asarray(values, dtype=float),
        }
    )
    if facet is not None:
        out.insert(0, "facet", facet)
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    scenarios: list[dict] = []

    def add(sid: str, kind: str, data: pd.DataFrame, **options) -> None:
        data.to_csv(HERE / "scenarios" / f"{sid}.csv", index=False, float_format="%.17g")
        scenarios.append({"id": sid, "kind": kind, "options": options})

    noise = np.round(rng.normal(50, 5, 30), 3)
    add("xmr_basic", "xmr", frame(noise))
    shifted = np.round(np.concatenate([rng.normal(40, 4, 15), rng.normal(48, 4, 15)]), 2)
    add("xmr_shift_increase", "xmr", frame(shifted))
    add("xmr_shift_decrease", "xmr", frame(shifted), improvement_direction="decrease")
    add("xmr_shift_neutral", "xmr", frame(shifted), improvement_direction="neutral")
    trend = [
        20,
        22,
        21,
        23,
        22,
        24,
        25,
        26,
        27,
        28,
        29,
        30,
        31,
        29,
        28,
        27,
        26,
        25,
        24,
        23,
        24,
        22,
        23,
        21,
        22,
    ]
    add("xmr_trends", "xmr", frame(trend))
    tied = [20, 21, 22, 23, 23, 24, 25, 26, 27, 27, 28, 29, 30, 31, 30, 29, 28, 27, 27, 26, 25]
    add("xmr_trend_with_ties", "xmr", frame(tied))
    two_of_three = [
        10,
        11,
        9,
        10,
        12,
        10,
        11,
        9,
        10,
        11,
        10,
        14.2,
        10.5,
        14.4,
        10,
        9,
        11,
        5.8,
        6,
        10,
        11,
        10,
        9,
        10,
    ]
    add("xmr_two_of_three", "xmr", frame(two_of_three))
    on_mean = [10, 12, 8, 10, 11, 9, 10, 12, 8, 10, 11, 9, 10, 11, 9, 12, 8, 10, 10, 10]
    add("xmr_points_on_mean", "xmr", frame(on_mean))
    spike = np.round(rng.normal(100, 6, 28), 1)
    spike[9] = 190.0
    spike[20] = 20.0
    add("xmr_outliers_screened", "xmr", frame(spike), screen_outliers=True)
    add("xmr_outliers_not_screened", "xmr", frame(spike), screen_outliers=False)
    long = np.round(
        np.concatenate([rng.normal(30, 3, 14), rng.normal(36, 3, 12), rng.normal(33, 2, 10)]), 2
    )
    add("xmr_rebase", "xmr", frame(long), rebase=["2020-06-01", "2021-06-01"])
    add("xmr_fix_after_12", "xmr", frame(long), fix_after_n_points=12)
    add(
        "xmr_fix_after_15_with_rebase",
        "xmr",
        frame(long),
        fix_after_n_points=15,
        rebase=["2020-06-01"],
    )
    level = np.round(rng.normal(70, 3, 24), 2)
    for name, target, direction in [
        ("xmr_target_above_increase", 90, "increase"),
        ("xmr_target_below_increase", 55, "increase"),
        ("xmr_target_inside_increase", 71, "increase"),
        ("xmr_target_above_decrease", 90, "decrease"),
        ("xmr_target_below_decrease", 55, "decrease"),
        ("xmr_target_neutral", 90, "neutral"),
    ]:
        add(name, "xmr", frame(level), target=target, improvement_direction=direction)
    a = frame(np.round(rng.normal(20, 2, 26), 2), facet="alpha")
    b = frame(
        np.round(np.concatenate([rng.normal(60, 5, 13), rng.normal(75, 5, 13)]), 2), facet="beta"
    )
    add(
        "xmr_two_facets",
        "xmr",
        pd.concat([a, b], ignore_index=True),
        facet=True,
        target={"alpha": 25, "beta": 70},
        rebase={"beta": ["2020-05-01"]},
    )
    add("xmr_short_series", "xmr", frame(np.round(rng.normal(5, 1, 9), 2)))

    for sid, values in [
        ("run_random", np.round(rng.normal(10, 2, 24), 2)),
        ("run_shift", np.round(np.concatenate([rng.normal(10, 1, 12), rng.normal(13, 1, 12)]), 2)),
        ("run_ties_on_median", [5, 7, 6, 6, 6, 8, 4, 6, 9, 6, 3, 6, 7, 5, 6]),
        ("run_few_crossings", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        ("run_ten_points", np.round(rng.normal(0, 1, 10), 3)),
    ]:
        add(sid, "run", frame(values))
    c = frame(np.round(rng.normal(4, 1, 20), 2), facet="c")
    d = frame(np.round(np.concatenate([rng.normal(4, 1, 8), rng.normal(7, 1, 12)]), 2), facet="d")
    add("run_two_facets", "run", pd.concat([c, d], ignore_index=True), facet=True)

    den = rng.integers(20, 120, 30)
    rate = np.concatenate([np.full(15, 0.55), np.full(15, 0.7)])
    num = rng.binomial(den, rate)
    p = pd.DataFrame(
        {"date": months(30).strftime("%Y-%m-%d"), "numerator": num, "denominator": den}
    )
    add("p_varying_denominators", "p", p)
    add("p_freeze_12", "p", p, freeze=12)
    add("p_part_15", "p", p, part=[15])
    extreme = pd.DataFrame(
        {
            "date": months(20).strftime("%Y-%m-%d"),
            "numerator": rng.binomial(np.full(20, 8), 0.95),
            "denominator": np.full(20, 8),
        }
    )
    add("p_clamped_limits", "p", extreme)

    (HERE / "scenarios.json").write_text(
        json.dumps({"scenarios": scenarios, "run_limits": {"from": 10, "to": 100}}, indent=1)
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(scenarios)} scenarios")


if __name__ == "__main__":
    main()
