"""``medcoder codesets verify``: installed files against their manifests, the knowledge base
against its inputs and its own content hash."""

from __future__ import annotations

from typing import Any

from medcoder.codesets.release import sha256_file


def verify() -> dict[str, Any]:
    from medcoder.codesets import build as build_mod
    from medcoder.codesets.install import installed_releases

    checks: list[dict[str, Any]] = []
    releases = installed_releases()
    for release in releases:
        for entry in release.manifest.files:
            path = release.files.get(entry.kind)
            if path is None or not path.is_file():
                checks.append(
                    {
                        "what": f"{release.manifest.release_id} {entry.kind}",
                        "ok": False,
                        "detail": f"file {entry.name} is missing",
                    }
                )
                continue
            actual = sha256_file(path)
            checks.append(
                {
                    "what": f"{release.manifest.release_id} {entry.kind}",
                    "ok": actual == entry.sha256,
                    "detail": f"{path.name} sha256 {actual[:16]}…"
                    + ("" if actual == entry.sha256 else f" but the manifest says {entry.sha256[:16]}…"),
                }
            )
    digest = build_mod.input_hash(releases)
    kb_path = build_mod.kb_path_for(digest)
    if not kb_path.is_file():
        checks.append(
            {
                "what": "knowledge base",
                "ok": False,
                "detail": f"not built for the installed releases ({kb_path.name}); run `medcoder codesets build`",
            }
        )
    else:
        con = build_mod.check(kb_path)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            recomputed = build_mod.content_hash(con)
        finally:
            con.close()
        checks.append(
            {
                "what": "knowledge base inputs",
                "ok": meta.get("input_hash") == digest,
                "detail": f"input hash {digest[:16]}…",
            }
        )
        ok = recomputed == meta.get("content_hash")
        checks.append(
            {
                "what": "knowledge base content",
                "ok": ok,
                "detail": f"content hash {recomputed[:16]}…"
                + ("" if ok else f" but it was built as {str(meta.get('content_hash'))[:16]}…"),
            }
        )
    return {"ok": all(c["ok"] for c in checks), "checks": checks}
