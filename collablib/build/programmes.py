"""Planning the programme-year reports of a build (``reports/programme-<yyyy-yy>.html``).

A programme year's report (``notebooks/programme_report.ipynb``) reads every
input of every cohort of that year, so it is keyed, checked and put in place
exactly as a cohort's report is (:mod:`collablib.build.pipeline`): its build
key covers its cohorts' registry rows and input files, the notebook, the
code, the lock file and the git state; its kernel may read only what the
pipeline validated; and it is built in parallel with the cohorts, on the
same worker threads, once the cohorts' own reports are done (the years
then run in parallel with each other). When a cohort of the year failed
(bad data, or its report could not be built), the year's report is not
rebuilt: its previous version stays in place, byte for byte, and the failure
says which cohort to fix; it then describes that cohort's previous report,
which also stays, but not a sibling rebuilt in the same run: the summary and
the index say so.

When a cohort leaves a programme year (removed from the registry, or moved to
another year), that year's report is deleted at once, before anything is
built: it holds the cohort's figures and quotes, and a withdrawn cohort must
not stay readable even if the year's rebuild then fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from collablib.build import provenance
from collablib.build import state as buildstate
from collablib.build.interrupts import signals_ignored
from collablib.build.render import BuildResult
from collablib.build.workers import Planned, up_to_date_or_why
from collablib.data.inputs import read_input, sha256_bytes
from collablib.data.registry import Cohort, registry_path
from collablib.errors import CollabError, display_path
from collablib.paths import programme_report_id

__all__ = ["ProgrammeBuild", "programme_ids"]


def programme_ids(cohorts: Sequence[Cohort]) -> set[str]:
    """The report ids of every programme year in the registry."""
    return {programme_report_id(c.programme_year) for c in cohorts}


@dataclass(frozen=True)
class _Run:
    """What one run's planning of programme years needs from the pipeline."""

    results: Mapping[str, BuildResult]
    reads: Mapping[str, dict[str, str]]
    changed_now: set[str]
    run: provenance.RunFacts
    force: bool
    warn: buildstate.Warn
    finish: Callable[[BuildResult], None]
    outputs: dict[str, dict[str, str]]


