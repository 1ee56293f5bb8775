"""The curated US clinical lexicon (``medcoder/data/us_lexicon.json``): it validates, every code is in
the bundled ICD-10-CM release and can be finished by the engine, and no term is ambiguous, a bare
anatomy word or a generic word a coder would never code from (DESIGN §8: each entry names its source)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from medcoder.codesets.lexicon import ClinicalLexicon, clinical_lexicon
from medcoder.coding.codeindex import CodeIndex
from medcoder.extract.matcher import normalise_term, normalise_word

REQUIRED_SOURCES = {"index", "tabular", "abbrev", "ocg"}

# Words that name no codable condition on their own: mapping them floods a chart with codes a coder
# must delete (R52 for any "pain", T14.90 for any "injury", C80.1 for any "cancer" ...).
BANNED_GENERIC = frozenset(
    """
    pain pains ache infection infections mass masses wound injury injuries lesion lesions cancer cancers
    malignancy carcinoma adenocarcinoma tumor tumour neoplasm metastases metastasis metastatic mets allergy
    allergies allergic disease disorder syndrome condition problem illness symptom symptoms finding abnormal
    abnormality history status chronic acute fracture ulcer bleeding hemorrhage swelling inflammation nodule
    cyst polyp stone calculus growth weakness spasm strain sprain tear laceration contusion bruise burn bite
    trauma fall stroke shock reflux effusion obstruction stenosis
    """.split()
)

# A bare organ or body part is not a diagnosis ("prostate", "kidney", "vaginal").
BANNED_ANATOMY = frozenset(
    """
    abdomen abdominal adrenal ankle anus anal aorta aortic appendix arm artery arterial axilla back bladder
    blood bone bowel brain breast bronchus bronchial buttock cecum cervix cervical chest clavicle colon colonic
    cornea duodenum duodenal ear elbow esophagus esophageal eye eyelid face femur femoral finger foot
    gallbladder gastric groin hand head heart hepatic hip humerus intestine intestinal jaw joint kidney knee
    larynx laryngeal leg lip liver lung lumbar lymph mouth muscle nail neck nerve nose nasal ovary ovarian
    pancreas pancreatic pelvis pelvic penis penile pharynx pharyngeal pleura pleural prostate prostatic
    pulmonary rectum rectal renal retina rib sacrum scalp scrotum scrotal shoulder sinus skin skull spine
    spinal spleen splenic sternum stomach tendon testis testicle testicular thigh thorax thoracic throat thumb
    thyroid tibia toe tongue tonsil trachea ureter ureteral urethra urethral uterus uterine vagina vaginal vein
    venous vertebra vulva wrist cardiac cerebral coronary mitral valve ventricle atrium urinary genital oral
    meniscus ligament cartilage disc adenoids pericardium peritoneum peritoneal pericardial
    """.split()
)

# Machine-translated or non-English forms a US note does not use.
BANNED_TERMS = {"cephalea", "febrile syndrome", "control axial tomography", "arterial hypertension essential"}

# Equivalences that would change what a word means (DESIGN §7: rules as data, reviewed).
BANNED_EQUIVALENCE_KEYS = {"metastatic", "metastasis", "metastases", "cancer", "carcinoma", "tumor", "trauma"}
BANNED_EQUIVALENCE_VALUES = {"secondary", "malignant", "neoplasm", "injury"}


@pytest.fixture(scope="module")
def lexicon() -> ClinicalLexicon:
    return clinical_lexicon()


@pytest.fixture(scope="module")
def release_id(bundled_kb) -> str:
    return bundled_kb.release("ICD-10-CM", None).release_id


@pytest.fixture(scope="module")
def code_index(bundled_kb, release_id: str) -> CodeIndex:
    return CodeIndex(bundled_kb, release_id)


def _keys(term: str, lexicon: ClinicalLexicon) -> tuple[str, ...]:
    """The words the phrase matcher requires for a term (lower case, singular, filler dropped), with
    the lexicon's word equivalents applied -- as :class:`medcoder.coding.terms.CmVocabulary` adds it."""
    equivalents = {normalise_word(k): normalise_word(v) for k, v in lexicon.word_equivalents.items()}
    return normalise_term(term, equivalents)


def test_us_lexicon_validates_against_model(lexicon: ClinicalLexicon) -> None:
    assert set(lexicon.sources) >= REQUIRED_SOURCES
    assert len(lexicon.entries) >= 500
    assert lexicon.word_equivalents_source.strip()
    assert all(value.strip() for value in lexicon.sources.values())


def test_us_lexicon_entries_name_source_and_ref(lexicon: ClinicalLexicon) -> None:
    bad = [(e.code, e.terms[0]) for e in lexicon.entries if e.source not in lexicon.sources or not e.ref.strip()]
    assert not bad, f"entries without a known source or a ref: {bad[:20]}"


def test_us_lexicon_terms_are_lower_case_and_trimmed(lexicon: ClinicalLexicon) -> None:
    bad = [t for e in lexicon.entries for t in e.terms if t != t.strip().lower() or "  " in t]
    assert not bad, f"terms must be lower-case, trimmed, single-spaced: {bad[:20]}"


def test_us_lexicon_codes_exist_in_bundled_release(lexicon: ClinicalLexicon, bundled_kb, release_id: str) -> None:
    missing = []
    for entry in lexicon.entries:
        rows = bundled_kb.query(
            "SELECT code, billable FROM cm_nodes WHERE release_id = ? AND code = ?", (release_id, entry.code)
        )
        if not rows:
            missing.append(entry.code)
    assert not missing, f"codes not in {release_id}: {sorted(set(missing))}"


