"""Validating every cohort before any kernel starts, and recording what each one read.

The pipeline validates all cohorts in the ``collab`` process first: bad input
then fails its cohort at once, with its message, and never starts a kernel.
Validation reads exactly what each report's notebook will read, and records it
(:func:`collablib.data.inputs.recording`), so that the kernel's reads can be checked
against it. Each cohort's survey counts, which the other cohorts' comparisons
use, are recorded whenever its data validate (``reports/.build/figures/``), so
a cohort whose new data are bad changes no other report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collablib.build import state as buildstate
from collablib.data import inputs
from collablib.data.loaders import CohortData, load_cohort
from collablib.data.registry import Cohort, load_registry
from collablib.errors import CollabError
from collablib.survey.comparisons import CohortFigures, cohort_figures

__all__ = [
    "Validation",
    "comparison_figures",
    "expected_work",
    "load_and_check",
]


@dataclass
class Validation:
    """What validating every cohort found: its data or error, and exactly what it read.

    ``reads`` maps each cohort to what its validation recorded (by absolute
    path: the hash of every file read, the absence of every optional file
    looked for, the listing of every folder chosen from), including the
    project files every cohort reads. A report's kernel must record nothing
    else (:func:`collablib.build.render.check_inputs_read`).
    """

    loaded: dict[str, CohortData | CollabError]
    reads: dict[str, dict[str, str]]
    #: what reading data/cpes/ warned of: files not read, years with no results
    warnings: tuple[str, ...] = ()


def load_and_check(cohorts: Sequence[Cohort], data_dir: Path) -> Validation:
    """Load and validate every cohort, with what its report reads besides, before any kernel.

    Each cohort's validation reads what its report notebook will read: the
    cohort's files, the project's survey mapping, disclosure policy and notice,
    and the national CPES extract with its targets. A problem with a project
    file stops every cohort (they all read it); anything else stops only its
    own cohort.
    """
    from collablib.cpes import analysis as cpes_analysis
    from collablib.cpes.checks import coverage_warnings
    from collablib.data.cpes import load_cpes
    from collablib.data.loaders import load_data_notice
    from collablib.data.policy import load_policy

    with inputs.recording() as shared:
        try:
            load_registry(data_dir)  # a report's notebook reads it to find its cohort
            cpes = load_cpes(data_dir)
            load_policy(data_dir)
            load_data_notice(data_dir)
        except CollabError as exc:
            return Validation({c.cohort_id: exc for c in cohorts}, {})
    loaded: dict[str, CohortData | CollabError] = {}
    reads: dict[str, dict[str, str]] = {}
    warnings = list(cpes.warnings) if cpes is not None else []
    for cohort in cohorts:
        with inputs.recording() as own:
            try:
                data = load_cohort(cohort, data_dir)
                patients = cpes_analysis.analyse_cohort(
                    cpes, data.teams, cohort.start_date, cohort.end_date, str(data.files["teams"])
                )
                loaded[cohort.cohort_id] = data
                warnings += coverage_warnings(patients, cohort.cohort_id)
            except CollabError as exc:
                loaded[cohort.cohort_id] = exc
        reads[cohort.cohort_id] = {**shared.hashes, **own.hashes}
    return Validation(loaded, reads, tuple(warnings))


def comparison_figures(
    cohorts: Sequence[Cohort],
    loaded: dict[str, CohortData | CollabError],
    output_dir: Path,
    warn: buildstate.Warn,
) -> dict[str, CohortFigures]:
    """Each cohort's figures for the others' comparisons: as validated now, else as last recorded.

    A cohort whose data validate has its figures recorded; one whose data do
    not is represented by its last recorded figures, or left out if it has
    none. Either way its failure leaves every other report as it was.
    """
    figures: dict[str, CohortFigures] = {}
    for cohort in cohorts:
        data = loaded[cohort.cohort_id]
        path = buildstate.figures_path(output_dir, cohort.cohort_id)
        if isinstance(data, CohortData):
            current = cohort_figures(data)
            figures[cohort.cohort_id] = current
            if buildstate.read_figures(output_dir, cohort.cohort_id, warn) != current.as_json():
                buildstate.write_json(
                    path, {"version": buildstate.RECORD_VERSION, "figures": current.as_json()}
                )
            continue
        recorded = buildstate.read_figures(output_dir, cohort.cohort_id, warn)
        if recorded is not None:
            try:
                figures[cohort.cohort_id] = CohortFigures.from_json(recorded)
            except (KeyError, TypeError, ValueError, IndexError):
                buildstate.set_aside(
                    path, "not of the right shape", warn, "so it is left out of comparisons"
                )
    return figures


def expected_work(data: CohortData | CollabError) -> int:
    """A rough size of a cohort's report, for ordering builds: its charts and its rows."""
    if not isinstance(data, CohortData):
        return 0
    measures = len(data.measures.measure_keys()) if data.measures is not None else 0
    return 1000 * measures + len(data.survey) + len(data.teams)
