from collablib.quotes import comment_counts, consented_quotes
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
    assert comment_counts(survey) == {"comments": 4, "quotable": 3, "not_consented": 1}


def test_demo_data_has_comments_without_consent(demo_data):
    from collablib.loaders import load_cohort

    for cohort in ("cohort-1", "cohort-2", "rare-cancers", "cohort-3"):
        counts = comment_counts(load_cohort(cohort, demo_data).survey)
        assert counts["quotable"] > 0
        assert counts["not_consented"] > 0


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
    from collablib.loaders import load_cohort

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
