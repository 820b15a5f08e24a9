"""RFC 3161 timestamps over evidence manifests, through the ``openssl ts`` command.

A timestamp token from an independent authority proves the manifest (and so every hash
in it) existed at that time. We use the OpenSSL CLI rather than a Python ASN.1 library
because it is installed everywhere, it is what a prosecutor's expert will use to check the
token (``openssl ts -verify``), and it keeps the project free of a hand-rolled DER parser.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from narcowatch.errors import CaseError
from narcowatch.net.fetch import ssl_context

log = logging.getLogger(__name__)

OPENSSL = "openssl"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(CaseError):
    code = "E970"


def _run(args: list[str], *, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [OPENSSL, *args], input=data, capture_output=True, timeout=30, check=False
        )
    except FileNotFoundError as exc:
        raise TimestampError("the openssl command is not installed", code="E971") from exc


def openssl_version() -> str:
    return _run(["version"]).stdout.decode().strip()


def make_query(sha256_hex: str) -> bytes:
    """A DER TimeStampReq for a SHA-256 digest, asking for the TSA certificate."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256_hex):
        raise TimestampError(f"not a sha256 digest: {sha256_hex!r}", code="E972")
    proc = _run(["ts", "-query", "-digest", sha256_hex, "-sha256", "-cert"])
    if proc.returncode != 0:
        raise TimestampError(f"openssl ts -query failed: {proc.stderr.decode()}", code="E972")
    return proc.stdout


@dataclass(frozen=True)
class TokenInfo:
    status: str
    time: str
    serial: str
    policy: str
    digest: str
    tsa: str


def reply_info(reply: bytes) -> TokenInfo:
    """Parse the human-readable fields of a TimeStampResp (``openssl ts -reply -text``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reply.tsr"
        path.write_bytes(reply)
        proc = _run(["ts", "-reply", "-in", str(path), "-text"])
    if proc.returncode != 0:
        raise TimestampError(f"not a timestamp reply: {proc.stderr.decode()}", code="E973")
    text = proc.stdout.decode("utf-8", "replace")

    def field(name: str) -> str:
        found = re.search(rf"^{name}:\s*(.*)$", text, flags=re.M)
        return found.group(1).strip() if found else ""

    digest = re.search(r"Message data:\s*\n((?:\s+[0-9a-f]{4} - .*\n)+)", text)
    hex_digest = ""
    if digest:
        for line in digest.group(1).splitlines():
            hex_digest += "".join(re.findall(r"\b[0-9a-f]{2}\b", line.split(" - ", 1)[1][:48]))
    return TokenInfo(
        status=field("Status"),
        time=field("Time stamp"),
        serial=field("Serial number"),
        policy=field("Policy OID"),
        digest=hex_digest,
        tsa=field("TSA"),
    )


def request_timestamp(tsa_url: str, sha256_hex: str, timeout_s: float = 20.0) -> bytes:
    """Ask the TSA at ``tsa_url`` to stamp ``sha256_hex``; returns the DER reply."""
    query = make_query(sha256_hex)
    try:
        resp = httpx.post(
            tsa_url,
            content=query,
            headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE},
            timeout=timeout_s,
            trust_env=False,
            verify=ssl_context(True),
        )
    except httpx.HTTPError as exc:
        raise TimestampError(f"timestamp authority {tsa_url} unreachable: {exc}") from exc
    if resp.status_code != 200:
        raise TimestampError(
            f"timestamp authority {tsa_url} answered HTTP {resp.status_code}", code="E974"
        )
    info = reply_info(resp.content)
    if not info.status.lower().startswith("granted"):
        raise TimestampError(f"timestamp refused by {tsa_url}: {info.status}", code="E974")
    if info.digest and info.digest != sha256_hex:
        raise TimestampError("timestamp token covers a different digest", code="E975")
    return resp.content


def verify_timestamp(data_file: Path, reply_file: Path, ca_file: Path) -> tuple[bool, str]:
    """``openssl ts -verify``: the token matches ``data_file`` and chains to ``ca_file``."""
    proc = _run(
        [
            "ts",
            "-verify",
            "-data",
            str(data_file),
            "-in",
            str(reply_file),
            "-CAfile",
            str(ca_file),
        ]
    )
    message = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
    return proc.returncode == 0 and "Verification: OK" in message, message
