"""Verify an evidence package offline and say exactly what does not match.

Checks, in order: SHA256SUMS against every file (and files missing from it); per evidence
item, each artefact against the manifest, the manifest against package.json and against
the hash recorded in the custody log at capture, the custody chain, and the RFC 3161 token
(its message imprint must equal the manifest's SHA-256, and ``openssl ts -verify`` must
accept its signature with the given or the packaged TSA CA).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from narcowatch.cases.custody import verify_chain
from narcowatch.cases.manifest import sha256_hex
from narcowatch.cases.timestamp import TimestampError, reply_info, verify_timestamp
from narcowatch.errors import CaseError


@dataclass
class VerifyReport:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _sums(files: dict[str, bytes], rep: VerifyReport) -> None:
    if "SHA256SUMS" not in files:
        rep.problems.append("SHA256SUMS is missing")
        return
    listed: set[str] = set()
    for line in files["SHA256SUMS"].decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        if name not in files:
            rep.problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif sha256_hex(files[name]) != digest:
            rep.problems.append(f"{name}: SHA-256 differs from SHA256SUMS")
    for name in sorted(set(files) - listed - {"SHA256SUMS"}):
        rep.problems.append(f"{name}: not listed in SHA256SUMS (added)")
    rep.ok.append(f"SHA256SUMS: {len(listed)} files checked")


def _timestamp(
    files: dict[str, bytes], base: str, ca: bytes | None, logged: str | None, rep: VerifyReport
) -> None:
    token = files.get(f"{base}/timestamp.tsr")
    if token is None:
        if logged:
            rep.problems.append(f"{base}/timestamp.tsr: missing, but custody logs a timestamp")
        else:
            rep.ok.append(f"{base}: WARNING not timestamped (no TSA was configured)")
        return
    # openssl ignores some bytes (e.g. inside the embedded certificate); the custody log
    # recorded the token's hash when it was received, so any byte change shows here.
    if logged and sha256_hex(token) != logged:
        rep.problems.append(
            f"{base}/timestamp.tsr: differs from the token logged in custody when stamped"
        )
    manifest = files[f"{base}/manifest.json"]
    try:
        info = reply_info(token)
    except TimestampError as exc:
        rep.problems.append(f"{base}/timestamp.tsr: unreadable token ({exc.message.strip()})")
        return
    if info.digest != sha256_hex(manifest):
        rep.problems.append(
            f"{base}/timestamp.tsr: covers {info.digest or 'nothing'}, "
            f"not the manifest {sha256_hex(manifest)}"
        )
    if ca is None:
        rep.problems.append(f"{base}/timestamp.tsr: no TSA CA to check the signature with")
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: Path(tmp) / n for n in ("m.json", "t.tsr", "ca.pem")}
        paths["m.json"].write_bytes(manifest)
        paths["t.tsr"].write_bytes(token)
        paths["ca.pem"].write_bytes(ca)
        good, message = verify_timestamp(paths["m.json"], paths["t.tsr"], paths["ca.pem"])
    if good:
        rep.ok.append(f"{base}/timestamp.tsr: valid, {info.time}, {info.tsa}")
    else:
        detail = message.splitlines()[-1] if message else "verification failed"
        rep.problems.append(f"{base}/timestamp.tsr: openssl ts -verify failed: {detail}")


def _item(
    files: dict[str, bytes], ev_id: str, expected_sha: str, ca: bytes | None, rep: VerifyReport
) -> None:
    base = f"evidence/{ev_id}"
    raw = files.get(f"{base}/manifest.json")
    if raw is None:
        rep.problems.append(f"{base}/manifest.json: missing")
        return
    if sha256_hex(raw) != expected_sha:
        rep.problems.append(f"{base}/manifest.json: SHA-256 differs from package.json")
    try:
        manifest = json.loads(raw)
    except ValueError:
        rep.problems.append(f"{base}/manifest.json: not valid JSON")
        return
    for art in manifest.get("artefacts", []):
        name = f"{base}/artefacts/{art['name']}"
        if name not in files:
            rep.problems.append(f"{name}: missing")
        elif sha256_hex(files[name]) != art["sha256"]:
            rep.problems.append(f"{name}: SHA-256 differs from manifest.json (modified)")
        elif len(files[name]) != art["size"]:
            rep.problems.append(f"{name}: size differs from manifest.json")
    rep.ok.append(f"{base}: {len(manifest.get('artefacts', []))} artefacts checked")
    lines = files.get(f"{base}/custody.jsonl", b"").decode("utf-8", "replace").splitlines()
    try:
        entries = [json.loads(line) for line in lines if line.strip()]
    except ValueError:
        rep.problems.append(f"{base}/custody.jsonl: a line is not valid JSON")
        entries = []
    problems = verify_chain(entries, ev_id)
    rep.problems += [f"{base}/custody.jsonl: {p}" for p in problems]
    captured = next((e for e in entries if e.get("action") == "captured"), None)
    if captured is None:
        rep.problems.append(f"{base}/custody.jsonl: no 'captured' entry")
    elif captured.get("details", {}).get("manifest_sha256") != sha256_hex(raw):
        rep.problems.append(f"{base}: manifest differs from the one logged at capture")
    if not problems and entries:
        rep.ok.append(f"{base}/custody.jsonl: {len(entries)} entries, chain intact")
    stamped = next((e for e in entries if e.get("action") == "timestamped"), None)
    logged = (stamped or {}).get("details", {}).get("token_sha256")
    _timestamp(files, base, ca, logged, rep)


def verify_package(path: Path, ca_file: Path | None = None) -> VerifyReport:
    """Check a package zip; ``ca_file`` overrides the packaged ``tsa-ca.pem``."""
    try:
        with zipfile.ZipFile(path) as zf:
            files = {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}
    except (OSError, zipfile.BadZipFile) as exc:
        raise CaseError(f"cannot open package {path}: {exc}", code="E932") from exc
    rep = VerifyReport()
    _sums(files, rep)
    try:
        meta = json.loads(files["package.json"])
    except (KeyError, ValueError):
        rep.problems.append("package.json: missing or not valid JSON")
        return rep
    ca = ca_file.read_bytes() if ca_file else files.get("tsa-ca.pem")
    if ca is not None and not ca_file:
        rep.ok.append(f"TSA CA from the package, SHA-256 {sha256_hex(ca)}: compare it out of band")
    for ev in meta.get("evidence", []):
        _item(files, ev["id"], ev["manifest_sha256"], ca, rep)
    return rep
