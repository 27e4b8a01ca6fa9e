"""Hand-written content for the synthetic demo data: organisations, projects and comments.

Everything here is invented. Organisation names are fictional; Cancer Alliance
and region names are the real NHS geography so that the demo looks like the
real thing. No comment was written by a real respondent.
"""

from __future__ import annotations

# Cancer Alliance -> NHS England region (real geography).
ALLIANCE_REGION: dict[str, str] = {
    "North East and Cumbria": "North East and Yorkshire",
    "Humber and North Yorkshire": "North East and Yorkshire",
    "West Yorkshire and Harrogate": "North East and Yorkshire",
    "South Yorkshire and Bassetlaw": "North East and Yorkshire",
    "Greater Manchester": "North West",
    "Cheshire and Merseyside": "North West",
    "Lancashire and South Cumbria": "North West",
    "East Midlands": "Midlands",
    "West Midlands": "Midlands",
    "East of England - North": "East of England",
    "East of England - South": "East of England",
    "North Central London": "London",
    "North East London": "London",
    "South East London": "London",
    "RM Partners": "London",
    "Kent and Medway": "South East",
    "Surrey and Sussex": "South East",
    "Thames Valley": "South East",
    "Wessex": "South East",
    "Peninsula": "South West",
    "Somerset, Wiltshire, Avon and Gloucestershire": "South West",
}

# Fictional trusts: (short name used in team names, full name, Cancer Alliance).
TRUSTS: list[tuple[str, str, str]] = [
    ("Northmoor", "Northmoor Teaching Hospitals NHS Foundation Trust", "North East and Cumbria"),
    ("Tyneside Vale", "Tyneside Vale Healthcare NHS Trust", "North East and Cumbria"),
    ("Eastmere", "Eastmere and Holdcross Hospitals NHS Trust", "Humber and North Yorkshire"),
    ("Airedene", "Airedene Valley NHS Foundation Trust", "West Yorkshire and Harrogate"),
    ("Calderbrook", "Calderbrook University Hospitals NHS Trust", "West Yorkshire and Harrogate"),
    ("Donmouth", "Donmouth and Brayford NHS Foundation Trust", "South Yorkshire and Bassetlaw"),
    ("Irwell Park", "Irwell Park University NHS Foundation Trust", "Greater Manchester"),
    ("Medlock", "Medlock Community Cancer Services NHS Trust", "Greater Manchester"),
    ("Merseybank", "Merseybank Hospitals NHS Foundation Trust", "Cheshire and Merseyside"),
    ("Weaverham", "Weaverham and Dee Valley NHS Trust", "Cheshire and Merseyside"),
    (
        "Ribbleside",
        "Ribbleside Teaching Hospitals NHS Foundation Trust",
        "Lancashire and South Cumbria",
    ),
    ("Soarbridge", "Soarbridge University Hospitals NHS Trust", "East Midlands"),
    ("Trentham Cross", "Trentham Cross NHS Foundation Trust", "East Midlands"),
    ("Arden Heath", "Arden Heath Hospitals NHS Foundation Trust", "West Midlands"),
    ("Severnside", "Severnside and Wrekin NHS Trust", "West Midlands"),
    ("Blackwater", "Blackwater Coast Hospitals NHS Trust", "East of England - North"),
    (
        "Wensum",
        "Wensum and Broadland University Hospital NHS Foundation Trust",
        "East of England - North",
    ),
    ("Lea Valley", "Lea Valley Hospitals NHS Trust", "East of England - South"),
    ("Fleetbrook", "Fleetbrook University Hospitals NHS Foundation Trust", "North Central London"),
    ("Walbrook", "Walbrook and Riverside NHS Trust", "North East London"),
    ("Ravensbourne", "Ravensbourne Hospitals NHS Foundation Trust", "South East London"),
    ("Westway", "Westway Cancer Centre NHS Foundation Trust", "RM Partners"),
    ("Medway Downs", "Medway Downs Healthcare NHS Trust", "Kent and Medway"),
    ("Wealdgate", "Wealdgate and Downland Hospitals NHS Trust", "Surrey and Sussex"),
    ("Isis Vale", "Isis Vale University Hospitals NHS Foundation Trust", "Thames Valley"),
    ("Solentmouth", "Solentmouth Hospitals NHS Trust", "Wessex"),
    (
        "Avonford",
        "Avonford and Mendip NHS Foundation Trust",
        "Somerset, Wiltshire, Avon and Gloucestershire",
    ),
    ("Tamarside", "Tamarside University Hospitals NHS Trust", "Peninsula"),
]

