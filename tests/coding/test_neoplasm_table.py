"""The Neoplasm Table read by site and behaviour (conformance: the official 2026 table, installed from
``$MEDCODER_SHARED`` into a temporary MEDCODER_HOME as a user installs it).  Notes are fictional."""

from __future__ import annotations

import pytest

from medcoder.coding.engine import Coder
from tests.coding.helpers import codes, encounter, has
from tests.conftest import medcoder_home


@pytest.fixture(scope="module")
def table_coder(shared_dir, tmp_path_factory):
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("neoplasm-home")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10cm/2026")
        kb = KnowledgeBase.open()
    yield Coder(kb)
    kb.close()


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("Pituitary adenoma, MRI in 6 months.", "D35.2"),
        ("Adenoma of the adrenal gland, incidental on CT.", "D35.0"),
        ("Prostate cancer on androgen deprivation.", "C61"),
        ("Metastatic disease to the bladder.", "C79.11"),
    ],
)
def test_neoplasm_table_morphology_word_and_site(table_coder: Coder, line: str, code: str) -> None:
    # Index: "Adenoma (see also Neoplasm, benign, by site)"; "carcinoma / cancer -- see Neoplasm,
    # malignant"; "metastatic to -- see Neoplasm, secondary"
    found = codes(table_coder.code(encounter(f"ASSESSMENT AND PLAN:\n1. {line}\n")))
    assert has(found, code), found


def test_neoplasm_table_a_sub_site_alone_is_no_organ(table_coder: Coder) -> None:
    # the table's "paraurethral, gland" row does not make every "gland" a paraurethral gland (D30.8)
    found = codes(table_coder.code(encounter("ASSESSMENT AND PLAN:\n1. Adenoma of the adrenal gland.\n")))
    assert not has(found, "D30"), found


def test_morphology_word_by_site_and_organ_over_skin(table_coder: Coder) -> None:
    # Index: "Fibroadenoma -> specified site -- see Neoplasm, benign, by site": the breast's row
    # (D24.-), not "skin NOS, breast" (D23.5); "Glioblastoma -> specified site -- see Neoplasm,
    # malignant, by site"
    found = codes(table_coder.code(encounter("ASSESSMENT AND PLAN:\n1. Fibroadenoma of the left breast.\n")))
    assert has(found, "D24.2") and not has(found, "D23"), found
    found = codes(table_coder.code(encounter("ASSESSMENT AND PLAN:\n1. Glioblastoma of the right temporal lobe.\n")))
    assert has(found, "C71.2"), found


def test_postoperative_fibroadenoma_not_the_mass(table_coder: Coder) -> None:
    # OCG IV.N: the postoperative diagnosis, the most definitive, not the mass the procedure line names
    note = (
        "OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS: Left breast mass.\n"
        "POSTOPERATIVE DIAGNOSIS: Fibroadenoma of the left breast.\nPROCEDURE: Excision of left breast mass.\n"
    )
    found = codes(table_coder.code(encounter(note)))
    assert has(found, "D24.2") and not has(found, "N63"), found


@pytest.mark.parametrize(
    ("note", "present", "absent"),
    [
        # Index: "Metastasis, metastatic -> from specified site -- see Neoplasm, malignant, by site":
        # the colon is the primary; no secondary site named: C79.9 ("Metastatic cancer NOS")
        ("1. Metastatic colon cancer on palliative FOLFIRI.", ("C18.9", "C79.9"), ("C78.5",)),
        # the secondary site named: its code, no C79.9
        (
            "1. Anemia due to metastatic colon cancer.\n2. Adenocarcinoma of the sigmoid colon with metastases to the "
            "liver.",
            ("C18.7", "C78.7", "D63.0"),
            ("C78.5", "C79.9", "C18.9"),
        ),
        # "metastatic to the colon" is the secondary of the colon
        ("1. Ovarian cancer metastatic to the colon.", ("C56.9", "C78.5"), ()),
    ],
)
def test_metastatic_site_cancer_is_the_primary(table_coder: Coder, note, present, absent) -> None:
    found = codes(table_coder.code(encounter(f"DISCHARGE DIAGNOSES:\n{note}\n", "inpatient")))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)


def test_metastatic_primary_rule_off_keeps_the_secondary(shared_dir, tmp_path_factory) -> None:
    # the companion of the rule case: switched off the way a site convention does it
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.coding.sitemodel import SiteModel

    home = tmp_path_factory.mktemp("neoplasm-home-off")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10cm/2026")
        kb = KnowledgeBase.open()
    try:
        model = SiteModel(n_docs=0, code_docs={}, assoc={})
        model.conventions = {"ocg.I.C.2.metastatic-primary": False}
        found = codes(Coder(kb, model=model).code(encounter("DISCHARGE DIAGNOSES:\n1. Metastatic colon cancer.\n")))
        assert has(found, "C78.5"), found
    finally:
        kb.close()


@pytest.mark.parametrize(
    ("note", "present", "absent"),
    [
        # Index: "Metastasis, metastatic -> to specified site -- see Neoplasm, secondary, by site": the
        # liver is where the pancreatic cancer went (C78.7), not a primary liver cancer (C22.9)
        ("1. Metastatic pancreatic cancer to the liver.\n2. Cancer-related pain.", ("C25.9", "C78.7"), ("C22",)),
        ("1. Metastatic breast cancer to the lung, left breast primary.", ("C50", "C78.0"), ("C34",)),
        # the organ's own cancer stays primary: no metastasis words
        ("1. Hepatocellular carcinoma of the liver, on sorafenib.", ("C22",), ("C78.7",)),
    ],
)
def test_metastatic_cancer_to_a_site_is_secondary(table_coder: Coder, note, present, absent) -> None:
    found = codes(table_coder.code(encounter(f"DISCHARGE DIAGNOSES:\n{note}\n", "inpatient")))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)


def test_metastasis_to_site_rule_off_keeps_the_primary_of_the_site(table_coder: Coder) -> None:
    # the companion of the rule case: switched off the way a site convention does it
    from medcoder.coding.sitemodel import SiteModel

    model = SiteModel(n_docs=0, code_docs={}, assoc={})
    model.conventions = {"ocg.I.C.2.metastasis-to-site": False}
    note = encounter("DISCHARGE DIAGNOSES:\n1. Metastatic pancreatic cancer to the liver.\n", "inpatient")
    found = codes(Coder(table_coder.kb, model=model).code(note))
    assert has(found, "C22"), found
    assert has(codes(table_coder.code(note)), "C78.7")


def test_site_after_the_comma_and_unknown_primary(table_coder: Coder) -> None:
    # "Lung cancer, left lower lobe": the modifiers after the comma, the side the mention's (C34.32);
    # "primary site not identified" says the primary is unknown, it negates nothing (C80.0)
    found = codes(table_coder.code(encounter("DISCHARGE DIAGNOSES:\n1. Lung cancer, left lower lobe.\n", "inpatient")))
    assert "C34.32" in found and not has(found, "C34.9"), found
    found = codes(
        table_coder.code(
            encounter("DISCHARGE DIAGNOSES:\n1. Disseminated malignancy, primary site not identified.\n", "inpatient")
        )
    )
    assert "C80.0" in found, found
