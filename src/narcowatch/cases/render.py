"""Render a page in headless Chromium (Playwright) for screenshot, PDF and DOM.

The browser never touches the network itself: every request it makes is intercepted and
answered through the guarded :class:`SafeFetcher` (so SSRF rules and limits hold for
sub-resources and redirects too), and the host resolver maps every name to nothing as a
second wall. Every sub-resource exchange is returned, so the WARC holds what the browser
actually displayed. WebSockets and service workers are blocked.
"""

from __future__ import annotations

import logging
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from narcowatch.errors import CaseError
from narcowatch.net.fetch import Exchange, SafeFetcher
from narcowatch.net.guard import FetchError

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--dns-prefetch-disable",
    # Every request is answered by our route handler; anything that escaped it would go to
    # a proxy on a closed port (loopback included), never to its target.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class RenderError(CaseError):
    code = "E915"


@dataclass
class Rendered:
    screenshot_png: bytes
    pdf: bytes
    dom_html: bytes
    title: str
    final_url: str
    exchanges: list[Exchange] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def decoded_body(ex: Exchange) -> bytes:
    """The body without gzip/deflate transfer coding (we ask for identity; some ignore it)."""
    coding = (ex.header("content-encoding") or "").lower()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(ex.body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(ex.body)
        except zlib.error:
            return zlib.decompress(ex.body, -zlib.MAX_WBITS)
    return ex.body


class Renderer:
    """One headless Chromium reused across captures (a new context for each page).

    Playwright's sync API runs an event loop in the thread that starts it, which would
    break any ``asyncio.run`` (re-checks) or async web handler in that thread; so the
    browser lives in a thread of its own and every call is handed to that thread.
    """

    def __init__(self, timeout_s: float = 20.0, viewport: tuple[int, int] = (1280, 900)) -> None:
        self.timeout_s = timeout_s
        self.viewport = viewport
        self._pw: Any = None
        self._browser: Any = None
        self._spare: tuple[Any, Any, _Job] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")

    def __enter__(self) -> Renderer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.submit(self._start).result()

    def _start(self) -> None:
        if self._browser is not None:
            return
        from playwright.sync_api import sync_playwright

        try:
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Exception as exc:
            self._close()
            raise RenderError(f"cannot start Chromium ({CHROMIUM}): {exc}", code="E916") from exc

    @property
    def version(self) -> str:
        return str(self._browser.version) if self._browser is not None else ""

    def close(self) -> None:
        self._thread.submit(self._close).result()
        self._thread.shutdown(wait=True)  # no idle thread left behind; a new one on demand
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")

    def _close(self) -> None:
        if self._spare is not None:
            self._spare[0].close()
            self._spare = None
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def render(
        self, url: str, fetcher: SafeFetcher, prefetched: list[Exchange] | None = None
    ) -> Rendered:
        """Load ``url`` (answering from ``prefetched`` first) and take the three artefacts."""
        result = self._thread.submit(self._render, url, fetcher, prefetched).result()
        # Opening a page costs ~0.5 s: prepare the next fresh context while the caller seals.
        self._thread.submit(self._prewarm)
        return result

    def _fresh(self) -> tuple[Any, Any, _Job]:
        """A new, empty browser context and page whose requests all go to our handler."""
        job = _Job()
        context = self._browser.new_context(
            viewport={"width": self.viewport[0], "height": self.viewport[1]},
            service_workers="block",
            java_script_enabled=True,
        )
        context.route("**/*", lambda route: _answer(route, job))
        context.route_web_socket("**/*", lambda ws: ws.close())
        page = context.new_page()
        page.set_default_timeout(self.timeout_s * 1000)
        return context, page, job

    def _prewarm(self) -> None:
        if self._browser is None or self._spare is not None:
            return
        try:
            self._spare = self._fresh()
        except Exception:  # a failed warm-up only costs the next render its own start
            log.warning("could not prepare a browser page in advance", exc_info=True)

    def _render(
        self, url: str, fetcher: SafeFetcher, prefetched: list[Exchange] | None
    ) -> Rendered:
        self._start()
        if prefetched:
            url = prefetched[-1].url  # go straight to the end of the vetted redirect chain
        spare, self._spare = self._spare, None
        try:
            context, page, job = spare or self._fresh()
        except Exception as exc:
            raise RenderError(f"cannot open a browser page: {exc}", code="E917") from exc
        job.fetcher = fetcher
        job.replay = {ex.url: ex for ex in (prefetched or [])[-1:]}
        try:
            response = page.goto(url, wait_until="load")
            if response is None:
                raise RenderError(f"{url} produced no page", code="E917")
            page.emulate_media(media="screen")
            shot = page.screenshot(full_page=True, type="png")
            dom = page.content().encode("utf-8")
            title = page.title()
            final_url = page.url
            pdf = page.pdf(format="A4", print_background=True)
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(f"rendering {url} failed: {exc}", code="E917") from exc
        finally:
            context.close()
        return Rendered(shot, pdf, dom, title, final_url, job.seen, job.refused)


@dataclass
class _Job:
    """What one render's request handler needs: the fetcher, the replay, what it saw."""

    fetcher: SafeFetcher | None = None
    replay: dict[str, Exchange] = field(default_factory=dict)
    seen: list[Exchange] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _answer(route: Any, job: _Job) -> None:
    """Answer one browser request through the guarded fetcher (or the replay)."""
    req_url = route.request.url
    ex = job.replay.pop(req_url, None)
    if ex is None:
        if job.fetcher is None:
            route.abort("blockedbyclient")
            return
        # Follow redirects here (each hop vetted) and answer with the final response:
        # a redirect handed to Chromium would be followed outside our interception.
        try:
            chain = job.fetcher.fetch(req_url).exchanges
        except FetchError as exc:
            job.refused.append(f"{req_url}: {exc.code} {exc.message}")
            route.abort("blockedbyclient")
            return
        job.seen.extend(chain)
        ex = chain[-1]
    headers = {k: v for k, v in ex.response_headers if k.lower() not in HOP_HEADERS}
    route.fulfill(status=ex.status, headers=headers, body=decoded_body(ex))
