"""The ``collab`` command.

``collab reports``
    Build every cohort's HTML report (or those named with ``--cohort``) and the index.
``collab summary (--cohort ID | --programme-year YYYY/YY) [--json]``
    Print the headline metrics.
``collab validate [--cohort ID ...]``
    Check the data against the data dictionary without building anything.

Bad input is reported as a short paragraph, without a traceback, and the
command exits with status 2. A failed report build exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from collablib import __version__
from collablib.build.fileio import OutputError
from collablib.build.interrupts import BuildInterrupted
from collablib.errors import CollabError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "EXIT_BUILD_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "console",
    "main",
    "skip_unused_slow_imports",
]

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_BAD_INPUT = 2
#: What a shell reports for a command stopped by SIGINT (128 + 2); SIGTERM gives 143.
EXIT_INTERRUPTED = 130
#: What a shell reports for a command stopped by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collab",
        description="Evaluation reports for NHS cancer Experience of Care Improvement "
        "Collaboratives.",
    )
    parser.add_argument("--version", action="version", version=f"collab {__version__}")
    parser.add_argument(
        "--data-dir",
        help=(
            "the data folder holding cohorts.csv and raw/ (default: $COLLAB_DATA_DIR if set, "
            "else the project's data/ folder, wherever collab is run from)"
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser("reports", help="build the HTML reports and the index")
    rep.add_argument(
        "--cohort",
        action="append",
        metavar="ID",
        dest="cohorts",
        help="build only this cohort (repeat for several); default: every cohort",
    )
    rep.add_argument(
        "--output-dir",
        help="where to write the HTML (default: the project's reports/ folder)",
    )
    rep.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="cohorts to build at once (default: the number of CPUs)",
    )
    rep.add_argument(
        "--force",
        action="store_true",
        help="rebuild every selected cohort even if its inputs have not changed",
    )
    rep.add_argument(
        "--notebook",
        metavar="PATH",
        help="the report notebook to run (default: the project's notebooks/cohort_report.ipynb)",
    )
    rep.add_argument(
        "--pdf",
        action="store_true",
        help="also print each reviewer report to reports/<id>.pdf with headless Chromium "
        "(only reports whose HTML changed are printed again)",
    )
    rep.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start each report's kernel as a new process instead of forking it from the "
        "fork server (slower; the reports are the same)",
    )
    rep.add_argument(
        "--wait",
        action="store_true",
        help="if another build is writing to the output folder, wait for it to finish "
        "(default: stop with a message naming it)",
    )

    summ = sub.add_parser("summary", help="print the headline survey metrics")
    scope = summ.add_mutually_exclusive_group(required=True)
    scope.add_argument("--cohort", metavar="ID", help="one cohort")
    scope.add_argument(
        "--programme-year", metavar="YYYY/YY", help="every cohort in a programme year, pooled"
    )
    summ.add_argument("--json", action="store_true", help="print JSON (percentages unrounded)")

    exp = sub.add_parser(
        "export",
        help="write a cohort's tidy tables (CSV), their datapackage.json and an index.html"
        " listing them (files of those names in DIR are replaced)",
    )
    exp.add_argument("--cohort", required=True, metavar="ID", help="the cohort to export")
    exp.add_argument("--output-dir", required=True, metavar="DIR", help="where to write them")

    val = sub.add_parser("validate", help="check the data without building reports")
    val.add_argument("--cohort", action="append", metavar="ID", dest="cohorts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``collab`` command; return its exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "reports":
            return _reports(args)
        if args.command == "summary":
            return _summary(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "export":
            return _export(args)
    except CollabError as exc:
        print(f"collab: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        print(f"collab: {exc}", file=sys.stderr)
        return EXIT_BUILD_FAILED
    except (KeyboardInterrupt, BuildInterrupted) as exc:
        name, status = _stopped_by(exc)
        print(
            f"collab: interrupted by {name} before any report was built; the reports in place "
            "are complete.",
            file=sys.stderr,
        )
        return status
    except BrokenPipeError:
        # The reader went away (``collab summary --json | head``): stop quietly, as Unix tools
        # do, and stop Python complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return EXIT_OK  # pragma: no cover


def skip_unused_slow_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax``, which the build never uses.

    nbformat (and so papermill and nbconvert) imports jsonschema, which imports
    ``rfc3987_syntax`` whenever it is installed (Jupyter Server installs it) to
    check the "iri" string format. That import compiles a grammar and takes about
    1.3 to 1.5 s of CPU, a third of the command's start-up, yet no notebook schema has
    an "iri" format. Marking the module absent makes jsonschema skip that one check.
    The ``collab`` command does this (:func:`console`), in its own process, and so do
    the test processes (``tests/early_plugin.py``); importing collablib or calling
    :func:`main` never does.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _reports(args: argparse.Namespace) -> int:
    from pathlib import Path

    from collablib.build import forkserver
    from collablib.build import state as buildstate
    from collablib.build.interrupts import sigterm_raises
    from collablib.build.lock import locked_output_folder
    from collablib.paths import default_reports_dir, report_notebook, resolve_data_dir

    if args.jobs is not None and args.jobs < 1:
        raise CollabError(
            "the number of jobs must be at least 1", value=args.jobs, allowed="-j 1 or more"
        )
    data_dir = resolve_data_dir(args.data_dir)
    output_dir = Path(args.output_dir or default_reports_dir()).resolve()
    notebook = Path(args.notebook).resolve() if args.notebook else report_notebook()
    with sigterm_raises(), locked_output_folder(output_dir, args.wait) as lock:
        if not args.force:
            # Nothing changed since the last complete run: say so without loading any data.
            fresh = buildstate.fast_up_to_date(data_dir, output_dir, notebook, args.cohorts)
            years = [] if args.cohorts else _programme_reports(output_dir, notebook)
            if fresh is not None and years is not None:
                for report_id in [*fresh, *years]:
                    print(f"{report_id}: up to date")
                n, what = len(fresh) + len(years), _count(len(fresh), "cohort")
                what += ", " + _count(len(years), "programme year") if years else ""
                print(f"Summary: 0 built, {n} up to date, 0 failed ({what})")
                return _pdfs(output_dir, args, data_dir) if args.pdf else EXIT_OK

        try:
            _start_first_kernel(notebook, data_dir, fresh=args.fresh_kernels)
            from collablib.build.pipeline import build_reports
            from collablib.build.progress import make_progress

            summary = build_reports(
                args.cohorts,
                data_dir=data_dir,
                output_dir=output_dir,
                jobs=args.jobs,
                progress=make_progress(),
                force=args.force,
                notebook=notebook,
                lock=lock,
                fork_kernels=not args.fresh_kernels,
            )
        finally:
            forkserver.stop_early()  # the first kernel, if no report took it
        if summary.interrupted is not None:
            print(f"collab: {summary.interrupted_line()}", file=sys.stderr)
            return summary.exit_code
        print(summary.text())
        if args.pdf:
            return max(summary.exit_code, _pdfs(output_dir, args, data_dir))
    return summary.exit_code


def _start_first_kernel(notebook: Path, data_dir: Path, fresh: bool = False) -> None:
    """Start the first report kernel before importing and validating, so that its start-up
    and imports (about 3 s of CPU) overlap ours rather than delaying the first report.

    The kernel is the one the first report would start (:mod:`collablib.build.earlykernel`);
    the fork server for the kernels after it starts once the build knows it needs them.
    ``COLLAB_EARLY_KERNEL=0`` starts only the fork server, at once (the test suite's setting:
    its many short ``collab`` runs would each pay for a kernel as a new process). With
    ``--fresh-kernels`` (``fresh``) no fork server starts, but the early kernel does: it is a
    new process, as every kernel of that build is. Any problem here (an unreadable notebook,
    no kernel spec) is left for the build to report.
    """
    import json

    from collablib.build import forkserver, provenance
    from collablib.data.inputs import read_input

    if not forkserver.available():
        return
    try:
        spec = json.loads(read_input(notebook))["metadata"]["kernelspec"]["name"]
    except (CollabError, ValueError, KeyError, TypeError):
        return
    forks = forkserver.shared(provenance.code_digest() + provenance.lock_digest())
    env = forkserver.kernel_environment()  # the kernel inherits this process's environment
    if os.environ.get("COLLAB_EARLY_KERNEL") == "0":  # only the fork server, started now
        if not fresh:
            forks.prestart(spec, env)
    else:
        forks.start_early(spec, str(data_dir.parent))


def _pdfs(output_dir: Path, args: argparse.Namespace, data_dir: Path) -> int:
    """Print the reviewer reports to PDF (:mod:`collablib.build.pdf`); the exit status.

    With ``--cohort``, only those cohorts' reports and their programme years' are printed.
    An interrupt here comes after the HTML is complete, and is reported as such.
    """
    from collablib.build.pdf import build_pdfs

    ids = None
    if args.cohorts:
        from collablib.data.registry import load_registry
        from collablib.paths import programme_report_id

        named = {c.casefold() for c in args.cohorts}
        chosen = [c for c in load_registry(data_dir) if c.cohort_id.casefold() in named]
        ids = [c.cohort_id for c in chosen]
        ids += sorted({programme_report_id(c.programme_year) for c in chosen})
    try:
        results = build_pdfs(output_dir, ids, jobs=args.jobs, force=args.force)
    except (KeyboardInterrupt, BuildInterrupted) as exc:
        name, status = _stopped_by(exc)
        print(
            f"collab: PDF printing interrupted by {name}; the HTML reports are complete and "
            "every PDF in place is whole. Run 'make pdf' again to finish.",
            file=sys.stderr,
        )
        return status
    for result in results:
        print(result.line())
    failed = sum(r.status == "failed" for r in results)
    built = sum(r.status == "built" for r in results)
    print(
        f"PDFs: {built} printed, {sum(r.status == 'up to date' for r in results)} up to date, "
        f"{failed} failed"
    )
    return EXIT_BUILD_FAILED if failed else EXIT_OK


def _stopped_by(exc: BaseException) -> tuple[str, int]:
    """The signal that stopped the command (SIGINT for Ctrl-C) and the status to exit with."""
    if isinstance(exc, BuildInterrupted):
        return exc.args[0], exc.exit_status
    return "SIGINT", EXIT_INTERRUPTED


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _programme_reports(output_dir: Path, notebook: Path) -> list[str] | None:
    """The programme-year reports the last complete run recorded (``None``: check them fully).

    Taken from the run's recorded outputs, not from the folder; each must still have a
    usable build record, as the full check would require.
    """
    from collablib.build import state as buildstate
    from collablib.paths import programme_notebook_for

    if programme_notebook_for(notebook) is None:
        return []
    state = buildstate.read_checked(
        buildstate.state_dir(output_dir) / buildstate.STATE_FILE, buildstate.STATE_SHAPE, None, ""
    )
    names = state["outputs"] if state else {}
    ids = sorted(
        n.removesuffix(".html")
        for n in names
        if n.startswith("programme-") and n.endswith(".html") and not n.endswith(".code.html")
    )
    if any(buildstate.read_record(output_dir, i, None) is None for i in ids):
        return None
    return ids


def _summary(args: argparse.Namespace) -> int:
    from collablib.analysis import analyse, programme_year_json, summary_json

    if args.cohort:
        result = summary_json(analyse(args.cohort, args.data_dir))
    else:
        result = programme_year_json(args.programme_year, args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_summary_text(result))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from collablib.analysis import analyse
    from collablib.build.export import write_export

    if not args.output_dir.strip():
        raise OutputError("--output-dir is empty: name the folder to write the files to.")
    analysis = analyse(args.cohort, args.data_dir)
    try:
        written = write_export(analysis, Path(args.output_dir))
    except OSError as exc:
        from collablib.errors import describe_os_error

        raise OutputError(f"cannot write to {args.output_dir}: {describe_os_error(exc)}.") from exc
    print(f"Wrote {len(written)} files to {args.output_dir} (datapackage.json describes them).")
    if analysis.survey.not_compared:
        print(
            "Left out of comparisons.csv, because their data do not validate now: "
            + ", ".join(analysis.survey.not_compared)
            + ".",
            file=sys.stderr,
        )
    return EXIT_OK


def _summary_text(result: dict[str, Any]) -> str:
    from collablib.report.formatting import fmt_ci, fmt_pct
    from collablib.survey.metrics import RATING_ITEMS

    scope = result["scope"]
    title = scope.get("name") or f"Programme year {scope['programme_year']}"
    rec = result["recommend"]
    lines = [
        f"{title} ({', '.join(scope['cohorts'])})",
        f"  Teams: {result['teams']} ({result['teams_responding']} with a respondent)",
        f"  Respondents: {result['respondents']}",
        f"  Would recommend: {fmt_pct(rec['pct'])} ({rec['yes']} of {rec['n']}; "
        f"95% CI {fmt_ci(rec['ci_low'], rec['ci_high'])})",
    ]
    for item, label in RATING_ITEMS.items():
        v = result["items"][item]
        lines.append(
            f"  {label}: {fmt_pct(v['pct'])} rated 3 or 4 ({v['positive']} of {v['n']}; "
            f"95% CI {fmt_ci(v['ci_low'], v['ci_high'])})"
        )
    return "\n".join(lines)


def _validate(args: argparse.Namespace) -> int:
    from collablib.cpes.analysis import analyse_cohort
    from collablib.cpes.checks import coverage_warnings
    from collablib.data.cpes import load_cpes
    from collablib.data.loaders import load_cohort
    from collablib.data.registry import load_registry, select_cohorts
    from collablib.paths import resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    cohorts = select_cohorts(load_registry(data_dir), args.cohorts, data_dir)
    failures = 0
    try:
        cpes = load_cpes(data_dir)
    except CollabError as exc:
        cpes, failures, cpes_problem = None, 1, exc
    else:
        cpes_problem = None
    warnings: list[str] = []
    for cohort in cohorts:
        try:
            data = load_cohort(cohort, data_dir)
            # The teams' targeted questions against the CPES question map, as a report reads them.
            patients = analyse_cohort(
                cpes, data.teams, cohort.start_date, cohort.end_date, str(data.files["teams"])
            )
        except CollabError as exc:
            failures += 1
            print(f"{cohort.cohort_id}: PROBLEM\n{exc.message}", file=sys.stderr)
            continue
        warnings += coverage_warnings(patients, cohort.cohort_id)
        print(f"{cohort.cohort_id}: OK ({len(data.teams)} teams, {len(data.survey)} responses)")
    _print_cpes(cpes, cpes_problem, warnings)
    return EXIT_BAD_INPUT if failures else EXIT_OK


def _print_cpes(cpes: Any, problem: CollabError | None, warnings: list[str]) -> None:
    """List every file of data/cpes/ and what it was read as; print the CPES warnings."""
    from collablib.errors import display_path

    if problem is not None:
        print(f"CPES: PROBLEM\n{problem.message}", file=sys.stderr)
        return
    if cpes is None:
        print("CPES: no data/cpes/ folder (the reports will have no CPES section)")
        return
    print("CPES files:")
    for item in cpes.listing:
        print(f"  {display_path(item.path)}: {item.read_as}")
    for warning in [*cpes.warnings, *warnings]:
        print(f"warning: {warning}", file=sys.stderr)


def console() -> None:
    """The ``collab`` command (the console script): :func:`main` in a process of its own."""
    skip_unused_slow_imports()
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
