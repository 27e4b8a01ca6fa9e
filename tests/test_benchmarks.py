"""The benchmark scripts still fit the library they measure.

The scripts in ``benchmarks/`` are run by hand, not by ``make test``, and several import
collablib names inside functions, where importing the script does not reach them. A name
that moved or was renamed would only fail the next time someone records a benchmark.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "benchmarks"
BENCHMARKS = sorted(FOLDER.glob("*.py"))


def collablib_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every ``from collablib... import name`` in a script."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and (node.module == "collablib" or node.module.startswith("collablib."))
        for alias in node.names
    ]


def test_there_are_benchmark_scripts_that_use_collablib():
    assert len(BENCHMARKS) >= 5
    assert any(collablib_imports(path) for path in BENCHMARKS)


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_every_collablib_name_a_benchmark_imports_exists(path):
    missing = []
    for line, module, name in collablib_imports(path):
        target = importlib.import_module(module)
        if not hasattr(target, name):
            try:
                importlib.import_module(f"{module}.{name}")  # a submodule
            except ModuleNotFoundError:
                missing.append(f"{path.name}:{line}: {module}.{name}")
    assert missing == []


def load_script(name: str) -> types.ModuleType:
    """A benchmark script imported as a module (they are run as scripts, not imported)."""
    path = FOLDER / name
    spec = importlib.util.spec_from_file_location(f"benchmark_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: dataclasses look their module up
    saved = list(sys.path)  # a script may put benchmarks/ first, for its own run only
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_suite_processes_tells_each_kind_of_process_apart():
    """The rows of ``suite_processes.py``'s table, from command lines as the suite starts them."""
    kind = load_script("suite_processes.py").kind
    venv = "/work/collab/.venv/bin/python"
    zygote = f"{venv} -Xfrozen_modules=off -m collablib.build.zygote 18 collab-6165-forks"
    chromium = "/usr/lib/chromium/chromium-headless-shell"
    cases = [
        (f"{chromium} --type=renderer --lang=en", "chromium-headle", "Chromium: renderer"),
        (f"{chromium} --headless --no-sandbox", "chromium-headle", "Chromium: browser"),
        (f"{venv} -m ipykernel_launcher -f /tmp/kernel.json", "python", "kernel, started fresh"),
        (
            f"{venv} -u -c import sys;exec(eval(sys.stdin.readline()))",
            "python",
            "pytest-xdist worker",
        ),
        (f"{venv} -m pytest -p tl", "python", "pytest"),
        (f"{venv} /work/collab/.venv/bin/collab --data-dir d reports", "python", "collab command"),
        (f"{venv} -m collablib.cli --data-dir d reports", "python", "collab command"),
        (f"{venv} -c import sys", "python", "other Python process"),
        ("/usr/bin/make test", "make", "other"),
    ]
    for cmdline, comm, expected in cases:
        assert kind(cmdline, comm, "/usr/bin/make test") == expected, cmdline
    # a fork server's forked kernels keep its command line: told apart by their parent
    assert kind(zygote, "python", f"{venv} -m collablib.cli reports") == "fork server"
    assert kind(zygote, "python", zygote) == "kernel, forked"
    assert kind(f"{venv} -c x", "node", None) == "Playwright driver"
    # a folder named collab in an argument does not make a command collab's
    assert kind("make -C /work/collab test", "make", None) == "other"


def test_suite_processes_reads_proc_stat_lines_whose_name_has_brackets_and_spaces():
    parse_stat = load_script("suite_processes.py").parse_stat
    fields = ["S", "7", *["0"] * 9, "120", "30", "5", "6", *["0"] * 4, "98765", "0"]
    name, ppid, ticks, start = parse_stat(f"42 (a) b (c) {' '.join(fields)}")
    assert (name, ppid, ticks, start) == ("a) b (c", 7, 150, 98765)  # children's 5 + 6 left out


