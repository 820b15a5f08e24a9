"""Evidence capture of a URL or a public Telegram post/channel.

For each URL: fetch through the SSRF-guarded fetcher into a WARC (request and response,
with the IP), keep the network facts and the TLS certificate; render in headless Chromium
for a full-page screenshot, a PDF and the DOM (sub-resources go into a second WARC). Each
artefact goes into the blob store and onto the EvidenceRecord as soon as it exists, in
its own transaction, so a later failure loses nothing and a retry only redoes what is
missing. When every step succeeded, :mod:`narcowatch.cases.seal` writes the manifest and
asks for the timestamp.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session

from narcowatch.cases.auditing import audit
from narcowatch.cases.manifest import canonical_json, cert_info, exchange_facts, tool_versions
from narcowatch.cases.render import Renderer, RenderError
from narcowatch.cases.seal import seal_capture
from narcowatch.cases.warc import write_warc
from narcowatch.errors import CaseError
from narcowatch.ids import make_id, sha256_hex
from narcowatch.net.fetch import Exchange, FetchLimits, SafeFetcher
from narcowatch.net.guard import FetchError
from narcowatch.runtime import Runtime
from narcowatch.store.tables import EvidenceRecord

log = logging.getLogger(__name__)

TELEGRAM_HOSTS = {"t.me", "www.t.me", "telegram.me", "www.telegram.me"}
FETCH_PARTS = ("warc.gz", "network.json")
RENDER_PARTS = ("screenshot.png", "page.pdf", "dom.html", "render.json")
MEDIA = {
    "warc.gz": "application/warc",
    "network.json": "application/json",
    "cert.pem": "application/x-pem-file",
    "screenshot.png": "image/png",
    "page.pdf": "application/pdf",
    "dom.html": "text/html",
    "render.json": "application/json",
    "resources.warc.gz": "application/warc",
}


def normalize_target(target: str) -> str:
    """Accept ``https://...``, ``t.me/x`` and ``@handle``; return an absolute URL."""
    target = target.strip()
    if target.startswith("@") and len(target) > 1:
        return f"https://t.me/{target[1:]}"
    if "://" not in target:
        target = "https://" + target
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CaseError(f"cannot capture {target!r}: not a web address", code="E910")
    return target


def expand_targets(target: str) -> list[tuple[str, str]]:
    """The URLs to capture: a Telegram post or channel also gets its t.me/s/ web preview."""
    url = normalize_target(target)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    if host not in TELEGRAM_HOSTS or not path:
        return [("main", url)]
    if path.startswith("s/"):
        return [("main", url)]
    preview = urlunsplit(("https", "t.me", f"/s/{path}", "", ""))
    return [
        ("main", urlunsplit(("https", "t.me", f"/{path}", parts.query, ""))),
        ("preview", preview),
    ]


def start_capture(
    rt: Runtime, target: str, actor: str, case_id: str | None = None
) -> EvidenceRecord:
    """Create the pending EvidenceRecord (its own transaction) and audit the request."""
    url = normalize_target(target)
    with rt.db.session() as session:
        ev = EvidenceRecord(
            id=make_id("evidence", url, uuid.uuid4().hex),
            case_id=case_id,
            target=url,
            status="pending",
            artefacts={},
            captured_by=actor,
        )
        session.add(ev)
        session.flush()
        audit(session, actor, "evidence.capture", "evidence", ev.id, {"target": url})
    return ev


def _save(rt: Runtime, evidence_id: str, new: dict[str, bytes], url: str) -> None:
    """Store artefacts in the blob store and record them on the evidence (one transaction)."""
    now = datetime.now(UTC).isoformat()
    entries = {}
    for name, data in new.items():
        suffix = name.split(".", 1)[1]
        entries[name] = {
            "blob": rt.blobs.put(data),
            "sha256": sha256_hex(data),
            "size": len(data),
            "media_type": MEDIA.get(suffix, "application/octet-stream"),
            "url": url,
            "stored_at": now,
        }
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, evidence_id)
        assert ev is not None
        ev.artefacts = {**ev.artefacts, **entries}


def _fetch_step(
    rt: Runtime, ev_id: str, label: str, url: str, fetcher: SafeFetcher, verified: bool
) -> list[Exchange]:
    result = fetcher.fetch(url)
    first = result.exchanges[0]
    facts: dict[str, Any] = {
        "url": url,
        "final_url": result.url,
        "started_at": first.started_at.isoformat(),
        "exchanges": [exchange_facts(ex) for ex in result.exchanges],
        "resolved": fetcher.backend.resolved,
        "tls_verified": verified and result.url.startswith("https://"),
        "tools": tool_versions(),
    }
    new = {
        f"{label}.warc.gz": write_warc(
            result.exchanges, {"software": "narcowatch", **facts["tools"]}
        )
    }
    cert = result.final.tls_cert_der
    if cert:
        facts["tls"] = cert_info(cert)
        new[f"{label}.cert.pem"] = ssl.DER_cert_to_PEM_cert(cert).encode()
    new[f"{label}.network.json"] = canonical_json(facts)
    _save(rt, ev_id, new, url)
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, ev_id)
        if ev is not None and ev.captured_at is None:
            ev.captured_at = first.started_at
    return result.exchanges


