"""Corpus wording is an opt-in site profile (DESIGN.md §8): the package's ICD-10-CM word equivalents
are plain US medical English with a source each, and CodiEsp's phrases and translation forms only
come in when a profile is passed -- and then the result's provenance names it."""

from __future__ import annotations

import json
import logging
from importlib import resources
from pathlib import Path

import pytest

from medcoder.coding.dictionary import WORD_EQUIVALENTS, build_cm_dictionary, stem_synonyms, word_equivalents
from medcoder.coding.engine import Coder
from medcoder.coding.phrase_profile import PhraseProfile, check_model_profile
from medcoder.coding.sitemodel import SiteModel
from medcoder.coding.text import content_stems, stem
from medcoder.errors import InputFileError
from medcoder.models import Document, Encounter
from medcoder.pipeline import Pipeline
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
CODIESP_PHRASES = REPO / "bench" / "profiles" / "codiesp_cm_phrases.json"
# CodiEsp's machine-translated Spanish wording and its annotators' bare-word codes
TRANSLATION_FORMS = ("cephalea", "febrile syndrome", "ganglion", "ganglia", "oncologic", "depressive syndrome")


def _encounter(text: str, setting: str = "outpatient") -> Encounter:
    return Encounter(id="e1", setting=setting, documents=[Document(id="d1", text=text)])


def _learned_model(meta: dict | None = None) -> SiteModel:
    """A site model with learned phrases and no ranker: the site-model path (term dictionary
    candidates) with the default confidence curve."""
    return SiteModel(n_docs=2, code_docs={"I10": 2}, assoc={"zzqx": [("I10", 0.5, 2)]}, meta=dict(meta or {}))


@pytest.fixture(scope="module")
def codiesp_profile() -> PhraseProfile:
    return PhraseProfile.read(CODIESP_PHRASES)


@pytest.fixture(scope="module")
def site_coder(bundled_kb) -> Coder:
    return Coder(bundled_kb, _learned_model(), min_confidence=0.0)


@pytest.fixture(scope="module")
def profiled_coder(bundled_kb, codiesp_profile) -> Coder:
    model = _learned_model({"cm_phrases": codiesp_profile.id})
    return Coder(bundled_kb, model, min_confidence=0.0, cm_phrases=codiesp_profile)


# --- the package data -------------------------------------------------------------------------------


def test_phrase_profile_package_data_has_no_phrase_section() -> None:
    data = resources.files("medcoder").joinpath("data")
    names = {entry.name for entry in data.iterdir()}
    assert "cm_synonyms.json" not in names and not any("codiesp" in name for name in names)
    raw = json.loads(data.joinpath("cm_word_equivalents.json").read_text(encoding="utf-8"))
    assert set(raw) == {"about", "version", "sources", "equivalents"}  # no "phrases"
    words = {w for entry in raw["equivalents"] for w in entry["words"]}
    assert not words & set(TRANSLATION_FORMS)


def test_phrase_profile_package_word_equivalents_each_name_a_source() -> None:
    data = word_equivalents()
    assert WORD_EQUIVALENTS == "data/cm_word_equivalents.json" and data.version >= 3
    assert all(text.strip() for text in data.sources.values())
    for entry in data.equivalents:
        assert entry.source in data.sources, entry
        if entry.source in ("index", "tabular"):
            assert entry.ref, entry


def test_phrase_profile_tabular_equivalents_are_in_the_code_they_name(bundled_kb) -> None:
    """A "tabular" pair is two words the same code's title and inclusion terms use (R55 Syncope:
    "Fainting"), checked against the bundled tabular list."""
    rid = bundled_kb.release("ICD-10-CM", None, fallback=True).release_id
    for entry in word_equivalents().equivalents:
        if entry.source != "tabular":
            continue
        node = bundled_kb.cm(entry.code, release_id=rid)
        assert node is not None, entry.code
        texts = [node.description] + [
            text
            for (text,) in bundled_kb.query(
                "SELECT text FROM cm_notes WHERE release_id = ? AND code = ? AND type = 'inclusionTerm'",
                (rid, entry.code),
            )
        ]
        stems = {s for text in texts for s in content_stems(text)}
        for word in [*entry.words, entry.means]:
            assert stem(word) in stems, (entry.code, word, texts)


def test_phrase_profile_package_word_equivalents_fold_no_condition_into_an_organ() -> None:
    # "hepatic" and "hepatitis" share a stem: mapping it to "liver" would read hepatitis as liver
    synonyms = stem_synonyms()
    for word in ("hepatitis", "pancreatitis", "esophagitis", "tests", "smoke", "ganglion", "cephalea"):
        assert stem(word) not in synonyms, word
    assert synonyms[stem("tumor")] == stem("neoplasm") and synonyms[stem("tumour")] == stem("tumor")


