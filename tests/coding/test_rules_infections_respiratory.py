"""Guideline rules of chapters 1, 10 and 11 (infections, respiratory, digestive; OCG I.C.1, I.C.10,
I.C.11): COVID-19 and its manifestations, the post-COVID condition, the organism's drug resistance,
hernia / ulcer / diverticular complications and the digestive combination codes -- each on a
realistic note, with the rule on and off."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.1.g.1.c.manifestation",
            "DISCHARGE DIAGNOSES:\n1. COVID-19 with bilateral pneumonia.\n2. Type 2 diabetes mellitus.\n"
            "HOSPITAL COURSE: Dexamethasone and remdesivir; weaned to room air.\n",
            "inpatient",
            present=("U07.1", "J12.82"),
            absent=("J18.9",),
            tagged=("J12.82",),
            off_present=("J18.9",),
            off_absent=("J12.82",),
        ),
        id="OCG-I.C.1.g.1.c.i:pneumonia-stated-with-COVID-19-is-J12.82",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.g.1.c.manifestation",
            "ASSESSMENT: Acute bronchitis due to COVID-19, day 4 of symptoms. Home isolation, supportive care.\n",
            present=("U07.1", "J20.8"),
            absent=("J20.9",),
            tagged=("J20.8",),
            off_present=("J20.9",),
        ),
        id="OCG-I.C.1.g.1.c.ii:acute-bronchitis-due-to-COVID-19-is-J20.8",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.g.1.b.sequence",
            "DISCHARGE DIAGNOSES:\n1. Acute hypoxic respiratory failure.\n2. COVID-19 pneumonia.\n"
            "HOSPITAL COURSE: High-flow nasal cannula, dexamethasone, remdesivir.\n",
            "inpatient",
            present=("U07.1", "J12.82", "J96.01"),
            first="U07.1",
            before=(("U07.1", "J96.01"),),
            off_first="J96.01",
        ),
        id="OCG-I.C.1.g.1.b:U07.1-first-then-respiratory-failure",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.g.1.m",
            "ASSESSMENT: Loss of smell persisting 4 months after COVID-19 infection; post-COVID condition.\n"
            "PLAN: Olfactory training.\n",
            present=("R43.0", "U09.9"),
            absent=("U07.1",),
            first="R43.0",
            tagged=(),
            off_present=("U07.1",),
        ),
        id="OCG-I.C.1.g.1.m:post-COVID-condition-no-U07.1",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.b.organism",
            "DISCHARGE DIAGNOSES:\n1. Urinary tract infection due to vancomycin-resistant Enterococcus faecium.\n"
            "HOSPITAL COURSE: Linezolid, then oral fosfomycin.\n",
            "inpatient",
            present=("N39.0", "B95.2", "Z16.21"),
            tagged=("B95.2", "Z16.21"),
            off_absent=("B95", "Z16"),
        ),
        id="OCG-I.C.1.c:VRE-urinary-infection-B95.2-and-Z16.21",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.complications",
            "DISCHARGE DIAGNOSES:\n1. Recurrent right inguinal hernia, incarcerated, with small bowel obstruction.\n"
            "PROCEDURE: Open right inguinal hernia repair with mesh.\n",
            "inpatient",
            present=("K40.31",),
            absent=("K40.0", "K40.9", "K56"),
            tagged=("K40.31",),
            off_absent=("K40.31",),
        ),
        id="OCG-I.C.11:incarcerated-recurrent-unilateral-inguinal-hernia-K40.31",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.complications",
            "DISCHARGE DIAGNOSES:\n1. Sigmoid diverticulitis complicated by a pericolic abscess.\n"
            "HOSPITAL COURSE: CT-guided drainage, IV piperacillin-tazobactam.\n",
            "inpatient",
            present=("K57.20",),
            absent=("K57.32",),
            tagged=("K57.20",),
            off_present=("K57.32",),
        ),
        id="OCG-I.C.11:diverticulitis-with-abscess-K57.20",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.complications",
            "DISCHARGE DIAGNOSES:\n1. Perforated duodenal ulcer.\nPROCEDURE: Laparoscopic omental patch repair.\n",
            "inpatient",
            present=("K26.5",),
            absent=("K26.9",),
            tagged=("K26.5",),
            off_present=("K26.9",),
        ),
        id="OCG-I.C.11:perforated-duodenal-ulcer-K26.5",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.combination",
            "DISCHARGE DIAGNOSES:\n1. Cholelithiasis.\n2. Acute cholecystitis.\n"
            "PROCEDURE: Laparoscopic cholecystectomy.\n",
            "inpatient",
            present=("K80.00",),
            absent=("K81", "K80.20"),
            tagged=("K80.00",),
            off_present=("K80.20",),
            off_absent=("K80.00",),
        ),
        id="OCG-I.B.9:gallstones-with-acute-cholecystitis-K80.00",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.combination",
            "ASSESSMENT: GERD. Esophagitis on today's EGD, biopsies pending.\nPLAN: Pantoprazole twice daily.\n",
            present=("K21.00",),
            absent=("K21.9", "K20"),
            tagged=("K21.00",),
            off_present=("K21.9",),
        ),
        id="OCG-I.A.15:reflux-with-esophagitis-K21.00",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.11.combination",
            "DISCHARGE DIAGNOSES:\n1. Choledocholithiasis with acute cholangitis.\n"
            "PROCEDURE: ERCP with sphincterotomy and stone extraction.\n",
            "inpatient",
            present=("K80.32",),
            absent=("K83.09", "K80.50"),
            tagged=("K80.32",),
            off_present=("K83.09",),
        ),
        id="OCG-I.B.9:bile-duct-stone-with-acute-cholangitis-K80.32",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_infections_respiratory_digestive_rule(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "setting", "absent"),
    [
        # a reducible hernia, non-incarcerated, stays without obstruction
        (
            "ASSESSMENT: Reducible right inguinal hernia, non-incarcerated, no signs of strangulation.",
            "outpatient",
            ("K40.3", "K40.0", "K40.4"),
        ),
        # a negated perforation or bleeding is no complication
        (
            "DISCHARGE DIAGNOSES:\n1. Duodenal ulcer, no evidence of perforation or bleeding on CT.",
            "inpatient",
            ("K26.4", "K26.5", "K26.6"),
        ),
        (
            "ASSESSMENT: Diverticulosis of the colon. No diverticulitis, no abscess or perforation on CT.",
            "outpatient",
            ("K57.20", "K57.80"),
        ),
        # an esophagitis of another stated cause is not reflux esophagitis
        ("ASSESSMENT: Candida esophagitis. GERD, controlled.", "outpatient", ("K21.0",)),
        # COVID-19 history and negative tests are no U07.1
        ("PMH: COVID-19 in 2021, recovered.\nASSESSMENT: Essential hypertension, stable.", "outpatient", ("U07.1",)),
        ("ASSESSMENT: Viral URI. COVID-19 negative, influenza negative.", "outpatient", ("U07.1", "J10", "J11")),
    ],
)
def test_infections_respiratory_digestive_leave_what_they_should(text, setting, absent, coder) -> None:
    found = codes(coder.code(encounter(text, setting)))
    assert not any(c.startswith(a) for a in absent for c in found), found
