"""HTTPS capture against a local TLS server whose certificate the test's own CA signed."""

from __future__ import annotations

import hashlib
import json
import ssl

import pytest

from narcowatch.cases.capture import capture_evidence
from narcowatch.runtime import Runtime
from tests.fakes.site import serve_site

pytestmark = pytest.mark.browser


def test_tls_certificate_is_recorded(case_runtime: Runtime, tsa, renderer) -> None:
    rt = case_runtime
    trust = ssl.create_default_context(cafile=str(tsa.pki["ca"]))
    with serve_site(tsa.pki["srv"], tsa.pki["srv_key"]) as site:
        url = site.url("/shop")
        assert url.startswith("https://")
        ev = capture_evidence(rt, url, "analyst1", renderer=renderer, verify=trust)
        assert ev.status == "captured", ev.error
        pem = rt.blobs.get(ev.artefacts["main.cert.pem"]["blob"]).decode()
        assert pem.startswith("-----BEGIN CERTIFICATE-----")
        manifest = json.loads(rt.blobs.get(ev.manifest_sha256))
        tls = manifest["urls"][0]["tls"]
        assert "127.0.0.1" in tls["subject"] and "narcowatch test CA" in tls["issuer"]
        der = ssl.PEM_cert_to_DER_cert(pem)
        assert tls["sha256"] == hashlib.sha256(der).hexdigest()
        network = json.loads(rt.blobs.get(ev.artefacts["main.network.json"]["blob"]))
        assert network["exchanges"][0]["tls_version"].startswith("TLS")

        untrusted = capture_evidence(rt, url, "analyst1", renderer=renderer)
        assert untrusted.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in untrusted.error
        insecure = capture_evidence(rt, url, "analyst1", renderer=renderer, verify=False)
        assert insecure.status == "captured" and "main.cert.pem" in insecure.artefacts
        assert (
            json.loads(rt.blobs.get(insecure.manifest_sha256))["urls"][0]["tls_verified"] is False
        )
        assert manifest["urls"][0]["tls_verified"] is True


def test_vetted_ip_connection_keeps_hostname_verification(tsa, tmp_path) -> None:
    """The guard connects to the IP it vetted; TLS still checks the certificate's name."""
    import subprocess

    from narcowatch.net.fetch import SafeFetcher
    from narcowatch.net.guard import FetchError

    trust = ssl.create_default_context(cafile=str(tsa.pki["ca"]))
    with serve_site(tsa.pki["srv"], tsa.pki["srv_key"]) as site:
        with SafeFetcher(["localhost"], verify=trust) as fetcher:
            res = fetcher.fetch(site.url("/shop", host="localhost"))
        assert res.final.status == 200 and res.final.ip == "127.0.0.1"
        assert res.final.tls_cert_der and res.final.tls_version
    # A certificate for the IP only: reaching the same server as "localhost" must fail.
    ca_dir = tsa.pki["ca"].parent
    (tmp_path / "ip.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for args in (
        ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "ip.key", "-out", "ip.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "ip.csr", "-CA", str(ca_dir / "ca.pem"), "-CAkey",
         str(ca_dir / "ca.key"), "-CAcreateserial", "-out", "ip.pem", "-days", "2",
         "-extfile", "ip.ext"],
    ):  # fmt: skip
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)
    with serve_site(tmp_path / "ip.pem", tmp_path / "ip.key") as site:
        with SafeFetcher(["localhost"], verify=trust) as fetcher, pytest.raises(FetchError) as err:
            fetcher.fetch(site.url("/shop", host="localhost"))
        assert "CERTIFICATE_VERIFY_FAILED" in err.value.message
        with SafeFetcher(["127.0.0.1"], verify=trust) as fetcher:
            assert fetcher.fetch(site.url("/shop")).final.status == 200