# (tumour group, project title) pairs for the general cohorts.
PROJECTS: list[tuple[str, str]] = [
    ("Lung", "Offering every patient a holistic needs assessment within 31 days of diagnosis"),
    ("Breast", "Co-designing a welcome pack for people starting chemotherapy"),
    ("Colorectal", "Stoma care conversations before surgery, not after"),
    ("Urology", "Telling people about side effects of hormone therapy in plain English"),
    ("Haematology", "Reducing waiting-room anxiety on the haematology day unit"),
    ("Head and neck", "A carers' clinic for people caring for someone with head and neck cancer"),
    ("Upper GI", "Named clinical nurse specialist contact for every patient on the pathway"),
    ("Gynaecology", "Improving how we give news of a diagnosis in the gynaecology clinic"),
    ("Skin", "Patient-held care plans for people with melanoma"),
    ("Lung", "Video consultations that work for older patients and their families"),
    ("Breast", "Supporting people back to work after breast cancer treatment"),
    ("Colorectal", "Telephone follow-up that patients and carers helped to design"),
    ("Urology", "Prostate cancer support group run with lived experience partners"),
    ("Haematology", "Information on infection risk that patients actually read"),
    ("All cancers", "Making the cancer information centre easier to find and use"),
    ("Acute oncology", "Better advice for patients calling the acute oncology hotline"),
    ("All cancers", "Asking every patient 'what matters to you?' at first appointment"),
    ("Upper GI", "Nutrition support from diagnosis for people with oesophageal cancer"),
    ("Gynaecology", "Psychosexual support conversations after treatment"),
    ("Lung", "Reducing repeat journeys: one-stop diagnostic clinic information"),
    ("All cancers", "Improving end of treatment summaries for patients and GPs"),
    ("Breast", "Lymphoedema self-care sessions co-produced with patients"),
    ("Colorectal", "Faster answers for patients waiting for scan results"),
    ("Skin", "Clearer letters: rewriting clinic letters with patients"),
    ("Haematology", "Peer support for people living with myeloma"),
    ("Head and neck", "Eating and drinking support after head and neck surgery"),
    ("Urology", "Reducing unnecessary waits in the bladder cancer clinic"),
    ("All cancers", "Recording and acting on patients' communication needs"),
    ("Acute oncology", "Same-day assessment information for people on immunotherapy"),
    ("Lung", "Including carers in treatment planning conversations"),
]

# Projects for the rare and less common cancers collaborative.
RARE_PROJECTS: list[tuple[str, str]] = [
    ("Sarcoma", "Shared care plans between the sarcoma centre and local hospitals"),
    ("Brain and CNS", "Support for families of people with a brain tumour after diagnosis"),
    ("Neuroendocrine", "A single point of contact for people with neuroendocrine tumours"),
    ("Mesothelioma", "Information about benefits and compensation at diagnosis"),
    ("Cancer of unknown primary", "Explaining 'unknown primary' clearly to patients and carers"),
    (
        "Teenage and young adult",
        "Peer support and digital information for young people with cancer",
    ),
    ("Myeloma", "Home-based treatment information for people with myeloma"),
    ("Penile", "Improving privacy and dignity in the penile cancer clinic"),
    ("Eye", "Travel and accommodation support for people treated at a distant centre"),
]

