"""Capture of a local page: WARC, screenshot, PDF, DOM, manifest, timestamp, custody."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from narcowatch.cases.capture import capture_evidence, expand_targets, retry_capture
from narcowatch.cases.custody import custody_entries, verify_custody
from narcowatch.cases.manifest import sha256_hex
from narcowatch.cases.warc import read_warc
from narcowatch.runtime import Runtime
from narcowatch.store.tables import EvidenceRecord

pytestmark = pytest.mark.browser


def test_capture_produces_every_artefact(case_runtime: Runtime, site, renderer) -> None:
    rt = case_runtime
    ev = capture_evidence(rt, site.url("/redirect?to=/shop"), "analyst1", renderer=renderer)
    assert ev.status == "captured", ev.error
    names = set(ev.artefacts)
    for part in ("warc.gz", "network.json", "screenshot.png", "page.pdf", "dom.html"):
        assert f"main.{part}" in names
    assert {"manifest.json", "timestamp.tsr", "main.resources.warc.gz"} <= names
    for meta in ev.artefacts.values():
        assert sha256_hex(rt.blobs.get(meta["blob"])) == meta["sha256"]

    records = read_warc(rt.blobs.get(ev.artefacts["main.warc.gz"]["blob"]))
    kinds = [(r["type"], r.get("status")) for r in records]
    assert kinds[0] == ("warcinfo", None)
    assert ("response", "302") in kinds and ("response", "200") in kinds
    assert sum(1 for r in records if r["type"] == "request") == 2
    page = next(r for r in records if r.get("status") == "200")
    assert page["ip"] == "127.0.0.1" and "Тестовый магазин" in page["body"].decode()
    sub = read_warc(rt.blobs.get(ev.artefacts["main.resources.warc.gz"]["blob"]))
    assert {r["uri"].rsplit("/", 1)[1] for r in sub if r["type"] == "response"} == {
        "style.css",
        "logo.png",
    }

    shot = Image.open(io.BytesIO(rt.blobs.get(ev.artefacts["main.screenshot.png"]["blob"])))
    assert shot.format == "PNG" and shot.width == 1280
    assert rt.blobs.get(ev.artefacts["main.page.pdf"]["blob"]).startswith(b"%PDF")
    assert "Тестовый магазин" in rt.blobs.get(ev.artefacts["main.dom.html"]["blob"]).decode()

    manifest = json.loads(rt.blobs.get(ev.manifest_sha256))
    assert manifest["collector"] == "analyst1"
    assert manifest["urls"][0]["ip"] == "127.0.0.1"
    assert manifest["urls"][0]["redirects"] == [site.url("/redirect?to=/shop")]
    assert manifest["tools"]["chromium"] and manifest["tools"]["warcio"]
    listed = {a["name"]: a["sha256"] for a in manifest["artefacts"]}
    assert listed["main.screenshot.png"] == ev.artefacts["main.screenshot.png"]["sha256"]
    assert "timestamp.tsr" not in listed

    with rt.db.session() as s:
        chain = custody_entries(s, ev.id)
        assert [e["action"] for e in chain] == ["captured", "timestamped"]
        assert verify_custody(s, ev.id) == []


def test_browser_requests_go_through_the_guard(case_runtime: Runtime, site, renderer) -> None:
    page = site.pages["/shop"]
    page.body += (
        b'<img src="http://10.1.2.3/x.png"><img src="/redirect?to=http://169.254.169.254/y">'
        b'<iframe src="http://[::1]:9/"></iframe><script>fetch("http://192.168.0.1/z")</script>'
    )
    ev = capture_evidence(case_runtime, site.url("/shop"), "a1", renderer=renderer)
    assert ev.status == "captured", ev.error
    render = json.loads(case_runtime.blobs.get(ev.artefacts["main.render.json"]["blob"]))
    refused = " ".join(render["refused"])
    for address in ("10.1.2.3", "169.254.169.254", "::1", "192.168.0.1"):
        assert f"{address} is not a public address" in refused, refused
    assert site.hits["/redirect"] == 1


def test_failed_capture_keeps_what_it_has_and_retries(any_case_runtime: Runtime, site, renderer):
    rt = any_case_runtime
    urls = [("main", site.url("/shop")), ("preview", "http://10.9.9.9/s/test_channel")]
    ev = capture_evidence(rt, "https://t.me/test_channel", "analyst1", renderer=renderer, urls=urls)
    assert ev.status == "partial"
    assert "preview fetch: E950" in (ev.error or "")
    kept = dict(ev.artefacts)
    assert "main.screenshot.png" in kept and "manifest.json" not in kept

    fixed = [urls[0], ("preview", site.url("/test_channel/42"))]
    hits_before = site.hits.get("/shop", 0)
    ev2 = retry_capture(rt, ev.id, "analyst2", renderer=renderer, urls=fixed)
    assert ev2.status == "captured", ev2.error
    assert site.hits.get("/shop", 0) == hits_before  # main was not fetched again
    for name, meta in kept.items():
        assert ev2.artefacts[name]["sha256"] == meta["sha256"]
    assert "preview.screenshot.png" in ev2.artefacts


def test_timestamp_outage_is_partial_then_stamped(tmp_path, site, renderer, tsa) -> None:
    from tests.conftest import make_settings

    rt = Runtime.open(
        make_settings(tmp_path, allowed_hosts=["127.0.0.1"], tsa_url="http://127.0.0.1:9/tsr")
    )
    try:
        ev = capture_evidence(rt, site.url("/shop"), "a1", renderer=renderer)
        assert ev.status == "partial" and "timestamp" in (ev.error or "")
        assert "manifest.json" in ev.artefacts
        rt.settings.tsa_url = tsa.url
        ev2 = retry_capture(rt, ev.id, "a1", renderer=renderer)
        assert ev2.status == "captured"
        assert ev2.manifest_sha256 == ev.manifest_sha256
        with rt.db.session() as s:
            assert [e["action"] for e in custody_entries(s, ev.id)] == ["captured", "timestamped"]
            assert s.get(EvidenceRecord, ev.id).error is None
    finally:
        rt.close()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://t.me/shop_chan/42", ["https://t.me/shop_chan/42", "https://t.me/s/shop_chan/42"]),
        ("t.me/shop_chan", ["https://t.me/shop_chan", "https://t.me/s/shop_chan"]),
        ("@shop_chan", ["https://t.me/shop_chan", "https://t.me/s/shop_chan"]),
        ("https://t.me/s/shop_chan", ["https://t.me/s/shop_chan"]),
        ("https://example.kz/a?b=1", ["https://example.kz/a?b=1"]),
    ],
)
def test_expand_targets(target: str, expected: list[str]) -> None:
    assert [u for _, u in expand_targets(target)] == expected


def test_browser_failure_keeps_the_warc_and_retries(
    case_runtime: Runtime, site, renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narcowatch.cases import render as render_mod

    monkeypatch.setattr(render_mod, "CHROMIUM", "/nonexistent/chromium")
    broken = render_mod.Renderer(timeout_s=5)
    try:
        ev = capture_evidence(case_runtime, site.url("/shop"), "a1", renderer=broken)
    finally:
        broken.close()
    assert ev.status == "partial" and "main render: E916" in (ev.error or "")
    assert {"main.warc.gz", "main.network.json"} <= set(ev.artefacts)
    assert "main.screenshot.png" not in ev.artefacts
    warc_sha = ev.artefacts["main.warc.gz"]["sha256"]
    monkeypatch.undo()
    ev2 = retry_capture(case_runtime, ev.id, "a1", renderer=renderer)
    assert ev2.status == "captured" and ev2.artefacts["main.warc.gz"]["sha256"] == warc_sha
    assert "main.screenshot.png" in ev2.artefacts
