"""A local test site on 127.0.0.1: pages, redirects, a slow and a huge page, optional TLS.

Tests change ``site.pages`` while the server runs (take a page down, bring it back) to
exercise re-checks. ``/redirect?to=URL`` answers 302 to any URL (SSRF tests), ``/loop/N``
redirects forever, ``/slow`` sleeps, ``/huge`` streams more bytes than any test limit.
"""

from __future__ import annotations

import io
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PIL import Image


def png_bytes(size: tuple[int, int] = (40, 20), color: str = "#c33") -> bytes:
    """A small real PNG made with Pillow (so its CRCs are right)."""
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


SHOP_HTML = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Магазин тест</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>Тестовый магазин</h1>
<p>Закладки по городу, оплата USDT TRC20, оператор @test_shop_operator.</p>
<p>Қазақша мәтін: ә ғ қ ң ө ұ ү һ і</p>
<img src="/logo.png" alt="logo">
</body></html>
"""


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def default_pages() -> dict[str, Page]:
    return {
        "/": Page(body=SHOP_HTML.encode()),
        "/shop": Page(body=SHOP_HTML.encode()),
        "/style.css": Page(
            body=b"body{font-family:sans-serif;color:#222}", content_type="text/css"
        ),
        "/logo.png": Page(body=png_bytes(), content_type="image/png"),
        "/s/test_channel": Page(body=b"<html><body><h1>t.me/s preview</h1></body></html>"),
        "/test_channel/42": Page(body=b"<html><body><p>post 42</p></body></html>"),
    }


class Site:
    def __init__(self, server: ThreadingHTTPServer, scheme: str) -> None:
        self.server = server
        self.scheme = scheme
        self.pages: dict[str, Page] = default_pages()
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


def _handler(site_ref: list[Site]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            site = site_ref[0]
            parts = urlsplit(self.path)
            with site.lock:
                site.hits[parts.path] = site.hits.get(parts.path, 0) + 1
            if parts.path == "/redirect":
                target = parse_qs(parts.query).get("to", ["/"])[0]
                self._send(302, b"", "text/plain", {"Location": target})
            elif parts.path.startswith("/loop/"):
                n = int(parts.path.rsplit("/", 1)[1])
                self._send(302, b"", "text/plain", {"Location": f"/loop/{n + 1}"})
            elif parts.path == "/slow":
                time.sleep(3)
                self._send(200, b"slow", "text/plain", {})
            elif parts.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()  # no Content-Length: the fetcher must count
                try:
                    for _ in range(64):
                        self.wfile.write(b"x" * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
            elif parts.path in site.pages:
                page = site.pages[parts.path]
                self._send(page.status, page.body, page.content_type, page.headers)
            else:
                self._send(404, b"not found", "text/plain", {})

    return Handler


@contextmanager
def serve_site(cert_file: Path | None = None, key_file: Path | None = None) -> Iterator[Site]:
    """Run the site in a thread; with a certificate and key it speaks HTTPS."""
    ref: list[Site] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    scheme = "http"
    if cert_file and key_file:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert_file), str(key_file))
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site = Site(server, scheme)
    ref.append(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
