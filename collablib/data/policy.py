"""The disclosure policy: ``data/disclosure.toml``, read and checked.

Which counts are hidden (the NHS convention: 1 to 7), the symbol shown
instead, whether secondary suppression is added and audited, and which roles
are shown together as one group. :mod:`collablib.survey.disclosure` applies it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from collablib.data.inputs import input_exists, read_toml
from collablib.data.schemas import ROLES
from collablib.errors import CollabError, refuse_unknown
from collablib.paths import resolve_data_dir

__all__ = [
    "POLICY_FILE",
    "RESERVED_LABELS",
    "UNATTRIBUTED",
    "DisclosurePolicy",
    "RoleGroups",
    "check_role_groups",
    "load_policy",
]

POLICY_FILE = "disclosure.toml"

#: How respondents who gave no role are attributed (quotes) and keyed (audit).
UNATTRIBUTED = "Respondent"

#: Labels the reports already use for other rows, so no role group may take them.
RESERVED_LABELS = ("All respondents", UNATTRIBUTED)

_GROUPS_KEY = "[disclosure.role_groups]"

RoleGroups = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which counts are hidden, how they are shown, and which roles are shown together.

    ``role_groups`` is ``()`` (every role its own group) or pairs of group
    label and member roles, in report order; a mapping is accepted too.
    """

    smallest_suppressed: int = 1
    largest_suppressed: int = 7
    symbol: str = "*"
    secondary: bool = True
    role_groups: RoleGroups = ()

    def __post_init__(self) -> None:
        groups = self.role_groups
        if isinstance(groups, Mapping):
            groups = tuple(groups.items())
        object.__setattr__(self, "role_groups", check_role_groups(dict(groups)) if groups else ())

    def is_small(self, value: float) -> bool:
        """Whether a count must not be published (1 to 7 under the NHS convention)."""
        return self.smallest_suppressed <= value <= self.largest_suppressed

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Group label -> member roles, in report order (each role alone by default)."""
        if not self.role_groups:
            return {role: (role,) for role in ROLES}
        return dict(self.role_groups)

    def describe(self) -> str:
        """One sentence for report footnotes."""
        return (
            f"Counts from {self.smallest_suppressed} to {self.largest_suppressed} are shown as "
            f"\u201c{self.symbol}\u201d, and percentages of fewer than "
            f"{self.largest_suppressed + 1} people are not shown"
            + (
                "; further numbers are hidden where the hidden ones could otherwise be worked "
                "out by subtraction."
                if self.secondary
                else "."
            )
        )


def _or_list(values) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else "".join(values)


def check_role_groups(groups: object, file: str | os.PathLike[str] | None = None) -> RoleGroups:
    """Validate role groups (label -> list of roles); every role in exactly one group."""
    roles = _or_list(ROLES)

    def fail(problem: str, value: object, allowed: str) -> CollabError:
        return CollabError(problem, file=file, value=value, allowed=allowed)

    if not isinstance(groups, Mapping):
        example = '"Staff" = ["Project team member", "Executive sponsor"]'
        raise fail(f"{_GROUPS_KEY} must be a table", groups, f"lines such as {example}")
    owner: dict[str, str] = {}
    labels: dict[str, str] = {}
    for label, members in groups.items():
        where = f'role group "{label}" in {_GROUPS_KEY}'
        if not isinstance(label, str) or not label.strip():
            raise fail(f"a role group in {_GROUPS_KEY} has a blank name", label, "a name")
        clash = labels.get(label.strip().casefold())
        if clash is not None or label in RESERVED_LABELS:
            raise fail(
                f"{where}: the name clashes with "
                + (f'group "{clash}"' if clash is not None else "a row the report already has"),
                label,
                f"a name no other group uses (ignoring case), not {_or_list(RESERVED_LABELS)}",
            )
        labels[label.strip().casefold()] = label
        if label in ROLES and list(members) != [label]:
            raise fail(
                f"{where}: a group named after a role must hold that role alone",
                members,
                f'["{label}"], or another name for the group',
            )
        if not isinstance(members, list | tuple) or not members:
            raise fail(f"{where}: the group is empty", members, f"one or more of {roles}")
        for role in members:
            if role not in ROLES:
                raise fail(f"{where} lists a role that does not exist", role, roles)
            if role in owner:
                raise fail(
                    f'{where} lists a role already in group "{owner[role]}"',
                    role,
                    "each role in exactly one group",
                )
            owner[role] = label
    missing = [role for role in ROLES if role not in owner]
    if missing:
        raise fail(
            f"{_GROUPS_KEY} leaves a role out of every group",
            missing[0],
            f"every one of {roles} in exactly one group",
        )
    return tuple((label, tuple(members)) for label, members in groups.items())


def load_policy(data_dir: str | os.PathLike[str] | None = None) -> DisclosurePolicy:
    """The policy in ``data/disclosure.toml`` (NHS defaults for any setting not given)."""
    path = resolve_data_dir(data_dir) / POLICY_FILE
    if not input_exists(path):
        return DisclosurePolicy()
    settings = dict(read_toml(path, "disclosure policy").get("disclosure", {}))
    known = {"smallest_suppressed", "largest_suppressed", "symbol", "secondary", "role_groups"}
    refuse_unknown(settings, sorted(known), "unknown setting in [disclosure]", path)
    if "role_groups" in settings:
        settings["role_groups"] = check_role_groups(settings["role_groups"], path)
    policy = DisclosurePolicy(**settings)
    if not 1 <= policy.smallest_suppressed <= policy.largest_suppressed:
        raise CollabError(
            "the suppressed range must run from at least 1 upwards",
            file=path,
            value=f"{policy.smallest_suppressed} to {policy.largest_suppressed}",
            allowed="1 <= smallest_suppressed <= largest_suppressed",
        )
    return policy


# --- the role breakdown --------------------------------------------------------------------