class ProgrammeBuild:
    """The programme-year reports of one build: its notebook, read once, and their plans."""

    def __init__(self, notebook: Path, data_dir: Path, output_dir: Path) -> None:
        self.path = notebook
        self.bytes = read_input(notebook)
        self.node = nbformat.reads(self.bytes.decode("utf-8"), as_version=4)
        self.sha256 = sha256_bytes(self.bytes)
        self.data_dir = data_dir
        self.output_dir = output_dir

    def plan(
        self,
        years: Sequence[str],
        cohorts: Sequence[Cohort],
        results: Mapping[str, BuildResult],
        reads: Mapping[str, dict[str, str]],
        changed_now: set[str],
        run: provenance.RunFacts,
        *,
        force: bool,
        warn: buildstate.Warn,
        finish: Callable[[BuildResult], None],
        outputs: dict[str, dict[str, str]],
    ) -> list[Planned]:
        """The programme years in ``years`` that are out of date, as builds to run.

        Up-to-date years and years that cannot be built are reported with
        ``finish`` (as cohorts are) and left out.
        """
        ctx = _Run(results, reads, changed_now, run, force, warn, finish, outputs)
        plan = []
        for year in years:
            members = [c for c in cohorts if c.programme_year == year]
            report = Cohort(
                programme_report_id(year),
                f"Programme year {year}",
                year,
                min(c.start_date for c in members),
                max(c.end_date for c in members),
            )
            item = self._plan_one(report, members, ctx)
            if item is not None:
                plan.append(item)
        return plan

    def withdraw_changed_years(self, cohorts: Sequence[Cohort], warn: buildstate.Warn) -> list[str]:
        """Delete each programme-year report that may hold a cohort no longer in its year.

        That is a report whose record names a cohort that has left the year, whose record
        cannot be read (so what it holds is unknown), or whose year has left the registry.
        Returns the ids deleted. A report built with fewer cohorts than its year now has is
        kept (it withdraws nobody) until it is rebuilt.
        """
        years = {programme_report_id(c.programme_year): c.programme_year for c in cohorts}
        pages = {
            p.name.removesuffix(".html")
            for p in self.output_dir.glob("programme-*.html")
            if not p.name.endswith(".code.html")
        }
        stale = []
        for rid in sorted(set(years) | pages):
            record = buildstate.read_record(self.output_dir, rid, warn)
            rows = record["components"].get("registry_row") if record else None
            if rid not in years:
                stale.append(rid)
            elif isinstance(rows, list):
                now = {c.cohort_id for c in cohorts if c.programme_year == years[rid]}
                if {r.get("cohort_id") for r in rows if isinstance(r, dict)} - now:
                    stale.append(rid)
            elif rid in pages:
                stale.append(rid)
        if not stale:
            return []
        with signals_ignored():  # a deletion begun is finished
            return buildstate.remove_unregistered(self.output_dir, set(), warn, set(stale))

    def _plan_one(self, report: Cohort, members: list[Cohort], ctx: _Run) -> Planned | None:
        """One programme year's build, or ``None`` when it is up to date or cannot be built."""
        rid = report.cohort_id
        failed = [
            ctx.results[c.cohort_id] for c in members if ctx.results[c.cohort_id].status == "failed"
        ]
        if failed:
            names = ", ".join(r.cohort_id for r in failed)
            ctx.finish(
                BuildResult(
                    rid,
                    "failed",
                    f"{names} failed (see its own failure), so the programme-year report was not "
                    "rebuilt: it would not match that cohort's report in place.",
                    "data" if any(r.kind == "data" for r in failed) else failed[0].kind,
                )
            )
            return None
        expected: dict[str, str] = {}
        for c in members:
            expected.update(ctx.reads.get(c.cohort_id, {}))
        moving = sorted(p for p in expected if p in ctx.changed_now)
        if moving:
            ctx.finish(
                BuildResult(
                    rid,
                    "failed",
                    f"{display_path(moving[0])} changed while it was being read; the previous "
                    "report was kept. Run the build again once it is no longer being edited.",
                    "changed",
                )
            )
            return None
        programme_run = provenance.RunFacts(
            notebook_file=self.path.name,
            notebook_sha256=self.sha256,
            code_sha256=ctx.run.code_sha256,
            lock_sha256=ctx.run.lock_sha256,
            versions=ctx.run.versions,
        )
        try:
            facts = provenance.programme_facts(members, self.data_dir, self.path, programme_run)
        except CollabError as exc:
            ctx.finish(BuildResult(rid, "failed", exc.message, "data"))
            return None
        inputs = [
            p for c in members for p in provenance.cohort_input_files(c.cohort_id, self.data_dir)
        ]
        components: dict[str, Any] = {
            "version": buildstate.RECORD_VERSION,
            "registry_row": [c.as_dict() for c in members],
            "files": facts["inputs"],
            "notebook": facts["notebook"],
            "data_dir": self.data_dir.name,
            "code": facts["code_sha256"],
            "lock": facts["lock_sha256"],
            "git": facts["git"],
            "provenance": facts["versions"],
        }
        key = buildstate.digest(components)
        done, why = up_to_date_or_why(
            self.output_dir, rid, key, components, force=ctx.force, warn=ctx.warn
        )
        if done is not None:
            ctx.outputs[rid] = done
            ctx.finish(BuildResult(rid, "up to date"))
            return None
        return Planned(
            report,
            facts,
            components,
            key,
            why,
            "[]",
            expected,
            {str(p.absolute()) for p in inputs} | {str(registry_path(self.data_dir))},
            notebook=self.node,
            parameters={
                "programme_year": report.programme_year,
                "provenance": provenance.to_json(facts),
            },
        )
