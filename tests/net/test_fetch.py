"""The SSRF guard refuses before connecting; limits hold against a real local server."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading

import pytest

from narcowatch.net.afetch import AsyncSafeFetcher
from narcowatch.net.fetch import FetchLimits, SafeFetcher
from narcowatch.net.guard import AddressRefused, FetchError, Guard
from tests.fakes.site import serve_site

REFUSED = [
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/x",
    "http://10.0.0.1/",
    "http://10.255.1.2:81/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://[fe80::1]/",
    "http://localhost/",
]


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail the test if anything opens a socket connection: refusals must come first."""
    attempts: list[object] = []

    def forbidden(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", forbidden)
    return attempts


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_are_refused_before_connecting(url: str, no_connect: list) -> None:
    with SafeFetcher() as fetcher, pytest.raises(AddressRefused) as err:
        fetcher.fetch(url)
    assert err.value.code == "E950"
    assert no_connect == []


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://[::1]:9/", "http://169.254.1.1/"])
def test_async_fetcher_refuses_too(url: str) -> None:
    async def go() -> None:
        async with AsyncSafeFetcher() as fetcher:
            await fetcher.fetch(url)

    with pytest.raises(AddressRefused):
        asyncio.run(go())


def test_guard_vets_every_resolved_address() -> None:
    guard = Guard()
    assert guard.vet("example.org", ["93.184.216.34"]) == ["93.184.216.34"]
    with pytest.raises(AddressRefused):
        guard.vet("rebind.example", ["93.184.216.34", "127.0.0.1"])
    assert Guard(["rebind.example"]).vet("rebind.example", ["127.0.0.1"]) == ["127.0.0.1"]


def test_non_http_schemes_are_refused() -> None:
    with SafeFetcher() as fetcher:
        for url in ("file:///etc/passwd", "ftp://example.org/", "gopher://x/"):
            with pytest.raises(FetchError) as err:
                fetcher.fetch(url)
            assert err.value.code == "E956"


@pytest.mark.parametrize(
    "target", ["http://10.0.0.7/", "http://169.254.169.254/", "http://[::1]/", "http://localhost/"]
)
def test_redirect_to_private_address_is_refused(target: str) -> None:
    with serve_site() as site, SafeFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        with pytest.raises(AddressRefused):
            fetcher.fetch(site.url(f"/redirect?to={target}"))
        assert site.hits.get("/redirect") == 1


def test_allowed_host_is_fetched_with_ip_and_headers() -> None:
    with serve_site() as site, SafeFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        res = fetcher.fetch(site.url("/redirect?to=/shop"))
    assert [ex.status for ex in res.exchanges] == [302, 200]
    assert res.url.endswith("/shop")
    assert res.final.ip == "127.0.0.1" and res.final.port == site.port
    assert "Тестовый магазин" in res.final.body.decode()
    assert res.final.header("content-type") == "text/html; charset=utf-8"
    assert ("User-Agent", res.final.request_headers[-1][1]) != ()


def test_allowed_host_by_name_connects_to_vetted_ip() -> None:
    with serve_site() as site, SafeFetcher(allowed_hosts=["localhost"]) as fetcher:
        res = fetcher.fetch(site.url("/shop", host="localhost"))
    assert res.final.status == 200
    assert res.final.ip in ("127.0.0.1", "::1")


def test_size_limit_streamed_and_declared() -> None:
    limits = FetchLimits(max_bytes=100_000, timeout_s=5, max_redirects=3)
    with serve_site() as site, SafeFetcher(["127.0.0.1"], limits) as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.fetch(site.url("/huge"))
        assert err.value.code == "E951"
        small = FetchLimits(max_bytes=10, timeout_s=5)
        with SafeFetcher(["127.0.0.1"], small) as tiny, pytest.raises(FetchError) as err2:
            tiny.fetch(site.url("/shop"))
        assert err2.value.code == "E951" and "declares" in err2.value.message


def test_redirect_limit() -> None:
    limits = FetchLimits(max_redirects=3, timeout_s=5)
    with (
        serve_site() as site,
        SafeFetcher(["127.0.0.1"], limits) as fetcher,
        pytest.raises(FetchError) as err,
    ):
        fetcher.fetch(site.url("/loop/0"))
    assert err.value.code == "E952"
    assert site.hits == {"/loop/0": 1, "/loop/1": 1, "/loop/2": 1, "/loop/3": 1}


def test_time_limit() -> None:
    limits = FetchLimits(timeout_s=0.5)
    with (
        serve_site() as site,
        SafeFetcher(["127.0.0.1"], limits) as fetcher,
        pytest.raises(FetchError) as err,
    ):
        fetcher.fetch(site.url("/slow"))
    assert err.value.code == "E953"


def test_async_fetcher_fetches_allowed_host() -> None:
    async def go(url: str) -> int:
        async with AsyncSafeFetcher(["127.0.0.1"]) as fetcher:
            results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(5)))
        return sum(r.final.status == 200 for r in results)

    with serve_site() as site:
        assert asyncio.run(go(site.url("/shop"))) == 5


class _ClosingHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.0: the server closes the connection after every response."""

    def do_GET(self) -> None:
        body = b"<html><body>closing server</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_server_that_closes_the_connection_is_fetched() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ClosingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with SafeFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
            res = fetcher.fetch(url)

        async def fetch_async() -> bytes:
            async with AsyncSafeFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
                return (await fetcher.fetch(url)).final.body

        async_body = asyncio.run(fetch_async())
    finally:
        server.shutdown()
        server.server_close()
    assert res.final.status == 200 and b"closing server" in res.final.body
    assert res.final.ip == "127.0.0.1"
    assert b"closing server" in async_body


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/redirect?to=/shop", None),
        ("/shop?q=тест магазин", {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 1 Jan"}),
        ("/поиск/страница 2", {"User-Agent": "own-agent/1.0"}),
    ],
)
def test_exchange_is_recorded_as_httpx_would_send_and_read_it(
    path: str, extra: dict[str, str] | None
) -> None:
    """The fetcher talks to httpcore directly; the request line, header lines and response
    it records (WARC evidence) must stay those of an httpx.Client request."""
    import httpx

    from narcowatch.net.fetch import USER_AGENT

    with serve_site() as site, SafeFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        url = site.url(path)
        ours = fetcher.fetch_one(url, extra)
        client = httpx.Client(headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        with client:
            theirs = client.get(url, headers=extra)
    assert ours.url == str(theirs.request.url)
    sent = [(k.decode(), v.decode()) for k, v in theirs.request.headers.raw]
    assert ours.request_headers == sent
    assert (ours.status, ours.reason, ours.http_version) == (
        theirs.status_code,
        theirs.reason_phrase,
        theirs.http_version,
    )
    got = [(k.decode(), v.decode()) for k, v in theirs.headers.raw if k.lower() != b"date"]
    assert [h for h in ours.response_headers if h[0].lower() != "date"] == got
    assert ours.body == theirs.content
