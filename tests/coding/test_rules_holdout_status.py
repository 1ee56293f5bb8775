"""Guideline rules for neoplasms (OCG I.C.2), the newborn record (I.C.16), symptoms and abnormal findings
(I.C.18) and chapter 21 encounter reasons (I.C.21.c), each on a realistic note with the rule on and off;
then each situation in several other ways a US physician documents it (bundled knowledge base: no
Neoplasm Table, so the neoplasms are written in the lexicon's wording)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter, has
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.18.elevated-bp-reading",
            "CHIEF COMPLAINT: Annual physical.\nHPI: 52-year-old here for his yearly exam; no complaints.\n"
            "VITALS: BP 152/96, repeated 148/92.\nASSESSMENT/PLAN: Elevated reading today, no diagnosis of "
            "hypertension at this time; home BP log and recheck in 3 weeks.\n",
            present=("Z00.01", "R03.0"),
            absent=("I10", "Z00.00"),
            first="Z00.01",
            tagged=("R03.0",),
            off_present=("Z00.00",),
            off_absent=("R03.0",),
        ),
        id="OCG-I.C.18:BP-reading-without-hypertension-R03.0",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.18.elevated-psa",
            "Reason for visit: lab review.\nPSA 9.4 ng/mL on screening labs (was 3.1 two years ago). Prostate "
            "smooth, no nodules on exam. Refer to urology for further evaluation.\n",
            present=("R97.20",),
            absent=("C61", "Z12.5"),
            tagged=("R97.20",),
            off_absent=("R97.20",),
        ),
        id="OCG-I.C.18:PSA-above-limit-acted-on-R97.20",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.4.tobacco-history",
            "New patient visit for low back pain after lifting boxes.\nSOCIAL HISTORY: Stopped smoking in 2012; "
            "had smoked a pack a day for 20 years. Drinks socially.\n",
            present=("Z87.891",),
            absent=("F17",),
            tagged=("Z87.891",),
            off_absent=("Z87.891",),
        ),
        id="OCG-I.C.21.c.4:quit-smoking-history-Z87.891",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.7.joint-status",
            "CHIEF COMPLAINT: Aftercare following left total knee replacement.\nHPI: Left TKA 4 weeks ago for "
            "primary osteoarthritis of the left knee; incision healed, working on flexion.\n",
            present=("Z47.1", "Z96.652"),
            absent=("M17",),
            first="Z47.1",
            tagged=("Z96.652",),
            off_present=("Z47.1",),
            off_absent=("Z96.652",),
        ),
        id="OCG-I.C.21.c.7:joint-replacement-aftercare-Z96.6-by-joint-and-side",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.3.device-status",
            "CHIEF COMPLAINT: Pacemaker check.\nHPI: Cardiac pacemaker in place since 2020 for sick sinus syndrome; "
            "here for interrogation of the device. Battery and lead parameters normal.\n",
            present=("Z45.010", "I49.5"),
            absent=("Z95.0",),
            first="Z45.010",
            off_present=("Z45.010", "Z95.0"),
        ),
        id="OCG-I.C.21.c.3:no-status-code-with-the-device-encounter-code",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.b.5.neoplasm-pain",
            "CHIEF COMPLAINT: Pain management.\nHPI: 66-year-old man presents for pain management of low back "
            "pain due to metastatic prostate cancer. Known bone metastases to the lumbar spine.\n",
            present=("G89.3", "C61", "C79.51"),
            first="G89.3",
            tagged=("G89.3",),
            off_absent=("G89.3",),
        ),
        id="OCG-I.C.6.b.5:pain-due-to-malignancy-G89.3-first-for-pain-management",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.metastasis-wording",
            "ASSESSMENT: Brain metastases from small cell lung cancer; whole brain radiation planned.\n",
            present=("C79.31", "C34"),
            absent=("C78.0",),
            off_present=("C78.00",),
        ),
        id="OCG-I.C.2:metastases-from-a-site-name-the-primary",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.13.c.neoplastic-fracture",
            "Admitted for pathologic fracture of the right femoral neck secondary to metastatic breast cancer. "
            "Hemiarthroplasty performed.\n",
            setting="inpatient",
            present=("M84.551A", "C50"),
            absent=("S72",),
            tagged=("M84.551A",),
            off_present=("S72.001A",),
            off_absent=("M84.5",),
        ),
        id="OCG-I.C.13.c:pathological-fracture-due-to-neoplasm-M84.5-",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.skin-site",
            "PROCEDURE: Shave excision of a pearly papule on the nose.\nPATHOLOGY: Basal cell carcinoma, margins "
            "clear.\n",
            present=("C44.311",),
            absent=("C44.91",),
            tagged=("C44.311",),
            off_present=("C44.91",),
        ),
        id="OCG-I.C.2:skin-carcinoma-by-lesion-site-C44",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.metastatic-lesion-site",
            "CT-guided biopsy of the liver mass: metastatic adenocarcinoma. Extensive workup; primary site unknown.\n",
            setting="inpatient",
            present=("C78.7", "C80.1"),
            tagged=("C78.7",),
            off_absent=("C78.7",),
        ),
        id="OCG-I.C.2:metastatic-carcinoma-of-a-lesion-is-the-secondary-site",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.16.a.2.newborn-record",
            "NEWBORN ADMISSION\nFull-term baby girl born in this hospital by repeat cesarean section at 39 weeks. "
            "Apgars 8 and 9. Breastfeeding well.\n",
            setting="inpatient",
            present=("Z38.01",),
            absent=("Z37", "Z3A"),
            first="Z38.01",
            tagged=("Z38.01",),
            off_absent=("Z38",),
        ),
        id="OCG-I.C.16.a.2:newborn-birth-episode-Z38-by-delivery",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.16.b.ruled-out",
            "Term newborn male, vaginal delivery in this hospital. Mother GBS positive with inadequate "
            "prophylaxis; infant observed 48 hours for possible early-onset sepsis. Blood culture negative, "
            "sepsis ruled out. Well appearing throughout.\n",
            setting="inpatient",
            present=("Z38.00", "Z05.1"),
            absent=("P36", "A41"),
            first="Z38.00",
            tagged=("Z05.1",),
            off_absent=("Z05",),
        ),
        id="OCG-I.C.16.b:newborn-suspected-condition-ruled-out-Z05",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.16.e.weight-gestation",
            "NICU ADMISSION: Preterm female infant transferred from an outside hospital on day 3 of life. "
            "Gestational age 29 weeks, birth weight 1180 grams. On CPAP.\n",
            setting="inpatient",
            present=("P07.14", "P07.32"),
            absent=("Z38",),
            first="P07.14",
            tagged=("P07.14", "P07.32"),
            off_absent=("P07.14", "P07.32"),
        ),
        id="OCG-I.C.16.e:birth-weight-and-gestational-age-P07",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.16.e.sequence",
            "NICU ADMISSION: Preterm male infant transferred in on day 2 of life. 34 weeks gestation; birth "
            "weight 1900 g.\n",
            setting="inpatient",
            present=("P07.17", "P07.37"),
            before=(("P07.17", "P07.37"),),
            off_present=("P07.17", "P07.37"),
            off_before=(("P07.37", "P07.17"),),
        ),
        id="OCG-I.C.16.e:birth-weight-before-gestational-age",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.18.g.sirs",
            "ED course: febrile, tachycardic, meets SIRS criteria. Chest x-ray shows right lower lobe pneumonia. "
            "Assessment: community-acquired pneumonia.\n",
            setting="inpatient",
            present=("J18",),
            absent=("R65.1",),
            off_present=("R65.10",),
        ),
        id="OCG-I.C.18.g:SIRS-criteria-with-an-infection-not-R65.1",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.18.g.sequence",
            "DISCHARGE DIAGNOSIS: Systemic inflammatory response syndrome due to acute alcoholic pancreatitis, "
            "without organ dysfunction.\n",
            setting="inpatient",
            present=("R65.10", "K85.20"),
            before=(("K85.20", "R65.10"),),
            off_first="R65.10",
        ),
        id="OCG-I.C.18.g:underlying-condition-before-SIRS",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_holdout_status_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


# Other ways a US physician documents each situation: (note, setting, present, absent, first)
VARIANTS = [
    # chemotherapy admission (I.C.2.e.2): Z51.11 principal, the malignancy after it
    (
        "Reason for admission: chemotherapy infusion, cycle 4, for acute myeloid leukemia.",
        "inpatient",
        ("Z51.11", "C92.00"),
        (),
        "Z51.11",
    ),
    (
        "Admitted for scheduled cycle 2 of chemotherapy for adenocarcinoma of the sigmoid colon; no complications.",
        "inpatient",
        ("Z51.11", "C18.7"),
        (),
        "Z51.11",
    ),
    # a malignancy excised with no evidence of disease (I.C.2.d): its history code
    (
        "Breast cancer was excised in 2015 with lumpectomy; no evidence of disease. Seen today for acute sinusitis.",
        "outpatient",
        ("Z85.3",),
        ("C50",),
        None,
    ),
    (
        "Follow-up visit: 2 years after TURBT for bladder cancer, cystoscopy today shows no recurrence.",
        "outpatient",
        ("Z08", "Z85.51"),
        ("C67",),
        "Z08",
    ),
    (
        "Surveillance colonoscopy 3 years after sigmoid colectomy for colon cancer; no evidence of recurrence.",
        "outpatient",
        ("Z08", "Z85.038"),
        ("C18",),
        "Z08",
    ),
    # dehydration due to a pancreatic head malignancy
    (
        "Admitted for dehydration from pancreatic head adenocarcinoma; IV fluids given.",
        "inpatient",
        ("E86.0", "C25.0"),
        ("C25.9",),
        "E86.0",
    ),
    (
        "Carcinoma of the head of the pancreas, unresectable; referred to oncology.",
        "outpatient",
        ("C25.0",),
        ("C25.9",),
        None,
    ),
    # metastatic carcinoma in a lesion, primary unknown
    (
        "MRI-guided biopsy of the T10 vertebral body lesion showed metastatic adenocarcinoma; primary site unknown "
        "despite full workup.",
        "inpatient",
        ("C79.51", "C80.1"),
        ("C79.9",),
        None,
    ),
    ("Bone metastases from lung cancer, on palliative radiation.", "outpatient", ("C79.51", "C34"), ("C78",), None),
    # pathological fracture due to neoplasm
    (
        "Pathologic fracture of the left humeral shaft from metastatic breast cancer; splinted.",
        "outpatient",
        ("M84.522A",),
        ("S42",),
        None,
    ),
    # pain due to malignancy
    (
        "Pain clinic: chronic pain due to metastatic pancreatic cancer; here for pain management, fentanyl patch "
        "adjusted.",
        "outpatient",
        ("G89.3", "C25.9"),
        ("G89.29",),
        "G89.3",
    ),
    # newborn
    (
        "Late preterm baby boy, 35 weeks gestation, birth weight 2200 grams, born vaginally in this hospital.",
        "inpatient",
        ("Z38.00", "P07.18", "P07.38"),
        ("Z37",),
        "Z38.00",
    ),
    (
        "Term newborn female delivered by cesarean; monitored for possible hypoglycemia, which was ruled out with "
        "normal glucose checks.",
        "inpatient",
        ("Z38.01", "Z05.42"),
        ("Z37",),
        "Z38.01",
    ),
    (
        "G2P2 delivered a liveborn female at 39 weeks by cesarean.",
        "inpatient",
        ("Z37.0",),
        ("Z38",),
        None,
    ),
    # SIRS of non-infectious origin
    (
        "Final diagnosis: acute gallstone pancreatitis with systemic inflammatory response syndrome.",
        "inpatient",
        ("K85.10", "R65.10"),
        ("A41",),
        "K85.10",
    ),
    (
        "Sepsis due to pneumonia; meets SIRS criteria on arrival.",
        "inpatient",
        ("A41.9",),
        ("R65.1",),
        None,
    ),
    # repeated falls
    (
        "82-year-old woman with recurrent falls at home over 3 months; gait and medication review under way.",
        "outpatient",
        ("R29.6",),
        ("W19",),
        None,
    ),
    (
        "Frequent falls, cause under evaluation; orthostatic vitals negative.",
        "outpatient",
        ("R29.6",),
        (),
        None,
    ),
    # abnormal PSA without a diagnosis
    ("Elevated PSA, 5.6; repeat in 6 weeks before urology referral.", "outpatient", ("R97.20",), ("C61",), None),
    ("PSA 2.1 ng/mL, within normal limits; continue annual screening.", "outpatient", (), ("R97.2",), None),
    ("Prostate cancer on active surveillance; PSA 7.2, repeat in 3 months.", "outpatient", ("C61",), ("R97.2",), None),
    # screening colonoscopy with a finding
    (
        "Screening colonoscopy for average-risk 55-year-old: 6 mm cecal polyp removed with snare.",
        "outpatient",
        ("Z12.11", "K63.5"),
        (),
        "Z12.11",
    ),
    # aftercare following joint replacement
    (
        "Aftercare after right THA done for avascular necrosis of the femoral head.",
        "outpatient",
        ("Z47.1", "Z96.641"),
        ("Z96.649",),
        "Z47.1",
    ),
    (
        "Here for physical therapy following left total knee arthroplasty for osteoarthritis.",
        "outpatient",
        ("Z47.1", "Z96.652"),
        ("M17",),
        "Z47.1",
    ),
    # cardiac device checks
    (
        "Reason for visit: ICD check. Ischemic cardiomyopathy with AICD in place.",
        "outpatient",
        ("Z45.02", "I25.5"),
        ("Z95.810",),
        "Z45.02",
    ),
    (
        "Pacemaker check today; dual chamber pacemaker placed for sick sinus syndrome.",
        "outpatient",
        ("Z45.010", "I49.5"),
        ("Z95.0",),
        "Z45.010",
    ),
    # family history and quit smoking
    ("Former smoker, quit 10 years ago.", "outpatient", ("Z87.891",), ("F17",), None),
    ("Advised to quit smoking; smokes 1 ppd.", "outpatient", (), ("Z87.891",), None),
    (
        "He quit smoking in 2010 after a 30 pack-year history. Here for cough.",
        "outpatient",
        ("Z87.891",),
        ("F17",),
        None,
    ),
    # therapeutic drug monitoring
    (
        "Coumadin clinic visit to check INR; on warfarin for atrial fibrillation.",
        "outpatient",
        ("Z51.81", "Z79.01", "I48"),
        (),
        "Z51.81",
    ),
    (
        "Reason for visit: lithium level monitoring for bipolar I disorder, on lithium long term.",
        "outpatient",
        ("Z51.81",),
        (),
        "Z51.81",
    ),
    # routine examination with an abnormal finding
    (
        "Annual physical. BP 150/95, elevated; no hypertension diagnosis, will recheck.",
        "outpatient",
        ("Z00.01", "R03.0"),
        ("I10", "Z00.00"),
        "Z00.01",
    ),
    (
        "Well visit for a 60-year-old. BP 118/76. No concerns.",
        "outpatient",
        ("Z00.00",),
        ("R03.0", "Z00.01"),
        "Z00.00",
    ),
    # uncertain diagnosis stated inline at discharge (II.H)
    ("Admitted with chest pain. Final diagnosis: probable pneumonia.", "inpatient", ("J18.9",), (), None),
    (
        "Admitted for CHF exacerbation. Chest x-ray to rule out pneumonia; at discharge she was stable.",
        "inpatient",
        ("I50",),
        ("J18",),
        None,
    ),
    # skin carcinoma by site
    ("Squamous cell carcinoma of skin of the right forearm, excised today.", "outpatient", ("C44.622",), (), None),
    ("BCC of left ear, Mohs surgery scheduled.", "outpatient", ("C44.219",), ("C44.91",), None),
    # pneumonia by organism
    (
        "Discharge diagnosis: right middle lobe pneumonia due to H. influenzae, sputum culture confirmed.",
        "inpatient",
        ("J14",),
        ("J18.9",),
        "J14",
    ),
]


@pytest.mark.parametrize(("text", "setting", "present", "absent", "first"), VARIANTS)
def test_holdout_status_phrasings(coder, text, setting, present, absent, first):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)
    if first is not None:
        assert found and found[0] == first, found
