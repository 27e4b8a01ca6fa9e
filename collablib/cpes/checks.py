"""What a cohort's CPES results cannot show, said before any report is built.

``collab validate`` and ``make reports`` warn of these, because each one makes a
report quietly show "trust not in the survey" or no change at all: a team's trust
(or its successor) in no results file, which is usually a mistyped ``org_code`` or
a merger ``trust_successors.csv`` does not yet know; and a cohort whose baseline or
follow-up survey year has no results.
"""

from __future__ import annotations

from collablib.cpes.analysis import CohortCpes

__all__ = ["coverage_warnings"]


def coverage_warnings(result: CohortCpes | None, cohort_id: str) -> list[str]:
    """The warnings for one cohort's CPES analysis (none when it has no CPES extract)."""
    if result is None or result.targets.empty:
        return []
    out = []
    yearly = result.yearly
    seen = yearly.groupby("team_id", sort=True)["present"].any()
    for team_id, present in seen.items():
        if present:
            continue
        codes = sorted(set(yearly.loc[yearly["team_id"] == team_id, "source_org_code"]))
        out.append(
            f"{cohort_id}: team {team_id}'s trust ({', '.join(codes)}) is in no CPES results "
            "file, so its targeted questions show no results. Check its org_code in teams.csv, "
            "or add the merger to trust_successors.csv."
        )
    for which, year in (("baseline", result.years.baseline), ("follow-up", result.years.followup)):
        if year is not None and year in result.missing_years:
            out.append(
                f"{cohort_id}: its {which} CPES year, {year}, has no results file, so no change "
                "can be calculated."
            )
    return out