def test_suite_processes_counts_only_what_each_process_used_while_watched():
    script = load_script("suite_processes.py")
    watcher = script.Watcher()
    zygote = "python -m collablib.build.zygote 5 collab-1-forks"
    seen = [
        # (first CPU, last CPU, command line, pid, parent's command line)
        (10.0, 12.5, "python -m pytest", 1, "make test"),  # running before: 2.5 s
        (0.0, 3.0, zygote, 2, "python /v/bin/collab reports"),
        (0.0, 1.0, zygote, 3, zygote),
        (0.0, 1.5, zygote, 4, zygote),
        (0.0, 0.0, "python -c pass", 5, "make test"),  # used nothing: no row
        (4.0, 4.25, "python benchmarks/suite_processes.py", 6, "bash"),
    ]
    for first, last, cmdline, pid, parent in seen:
        watcher.seen[(pid, pid * 100)] = script.Seen(first, last, cmdline, "python", pid, parent)
    assert watcher.table(own_pid=6) == {
        "pytest": (1, 2.5),
        "fork server": (1, 3.0),
        "kernel, forked": (2, 2.5),
        "this script (its readings of /proc)": (1, 0.25),
    }


def test_suite_time_reads_busy_stolen_and_iowait_from_the_cpu_line():
    parse_cpu_line = load_script("suite_time.py").parse_cpu_line
    # user nice system idle iowait irq softirq steal guest guest_nice, in ticks of 1/100 s
    line = "cpu  1000 20 300 9000 450 7 3 60 500 0"
    assert parse_cpu_line(line, 100) == (13.3, 0.6, 4.5)  # guest (inside user) not added


def test_suite_time_counts_reads_of_whole_disks_only():
    parse_diskstats = load_script("suite_time.py").parse_diskstats

    def row(name: str, sectors: int, wait_ms: int) -> str:
        # major minor name; reads, merged, sectors read, ms reading; then writes and the rest
        return f" 254 0 {name} 10 2 {sectors} {wait_ms} 5 1 800 40 0 90 130 0 0 0 0"

    whole = {"vda": (2000, 1500), "sdb": (300, 20), "xvda": (40, 4), "nvme0n1": (4000, 500)}
    whole["mmcblk0"] = (6, 1)
    others = [
        ("vda1", 1900, 1400),  # vda's partitions: already counted in vda
        ("sdb2", 250, 10),
        ("nvme0n1p2", 3000, 300),
        ("mmcblk0p1", 5, 1),
        ("loop0", 8000, 9000),  # a file mounted as a disk: its reads are the file's
        ("dm-0", 8000, 9000),  # mapped or RAID devices over disks counted already
        ("md0", 8000, 9000),
        ("zram0", 8000, 9000),  # memory, not a disk
    ]
    rows = [row(name, *figures) for name, figures in whole.items()]
    text = "\n".join(rows + [row(*other) for other in others])
    megabytes, waited = parse_diskstats(text)
    assert megabytes == sum(sectors for sectors, _ in whole.values()) * 512 / 1e6
    assert waited == sum(ms for _, ms in whole.values()) / 1000
    # each whole disk counts on its own (a pattern that missed one kind would fail here)
    for name, (sectors, ms) in whole.items():
        assert parse_diskstats(row(name, sectors, ms)) == (sectors * 512 / 1e6, ms / 1000)
    assert parse_diskstats(" 254 16 vdb") == (0.0, 0.0)  # a line too short to read: skipped


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")
def test_suite_time_reads_this_machines_counters():
    script = load_script("suite_time.py")
    first = script.machine_times()
    assert isinstance(first, script.MachineTimes)
    assert first.busy > 0 and min(first.stolen, first.iowait, first.read_mb, first.read_wait) >= 0
    assert (script.machine_times() - first).busy >= 0


def test_suite_time_subtracts_every_counter():
    script = load_script("suite_time.py")
    before = script.MachineTimes(busy=10, stolen=1, iowait=2, read_mb=3, read_wait=4)
    after = script.MachineTimes(busy=15, stolen=1.5, iowait=4, read_mb=10, read_wait=4.5)
    assert after - before == script.MachineTimes(5, 0.5, 2, 7, 0.5)


def test_suite_processes_prints_what_the_machine_did_during_the_run():
    """``suite_processes.py`` prints from the counters ``suite_time.machine_times`` returns."""
    processes, suite_time = load_script("suite_processes.py"), load_script("suite_time.py")
    used = suite_time.MachineTimes(busy=567.4, stolen=2.2, iowait=31.0, read_mb=78.4, read_wait=315)
    line = processes.run_line("1299 passed", "301.15", 303.2, used)
    assert line == (
        "pytest: 1299 passed in 301.15 s; wall 303 s; busy CPU 567 s, stolen 2 s, "
        "I/O wait 31 s, 78 MB read from disk (waiting 315 s)"
    )