# --- the default engine reads no profile ---------------------------------------------------------------


def test_phrase_profile_default_engine_codes_no_bare_pain_and_builds_no_term_dictionary(
    bundled_kb, monkeypatch
) -> None:
    import medcoder.coding.engine as engine

    def refuse(*args, **kwargs):
        raise AssertionError("the default engine must not build the site-model term dictionary")

    monkeypatch.setattr(engine, "build_cm_dictionary", refuse)
    coder = Coder(bundled_kb, min_confidence=0.0)
    result = coder.code(_encounter("CHIEF COMPLAINT: Pain.\nHPI: She reports pain.\nASSESSMENT: Pain, cephalea.\n"))
    codes = {d.code for d in result.diagnoses} | {n.code for n in result.not_reported}
    assert "R52" not in codes and "R51.9" not in codes, codes
    assert "cm_phrases" not in result.provenance.models
    assert result.provenance.lexicons.get("ICD-10-CM", "").startswith("us_lexicon")


def test_phrase_profile_site_model_path_without_profile_has_only_the_classification(bundled_kb) -> None:
    dictionary = build_cm_dictionary(bundled_kb, bundled_kb.release("ICD-10-CM", None, fallback=True).release_id)
    assert {t.source for t in dictionary.terms} <= {"description", "inclusion", "index", "neoplasm"}
    assert not dictionary.equivalents


def test_phrase_profile_site_model_without_profile_does_not_read_translation_forms(site_coder) -> None:
    result = site_coder.code(_encounter("ASSESSMENT: Cephalea of two days.\n"))
    codes = {d.code for d in result.diagnoses} | {n.code for n in result.not_reported}
    assert not any(code.startswith("R51") for code in codes), codes
    assert "cm_phrases" not in result.provenance.models
    assert result.provenance.lexicons == {"cm_word_equivalents": f"v{word_equivalents().version}"}


# --- the opt-in profile -----------------------------------------------------------------------------


def test_phrase_profile_codiesp_file_names_its_origin_and_valid_codes(codiesp_profile, bundled_kb) -> None:
    raw = json.loads(CODIESP_PHRASES.read_text(encoding="utf-8"))
    assert "CodiEsp" in raw["about"] and "opt-in" in raw["about"]
    assert codiesp_profile.id.startswith("codiesp-cm-phrases v1 sha256:")
    assert {"R52", "B99.9", "T14.8", "T14.90", "Z91.048"} <= set(codiesp_profile.phrases)
    assert set(raw["habits"]) <= set(codiesp_profile.phrases)
    assert set(raw["notes"]) == set(codiesp_profile.word_equivalents)
    profile_phrases = {p for ps in codiesp_profile.phrases.values() for p in ps}
    assert set(raw["translation_forms"]) <= profile_phrases
    index = Coder(bundled_kb).index(bundled_kb.release("ICD-10-CM", None, fallback=True).release_id)
    missing = [code for code in codiesp_profile.phrases if index.get(code) is None]
    assert not missing, missing


def test_phrase_profile_is_used_when_passed_and_named_in_provenance(profiled_coder, codiesp_profile) -> None:
    result = profiled_coder.code(_encounter("ASSESSMENT: Cephalea of two days.\n"))
    assert result.provenance.models["cm_phrases"] == codiesp_profile.id
    headache = [d for d in result.diagnoses if d.code == "R51.9"]
    assert headache, [d.code for d in result.diagnoses]
    assert headache[0].evidence[0].text.lower().startswith("cephalea")
    found = profiled_coder.candidates(_encounter("ASSESSMENT: Cephalea of two days.\n"))
    sources = {m.source for c in found.candidates if c.code == "R51.9" for m in c.mentions}
    assert "profile" in sources


def test_phrase_profile_word_equivalents_apply_only_inside_the_profile_block(codiesp_profile) -> None:
    from medcoder.coding.dictionary import canonical, profile_equivalents
    from medcoder.coding.phrases import phrase_keys
    from medcoder.coding.text import tokens

    assert canonical((stem("cephalea"),)) == (stem("cephalea"),)  # the package does not know the word
    with profile_equivalents(codiesp_profile):
        assert canonical((stem("cephalea"),)) == (stem("headache"),)
        assert stem("headache") in phrase_keys(tokens("Intense cephalea"))  # what a site model learns on
        with profile_equivalents(None):
            assert canonical((stem("cephalea"),)) == (stem("cephalea"),)
    assert canonical((stem("cephalea"),)) == (stem("cephalea"),)