def _render_step(
    rt: Runtime,
    ev_id: str,
    label: str,
    url: str,
    fetcher: SafeFetcher,
    renderer: Renderer,
    prefetched: list[Exchange] | None,
) -> None:
    page = renderer.render(url, fetcher, prefetched)
    facts = {
        "url": url,
        "final_url": page.final_url,
        "title": page.title,
        "refused": page.refused,
        "resources": [exchange_facts(ex) for ex in page.exchanges],
        "chromium": renderer.version,
        "rendered_at": datetime.now(UTC).isoformat(),
    }
    new = {
        f"{label}.screenshot.png": page.screenshot_png,
        f"{label}.page.pdf": page.pdf,
        f"{label}.dom.html": page.dom_html,
        f"{label}.render.json": canonical_json(facts),
    }
    if page.exchanges:
        info = {"software": "narcowatch", "chromium": renderer.version}
        new[f"{label}.resources.warc.gz"] = write_warc(page.exchanges, info)
    _save(rt, ev_id, new, url)


def _set_status(rt: Runtime, ev_id: str, status: str, error: str | None) -> EvidenceRecord:
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, ev_id)
        assert ev is not None
        ev.status = status
        ev.error = error
        return ev


def run_capture(
    rt: Runtime,
    evidence_id: str,
    actor: str,
    *,
    renderer: Renderer | None = None,
    urls: list[tuple[str, str]] | None = None,
    verify: Any = True,
) -> EvidenceRecord:
    """Do every missing step of a capture; record errors; seal when complete."""
    with rt.db.session() as session:
        ev = session.get(EvidenceRecord, evidence_id)
        if ev is None:
            raise CaseError(f"evidence {evidence_id} does not exist", code="E911")
        have, target = set(ev.artefacts), ev.target
    urls = urls or expand_targets(target)
    errors: list[str] = []
    own_renderer = renderer is None
    renderer = renderer or Renderer(timeout_s=rt.settings.fetch_timeout_s)
    limits = FetchLimits.from_settings(rt.settings)
    try:
        with SafeFetcher(rt.settings.allowed_hosts, limits, verify=verify) as fetcher:
            for label, url in urls:
                prefetched = None
                if not all(f"{label}.{p}" in have for p in FETCH_PARTS):
                    try:
                        prefetched = _fetch_step(
                            rt, evidence_id, label, url, fetcher, verify is not False
                        )
                    except FetchError as exc:
                        errors.append(f"{label} fetch: {exc.code} {exc.message}")
                        continue
                if not all(f"{label}.{p}" in have for p in RENDER_PARTS):
                    try:
                        _render_step(rt, evidence_id, label, url, fetcher, renderer, prefetched)
                    except RenderError as exc:
                        errors.append(f"{label} render: {exc.code} {exc.message}")
    finally:
        if own_renderer:
            renderer.close()
    if errors:
        with rt.db.session() as session:
            ev = session.get(EvidenceRecord, evidence_id)
            status = "partial" if ev is not None and ev.artefacts else "failed"
        log.warning("capture %s incomplete: %s", evidence_id, errors)
        return _set_status(rt, evidence_id, status, "; ".join(errors))
    return seal_capture(rt, evidence_id, actor, chromium=renderer.version)


def capture_evidence(
    rt: Runtime,
    target: str,
    actor: str,
    case_id: str | None = None,
    *,
    renderer: Renderer | None = None,
    urls: list[tuple[str, str]] | None = None,
    verify: Any = True,
) -> EvidenceRecord:
    """Capture ``target`` now; returns the EvidenceRecord (status captured/partial/failed)."""
    ev = start_capture(rt, target, actor, case_id)
    return run_capture(rt, ev.id, actor, renderer=renderer, urls=urls, verify=verify)


def audit_retry(session: Session, evidence_id: str, actor: str) -> None:
    """Check that a capture may be retried (exists, not complete) and audit the retry."""
    ev = session.get(EvidenceRecord, evidence_id)
    if ev is None:
        raise CaseError(f"evidence {evidence_id} does not exist", code="E911")
    if ev.status == "captured":
        raise CaseError(f"evidence {evidence_id} is already complete", code="E912")
    audit(session, actor, "evidence.retry", "evidence", evidence_id, {"was": ev.status})


def retry_capture(
    rt: Runtime,
    evidence_id: str,
    actor: str,
    *,
    renderer: Renderer | None = None,
    verify: Any = True,
    urls: list[tuple[str, str]] | None = None,
) -> EvidenceRecord:
    """Redo only the missing steps of a failed or partial capture; nothing stored is lost."""
    with rt.db.session() as session:
        audit_retry(session, evidence_id, actor)
    return run_capture(rt, evidence_id, actor, renderer=renderer, urls=urls, verify=verify)
