"""The capture manifest: one canonical JSON document that names and hashes everything.

The manifest is the thing the timestamp authority signs (via its SHA-256), so it must be
byte-for-byte reproducible: keys sorted, no insignificant whitespace, UTF-8. It records the
provenance fields the Berkeley Protocol asks for: what (target, URLs, artefacts and their
hashes), when (capture times), how (tools and versions, network facts) and who (collector).
"""

from __future__ import annotations

import hashlib
import json
import platform
import ssl
import subprocess
from datetime import datetime
from importlib import metadata
from typing import Any

from narcowatch.net.fetch import Exchange

FORMAT = "narcowatch-evidence/1"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def tool_versions(chromium: str = "") -> dict[str, str]:
    tools = {
        "narcowatch": _version("narcowatch"),
        "python": platform.python_version(),
        "httpx": _version("httpx"),
        "warcio": _version("warcio"),
        "playwright": _version("playwright"),
        "openssl": ssl.OPENSSL_VERSION,
        "platform": platform.platform(),
    }
    if chromium:
        tools["chromium"] = chromium
    return tools


def cert_info(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity and fingerprint of a server certificate (via openssl x509)."""
    pem = ssl.DER_cert_to_PEM_cert(der)
    info: dict[str, Any] = {"sha256": sha256_hex(der)}
    proc = subprocess.run(
        ["openssl", "x509", "-noout", "-subject", "-issuer", "-startdate", "-enddate", "-serial"],
        input=pem.encode(),
        capture_output=True,
        timeout=10,
        check=False,
    )
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if value:
            info[key.strip().lower()] = value.strip()
    return info


def exchange_facts(ex: Exchange) -> dict[str, Any]:
    """The network facts of one hop, for the manifest."""
    return {
        "url": ex.url,
        "status": ex.status,
        "ip": ex.ip,
        "port": ex.port,
        "http_version": ex.http_version,
        "started_at": ex.started_at.isoformat(),
        "elapsed_s": round(ex.elapsed_s, 4),
        "response_headers": [[k, v] for k, v in ex.response_headers],
        "body_sha256": sha256_hex(ex.body),
        "body_bytes": len(ex.body),
        "tls_version": ex.tls_version,
    }


def build_manifest(
    *,
    evidence_id: str,
    target: str,
    case_id: str | None,
    collector: str,
    captured_at: datetime,
    urls: list[dict[str, Any]],
    artefacts: dict[str, dict[str, Any]],
    tools: dict[str, str],
    errors: list[str],
) -> dict[str, Any]:
    """Assemble the manifest; ``artefacts`` maps name -> {sha256, size, media_type, ...}."""
    return {
        "format": FORMAT,
        "evidence_id": evidence_id,
        "case_id": case_id,
        "target": target,
        "collector": collector,
        "captured_at": captured_at.isoformat(),
        "urls": urls,
        "artefacts": [
            {"name": name, **{k: v for k, v in meta.items() if k != "blob"}}
            for name, meta in sorted(artefacts.items())
            if name not in ("manifest.json", "timestamp.tsr")
        ],
        "tools": tools,
        "errors": errors,
    }
