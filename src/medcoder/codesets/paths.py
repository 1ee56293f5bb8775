"""Where medcoder keeps installed releases and the compiled knowledge base.

``MEDCODER_HOME`` puts everything under one directory (tests, containers, shared servers).
Otherwise installed release files live in the user data directory (they are the user's downloads
and are not recreated automatically) and the compiled knowledge base in the user cache directory
(it is rebuilt from the releases whenever it is missing).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def home() -> Path | None:
    value = os.environ.get("MEDCODER_HOME")
    return Path(value).expanduser() if value else None


def releases_dir() -> Path:
    base = home()
    return (base / "releases") if base else Path(platformdirs.user_data_dir("medcoder")) / "releases"


def cache_dir() -> Path:
    base = home()
    return (base / "cache") if base else Path(platformdirs.user_cache_dir("medcoder"))