# Comments: short, realistic free text, written for this demo.
POSITIVE_TEAM: list[str] = [
    "Really enjoyed being part of this. The monthly learning sessions kept us on track.",
    "The coaching calls helped us focus on one small change at a time instead of trying to fix everything.",
    "We would never have looked at our survey results in this much detail without the collaborative.",
    "Having a lived experience partner in the team changed the way we talk about our service.",
    "Good to hear what other trusts were doing and to borrow their ideas.",
    "The PDSA approach felt awkward at first but it is now how we test changes on the unit.",
    "Protected time to work on the project made all the difference.",
    "I feel more confident using data to show the difference we are making.",
    "Our nurses now ask patients what matters to them as a matter of routine.",
    "The facilitators were approachable and always had a practical suggestion.",
    "We have already spread the welcome pack to two other clinics.",
    "It reminded us why we came into cancer care in the first place.",
    "The sharing events were the highlight - honest conversations about what did not work as well as what did.",
    "Our team is closer for it. We meet weekly now, even though the programme has finished.",
    "Thank you for the structure and the encouragement when things got difficult.",
    "It gave our small team a voice with the executive board.",
    "Clear guidance on measurement, which we had struggled with before.",
    "Brilliant opportunity. I would encourage any cancer team to apply.",
    "Learning from the patients on other teams was as valuable as the teaching.",
    "A great experience that has changed how our department approaches improvement.",
    "The measurement clinic sessions finally made run charts make sense to me.",
    "We went from talking about patient experience to actually changing things.",
    "Meeting other teams facing the same problems was reassuring and motivating.",
    "The project gave junior staff a chance to lead, and they grew in confidence.",
    "Our patient feedback scores on information giving have gone up since the change.",
    "Simple ideas, tested properly, made a real difference to our clinic.",
    "I liked that we were encouraged to start small and build on what worked.",
    "The network we built will outlast the programme.",
]
POSITIVE_LIVED: list[str] = [
    "I was treated as an equal member of the team from the very first meeting.",
    "It felt good to turn my own experience into something that will help other patients.",
    "My suggestions were listened to and some of them are now part of the new leaflet.",
    "I was nervous at the start but the team made me feel welcome and valued.",
    "Being involved from the planning stage meant the project reflected what patients really need.",
    "As a carer I rarely feel heard. In this project I was.",
    "The staff were genuinely interested in what it is like to be on the other side of the desk.",
    "Rewarding and at times emotional. I am proud of what we achieved together.",
    "I learned a lot about how the hospital works and why some things take time.",
    "It has given me the confidence to join the trust's patient panel.",
    "The team always checked I had what I needed to take part, including help with the video calls.",
    "Seeing the changes actually happen on the ward was the best part.",
    "I was paid for my time and expenses promptly, which made it possible for me to take part.",
    "We rewrote the letters together line by line. Small words matter to patients.",
    "I felt my voice carried the same weight as the consultant's.",
    "It was lovely to meet other lived experience partners and share ideas.",
    "The training for lived experience partners at the start was really helpful.",
    "Knowing the project might spare someone else what my husband went through kept me going.",
]
POSITIVE_EXEC: list[str] = [
    "A well-run programme that delivered tangible change for patients at modest cost.",
    "The team's presentation to the board was one of the most powerful we have had this year.",
    "Good value for the time invested. We intend to put another team forward.",
    "It has strengthened our patient experience strategy and given us a model to spread.",
    "The focus on measurement gave the board confidence that the change is real.",
    "Impressive to see clinical and lived experience colleagues leading change together.",
    "The regular updates made it easy to support the team without getting in the way.",
    "This was a low-cost way to build improvement capability in our cancer services.",
    "We have asked the team to share their approach with our other divisions.",
]
CONSTRUCTIVE: list[str] = [
    "Finding time alongside clinical work was very hard. Some sessions clashed with clinics.",
    "More help with collecting data would have been useful; we spent a long time on spreadsheets.",
    "The programme felt rushed at the end and we did not have time to test our last change properly.",
    "Too many online meetings. Shorter sessions would have been easier to fit in.",
    "Our lived experience partner left half way through and we struggled to replace them.",
    "Good content but some of the measurement teaching went over my head.",
    "We needed more support from our own organisation to release staff.",
    "The templates were helpful, but the reporting requirements felt heavy for a small team.",
    "Would have liked more time with teams working on similar tumour sites.",
    "I am not sure the changes will last once the programme support ends.",
    "Staffing pressures meant we lost momentum for several months.",
    "Some of the sessions were pitched at teams much further ahead than us.",
    "We found it difficult to get data out of our hospital systems in time.",
    "The start-up period was too short; we were still forming the team when the first changes were due.",
    "Involving patients took longer than we expected, so plan for that from the start.",
    "It was hard to keep the executive sponsor engaged after the first few months.",
    "More face-to-face time would have helped build relationships across teams.",
    "Useful, but the benefits for staff were less obvious than the benefits for patients.",
]
COVID_ERA: list[str] = [
    "Running a project during the pandemic was tough, but the collaborative kept us going.",
    "Moving everything online worked better than I expected, although I missed meeting people in person.",
    "Redeployment during the second wave slowed us down, and the faculty were very understanding.",
    "Despite a challenging year we delivered something we are proud of.",
    "Virtual clinics meant we had to rethink our project, and the coaching helped us adapt.",
    "The online format meant our lived experience partner could join from home, which helped.",
]

# Comments carrying personal details, given to consenting respondents so that the
# reports show redaction at work. Phone numbers are from Ofcom's drama ranges, the
# NHS number is from the 999 test range, and the e-mail domain is example.nhs.uk.
PERSONAL_DETAILS: dict[str, list[str]] = {
    "cohort-1": [
        "Siân and Björn were fantastic facilitators - please pass on our thanks.",
        "If you need another volunteer next year, ring me on 07700 900461.",
    ],
    "cohort-2": [
        "Dr Okafor gave up so many evenings to make this happen. Email me at "
        "zoe.hartley@example.nhs.uk if other teams want our welcome pack.",
        "My husband's NHS number (999 123 4567) was printed on the wrong letter, which is "
        "what started our project in the first place.",
    ],
    "rare-cancers": [
        "Our drop-in sessions at the support centre (LS1 4AP) were packed every week. "
        "Thanks to Sister Mary Jones for running them.",
    ],
    "cohort-3": [
        "Loved it <3 & the team were brilliant. Call the unit on (020) 7946 0018 to see "
        "what we changed.",
    ],
}
