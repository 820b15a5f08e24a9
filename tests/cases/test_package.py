"""Export a package, verify it, then tamper with it three ways: verify names each."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from narcowatch.cases.capture import capture_evidence
from narcowatch.cases.custody import custody_entries
from narcowatch.cases.package import export_package
from narcowatch.cases.verify import verify_package
from narcowatch.runtime import Runtime
from tests.conftest import make_settings
from tests.fakes.site import serve_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def package_rt(tmp_path_factory: pytest.TempPathFactory, tsa) -> Iterator[Runtime]:
    folder = tmp_path_factory.mktemp("pkg")
    rt = Runtime.open(
        make_settings(
            folder, allowed_hosts=["127.0.0.1"], tsa_url=tsa.url, tsa_ca_file=str(tsa.ca_file)
        )
    )
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def package(package_rt: Runtime, renderer, tmp_path_factory) -> tuple[Path, str]:
    """One capture and one export shared by the module's tests (they only read it)."""
    with serve_site() as site:
        ev = capture_evidence(package_rt, site.url("/shop"), "analyst1", renderer=renderer)
    assert ev.status == "captured", ev.error
    out = tmp_path_factory.mktemp("out")
    path = export_package(package_rt, [ev.id], "supervisor1", out, handed_to="prosecutor")
    return path, ev.id


def _rewrite(src: Path, dst: Path, name: str, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(data) if info.filename == name else data)


def test_package_contents_and_clean_verify(package, package_rt: Runtime) -> None:
    path, ev_id = package
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        report = zf.read("report.pdf")
        readme = zf.read("README.txt").decode()
    base = f"evidence/{ev_id}"
    assert {"README.txt", "SHA256SUMS", "package.json", "report.pdf", "tsa-ca.pem"} <= names
    assert {f"{base}/manifest.json", f"{base}/timestamp.tsr", f"{base}/custody.jsonl"} <= names
    assert f"{base}/artefacts/main.warc.gz" in names
    assert report.startswith(b"%PDF") and b"DejaVuSans" in report
    assert "openssl ts -verify" in readme and "ПАКЕТ" in readme and "ПАКЕТІ" in readme
    rep = verify_package(path)
    assert rep.intact, rep.problems
    assert any("chain intact" in line for line in rep.ok)
    with package_rt.db.session() as s:
        actions = [e["action"] for e in custody_entries(s, ev_id)]
    assert actions == ["captured", "timestamped", "exported", "handed_over"]


def test_standard_tools_verify_the_package(package, tmp_path: Path) -> None:
    path, ev_id = package
    out = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(out)
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True)
    assert sums.returncode == 0, sums.stdout
    base = f"evidence/{ev_id}"
    ts = subprocess.run(
        ["openssl", "ts", "-verify", "-data", f"{base}/manifest.json", "-in",
         f"{base}/timestamp.tsr", "-CAfile", "tsa-ca.pem"],
        cwd=out, capture_output=True, text=True,
    )  # fmt: skip
    assert "Verification: OK" in ts.stdout


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


def _edit_custody(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    entry = json.loads(lines[0])
    entry["actor"] = "someone_else"
    lines[0] = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return ("\n".join(lines) + "\n").encode()


def _flip_token_byte(data: bytes) -> bytes:
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0x55]) + data[mid + 1 :]


@pytest.mark.parametrize(
    ("member", "change", "expected"),
    [
        ("artefacts/main.screenshot.png", _flip_last_byte, "SHA-256 differs from manifest.json"),
        ("custody.jsonl", _edit_custody, "custody entry 1 (captured"),
        ("timestamp.tsr", _flip_token_byte, "differs from the token logged in custody"),
        ("timestamp.tsr", _flip_last_byte, "openssl ts -verify failed"),
    ],
)
def test_verify_reports_each_tampering(package, tmp_path: Path, member, change, expected) -> None:
    path, ev_id = package
    name = f"evidence/{ev_id}/{member}"
    bad = tmp_path / "tampered.zip"
    _rewrite(path, bad, name, change)
    rep = verify_package(bad)
    assert not rep.intact
    assert any(p.startswith(name) and "SHA256SUMS" in p for p in rep.problems)
    specific = [p for p in rep.problems if "SHA256SUMS" not in p]
    assert specific and all(p.startswith(name) for p in specific), specific  # nothing else
    assert any(expected in p for p in specific), specific


def test_verify_with_wrong_ca_fails(package, tmp_path: Path) -> None:
    from tests.fakes.tsa import make_pki

    other = make_pki(tmp_path / "other", cn="other")
    rep = verify_package(package[0], ca_file=other["ca"])
    assert any("openssl ts -verify failed" in p for p in rep.problems)


def test_removed_token_is_reported(package, tmp_path: Path) -> None:
    path, ev_id = package
    bad = tmp_path / "no-token.zip"
    name = f"evidence/{ev_id}/timestamp.tsr"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info.filename))
    problems = verify_package(bad).problems
    assert f"{name}: listed in SHA256SUMS but missing" in problems
    assert f"{name}: missing, but custody logs a timestamp" in problems


def test_package_without_tsa_verifies_with_a_warning(tmp_path: Path, renderer) -> None:
    rt = Runtime.open(make_settings(tmp_path, allowed_hosts=["127.0.0.1"]))
    try:
        with serve_site() as site:
            ev = capture_evidence(rt, site.url("/shop"), "a1", renderer=renderer)
        assert ev.status == "captured" and "timestamp.tsr" not in ev.artefacts
        rep = verify_package(export_package(rt, [ev.id], "s1", tmp_path))
    finally:
        rt.close()
    assert rep.intact, rep.problems
    assert any("WARNING not timestamped" in line for line in rep.ok)
