"""Seal a complete capture: write the manifest, log custody, obtain the RFC 3161 token.

Sealing is idempotent: a manifest already written is reused (its hash is already in the
custody log), so a retry after a timestamp authority outage only asks for the token.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from narcowatch.cases.auditing import audit
from narcowatch.cases.custody import append_custody
from narcowatch.cases.manifest import build_manifest, canonical_json, tool_versions
from narcowatch.cases.timestamp import TimestampError, reply_info, request_timestamp
from narcowatch.runtime import Runtime
from narcowatch.store.tables import EvidenceRecord

log = logging.getLogger(__name__)


def _urls(rt: Runtime, artefacts: dict[str, dict[str, str]]) -> list[dict[str, object]]:
    """The network and render facts of each captured URL, read back from their artefacts."""
    urls: list[dict[str, object]] = []
    for name in sorted(artefacts):
        if not name.endswith(".network.json"):
            continue
        label = name.removesuffix(".network.json")
        facts = json.loads(rt.blobs.get(artefacts[name]["blob"]))
        entry: dict[str, object] = {
            "label": label,
            "url": facts["url"],
            "final_url": facts["final_url"],
            "fetched_at": facts["started_at"],
            "ip": facts["exchanges"][-1]["ip"],
            "http_status": facts["exchanges"][-1]["status"],
            "redirects": [ex["url"] for ex in facts["exchanges"][:-1]],
            "resolved": facts.get("resolved", {}),
            "tls": facts.get("tls"),
            "tls_verified": facts.get("tls_verified", False),
        }
        render_name = f"{label}.render.json"
        if render_name in artefacts:
            render = json.loads(rt.blobs.get(artefacts[render_name]["blob"]))
            entry["title"] = render["title"]
            entry["rendered_at"] = render["rendered_at"]
            entry["chromium"] = render["chromium"]
        urls.append(entry)
    return urls


def _manifest(rt: Runtime, ev: EvidenceRecord, chromium: str) -> bytes:
    urls = _urls(rt, ev.artefacts)
    chromium = chromium or next((str(u.get("chromium")) for u in urls if u.get("chromium")), "")
    manifest = build_manifest(
        evidence_id=ev.id,
        target=ev.target,
        case_id=ev.case_id,
        collector=ev.captured_by or "",
        captured_at=ev.captured_at or datetime.now(UTC),
        urls=urls,
        artefacts=ev.artefacts,
        tools=tool_versions(chromium),
        errors=[],
    )
    return canonical_json(manifest)


def seal_capture(rt: Runtime, evidence_id: str, actor: str, chromium: str = "") -> EvidenceRecord:
    """Write the manifest (once), then the timestamp; set the final status."""
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, evidence_id)
        assert ev is not None
        if "manifest.json" not in ev.artefacts:
            data = _manifest(rt, ev, chromium)
            digest = rt.blobs.put(data)
            ev.artefacts = {
                **ev.artefacts,
                "manifest.json": {
                    "blob": digest,
                    "sha256": digest,
                    "size": len(data),
                    "media_type": "application/json",
                },
            }
            ev.manifest_sha256 = digest
            append_custody(
                session,
                ev.id,
                "captured",
                actor,
                {"manifest_sha256": digest, "artefacts": len(ev.artefacts) - 1},
            )
        manifest_sha = ev.manifest_sha256 or ""
        need_stamp = bool(rt.settings.tsa_url) and "timestamp.tsr" not in ev.artefacts
    error = None
    if need_stamp:
        try:
            reply = request_timestamp(
                rt.settings.tsa_url, manifest_sha, timeout_s=rt.settings.fetch_timeout_s
            )
        except TimestampError as exc:
            error = f"timestamp: {exc.code} {exc.message}"
            log.warning("evidence %s: %s", evidence_id, error)
        else:
            info = reply_info(reply)
            with rt.db.session() as session:
                ev = session.get(EvidenceRecord, evidence_id)
                assert ev is not None
                digest = rt.blobs.put(reply)
                ev.artefacts = {
                    **ev.artefacts,
                    "timestamp.tsr": {
                        "blob": digest,
                        "sha256": digest,
                        "size": len(reply),
                        "media_type": "application/timestamp-reply",
                        "tsa_url": rt.settings.tsa_url,
                        "time": info.time,
                        "serial": info.serial,
                    },
                }
                append_custody(
                    session,
                    ev.id,
                    "timestamped",
                    actor,
                    {
                        "tsa": info.tsa,
                        "time": info.time,
                        "serial": info.serial,
                        "token_sha256": digest,
                    },
                )
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, evidence_id)
        assert ev is not None
        ev.status = "partial" if error else "captured"
        ev.error = error
        audit(
            session,
            actor,
            "evidence.sealed",
            "evidence",
            ev.id,
            {"manifest_sha256": manifest_sha, "status": ev.status},
        )
        return ev
