"""The fetchers and the crawler through a forward HTTP proxy; the guard still vets targets.

The proxies are real and minimal, written here on 127.0.0.1: a forward HTTP proxy
(absolute-URI GET, no CONNECT) and a SOCKS5 proxy; both record what they relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.net.afetch import AsyncSafeFetcher
from narcowatch.net.fetch import SafeFetcher
from narcowatch.net.guard import AddressRefused
from narcowatch.runtime import Runtime
from tests.conftest import make_settings
from tests.fakes.fixture_web import serve_fixture_web


class _Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    relayed: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.relayed.append(self.path)  # a forward proxy sees the absolute URL
        target = urlsplit(self.path)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        path = target.path + (f"?{target.query}" if target.query else "")
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Via", "1.1 test-proxy")
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def forward_proxy() -> Iterator[str]:
    _Proxy.relayed = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Socks5(socketserver.BaseRequestHandler):
    """RFC 1928 without authentication, CONNECT only; records each requested target."""

    targets: ClassVar[list[tuple[str, int]]] = []

    def handle(self) -> None:
        sock = self.request
        n_methods = sock.recv(2)[1]
        sock.recv(n_methods)
        sock.sendall(b"\x05\x00")  # no authentication
        _ver, _cmd, _rsv, atyp = sock.recv(4)
        raw = sock.recv(4 if atyp == 1 else sock.recv(1)[0])  # IPv4 or a domain name
        host = socket.inet_ntoa(raw) if atyp == 1 else raw.decode()
        port = struct.unpack("!H", sock.recv(2))[0]
        self.targets.append((host, port))
        upstream = socket.create_connection((host, port), timeout=10)
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
        for a, b in ((sock, upstream), (upstream, sock)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()
        threading.Event().wait(5)  # the pipes run until either side closes


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def test_socks5_proxy() -> None:
    _Socks5.targets = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Socks5)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with serve_fixture_web() as web:
            proxy = f"socks5://127.0.0.1:{server.server_address[1]}"
            with SafeFetcher(["127.0.0.1"], proxy=proxy) as fetcher:
                ex = fetcher.fetch(f"{web.base}/site/p/3").final
            port = int(web.base.rsplit(":", 1)[1])
    finally:
        server.shutdown()
        server.server_close()
    assert ex.status == 200 and "Страница 3".encode() in ex.body
    assert _Socks5.targets == [("127.0.0.1", port)]


def test_fetchers_go_through_the_proxy() -> None:
    with serve_fixture_web() as web, forward_proxy() as proxy:
        url = f"{web.base}/site/p/1"
        with SafeFetcher(["127.0.0.1"], proxy=proxy) as fetcher:
            ex = fetcher.fetch(url).final
        assert ex.status == 200 and ex.header("via") == "1.1 test-proxy"
        assert "Страница 1".encode() in ex.body

        async def get() -> bytes:
            async with AsyncSafeFetcher(["127.0.0.1"], proxy=proxy) as fetcher:
                return (await fetcher.fetch(f"{web.base}/site/p/2")).final.body

        assert "Страница 2".encode() in asyncio.run(get())
        assert _Proxy.relayed == [url, f"{web.base}/site/p/2"]


def test_guard_still_vets_the_target_behind_a_proxy() -> None:
    with serve_fixture_web() as web, forward_proxy() as proxy:
        with SafeFetcher(proxy=proxy) as fetcher, pytest.raises(AddressRefused):
            fetcher.fetch(f"{web.base}/site/p/1")  # loopback target, not allowed
        with SafeFetcher(proxy=proxy) as fetcher, pytest.raises(AddressRefused):
            fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    assert _Proxy.relayed == []  # refused before anything reached the proxy


def test_source_proxy_is_used_by_the_crawler(tmp_path: Path) -> None:
    with serve_fixture_web() as web, forward_proxy() as proxy:
        rt = Runtime.open(
            make_settings(tmp_path, "", allowed_hosts=["127.0.0.1"], crawl_host_delay_s=0.0)
        )
        config = {"sitemap": False, "max_pages": 5, "proxy": proxy}
        sid = add_source(rt, "web", f"{web.base}/site/p/1", config=config)
        out = crawl_source(rt, sid)
        rt.close()
    assert out["new_items"] == 5
    assert len(_Proxy.relayed) == 5 and all(u.startswith(web.base) for u in _Proxy.relayed)
