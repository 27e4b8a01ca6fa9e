"""Fault benchmark: randomised interrupt, kill and edit sequences on the demo data.

Each sequence runs two to four random steps against a copy of the demo data
and its own reports folder:

- **interrupt**: start a build, then after a random 1-25 s send SIGINT, SIGTERM
  or SIGKILL (SIGINT and SIGTERM: the time until the command exits is recorded);
- **edit during a build**: start a build and, part-way, switch one input file to
  another version (sometimes one with a bad value);
- **edit and revert during a build**: the same, switching the file back a few
  seconds later (then the build is sometimes killed);
- **edit**: switch an input while no build runs.

Every input that is edited has a few fixed versions (the original, a valid
variant, and for one survey export a bad one), so that the same input state
recurs. After the steps, bad versions are put back to valid ones and
``make reports`` runs (``COLLAB_DATA_DIR`` and ``ARGS=--output-dir`` point it
at the copy). Then two checks:

1. every report it called **up to date** has a Provenance section whose
   inputs match the files on disk, byte for byte;
2. **every** report, and the index, is byte-identical to a clean build of the
   same inputs (``collab reports --force`` into an empty folder, cached per
   input state).

It also checks that no temporary file, backup, journal or kernel connection
file is left behind. Run from the project root:
``.venv/bin/python benchmarks/faults.py [--sequences 20] [--seed N] [--stops 10]``
(``--stops N`` also times N stops of a forced build, part-way, by SIGINT and SIGTERM).
Record the printed summary in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collablib.data.registry import load_registry  # noqa: E402
from tests.htmltools import provenance_matches_disk  # noqa: E402

COLLAB = ROOT / ".venv" / "bin" / "collab"
SURVEY = "raw/cohort-3/cohort3-final-survey-responses.csv"


def _replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def versions(original: dict[str, bytes]) -> dict[str, list[bytes]]:
    """The versions of each edited input: [original, valid variant, (bad variant)]."""
    survey = original[SURVEY].decode("utf-8")
    good = _replace_once(survey, "Project team member,3,4,4", "Project team member,2,4,4")
    bad = _replace_once(survey, "Project team member,3,4,4", "Project team member,9,4,4")
    teams = original["raw/rare-cancers/teams.csv"].decode("utf-8")
    registry = original["cohorts.csv"].decode("utf-8")
    measures = original["raw/cohort-1/measures.csv"].decode("utf-8")
    return {
        SURVEY: [original[SURVEY], good.encode(), bad.encode()],
        "raw/rare-cancers/teams.csv": [
            original["raw/rare-cancers/teams.csv"],
            _replace_once(teams, "clearly to patients", "clearly to patients (phase 2)").encode(),
        ],
        "cohorts.csv": [
            original["cohorts.csv"],
            _replace_once(registry, "cohort-1,Cohort 1,", "cohort-1,Cohort 1 (pilot),").encode(),
        ],
        "raw/cohort-1/measures.csv": [
            original["raw/cohort-1/measures.csv"],
            _replace_once(measures, "2020-03-01,,12,23,", "2020-03-01,,13,23,").encode(),
        ],
    }


BAD = {SURVEY: {2}}


@dataclass
class Project:
    data: Path
    out: Path
    variants: dict[str, list[bytes]]
    state: dict[str, int] = field(default_factory=dict)

    def set(self, name: str, index: int) -> None:
        (self.data / name).write_bytes(self.variants[name][index])
        self.state[name] = index

    def key(self) -> str:
        return "-".join(str(self.state[n]) for n in sorted(self.variants))


def build_command(data: Path, out: Path, *extra: str) -> list[str]:
    return [str(COLLAB), "--data-dir", str(data), "reports", "--output-dir", str(out), *extra]


def start_build(project: Project) -> subprocess.Popen:
    return subprocess.Popen(
        build_command(project.data, project.out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen, signum: int) -> float | None:
    """Send ``signum``; return the seconds until the process exited (None for SIGKILL)."""
    if proc.poll() is not None:
        return None
    sent = time.monotonic()
    proc.send_signal(signum)
    proc.wait(timeout=120)
    return None if signum == signal.SIGKILL else time.monotonic() - sent


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs(out: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(out.glob("*.html"))}


def reference(project: Project, cache: Path) -> dict[str, str]:
    """A clean build of the current inputs (cached per input state)."""
    folder = cache / project.key()
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(project.data, folder / "data")
        subprocess.run(
            build_command(folder / "data", folder / "reports", "--force"),
            check=True,
            capture_output=True,
        )
        (folder / "done").touch()
    return outputs(folder / "reports")


def leftovers(out: Path) -> list[str]:
    from collablib.build.kernelfiles import _alive, runtime_dir

    found = [str(p) for p in out.rglob(".*") if p.is_file()]
    found += [str(p) for p in (out / ".build").glob("*.journal")]
    found += [str(p) for p in (out / ".build").glob("*.ipynb")]
    for path in runtime_dir().glob("collab-*"):
        owner = path.name.split("-")[1]
        if owner.isdigit() and not _alive(int(owner)):
            found.append(str(path))
    return found


def run_sequence(number: int, rng: random.Random, project: Project, cache: Path) -> dict:
    steps: list[str] = []
    stop_times: list[float] = []
    names = sorted(project.variants)

    def toggle() -> str:
        name = rng.choice(names)
        choices = [i for i in range(len(project.variants[name])) if i != project.state[name]]
        index = rng.choice(choices)
        project.set(name, index)
        return f"{Path(name).name}->v{index}"

    for _ in range(rng.randint(2, 4)):
        kind = rng.choice(["interrupt", "edit-during", "edit-revert-during", "edit"])
        if kind == "edit":
            steps.append(f"edit {toggle()}")
            continue
        proc = start_build(project)
        if kind == "interrupt":
            time.sleep(rng.uniform(1, 25))
            signum = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
            took = stop(proc, signum)
            if took is not None:
                stop_times.append(took)
            steps.append(f"{signal.Signals(signum).name}@build")
        elif kind == "edit-during":
            time.sleep(rng.uniform(0.5, 20))
            steps.append(f"build+edit {toggle()}")
            proc.wait(timeout=600)
        else:
            time.sleep(rng.uniform(0.5, 15))
            name = rng.choice(names)
            before = project.state[name]
            others = [i for i in range(len(project.variants[name])) if i != before]
            project.set(name, rng.choice(others))
            time.sleep(rng.uniform(0.5, 5))
            project.set(name, before)
            if rng.random() < 0.5:
                stop(proc, signal.SIGKILL)
                steps.append(f"build+edit+revert {Path(name).name}, SIGKILL")
            else:
                proc.wait(timeout=600)
                steps.append(f"build+edit+revert {Path(name).name}")
    for name, bad in BAD.items():
        if project.state[name] in bad:
            project.set(name, 0)
            steps.append(f"fix {Path(name).name}")

    env = {**os.environ, "COLLAB_DATA_DIR": str(project.data)}
    made = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "reports",
            f"ARGS=--output-dir {project.out}",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    text = made.stdout + made.stderr
    cohorts = [c.cohort_id for c in load_registry(project.data)]
    fresh = [c for c in cohorts if f"{c}: up to date" in text]
    stale = [
        c for c in fresh if not provenance_matches_disk(project.out / f"{c}.html", project.data, c)
    ]
    expected = reference(project, cache)
    got = outputs(project.out)
    differ = sorted(n for n in set(expected) | set(got) if expected.get(n) != got.get(n))
    left = leftovers(project.out)
    ok = made.returncode == 0 and not stale and not differ and not left
    return {
        "number": number,
        "steps": steps,
        "status": made.returncode,
        "up_to_date": len(fresh),
        "stale": stale,
        "differ": differ,
        "leftovers": left,
        "stop_times": stop_times,
        "ok": ok,
    }


def measure_stops(project: Project, rng: random.Random, count: int) -> list[tuple[str, float]]:
    """Start forced builds and stop each part-way with SIGINT or SIGTERM; time each stop."""
    times = []
    for i in range(count):
        signum = (signal.SIGINT, signal.SIGTERM)[i % 2]
        proc = subprocess.Popen(
            build_command(project.data, project.out, "--force"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(2, 20))
        took = stop(proc, signum)
        if took is not None:
            times.append((signal.Signals(signum).name, took))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequences", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary one)")
    parser.add_argument(
        "--stops", type=int, default=0, help="also time this many SIGINT/SIGTERM stops"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="collab-faults-"))
    rng = random.Random(args.seed)
    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    variants = versions(
        {
            n: (data / n).read_bytes()
            for n in (
                SURVEY,
                "raw/rare-cancers/teams.csv",
                "cohorts.csv",
                "raw/cohort-1/measures.csv",
            )
        }
    )
    project = Project(data, work / "reports", variants, {n: 0 for n in variants})
    cache = work / "clean"
    subprocess.run(build_command(data, project.out), check=True, capture_output=True)
    started = time.monotonic()
    results = []
    for number in range(1, args.sequences + 1):
        result = run_sequence(number, rng, project, cache)
        results.append(result)
        print(
            f"{number:2d} {'ok  ' if result['ok'] else 'FAIL'} exit {result['status']}, "
            f"{result['up_to_date']} up to date; {'; '.join(result['steps'])}"
            + (f"; stale {result['stale']}" if result["stale"] else "")
            + (f"; differ {result['differ']}" if result["differ"] else "")
            + (f"; leftovers {result['leftovers']}" if result["leftovers"] else ""),
            flush=True,
        )
    stops = [t for r in results for t in r["stop_times"]]
    passed = sum(r["ok"] for r in results)
    print(
        f"\n{passed} of {len(results)} sequences passed both checks "
        f"({sum(r['up_to_date'] for r in results)} up-to-date claims checked against the disk) "
        f"in {time.monotonic() - started:.0f} s."
    )
    if stops:
        print(
            f"SIGINT/SIGTERM: {len(stops)} stops, longest {max(stops):.2f} s, "
            f"median {sorted(stops)[len(stops) // 2]:.2f} s from the signal to exit."
        )
    if args.stops:
        timed = measure_stops(project, rng, args.stops)
        print(
            f"Stops of a forced build part-way: {len(timed)}; "
            + ", ".join(f"{name} {t:.2f} s" for name, t in timed)
            + f"; longest {max(t for _, t in timed):.2f} s."
        )
        subprocess.run(build_command(data, project.out), capture_output=True)
    print(f"Work folder: {work}")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
