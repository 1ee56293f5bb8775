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
