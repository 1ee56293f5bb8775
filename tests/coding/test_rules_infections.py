"""Guideline rules of chapters 1-2 (infections, sepsis, neoplasms; OCG I.C.1, I.C.2) and contact with a
communicable disease (I.C.21.c.1), each on a realistic note, with the rule on and off."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.1.a.aids",
            "DISCHARGE DIAGNOSES:\n1. Oral thrush.\n2. AIDS, CD4 count 45.\nPLAN: Resume antiretroviral therapy.\n",
            "inpatient",
            present=("B20",),
            tagged=("B20",),
            off_absent=("B20",),
        ),
        id="OCG-I.C.1.a:AIDS-is-B20",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.a.2.sequence",
            "DISCHARGE DIAGNOSES:\n1. Pneumocystis jirovecii pneumonia, hypoxic.\n2. HIV disease, noncompliant with "
            "antiretrovirals.\nHOSPITAL COURSE: Treated with IV trimethoprim-sulfamethoxazole and prednisone.\n",
            "inpatient",
            present=("B59", "B20"),
            first="B20",
            off_present=("B20",),
            off_not_first="B20",
        ),
        id="OCG-I.C.1.a.2.a:B20-first-for-an-HIV-related-condition",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.a.2.e",
            "Reason for visit: lab follow-up.\nHIV-1/2 antigen/antibody screen reactive; the confirmatory HIV-1/HIV-2 "
            "differentiation immunoassay was indeterminate. No diagnosis of HIV infection at this time. Repeat "
            "HIV RNA in 2 weeks.\n",
            present=("R75",),
            absent=("B20", "Z21"),
            tagged=("R75",),
            off_absent=("R75",),
        ),
        id="OCG-I.C.1.a.2.e:inconclusive-HIV-serology-R75",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.1.exposure",
            "CHIEF COMPLAINT: exposure.\nHPI: Her roommate was diagnosed with influenza A two days ago. She has no "
            "fever, cough or myalgias.\nPLAN: Oseltamivir prophylaxis.\n",
            present=("Z20.828",),
            absent=("J10", "J11"),
            tagged=("Z20.828",),
            off_absent=("Z20.828",),
        ),
        id="OCG-I.C.21.c.1:roommate-with-influenza-is-exposure-Z20.828",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.d.organism",
            "DISCHARGE DIAGNOSES:\n1. Sepsis secondary to Pseudomonas urinary tract infection.\n2. Type 2 diabetes "
            "mellitus.\n",
            "inpatient",
            present=("A41.52", "N39.0"),
            absent=("A41.9",),
            tagged=("A41.52",),
            off_present=("A41.9",),
            off_absent=("A41.52",),
        ),
        id="OCG-I.C.1.d.1.a:sepsis-due-to-pseudomonas-A41.52",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.d.5.b",
            "DISCHARGE DIAGNOSES:\n1. Sepsis due to organ/space surgical site infection after laparoscopic "
            "cholecystectomy.\nHOSPITAL COURSE: Percutaneous drainage, IV piperacillin-tazobactam.\n",
            "inpatient",
            present=("T81.43XA", "T81.44XA", "A41.9"),
            tagged=("T81.44XA",),
            off_present=("T81.43XA", "A41.9"),
            off_absent=("T81.44",),
        ),
        id="OCG-I.C.1.d.5.b:postprocedural-sepsis-T81.44",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.d.5.b.sequence",
            "DISCHARGE DIAGNOSES:\n1. Sepsis due to deep incisional surgical site infection following open "
            "ventral hernia repair.\nHOSPITAL COURSE: Wound opened, packed; IV vancomycin and cefepime.\n",
            "inpatient",
            present=("T81.42XA", "T81.44XA", "A41.9"),
            first="T81.42XA",
            before=(("T81.44XA", "A41.9"),),
            off_not_first="T81.42XA",
        ),
        id="OCG-I.C.1.d.5.b:the-infection-site-first-then-T81.44-then-sepsis",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.d.1.b.sequence",
            "DISCHARGE DIAGNOSES:\n1. Severe sepsis with acute kidney injury.\n2. Sepsis due to MRSA pneumonia.\n",
            "inpatient",
            present=("A41.02", "R65.20", "N17.9", "J15.212"),
            before=(("A41.02", "R65.20"),),
            off_before=(("R65.20", "A41.02"),),
        ),
        id="OCG-I.C.1.d.1.b:the-systemic-infection-before-R65.2",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.c.1",
            "DISCHARGE DIAGNOSES:\n1. Symptomatic anemia secondary to metastatic colon cancer, transfused 2 units.\n"
            "2. Liver metastases.\n",
            "inpatient",
            present=("D63.0",),
            absent=("D64.9",),
            tagged=("D63.0",),
            off_present=("D64.9",),
            off_absent=("D63.0",),
        ),
        id="OCG-I.C.2.c.1:anemia-due-to-the-malignancy-D63.0",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.n.remission",
            "ASSESSMENT: Multiple myeloma, currently in remission after autologous stem cell transplant; continue "
            "lenalidomide maintenance.\n",
            present=("C90.01",),
            absent=("C90.00",),
            tagged=("C90.01",),
            off_present=("C90.00",),
        ),
        id="OCG-I.C.2.n:myeloma-in-remission-C90.01",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.d.excised",
            "ASSESSMENT: Seen 2 years after left nephrectomy for renal cell carcinoma; no further treatment. CT "
            "chest and abdomen show no evidence of recurrence.\n",
            present=("Z85.528",),
            absent=("C64",),
            tagged=("Z85.528",),
            off_present=("C64.2",),
            off_absent=("Z85.528",),
        ),
        id="OCG-I.C.2.d:excised-malignancy-without-disease-is-Z85",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.d.follow-up",
            "Oncology follow-up. History of breast cancer, right lumpectomy and radiation completed in 2020, no "
            "further treatment. Mammogram today: no evidence of disease.\n",
            present=("Z08", "Z85.3"),
            first="Z08",
            tagged=("Z08",),
            off_absent=("Z08",),
        ),
        id="OCG-I.C.2.d:follow-up-after-completed-cancer-treatment-Z08-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.b",
            "DISCHARGE DIAGNOSES:\n1. Non-small cell lung cancer, right upper lobe.\n2. Brain metastases.\n"
            "HOSPITAL COURSE: Admitted for stereotactic radiosurgery of the brain metastases; tolerated well.\n",
            "inpatient",
            present=("C79.31", "C34.91"),
            first="C79.31",
            tagged=("C79.31",),
            off_first="C34.91",
        ),
        id="OCG-I.C.2.b:treatment-of-the-secondary-site-only-secondary-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.lipoma-site",
            "ASSESSMENT: Subcutaneous lipoma of the left forearm, 3 cm; excised in the office today under local "
            "anesthesia.\n",
            present=("D17.22",),
            absent=("D17.9",),
            tagged=("D17.22",),
            off_present=("D17.9",),
        ),
        id="OCG-I.C.2:lipoma-of-the-left-forearm-D17.22",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_infections_neoplasms_rule(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # "aids" the verb and hearing aids are no HIV disease
        ("Hearing aids in both ears. Diet aids digestion.", ("B20",)),
        # the patient's own COVID-19 stays U07.1 though the husband has it too
        ("Husband tested positive for COVID-19. Assessment: COVID-19 with fever, isolation advised.", ("Z20.822",)),
    ],
)
def test_infections_rules_leave_what_they_should(text: str, absent: tuple[str, ...], coder) -> None:
    found = codes(coder.code(encounter(text, "outpatient")))
    assert not any(c.startswith(a) for a in absent for c in found), found
