"""Reading official XML files with errors that name the file and line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from medcoder.errors import ReleaseFileError


def load_xml(path: Path, root_tag: str) -> ET.Element:
    """Parse a whole file and check its root; raise :class:`ReleaseFileError` otherwise."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as exc:
        raise ReleaseFileError(path, f"malformed XML: {exc.msg}", line=exc.position[0]) from None
    except OSError as exc:
        raise ReleaseFileError(path, f"cannot read: {exc.strerror}") from None
    root = tree.getroot()
    if root.tag != root_tag:
        raise ReleaseFileError(path, f"root element is <{root.tag}>, expected <{root_tag}>")
    return root
