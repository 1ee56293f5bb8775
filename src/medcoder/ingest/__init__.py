"""Readers: plain-text notes, FHIR R4 / R4B Bundles, medcoder Encounter JSON, NDJSON and folders.

Every reader returns :class:`~medcoder.models.Encounter` objects (DESIGN.md §2, the first stage).
The single-input readers (:func:`read_text`, :func:`read_fhir_bundle`) raise
:class:`~medcoder.errors.ReadError` for input they cannot read; the batch readers
(:func:`read_path`, :func:`read_paths`) yield it in place of the encounter and go on, so one bad
file never stops a batch.  Document text is never logged.
"""

from __future__ import annotations

from medcoder.ingest.batch import SUPPORTED_SUFFIXES, read_json_object, read_path, read_paths
from medcoder.ingest.fhir import code_system_name, read_bundle_results, read_fhir_bundle
from medcoder.ingest.text import MAX_DOCUMENT_CHARS, decode_bytes, html_to_text, read_text

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "SUPPORTED_SUFFIXES",
    "code_system_name",
    "decode_bytes",
    "html_to_text",
    "read_bundle_results",
    "read_fhir_bundle",
    "read_json_object",
    "read_path",
    "read_paths",
    "read_text",
]
