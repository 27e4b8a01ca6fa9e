"""Disclosure control: role groups, primary and secondary suppression, and the MILP audit.

The audit models a reader who has everything published and knows the rules
(see collablib/survey/disclosure_audit.py). The property test generates random role
tables and quote counts and checks that after protection (1) no shown count
below cohort level is between 1 and 7, (2) no hidden number can be pinned to a
single value (beyond those the cohort totals and quotes already determine on
their own, which are listed), (3) the true value of every hidden number lies
in the range the audit reports, and (4) a percentage is shown only when both
its counts are, with a denominator above 7.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collablib.data.loaders import load_cohort
from collablib.data.policy import UNATTRIBUTED, DisclosurePolicy, load_policy
from collablib.data.schemas import ROLES
from collablib.errors import CollabError
from collablib.report import narrative, tables
from collablib.report import survey_plots as plots
from collablib.survey import metrics, quotes
from collablib.survey.disclosure import (
    SuppressionTable,
    audit,
    audit_ranges,
    group_breakdown,
    protect_role_breakdown,
    role_suppression_table,
    suppress,
)
from collablib.survey.metrics import Headline, Share, add_proportion_columns, role_breakdown
from tests.conftest import make_survey, make_teams

POLICY = DisclosurePolicy()
PTM, LEP, ES = ROLES
SHIPPED_GROUPS = {"Staff": [PTM, ES], LEP: [LEP]}
GROUPED = DisclosurePolicy(role_groups=SHIPPED_GROUPS)
#: A policy whose suppressed range does not start at 1 (so 1 and 2 are shown, never hidden).
RANGE_3_TO_5 = DisclosurePolicy(smallest_suppressed=3, largest_suppressed=5)
MEASURES = ("team_working", "patient_carer_experience", "staff_experience", "recommend")
COHORTS = ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"]


# --- the policy file ---------------------------------------------------------------------


def test_policy_defaults_follow_the_nhs_convention():
    assert not POLICY.is_small(0)
    assert all(POLICY.is_small(v) for v in range(1, 8))
    assert not POLICY.is_small(8)
    assert POLICY.symbol == "*"
    assert POLICY.groups() == {role: (role,) for role in ROLES}  # each role its own group


def test_policy_is_read_from_the_settings_file(tmp_path, demo_data):
    # The shipped file now adds role groups (it used to equal DisclosurePolicy() exactly).
    assert load_policy(demo_data) == DisclosurePolicy(role_groups=SHIPPED_GROUPS)
    assert load_policy(demo_data).groups() == {"Staff": (PTM, ES), LEP: (LEP,)}
    assert load_policy(tmp_path) == DisclosurePolicy()  # no file: NHS defaults, no groups
    (tmp_path / "disclosure.toml").write_text(
        '[disclosure]\nlargest_suppressed = 9\nsymbol = "[c]"\n', encoding="utf-8"
    )
    policy = load_policy(tmp_path)
    assert policy.largest_suppressed == 9 and policy.symbol == "[c]"
    assert policy.role_groups == ()
    (tmp_path / "disclosure.toml").write_text("[disclosure]\nthreshold = 5\n", encoding="utf-8")
    with pytest.raises(CollabError, match="unknown setting"):
        load_policy(tmp_path)


def write_groups(tmp_path, lines: str) -> None:
    (tmp_path / "disclosure.toml").write_text(
        "[disclosure]\nsecondary = true\n\n[disclosure.role_groups]\n" + lines, encoding="utf-8"
    )


def test_role_groups_are_read_in_order(tmp_path):
    write_groups(
        tmp_path,
        f'"Partners" = ["{LEP}"]\n"Staff" = ["{ES}", "{PTM}"]\n',
    )
    policy = load_policy(tmp_path)
    assert list(policy.groups()) == ["Partners", "Staff"]
    assert policy.groups() == {"Partners": (LEP,), "Staff": (ES, PTM)}


@pytest.mark.parametrize(
    ("lines", "problem", "value", "allowed"),
    [
        (f'"Staff" = ["{PTM}", "Sponsor"]\n"L" = ["{LEP}"]\n', "does not exist", "Sponsor", ES),
        (
            f'"Staff" = ["{PTM}", "{ES}"]\n"Others" = ["{ES}", "{LEP}"]\n',
            'already in group "Staff"',
            ES,
            "exactly one group",
        ),
        (f'"Staff" = ["{PTM}", "{ES}", "{LEP}"]\n"Empty" = []\n', "empty", "[]", "one or more"),
        (f'"Staff" = ["{PTM}", "{ES}"]\n', "leaves a role out", LEP, "exactly one group"),
        (
            f'"Staff" = ["{PTM}"]\n"staff" = ["{ES}"]\n"L" = ["{LEP}"]\n',
            'clashes with group "Staff"',
            "staff",
            "no other group",
        ),
        (
            f'"All respondents" = ["{PTM}", "{ES}"]\n"L" = ["{LEP}"]\n',
            "clashes with a row",
            "All respondents",
            "Respondent",
        ),
        (
            f'"{ES}" = ["{PTM}", "{ES}"]\n"L" = ["{LEP}"]\n',
            "named after a role",
            PTM,
            f'["{ES}"]',
        ),
    ],
    ids=["unknown role", "two groups", "empty", "missing role", "case clash", "reserved", "role"],
)
def test_bad_role_groups_are_reported_with_file_key_value_and_allowed(
    tmp_path, lines, problem, value, allowed
):
    write_groups(tmp_path, lines)
    with pytest.raises(CollabError) as info:
        load_policy(tmp_path)
    message = str(info.value)
    assert "disclosure.toml" in message
    assert "[disclosure.role_groups]" in message
    assert problem in message
    assert value in message.split("Found:")[1].split("Allowed:")[0]
    assert "Allowed:" in message and allowed in message.split("Allowed:")[1]


def test_role_groups_that_are_not_a_table_are_refused(tmp_path):
    (tmp_path / "disclosure.toml").write_text(
        '[disclosure]\nrole_groups = "Staff"\n', encoding="utf-8"
    )
    with pytest.raises(CollabError, match=r"\[disclosure.role_groups\] must be a table"):
        load_policy(tmp_path)
    with pytest.raises(CollabError, match="does not exist"):
        DisclosurePolicy(role_groups={"Staff": ["Nurse"]})


# --- the audit on a small table -----------------------------------------------------------


def test_one_hidden_cell_beside_a_total_is_recoverable_and_gets_a_complement():
    table = SuppressionTable()
    cells = [table.add_cell(k, v) for k, v in (("a", 20), ("b", 3), ("c", 12))]
    for c in cells:
        table.add(("cell", c), [c])
    table.add("total", cells, total=True)
    without_secondary = suppress(table, DisclosurePolicy(secondary=False))
    assert table.get(("cell", 1)).suppressed
    assert audit(without_secondary, POLICY) == [("cell", 1)]  # 35 - 20 - 12 = 3
    suppress(table, POLICY)
    assert audit(table, POLICY) == []
    assert table.get(("cell", 2)).suppressed  # the smallest other cell hides it
    assert not table.get(("cell", 0)).suppressed
    # From the equations alone b is 0 to 15; a reader who knows the rules also knows
    # that b or c is from 1 to 7, so neither is 0 or 15.
    assert table.feasible_range(table.get(("cell", 1))) == (0.0, 15.0)
    assert table.feasible_range(table.get(("cell", 1)), POLICY) == (1.0, 14.0)
    assert audit_ranges(table, POLICY) == {("cell", 1): (1.0, 14.0), ("cell", 2): (1.0, 14.0)}


def test_a_known_small_or_not_small_number_narrows_the_range():
    table = SuppressionTable()
    cells = [table.add_cell(k, v) for k, v in (("a", 12), ("b", 1), ("c", 8))]
    for c in cells:
        table.add(("cell", c), [c])
    table.add("total", cells, total=True)
    table.get(("cell", 1)).suppressed = table.get(("cell", 2)).suppressed = True
    assert audit(table, POLICY) == []
    ranges = audit_ranges(table, POLICY, known_small=[("cell", 1)], known_not_small=[("cell", 2)])
    assert ranges == {("cell", 1): (1.0, 1.0), ("cell", 2): (8.0, 8.0)}
    with pytest.raises(ValueError, match="said to be small"):
        audit(table, POLICY, known_small=[("cell", 2)])


# --- role tables ----------------------------------------------------------------------------


def by_role_frame(counts: dict[str, dict[str, tuple[int, int, int]]]) -> pd.DataFrame:
    """role -> measure -> (respondents, answered, positive) as role_breakdown output."""
    rows = []
    for role, measures in counts.items():
        for measure, (respondents, n, positive) in measures.items():
            rows.append((role, measure, measure, respondents, n, positive))
    frame = pd.DataFrame(rows, columns=["role", "measure", "label", "respondents", "n", "positive"])
    return add_proportion_columns(frame.astype({"role": "string", "measure": "string"}))


def head_for(frame: pd.DataFrame, unattributed: dict[str, tuple[int, int, int]]) -> Headline:
    """Cohort totals (as metrics.headline) of ``frame`` plus respondents who gave no role."""
    sums = frame.groupby("measure", sort=False)[["n", "positive"]].sum()
    people = int(frame.drop_duplicates("role")["respondents"].sum())
    extra = {m: unattributed.get(m, (0, 0, 0)) for m in sums.index}
    people += max((v[0] for v in extra.values()), default=0)
    totals = {
        m: (int(sums.loc[m, "n"]) + extra[m][1], int(sums.loc[m, "positive"]) + extra[m][2])
        for m in sums.index
    }
    return Headline(
        teams=1,
        respondents=people,
        teams_responding=1,
        recommend=Share.of(totals["recommend"][1], totals["recommend"][0]),
        items={m: Share.of(p, n) for m, (n, p) in totals.items() if m != "recommend"},
    )


@st.composite
def answers(draw, respondents: int) -> dict[str, tuple[int, int, int]]:
    out = {}
    for m in MEASURES:
        n = draw(st.integers(0, respondents))
        out[m] = (respondents, n, draw(st.integers(0, n)))
    return out


@st.composite
def role_tables(draw):
    """A role breakdown (sizes 0 to 20), a policy, quote counts and cohort totals."""
    counts = {role: draw(answers(draw(st.integers(0, 20)))) for role in ROLES}
    frame = by_role_frame(counts)
    policy = draw(st.sampled_from([POLICY, GROUPED, POLICY, GROUPED, RANGE_3_TO_5]))
    sizes = group_breakdown(frame, policy).drop_duplicates("role")
    quoted = {
        label: draw(st.integers(0, int(size)))
        for label, size in zip(sizes["role"], sizes["respondents"], strict=True)
    }
    unattributed = draw(answers(draw(st.integers(0, 3))))
    nobody = next(iter(unattributed.values()))[0]
    if nobody:
        quoted[UNATTRIBUTED] = draw(st.integers(0, nobody))
    return frame, policy, quoted, head_for(frame, unattributed)


def check_protected(out: pd.DataFrame, policy: DisclosurePolicy) -> None:
    """The full reader model pins nothing it need not, and the truth is always feasible."""
    table = out.attrs["suppression_table"]
    determined = out.attrs["determined_by_totals"]
    ranges = audit_ranges(table, policy)
    for key, (lo, hi) in ranges.items():
        assert lo <= table.get(key).value <= hi, key  # the truth is in the reader's range
    assert [key for key, (lo, hi) in ranges.items() if hi - lo < 1] == determined
    if determined:  # pinned even with every other table number hidden as well
        opened = [q for q in table.quantities if q.open]
        for q in opened:
            q.suppressed = True
        assert set(determined) <= set(audit(table, policy))
        for q in opened:
            q.suppressed = False
    for q in table.quantities:
        if q.shown and not q.total and not q.suppressed:
            assert not policy.is_small(q.value), q.key
    for r in out.itertuples():
        if r.pct_shown:
            assert r.n_shown != "*" and r.positive_shown != "*"
            assert r.n > policy.largest_suppressed
        for shown, true in (
            (r.n_shown, r.n),
            (r.positive_shown, r.positive),
            (r.respondents_shown, r.respondents),
        ):
            assert shown == "*" or int(shown) == true


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_tables())
def test_no_hidden_number_can_be_pinned_by_a_reader_who_knows_the_rules(case):
    frame, policy, quoted, head = case
    out = protect_role_breakdown(frame, policy, quotes_by_group=quoted, head=head)
    check_protected(out, policy)
    table = out.attrs["suppression_table"]
    assert table.get(("respondents", "total")).value == head.respondents
    if out.attrs["determined_by_totals"]:  # only when the quotes account for the group sizes
        assert sum(quoted.values()) > 0


def shipped(cohort: str, demo_data, policy: DisclosurePolicy | None = None):
    """(protected breakdown, head, voices) of a demo cohort as the report builds them."""
    data = load_cohort(cohort, demo_data)
    policy = policy or load_policy(demo_data)
    head = metrics.headline(data.teams, data.survey)
    voices = quotes.select_for_display(quotes.consented_quotes(data.survey, data.names, policy))
    out = protect_role_breakdown(
        role_breakdown(data.survey), policy, quotes_by_group=quotes.quote_counts(voices), head=head
    )
    return out, head, voices


@pytest.mark.parametrize("cohort", COHORTS)
def test_demo_role_tables_are_protected(demo_data, cohort):
    out, _, _ = shipped(cohort, demo_data, POLICY)
    check_protected(out, POLICY)
    assert out.attrs["determined_by_totals"] == []
    assert (out.loc[out["role"] == ES, "respondents_shown"] == "*").all()
    grouped, _, _ = shipped(cohort, demo_data)
    check_protected(grouped, load_policy(demo_data))
    assert grouped.attrs["determined_by_totals"] == []
    assert set(grouped["role"]) == {"Staff", LEP}
    assert (grouped.loc[grouped["role"] == "Staff", "members"] == (PTM, ES)).all()


def test_groups_are_merged_by_summing_and_recomputing_the_wilson_interval(demo_data):
    survey = load_cohort("rare-cancers", demo_data).survey
    by_role = role_breakdown(survey)
    staff = group_breakdown(by_role, GROUPED).set_index(["role", "measure"]).loc["Staff"]
    members = by_role[by_role["role"].isin([PTM, ES])].groupby("measure")[["n", "positive"]].sum()
    for m, row in staff.iterrows():
        assert (row["n"], row["positive"]) == tuple(members.loc[m])
        low, high = metrics.wilson_interval(int(row["positive"]), int(row["n"]))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert staff["respondents"].eq(13).all()
    same = group_breakdown(by_role, POLICY)
    assert same[["role", "n", "positive", "pct"]].equals(by_role[["role", "n", "positive", "pct"]])


def test_large_groups_are_shown_in_full():
    counts = {role: {m: (50, 45, 40) for m in MEASURES} for role in ROLES}
    out = protect_role_breakdown(by_role_frame(counts), POLICY)
    assert (out["n_shown"] == "45").all() and out["pct_shown"].all()
    assert narrative.suppression_note(out, POLICY) is None


def test_zero_is_shown_when_nothing_is_hidden():
    counts = {
        PTM: {m: (30, 20, 15) for m in MEASURES},
        LEP: {m: (20, 20, 12) for m in MEASURES},
        ES: {m: (0, 0, 0) for m in MEASURES},
    }
    out = protect_role_breakdown(by_role_frame(counts), POLICY)
    execs = out[out["role"] == ES]
    assert (execs["respondents_shown"] == "0").all() and (execs["n_shown"] == "0").all()


def test_zeros_are_hidden_when_anything_is_hidden():
    counts = {
        PTM: {m: (30, 20, 15) for m in MEASURES},
        LEP: {m: (3, 3, 0) for m in MEASURES},  # "0 of 3" would say all three were negative
        ES: {m: (0, 0, 0) for m in MEASURES},
    }
    out = protect_role_breakdown(by_role_frame(counts), POLICY)
    hidden = out[out["role"] != PTM]
    assert (hidden[["respondents_shown", "n_shown", "positive_shown"]] == "*").all().all()
    check_protected(out, POLICY)


# --- regressions: the rare-cancers leak ----------------------------------------------------


def test_old_rare_cancers_pattern_and_note_pinned_the_lone_sponsor(demo_data):
    data = load_cohort("rare-cancers", demo_data)
    head = metrics.headline(data.teams, data.survey)
    by_role = role_breakdown(data.survey)
    assert by_role.drop_duplicates("role")["respondents"].tolist() == [12, 8, 1]
    # The old output: partners' and sponsors' rows hidden, project team members shown.
    table = role_suppression_table(group_breakdown(by_role, POLICY), head=head)
    for q in table.quantities:
        if q.shown and not q.total and q.key[1] in (LEP, ES):
            q.suppressed = True
    sponsors, partners = ("respondents", ES), ("respondents", LEP)
    # What the old note said: sponsors are the group under 8, partners hidden "as well".
    ranges = audit_ranges(table, POLICY, known_small=[sponsors], known_not_small=[partners])
    assert ranges[sponsors] == (1.0, 1.0)
    assert ranges[partners] == (8.0, 8.0)
    assert ranges[("positive", ES, "recommend")] == (1.0, 1.0)  # the sponsor's own answer
    # Without the note's facts, the same pattern pins nothing.
    assert audit(table, POLICY) == []


def test_rare_cancers_now_shows_partners_and_pins_nothing(demo_data):
    policy = load_policy(demo_data)
    out, head, voices = shipped("rare-cancers", demo_data)
    assert quotes.quote_counts(voices) == {"Staff": 1, LEP: 4}
    check_protected(out, policy)
    assert audit(out.attrs["suppression_table"], policy) == []
    partners = out[out["role"] == LEP].set_index("measure")
    for m in ("team_working", "recommend"):
        assert partners.loc[m, "n_shown"] == "8" and partners.loc[m, "pct_shown"]
    table = tables.role_table(out, head).set_index("Role")
    assert table.loc[LEP, "Team working"] == "100% (8 of 8)"
    assert table.loc[LEP, "Respondents"] == "8"
    note = narrative.suppression_note(out, policy)
    assert note.startswith("Staff: project team members and executive sponsors, shown together.")
    assert "Some figures for Staff and lived experience partners are hidden" in note
    assert note.endswith(policy.describe())
    assert_names_no_group_as_small(note.removesuffix(policy.describe()))


def assert_names_no_group_as_small(note: str) -> None:
    """Nothing but the general rule: no group said to be (or not to be) under 8 people."""
    for leak in ("fewer than", "under 8", "as well", "so their", "complement", "1 to 7"):
        assert leak not in note.lower(), leak


def test_ungrouped_rare_cancers_with_the_new_note_pins_nothing(demo_data):
    out, _, _ = shipped("rare-cancers", demo_data, POLICY)
    check_protected(out, POLICY)
    note = narrative.suppression_note(out, POLICY)
    assert "Some figures for lived experience partners and executive sponsors" in note
    assert "shown together" not in note
    assert_names_no_group_as_small(note.removesuffix(POLICY.describe()))
    assert audit(out.attrs["suppression_table"], POLICY) == []


def test_group_sentence_does_not_depend_on_the_data():
    big = {role: {m: (50, 45, 40) for m in MEASURES} for role in ROLES}
    out = protect_role_breakdown(by_role_frame(big), GROUPED)
    assert narrative.suppression_note(out, GROUPED) == (
        "Staff: project team members and executive sponsors, shown together."
    )


# --- regressions: "no answers" and quotes ---------------------------------------------------


def no_answer_survey():
    rows = [{"role": PTM, "team_working": 4, "staff_experience": 3, "recommend": "Yes"}] * 20
    rows += [{"role": LEP, "team_working": 3, "staff_experience": 2, "recommend": "Yes"}] * 10
    rows += [{"role": ES, "team_working": 2, "staff_experience": None, "recommend": "No"}] * 2
    return make_survey(rows)


def test_a_hidden_zero_is_not_printed_as_no_answers():
    survey = no_answer_survey()
    head = metrics.headline(make_teams(["T1"]), survey)
    out = protect_role_breakdown(role_breakdown(survey), POLICY, head=head)
    table = tables.role_table(out, head).set_index("Role")
    label = "Staff experience of delivering cancer care"
    assert table.loc[ES, label] == "* of *"
    assert table.loc["All respondents", label] == "67% (20 of 30)"
    # Nobody in the cohort answered this one: the total row says so, and so may the groups.
    assert table.loc[ES, "Patient/carer experience of cancer care"] == "no answers"
    check_protected(out, POLICY)
    # The old behaviour published the sponsors' 0, which pins the partners' count.
    suppressed = out.attrs["suppression_table"]
    assert audit(suppressed, POLICY) == []
    for kind in ("n", "positive"):
        suppressed.get((kind, ES, "staff_experience")).suppressed = False
    assert ("n", LEP, "staff_experience") in audit(suppressed, POLICY)


def quoted_survey():
    """12 project team members, 9 partners who all left quotes, and one quoted sponsor."""
    quote = {"comment": "Good", "consent_to_quote": "Yes"}
    rows = [{"role": PTM, "team_working": 4, "recommend": "Yes"}] * 12
    rows += [{"role": LEP, "team_working": 3, "recommend": "No", **quote}] * 9
    rows += [{"role": ES, "team_working": 2, "recommend": "Yes", **quote}]
    return make_survey(rows)


def test_quote_attributions_are_part_of_what_the_reader_knows():
    survey = quoted_survey()
    head = metrics.headline(make_teams(["T1"]), survey)
    voices = quotes.select_for_display(quotes.consented_quotes(survey, policy=POLICY))
    counts = quotes.quote_counts(voices)
    assert counts == {LEP: 9, ES: 1}
    blind = protect_role_breakdown(role_breakdown(survey), POLICY, head=head)
    table = blind.attrs["suppression_table"]
    assert audit(table, POLICY) == []  # ignoring quotes, nothing looks pinned
    assert table.get(("respondents", PTM)).suppressed is False
    for label, quoted in counts.items():  # but 9 partners' quotes + 1 sponsor's pin both
        table.add_at_least(
            ("quotes", label), list(table.get(("respondents", label)).coefficients), quoted
        )
    assert ("respondents", LEP) in audit(table, POLICY)
    out = protect_role_breakdown(role_breakdown(survey), POLICY, quotes_by_group=counts, head=head)
    assert out.attrs["suppression_table"].get(("respondents", PTM)).suppressed  # hides more
    check_protected(out, POLICY)


def test_quotes_must_be_attributed_by_the_policys_groups():
    survey = quoted_survey()
    by_role = role_breakdown(survey)
    with pytest.raises(ValueError, match="not a role group"):
        protect_role_breakdown(by_role, GROUPED, quotes_by_group={ES: 1})
    grouped = quotes.quote_counts(quotes.consented_quotes(survey, policy=GROUPED))
    assert grouped == {"Staff": 1, LEP: 9}
    check_protected(protect_role_breakdown(by_role, GROUPED, quotes_by_group=grouped), GROUPED)


def test_respondents_without_a_role_are_in_the_totals_only():
    survey = quoted_survey()
    survey.loc[[0, 1], "role"] = pd.NA
    survey.loc[[0, 1], ["comment", "consent_to_quote"]] = ["Anonymous", "Yes"]
    head = metrics.headline(make_teams(["T1"]), survey)
    voices = quotes.consented_quotes(survey, policy=GROUPED)
    assert voices["role"].tolist()[-2:] == [UNATTRIBUTED, UNATTRIBUTED]
    counts = quotes.quote_counts(voices)
    out = protect_role_breakdown(role_breakdown(survey), GROUPED, quotes_by_group=counts, head=head)
    table = out.attrs["suppression_table"]
    assert table.get(("respondents", "total")).value == 22
    assert table.get(("respondents", UNATTRIBUTED)).value == 2
    assert not table.get(("respondents", UNATTRIBUTED)).shown
    check_protected(out, GROUPED)
    assert UNATTRIBUTED not in set(out["role"])


def test_totals_alone_can_determine_a_tiny_cohort_and_it_is_listed():
    quote = {"comment": "Good", "consent_to_quote": "Yes", "team_working": 4}
    survey = make_survey([{"role": PTM, **quote}] * 2 + [{"role": LEP, **quote}])
    head = metrics.headline(make_teams(["T1"]), survey)
    counts = quotes.quote_counts(quotes.consented_quotes(survey, policy=GROUPED))
    out = protect_role_breakdown(role_breakdown(survey), GROUPED, quotes_by_group=counts, head=head)
    assert ("respondents", LEP) in out.attrs["determined_by_totals"]
    assert (out["respondents_shown"] == "*").all()
    check_protected(out, GROUPED)


def test_protection_is_deterministic(demo_data):
    first, _, _ = shipped("rare-cancers", demo_data, POLICY)
    second, _, _ = shipped("rare-cancers", demo_data, POLICY)
    columns = ["role", "measure", "respondents_shown", "n_shown", "positive_shown", "pct_shown"]
    assert first[columns].equals(second[columns])


def test_chart_and_alt_text_use_only_published_percentages(demo_data):
    out, _, _ = shipped("rare-cancers", demo_data)
    fig = plots.role_chart(out)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Staff", LEP]
    drawn = sorted(
        x for line in fig.axes[0].lines if line.get_marker() in ("o", "s") for x in line.get_xdata()
    )
    assert drawn == pytest.approx(sorted(out.loc[out["pct_shown"], "pct"]))
    alt = narrative.alt_roles(out)
    hidden = out[~out["pct_shown"]]
    assert "Patient/carer experience" not in alt  # every group's figure is hidden there
    assert len(hidden) == 4 and "no answers" not in alt
