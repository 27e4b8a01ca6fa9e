import pytest

from collablib.survey.privacy import first_names, redact


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


# Personal details in the forms people really type, and near misses that must be kept.
# Each case: id, comment, the export's names, and the exact text after redaction
# (a near miss is expected back unchanged).
SOREN = ("Søren Madsen",)
RESPONDENTS = ("Søren Madsen", "Mark Ellis", "Björn Lindqvist", "Zoë Hartley", "Ann O'Neill")
PII_AND_NEAR_MISSES = [
    # A common first name in capitals, with the surname after it
    (
        "first-name-in-capitals",
        "THANK YOU TO SARAH JONES FOR EVERYTHING",
        (),
        "THANK YOU TO [name removed] FOR EVERYTHING",
    ),
    ("capitals-without-names", "WE LOVED THE MDT AND THE NHS TEAM", (), None),
    # NHS numbers: any 10 digits, however grouped or separated
    ("nhs-dots", "NHS no 943.476.5919 ok", (), "NHS no [NHS number removed] ok"),
    ("nhs-double-spaces", "NHS no 943  476  5919 ok", (), "NHS no [NHS number removed] ok"),
    ("nhs-3-4-3", "NHS no 943 4765 919 ok", (), "NHS no [NHS number removed] ok"),
    ("nhs-slashes", "ref 943/476/5919.", (), "ref [NHS number removed]."),
    ("nhs-mixed", "ref 943-476 5919.", (), "ref [NHS number removed]."),
    ("nhs-spaced-dashes", "ref 943 - 476 - 5919.", (), "ref [NHS number removed]."),
    ("nhs-bracketed", "ref (943) 476 5919.", (), "ref [NHS number removed]."),
    ("nhs-bad-check-digit", "ref 1234567890.", (), "ref [NHS number removed]."),
    ("nhs-digit-by-digit", "9 4 3 4 7 6 5 9 1 9", (), "[NHS number removed]"),
    ("nhs-then-count", "943 476 5919 2 weeks ago", (), "[NHS number removed] 2 weeks ago"),
    ("nhs-then-date", "943 476 5919 12/03/2021", (), "[NHS number removed] 12/03/2021"),
    (
        "nhs-two-numbers",
        "943 476 5919 / 943 476 5920",
        (),
        "[NHS number removed] / [NHS number removed]",
    ),
    # UK phone numbers: +44, 0044 and 0 forms
    ("phone-0044", "Ring 0044 7700 900123.", (), "Ring [phone removed]."),
    ("phone-dots", "Ring 07700.900.123.", (), "Ring [phone removed]."),
    ("phone-plus44-bracket-0", "Ring +44 (0) 20 7946 0018.", (), "Ring [phone removed]."),
    ("phone-0044-dashes", "Ring 0044-20-7946-0018.", (), "Ring [phone removed]."),
    ("phone-plus44-solid", "Ring +447700900123.", (), "Ring [phone removed]."),
    ("phone-area-brackets", "Ring (0161) 496 0000.", (), "Ring [phone removed]."),
    (
        "phone-after-date",
        "On 01.03.2021 ring 0113 496 0999",
        (),
        "On 01.03.2021 ring [phone removed]",
    ),
    # postcodes with any spacing and case
    ("postcode-two-spaces", "Based at LS1  4AP now.", (), "Based at [postcode removed] now."),
    ("postcode-no-space", "Based at LS14AP now.", (), "Based at [postcode removed] now."),
    ("postcode-lower-no-space", "Based at ls14ap now.", (), "Based at [postcode removed] now."),
    # titles with names, in any case
    ("title-upper", "Thanks to DR SMITH today.", (), "Thanks to [name removed] today."),
    ("title-upper-two-words", "SISTER MARY JONES WAS GREAT", (), "[name removed] WAS GREAT"),
    ("title-lower", "thanks to dr smith today", (), "thanks to [name removed] today"),
    ("title-capitalised", "Sister Mary Jones ran it.", (), "[name removed] ran it."),
    ("title-upper-then-capitalised", "DR Okafor ran it.", (), "[name removed] ran it."),
    ("title-initial", "Dr J. Smith said so.", (), "[name removed] said so."),
    ("title-lower-first-name", "dr john smith said so", (), "[name removed] said so"),
    ("title-middle-initial", "Dr Mary J. Jones said so.", (), "[name removed] said so."),
    ("title-then-article", "Dr Smith A lot of help.", (), "[name removed] A lot of help."),
    ("title-possessive", "Dr Okafor's clinic", (), "[name removed]'s clinic"),
    ("title-lower-word-title", "ask sister Patel", (), "ask [name removed]"),
    ("title-mr-motivator", "Mr Motivator came.", (), "[name removed] came."),
    # the export's names: accents, case, apostrophes ignored; parts alone
    ("name-without-accent", "Soren Madsen helped.", SOREN, "[name removed] helped."),
    ("name-first-lower", "thanks soren!", SOREN, "thanks [name removed]!"),
    ("name-surname-upper", "MADSEN was great.", SOREN, "[name removed] was great."),
    ("name-first-accented", "Søren alone.", SOREN, "[name removed] alone."),
    ("name-bjorn", "Bjorn and björn.", RESPONDENTS, "[name removed] and [name removed]."),
    ("name-zoe", "Zoe and ZOË.", RESPONDENTS, "[name removed] and [name removed]."),
    ("name-curly-apostrophe", "Ask O’Neill.", RESPONDENTS, "Ask [name removed]."),
    ("name-no-apostrophe", "Ask ONeill.", RESPONDENTS, "Ask [name removed]."),
    ("name-possessive", "O'Neill's idea.", RESPONDENTS, "[name removed]'s idea."),
    ("name-common-word-capitalised", "Mark led it.", RESPONDENTS, "[name removed] led it."),
    ("name-whole-lower", "mark ellis led it.", RESPONDENTS, "[name removed] led it."),
    (
        "name-after-title",
        "Dr Madsen and Sister Søren Madsen.",
        SOREN,
        "[name removed] and [name removed].",
    ),
    ("name-short-part", "an idea from Nguyen", ("An Nguyen",), "an idea from [name removed]"),
    (
        "name-title-in-export",
        "Thanks Dr Okafor and the dr.",
        ("Dr Okafor",),
        "Thanks [name removed] and the dr.",
    ),
    # near misses: kept exactly
    ("keep-particle-alone", "the van and de facto", ("Ludwig van Beethoven",), None),
    ("keep-date-dots", "Seen 12.03.2021 and 14.03.2021.", (), None),
    ("keep-date-iso", "Seen 2021-03-12.", (), None),
    ("keep-date-slashes", "Seen 12/03/2021, 10 patients.", (), None),
    ("keep-date-then-count", "On 12/03/2021 10 patients came.", (), None),
    ("keep-date-range", "From 12/03/2021-14/03/2021.", (), None),
    ("keep-money", "£1,250,000 and $5 to $10.", (), None),
    ("keep-counts", "1,234 patients; 250 referrals in 12 months.", (), None),
    ("keep-wards", "Ward 12 and ward 7B.", (), None),
    ("keep-time", "At 10:30 on 01.03.2021 with 12 staff.", (), None),
    ("keep-percentages", "From 72% to 91.5%.", (), None),
    ("keep-year-range", "In 2019-2021 and 2019/20 to 2021/22.", (), None),
    ("keep-years-listed", "Over 2019 2020 2021.", (), None),
    ("keep-year-range-then-count", "Across 2019 - 2021 10 teams joined.", (), None),
    ("keep-order-number", "Order 12345678 and ISBN 0-14-0449.", (), None),
    ("keep-long-number", "Ref 123456789012 and ISBN 978-0-14-044913-6.", (), None),
    ("keep-short-numbers", "Rooms 1, 2 and 3; 5 4 3.", (), None),
    ("keep-decimals", "Version 0.99999999 (8 9s) is old.", (), None),
    ("keep-ordinal-not-postcode", "T1 came 1st, T2 2nd and T3 3rd.", (), None),
    ("keep-sister-ward", "the sister ward was busy", (), None),
    ("keep-miss-the-bus", "we will miss the bus and miss the meeting", (), None),
    ("keep-matron-round", "matron's round and Matron's round", (), None),
    ("keep-sister-trust", "our sister Trust helped", (), None),
    ("keep-miss-day", "we'll miss Tuesday's huddle", (), None),
    ("keep-ms-teams", "We met on MS Teams and ms teams; MS nurse; 2 ms per loop.", (), None),
    ("keep-mr-linac", "The MR Linac and the mr scan.", (), None),
    ("keep-common-word-lower", "we mark progress and will grow", RESPONDENTS, None),
    ("keep-title-without-name", "see the Dr. Then we left", (), None),
]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        pytest.param(text, names, expected, id=case)
        for case, text, names, expected in PII_AND_NEAR_MISSES
    ],
)
def test_typed_forms_of_personal_details_and_near_misses(text, names, expected):
    result = redact(text, names)
    assert result.text == (text if expected is None else expected)
    assert result.changed == (expected is not None)
    assert redact(result.text, names).text == result.text  # markers are never redacted again
