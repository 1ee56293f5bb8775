"""Loading rules-as-data files (packaged default or a site's own file), validated by pydantic."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from medcoder.errors import InputFileError

M = TypeVar("M", bound=BaseModel)


def load_rule_file(path: Path | None, default_name: str, model: type[M], what: str) -> M:
    """``path`` or the packaged ``medcoder/data/<default_name>``; errors name the file."""
    try:
        if path is None:
            raw = resources.files("medcoder").joinpath(f"data/{default_name}").read_text(encoding="utf-8")
            where = f"medcoder/data/{default_name}"
        else:
            raw = Path(path).read_text(encoding="utf-8")
            where = str(path)
    except OSError as error:
        raise InputFileError(path or default_name, f"cannot read {what}: {error}") from error
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as error:
        raise InputFileError(where, f"invalid {what}: {error}") from error
