"""The PCS calibration is an opt-in site profile: never a package default, named in provenance."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from medcoder.coding.pcs import PcsAssigner
from medcoder.coding.pcs.calibration import Calibration
from medcoder.errors import InputFileError
from medcoder.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[2]
CODIESP_PROFILE = REPO / "bench" / "profiles" / "codiesp_pcs_calibration.json"


def test_pcs_calibration_is_not_package_data() -> None:
    # learned on CodiEsp train: a benchmark's site profile, not what every user gets
    data = resources.files("medcoder").joinpath("data")
    assert not any("calibration" in entry.name for entry in data.iterdir())


def test_pcs_assigner_default_has_no_calibration(bundled_kb) -> None:
    assigner = PcsAssigner(bundled_kb)
    assert assigner.calibration.id is None and not assigner.calibration.prefixes
    assert not assigner.calibration.associations
    assert assigner.calibration.adjust("BW03ZZZ", 0.8) == 0.8  # the rule-based confidence as it is


def test_pcs_calibration_read_codiesp_profile_names_id_version_and_content() -> None:
    calibration = Calibration.read(CODIESP_PROFILE)
    assert calibration.id.startswith("codiesp-train-pcs v1 sha256:") and len(calibration.id.split(":")[1]) == 12
    assert calibration.prefixes and calibration.associations
    for right, predicted in calibration.prefixes.values():
        assert 0 <= right <= predicted
    assigner = PcsAssigner(None, calibration=CODIESP_PROFILE)  # a path is read the same way
    assert assigner.calibration.id == calibration.id


def test_pcs_calibration_id_defaults_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "st-mary-pcs.json"
    path.write_text(json.dumps({"about": "St Mary 2025 coded stays", "version": 3, "prefixes": {"0FT4": [9, 10]}}))
    assert Calibration.read(path).id.startswith("st-mary-pcs v3 sha256:")


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "cannot read the PCS calibration profile"),
        ("{not json", "not JSON"),
        ('{"about": "x", "version": 1, "prefixes": {"0FT4": [5, 2]}}', "prefixes: Value error, 0FT4: expected"),
        ('{"version": 1}', "about: Field required"),
        ("[1, 2]", "not a valid PCS calibration profile"),
    ],
    ids=["missing", "not-json", "right-over-predicted", "no-about", "not-an-object"],
)
def test_pcs_calibration_read_bad_file_names_it(tmp_path: Path, content: str | None, why: str) -> None:
    path = tmp_path / "site_pcs_calibration.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        Calibration.read(path)
    assert info.value.code == "E150" and str(path) in info.value.message and why in info.value.message


def test_pipeline_reads_the_calibration_profile_before_coding(bundled_kb, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"site\.json"):
        Pipeline(bundled_kb, pcs_calibration=tmp_path / "site.json")
    assert Pipeline(bundled_kb).pcs_calibration is None
