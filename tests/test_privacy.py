import pytest

from collablib.privacy import first_names, redact


@pytest.mark.parametrize(
    "text",
    [
        "zoe.hartley@example.nhs.uk",
        "J_O'Brien+collab@trust.nhs.net",
    ],
)
def test_email_addresses(text):
    assert redact(f"Write to {text} please.").text == "Write to [email removed] please."


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "(020) 7946 0018",
        "020 7946 0018",
        "0161-496-0000",
        "0113 496 0999",
    ],
)
def test_uk_phone_numbers(number):
    assert redact(f"Ring {number} today.").text == "Ring [phone removed] today."


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "999 123 4567"])
def test_nhs_numbers_with_or_without_spaces(number):
    assert redact(f"NHS number {number}.").text == "NHS number [NHS number removed]."


@pytest.mark.parametrize("postcode", ["LS1 4AP", "m1 1ae", "SW1A 1AA", "EC1V9HQ", "B33 8TH"])
def test_postcodes_in_any_case(postcode):
    assert redact(f"Our centre at {postcode} is busy.").text == (
        "Our centre at [postcode removed] is busy."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks to Dr Okafor.", "Thanks to [name removed]."),
        ("Sister Mary Jones ran it.", "[name removed] ran it."),
        ("Mrs O'Neill was kind.", "[name removed] was kind."),
        ("Sarah Jones and Tom helped.", "[name removed] and [name removed] helped."),
        ("Chloé's support was great.", "[name removed]'s support was great."),
        ("Thanks Sarah!", "Thanks [name removed]!"),
    ],
)
def test_names_by_title_and_first_name(text, expected):
    assert redact(text).text == expected


def test_names_from_the_export_are_removed_in_any_case_and_without_accents():
    names = ["Björn Lindqvist", "Mark Ellis"]
    out = redact("björn lindqvist and Bjorn helped; Mark led; we mark progress.", names).text
    assert out == "[name removed] and [name removed] helped; [name removed] led; we mark progress."


@pytest.mark.parametrize(
    "text",
    [
        "We met at 10:30 on 12 April 2021 with 15 patients.",
        "Scores rose from 72% to 91% in 2022.",
        "We saw 1234 patients and 56789 calls.",
        "Will the changes last? May was busy. Grace and hope carried us.",
        "Our Cancer Alliance and the NHS England team were supportive.",
        "A Clinical Nurse Specialist led the project in Upper GI.",
    ],
)
def test_ordinary_text_is_left_alone(text):
    result = redact(text)
    assert result.text == text
    assert not result.changed


def test_redaction_counts_and_is_idempotent():
    once = redact("Email a@b.co.uk or ring 07700 900123, Sarah.")
    assert once.counts == {"email": 1, "phone": 1, "name": 1}
    assert redact(once.text).text == once.text


def test_markup_is_not_touched_by_redaction():
    hostile = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
    assert redact(hostile).text == hostile  # escaping is the display layer's job


def test_gazetteer_leaves_out_names_that_are_everyday_words():
    names = first_names()
    assert {"Sarah", "Siân", "Zoë", "Mohammed"} <= names
    assert not {"May", "Will", "Grace", "Hope", "Mark", "Eve", "Rose"} & names