def test_us_lexicon_codes_are_billable_or_finishable_headers(
    lexicon: ClinicalLexicon, bundled_kb, release_id: str, code_index: CodeIndex
) -> None:
    """A header is allowed only where the engine can finish it: a default ("unspecified") child, the
    documented side, or a 7th character for the episode of care (OCG I.A.5, I.C.19.a)."""
    unfinished = []
    for entry in lexicon.entries:
        rows = bundled_kb.query(
            "SELECT code, billable FROM cm_nodes WHERE release_id = ? AND code = ?", (release_id, entry.code)
        )
        if rows and not rows[0][1]:
            resolution = code_index.resolve(entry.code)
            if resolution is None or not code_index.get(resolution.code).billable:
                unfinished.append(entry.code)
    assert not unfinished, f"headers the engine cannot finish: {sorted(set(unfinished))}"


@pytest.mark.parametrize(
    ("code", "side", "episode", "expected"),
    [
        ("S39.012", None, "initial", "S39.012A"),  # lumbar strain: 7th character from the episode
        ("M75.10", "right", None, "M75.101"),  # rotator cuff tear: the documented side
        ("C50.91", None, None, "C50.919"),  # breast cancer: the unspecified-side default
        ("N18.3", None, None, "N18.30"),
    ],
)
def test_us_lexicon_header_examples_resolve(code_index: CodeIndex, code, side, episode, expected) -> None:
    resolution = code_index.resolve(code, laterality=side, episode=episode)
    assert resolution is not None and resolution.code == expected


def test_us_lexicon_term_maps_to_one_code(lexicon: ClinicalLexicon) -> None:
    codes_by_term: dict[str, set[str]] = defaultdict(set)
    for entry in lexicon.entries:
        for term in entry.terms:
            codes_by_term[" ".join(term.lower().split())].add(entry.code)
    ambiguous = {t: sorted(c) for t, c in codes_by_term.items() if len(c) > 1}
    assert not ambiguous, f"terms mapped to more than one code: {ambiguous}"


def test_us_lexicon_same_words_map_to_one_code(lexicon: ClinicalLexicon) -> None:
    """Terms the matcher cannot tell apart (plural and singular, "renal" and "kidney", "type ii" and
    "type 2", filler words) must agree on the code."""
    codes_by_keys: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for entry in lexicon.entries:
        for term in entry.terms:
            codes_by_keys[_keys(term, lexicon)].add(entry.code)
    ambiguous = {" ".join(k): sorted(c) for k, c in codes_by_keys.items() if len(c) > 1}
    assert not ambiguous, f"terms with the same words mapped to different codes: {ambiguous}"


def test_us_lexicon_no_bare_anatomy_or_generic_term(lexicon: ClinicalLexicon) -> None:
    banned_words = BANNED_GENERIC | BANNED_ANATOMY
    banned_keys = {_keys(word, lexicon) for word in banned_words}
    bad = []
    for entry in lexicon.entries:
        for term in entry.terms:
            words = re.findall(r"[a-z0-9]+", term.lower())
            # filler words and equivalents can reduce a term to one banned word ("has a pacemaker" is
            # "pacemaker"; "renal" is "kidney"): such a term matches every mention of that word
            if (
                term in BANNED_TERMS
                or (len(words) == 1 and words[0] in banned_words)
                or _keys(term, lexicon) in banned_keys
            ):
                bad.append((entry.code, term))
    assert not bad, f"bare anatomy or generic terms: {bad}"


def test_us_lexicon_word_equivalents_keep_meaning(lexicon: ClinicalLexicon) -> None:
    equivalents = lexicon.word_equivalents
    assert equivalents["renal"] == "kidney"
    bad = {k: v for k, v in equivalents.items() if k in BANNED_EQUIVALENCE_KEYS or v in BANNED_EQUIVALENCE_VALUES}
    assert not bad, f"equivalences that change meaning: {bad}"
    assert all(k == k.lower() and v == v.lower() and k != v for k, v in equivalents.items())


def test_lexicon_supplements_join_the_main_file_and_bad_ones_are_named(tmp_path) -> None:
    import json

    from medcoder.codesets.lexicon import load_lexicon

    main = {
        "about": "test",
        "version": 3,
        "sources": {"index": "ICD-10-CM Alphabetic Index"},
        "word_equivalents": {},
        "word_equivalents_source": "test",
        "entries": [{"code": "I10", "terms": ["hypertension"], "source": "index"}],
    }
    (tmp_path / "us_lexicon.json").write_text(json.dumps(main), encoding="utf-8")
    (tmp_path / "us_lexicon").mkdir()
    chapter = {
        "about": "circulatory",
        "entries": [{"code": "I48.91", "terms": ["atrial fibrillation"], "source": "index"}],
    }
    (tmp_path / "us_lexicon" / "circulatory.json").write_text(json.dumps(chapter), encoding="utf-8")
    assert [e.code for e in load_lexicon(tmp_path).entries] == ["I10", "I48.91"]

    chapter["entries"].append({"code": "R52", "terms": ["pain"], "source": "corpus"})
    (tmp_path / "us_lexicon" / "circulatory.json").write_text(json.dumps(chapter), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown source 'corpus'"):
        load_lexicon(tmp_path)
    (tmp_path / "us_lexicon" / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"us_lexicon/broken\.json"):
        load_lexicon(tmp_path)


def test_every_lexicon_entry_says_where_in_its_source(lexicon: ClinicalLexicon) -> None:
    """Each entry names its source and where in it (the Index path, the tabular term, the guideline):
    package data that cannot say where it came from is not curated knowledge (DESIGN §8)."""
    missing = [f"{e.code} {e.terms[0]!r}" for e in lexicon.entries if not e.ref.strip()]
    assert not missing, missing[:10]
