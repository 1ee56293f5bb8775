from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from medcoder.errors import InputFileError, ReadError
from medcoder.grouping.claims import Claim, read_claims

CLAIM = {
    "id": "c1",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "f",
    "discharge_status": 1,
    "diagnoses": [{"code": "i50.23", "poa": "y"}, {"code": "J96.01"}],
    "procedures": [{"code": "02hv33z"}],
}


def test_claim_codes_normalised_any_case_with_or_without_dots() -> None:
    claim = Claim.model_validate(CLAIM)
    assert [d.code for d in claim.diagnoses] == ["I5023", "J9601"]
    assert claim.principal.poa == "Y"
    assert claim.secondaries[0].poa is None
    assert claim.procedures[0].code == "02HV33Z"
    assert claim.sex == "F"
    assert claim.discharge_date == dt.date(2026, 5, 1)


def test_read_claims_single_json_object(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(CLAIM, indent=2))
    (claim,) = list(read_claims(path))
    assert isinstance(claim, Claim)
    assert claim.id == "c1"


def test_read_claims_jsonl_bad_lines_become_read_errors_others_still_read(tmp_path: Path) -> None:
    bad_code = {**CLAIM, "diagnoses": [{"code": "I50.2$"}]}
    no_dx = {**CLAIM, "diagnoses": []}
    lines = [json.dumps(CLAIM), "{not json", "", json.dumps(bad_code), json.dumps(no_dx), "[1]", json.dumps(CLAIM)]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = list(read_claims(path))
    assert [type(i).__name__ for i in items] == ["Claim", "ReadError", "ReadError", "ReadError", "ReadError", "Claim"]
    errors = [i for i in items if isinstance(i, ReadError)]
    assert [e.line for e in errors] == [2, 4, 5, 6]
    assert all(e.code == "E151" and str(path) in str(e) for e in errors)
    assert "diagnoses.0.code" in errors[1].reason
    assert "diagnoses" in errors[2].reason


def test_read_claims_rejects_bad_poa_and_sex(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(
        json.dumps({**CLAIM, "diagnoses": [{"code": "I5023", "poa": "yes"}]}) + "\n" + json.dumps({**CLAIM, "sex": "Q"})
    )
    items = list(read_claims(path))
    assert all(isinstance(i, ReadError) for i in items)
    assert "poa" in items[0].reason and "sex" in items[1].reason


def test_read_claims_keeps_a_one_letter_invalid_poa_for_the_edit_and_blanks_it_for_the_grouper(tmp_path: Path) -> None:
    from medcoder.grouping.msdrg import DrgGrouper

    path = tmp_path / "claim.json"
    path.write_text(json.dumps({**CLAIM, "diagnoses": [{"code": "I5023", "poa": "x"}]}))
    (claim,) = read_claims(path)
    assert isinstance(claim, Claim) and claim.diagnoses[0].poa == "X"
    assert DrgGrouper._native_claim(claim, 431)["pdx"] == {"code": "I5023"}


def test_read_claims_missing_file_raises_input_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        list(read_claims(tmp_path / "absent.jsonl"))


def test_native_claim_sends_only_pcs_procedures_and_the_discharge_date_to_msdrg() -> None:
    from medcoder.grouping.msdrg import native_claim

    claim = Claim.model_validate(
        {**CLAIM, "procedures": [{"code": "0FT44ZZ"}, {"code": "99213"}, {"code": "J0696", "units": 4}]}
    )
    native = native_claim(claim)
    assert native["procedures"] == [{"code": "0FT44ZZ"}]
    assert native["discharge_date"] == int(claim.discharge_date.strftime("%Y%m%d"))
    assert [p.code_system for p in claim.procedures] == ["ICD-10-PCS", "CPT", "HCPCS"]
