from collablib.survey.quotes import (
    CommentCounts,
    comment_counts,
    consented_quotes,
    quote_counts,
    select_for_display,
)
from tests.conftest import make_survey


def test_only_consented_non_empty_comments_are_quoted_in_role_order():
    survey = make_survey(
        [
            {"role": "Executive sponsor", "comment": "Exec yes", "consent_to_quote": "Yes"},
            {"role": "Project team member", "comment": "Secret", "consent_to_quote": "No"},
            {"role": "Project team member", "comment": "  PTM yes  ", "consent_to_quote": "Yes"},
            {"role": "Lived experience partner", "comment": "", "consent_to_quote": "Yes"},
            {"role": "Lived experience partner", "comment": "LEP yes", "consent_to_quote": "Yes"},
        ]
    )
    quotes = consented_quotes(survey)
    assert quotes["quote"].tolist() == ["PTM yes", "LEP yes", "Exec yes"]
    assert list(quotes.columns) == ["role", "quote", "redacted"]
    assert not quotes["redacted"].any()
    assert "Secret" not in quotes.to_string()
    assert comment_counts(survey) == CommentCounts(comments=4, quotable=3, not_consented=1)


def test_demo_data_has_comments_without_consent(demo_data):
    from collablib.data.loaders import load_cohort

    for cohort in ("cohort-1", "cohort-2", "rare-cancers", "cohort-3"):
        counts = comment_counts(load_cohort(cohort, demo_data).survey)
        assert counts.quotable > 0
        assert counts.not_consented > 0


def test_quotes_are_redacted_with_the_export_names():
    survey = make_survey(
        [
            {"comment": "Thanks Björn, ring me on 07700 900123", "consent_to_quote": "Yes"},
            {"comment": "All good", "consent_to_quote": "Yes"},
        ]
    )
    quotes = consented_quotes(survey, names=["Björn Lindqvist"])
    assert quotes["quote"].tolist() == [
        "Thanks [name removed], ring me on [phone removed]",
        "All good",
    ]
    assert quotes["redacted"].tolist() == [True, False]
    assert quotes.attrs["removed"] == {"name": 1, "phone": 1}


def test_demo_personal_details_never_reach_a_quote(demo_data):
    from collablib.data.loaders import load_cohort

    leaks = [
        "07700 900461",
        "zoe.hartley@example.nhs.uk",
        "999 123 4567",
        "LS1 4AP",
        "Okafor",
        "Mary Jones",
        "(020) 7946 0018",
        "Siân",
        "Björn",
    ]
    for cohort in ("cohort-1", "cohort-2", "rare-cancers", "cohort-3"):
        data = load_cohort(cohort, demo_data)
        text = " ".join(consented_quotes(data.survey, data.names)["quote"])
        for leak in leaks:
            assert leak not in text, (cohort, leak)


def test_with_a_policy_quotes_are_attributed_by_role_group():
    from collablib.data.policy import DisclosurePolicy

    policy = DisclosurePolicy(
        role_groups={
            "Staff": ["Project team member", "Executive sponsor"],
            "Lived experience partner": ["Lived experience partner"],
        }
    )
    yes = {"consent_to_quote": "Yes"}
    survey = make_survey(
        [
            {"response_id": "R1", "role": "Executive sponsor", "comment": "Exec", **yes},
            {"response_id": "R2", "role": "Lived experience partner", "comment": "LEP", **yes},
            {"response_id": "R3", "role": "Project team member", "comment": "PTM", **yes},
            {"response_id": "R4", "role": None, "comment": "No role", **yes},
        ]
    )
    quotes = consented_quotes(survey, policy=policy)
    # Staff first (the policy's order), members in response order: the sponsor is not set apart.
    assert quotes["role"].tolist() == ["Staff", "Staff", "Lived experience partner", "Respondent"]
    assert quotes["quote"].tolist() == ["Exec", "PTM", "LEP", "No role"]
    assert "Executive sponsor" not in set(quotes["role"])
    assert quote_counts(quotes) == {"Staff": 2, "Lived experience partner": 1, "Respondent": 1}
    ungrouped = consented_quotes(survey)
    assert ungrouped["role"].tolist() == [
        "Project team member",
        "Lived experience partner",
        "Executive sponsor",
        "Respondent",
    ]


def test_quote_counts_are_of_the_quotes_shown():
    survey = make_survey(
        [
            {"role": "Lived experience partner", "comment": f"Quote {i}", "consent_to_quote": "Yes"}
            for i in range(5)
        ]
        + [{"role": "Executive sponsor", "comment": "Exec", "consent_to_quote": "Yes"}]
    )
    shown = select_for_display(consented_quotes(survey), limit=3)
    assert len(shown) == 3
    assert quote_counts(shown) == shown["role"].value_counts().to_dict()
    assert sum(quote_counts(shown).values()) == 3


def test_quotes_lose_their_role_when_attributions_would_pin_a_hidden_count():
    """Everyone quoted: 10 staff and 3 partners' quotes with a total of 13 pin the partners at 3."""
    from collablib.data.policy import UNATTRIBUTED, load_policy
    from collablib.survey.disclosure_audit import audit
    from collablib.survey.metrics import headline
    from collablib.survey.quotes import protected_roles_and_quotes
    from tests.conftest import DEMO_DATA, make_teams

    rows = [
        {"role": "Project team member", "team_working": 4, "comment": f"Staff view {i}."}
        for i in range(10)
    ] + [
        {"role": "Lived experience partner", "team_working": 3, "comment": f"Partner view {i}."}
        for i in range(3)
    ]
    survey = make_survey([{**r, "consent_to_quote": "Yes"} for r in rows])
    policy = load_policy(DEMO_DATA)
    head = headline(make_teams(["T1"]), survey)

    naive = consented_quotes(survey, (), policy)
    assert quote_counts(naive) == {"Staff": 10, "Lived experience partner": 3}

    by_role, voices = protected_roles_and_quotes(survey, (), policy, head)
    assert set(voices["role"]) == {UNATTRIBUTED} and len(voices) == 13
    assert by_role.attrs["determined_by_totals"] == []
    assert (by_role["respondents_shown"] == policy.symbol).any()
    assert audit(by_role.attrs["suppression_table"], policy) == []