def test_phrase_profile_pipeline_passes_it_to_the_coder(bundled_kb, codiesp_profile) -> None:
    pipeline = Pipeline(
        bundled_kb,
        _learned_model({"cm_phrases": codiesp_profile.id}),
        group=False,
        edit=False,
        queries=False,
        procedures=False,
        cm_phrases=CODIESP_PHRASES,
    )
    assert pipeline.coder.cm_phrases is not None and pipeline.coder.cm_phrases.id == codiesp_profile.id
    result = pipeline.run(_encounter("ASSESSMENT: Hypertension.\n"))
    assert result.provenance.models["cm_phrases"] == codiesp_profile.id


def test_phrase_profile_not_named_without_a_learned_model(bundled_kb, codiesp_profile) -> None:
    # the default engine does not read the profile: provenance does not claim it
    result = Coder(bundled_kb, cm_phrases=codiesp_profile).code(_encounter("ASSESSMENT: Hypertension.\n"))
    assert "cm_phrases" not in result.provenance.models


def test_phrase_profile_model_trained_with_another_profile_warns(codiesp_profile, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="medcoder.coding.phrase_profile"):
        check_model_profile({"id": "site-1", "cm_phrases": codiesp_profile.id}, None)
        check_model_profile({"id": "site-1", "cm_phrases": codiesp_profile.id}, codiesp_profile)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "site-1" in warned[0] and codiesp_profile.id in warned[0] and "none" in warned[0]


def test_phrase_profile_model_from_older_word_equivalents_warns(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="medcoder.coding.phrase_profile"):
        check_model_profile({"id": "old", "created": "2026-11-22T00:00:00+00:00"}, None)
    assert any("word equivalents v2" in r.getMessage() for r in caplog.records)


def test_phrase_profile_id_defaults_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "st-mary-cm.json"
    path.write_text(json.dumps({"about": "St Mary 2025 coded stays", "version": 2, "phrases": {"I10": ["htn"]}}))
    profile = PhraseProfile.read(path)
    assert profile.id.startswith("st-mary-cm v2 sha256:") and profile.terms() == [("I10", "htn")]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "cannot read the ICD-10-CM phrase profile"),
        ("{not json", "not JSON"),
        ('{"about": "x", "version": 1, "phrases": {"I10": [" "]}}', "phrases: Value error"),
        ('{"version": 1}', "about: Field required"),
        ('{"about": "x", "version": 1, "synonyms": {}}', "synonyms: Extra inputs are not permitted"),
    ],
    ids=["missing", "not-json", "blank-phrase", "no-about", "unknown-section"],
)
def test_phrase_profile_read_bad_file_names_it(tmp_path: Path, content: str | None, why: str) -> None:
    path = tmp_path / "site_cm_phrases.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        PhraseProfile.read(path)
    assert info.value.code == "E150" and str(path) in info.value.message and why in info.value.message


# --- the CLI ------------------------------------------------------------------------------------------


def test_phrase_profile_cli_code_needs_a_model(bundled, capsys, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("ASSESSMENT: Hypertension.\n", encoding="utf-8")
    status, out, err = run_cli(capsys, "code", str(note), "--cm-phrases", str(CODIESP_PHRASES))
    assert status == 2 and out == "" and "--cm-phrases" in err and "--model" in err


def test_phrase_profile_cli_code_with_model_names_it(bundled, capsys, tmp_path: Path, codiesp_profile) -> None:
    model_path = _learned_model({"id": "site-test", "cm_phrases": codiesp_profile.id}).save(tmp_path / "m.json.gz")
    note = tmp_path / "note.txt"
    note.write_text("ASSESSMENT: Cephalea.\n", encoding="utf-8")
    status, out, err = run_cli(
        capsys,
        "code",
        str(note),
        "--model",
        str(model_path),
        "--cm-phrases",
        str(CODIESP_PHRASES),
        "--format",
        "json",
    )
    assert status == 0, err
    assert json.loads(out)["provenance"]["models"] == {"site": "site-test", "cm_phrases": codiesp_profile.id}


def test_phrase_profile_training_records_it_in_the_model(bundled_kb, tmp_path: Path) -> None:
    from medcoder.coding.training import read_training_set, train

    profile = tmp_path / "site-cm.json"
    profile.write_text(
        json.dumps({"about": "test site wording", "id": "site-cm", "version": 1, "phrases": {"I10": ["bp high"]}}),
        encoding="utf-8",
    )
    examples = read_training_set(REPO / "tests" / "fixtures" / "coding" / "coded_encounters.jsonl", [])
    coder = Coder(bundled_kb, cm_phrases=profile)
    model = train(examples, coder, folds=3)
    assert model.meta["cm_phrases"] == coder.cm_phrases.id and model.meta["cm_phrases"].startswith("site-cm v1")
    assert model.meta["cm_word_equivalents"] == word_equivalents().version
