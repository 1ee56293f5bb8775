"""False codes a read-only review of the chapter rules found on short realistic notes (2026-12-03):
each note must not get the code the rule wrongly added."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter, has

NOTES = [
    pytest.param(
        "HPI: 32 yo F admitted with community acquired pneumonia.\n"
        "SOCIAL HISTORY: Lives with husband and their 3 week old baby girl.\n"
        "ASSESSMENT: Community acquired pneumonia.\n",
        "inpatient",
        ("Z38",),
        "J18.9",
        id="newborn-in-social-history-is-not-the-patient",
    ),
    pytest.param(
        "HPI: 3 month old boy admitted with RSV bronchiolitis.\n"
        "BIRTH HISTORY: Born at 39 weeks by cesarean, uncomplicated.\n"
        "ASSESSMENT: RSV bronchiolitis.\n",
        "inpatient",
        ("O", "Z37", "Z3A"),
        "J21.0",
        id="an-infants-birth-history-is-no-pregnancy",
    ),
    pytest.param(
        "PROCEDURE NOTE\nASSESSMENT: Screening colonoscopy; diverticulosis of the sigmoid colon.\n"
        "CONSENT: Risks including bleeding, infection, and accidental puncture or perforation of the colon were "
        "discussed and the patient agreed.\nFINDINGS: Sigmoid diverticulosis. No complications.\n",
        "outpatient",
        ("K91.7",),
        None,
        id="risks-discussed-at-consent-are-no-complication",
    ),
    pytest.param(
        "HPI: His surgery was postponed in March because of an elevated hemoglobin A1c; A1c now 6.8.\n"
        "ASSESSMENT: Primary osteoarthritis of right knee.\nPLAN: Proceed with right TKA today.\n",
        "outpatient",
        ("Z53",),
        "M17.11",
        id="a-past-postponement-is-no-procedure-not-carried-out",
    ),
    pytest.param(
        "HPI: 64 yo F with breast cancer s/p mastectomy 2012. In 2015 a biopsy of a lytic lesion in the spine showed "
        "metastatic carcinoma, treated with radiation; PET scans since 2017 show no evidence of disease.\n"
        "ASSESSMENT: History of breast cancer, no evidence of disease.\n",
        "outpatient",
        ("C79",),
        "Z85.3",
        id="a-metastasis-of-years-ago-is-not-current",
    ),
    pytest.param(
        "EXAM: Left TM bulging and erythematous, intact.\nASSESSMENT: Acute suppurative otitis media, left ear; "
        "parents counseled to return for drainage which may indicate rupture of the tympanic membrane.\n",
        "outpatient",
        ("H66.01",),
        "H66.002",
        id="counselling-about-a-rupture-is-no-rupture",
    ),
    pytest.param(
        "ED NOTE: Intentional overdose of oxycodone with respiratory depression, reversed with naloxone.\n",
        "outpatient",
        ("F32",),
        "R06.89",
        id="respiratory-depression-is-no-depressive-disorder",
    ),
    pytest.param(
        "ASSESSMENT: Kidney transplant status, stable creatinine. Discussed the signs of rejection of the kidney "
        "transplant and when to call.\n",
        "outpatient",
        ("T86",),
        "Z94.0",
        id="teaching-the-signs-of-rejection-is-no-rejection",
    ),
    pytest.param(
        "ED NOTE: Fell on an outstretched hand today.\nASSESSMENT: Closed displaced fracture of the shaft of the right "
        "radius, no signs of nonunion risk factors; splinted.\n",
        "outpatient",
        ("S52.301D", "S52.391D"),
        None,
        id="no-signs-of-nonunion-is-no-subsequent-encounter",
    ),
    pytest.param(
        "ASSESSMENT: 1. Hypertension. 2. History of alcohol dependence, in sustained remission, sober 6 years.\n",
        "outpatient",
        ("F10.20",),
        "F10.21",
        id="a-dependence-in-remission-is-its-remission-code-not-a-dropped-history",
    ),
    pytest.param(
        "DISCHARGE DIAGNOSES: Solitary left kidney with obstruction and hypertension and chronic renal "
        "insufficiency.\n",
        "inpatient",
        (),
        "N18.9",
        id="hypertensive-ckd-keeps-its-stage-code-n18.9-which-the-note-asks-for",
    ),
    pytest.param(
        "ED: 25 yo nurse, needlestick from a patient with known hepatitis C 2 hours ago; baseline labs drawn, no "
        "symptoms.\n",
        "outpatient",
        ("B19", "B18"),
        "Z20.5",
        id="the-source-patients-hepatitis-is-the-nurses-exposure",
    ),
    pytest.param(
        "Follow-up. Hx of DVT L leg 2019, completed 6 months of apixaban, off anticoagulation. Today: seasonal "
        "allergic rhinitis, start fluticasone.\n",
        "outpatient",
        ("Z79.01", "I82"),
        "Z86.718",
        id="a-completed-anticoagulant-is-no-long-term-current-use",
    ),
    pytest.param(
        "PCP visit. PMH: breast ca s/p L lumpectomy + XRT 2016, finished tamoxifen 2021, NED. A/P: HTN well "
        "controlled, refill lisinopril.\n",
        "outpatient",
        ("Z79.810", "C50"),
        "I10",
        id="finished-tamoxifen-and-no-evidence-of-disease-is-history-not-current-cancer",
    ),
    pytest.param(
        "Oncology f/u: stage II colon adenocarcinoma (sigmoid) resected 2024, completed adjuvant FOLFOX 2025. CT "
        "chest/abd/pelvis today: no evidence of recurrence.\n",
        "outpatient",
        ("C18",),
        "Z08",
        id="shorthand-follow-up-after-a-resected-cancer-is-Z08-with-its-history",
    ),
    pytest.param(
        "Admitted for symptomatic anemia 2/2 multiple myeloma (not in remission); transfused 2 u PRBC.\n",
        "inpatient",
        ("D64.9",),
        "D63.0",
        id="anemia-2/2-myeloma-is-anemia-in-neoplastic-disease",
    ),
]


@pytest.mark.parametrize(("text", "setting", "absent", "present"), NOTES)
def test_review_false_code_not_reported(coder, text, setting, absent, present):
    found = codes(coder.code(encounter(text, setting)))
    for prefix in absent:
        assert not has(found, prefix), found
    if present:
        assert present in found, found
