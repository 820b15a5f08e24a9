"""Main-text extraction in helper processes, for crawls that outgrow one core.

A crawl runs in one process, which the GIL binds to one core, and parsing plus trafilatura
is the largest part of its work per page (about half, on the fixture site). With
``crawl_extract_processes`` > 0 the fetch threads hand each page's HTML to that many helper
processes and wait for (title, text, links) without holding the GIL, so the crawl can use a
second core. Helpers are spawned, not forked: they share no threads, locks or database
connections with the crawl. A helper that dies (a parser crash on a hostile page) costs
nothing: the page is extracted in the crawl's own process, the source records the problem
``extract_crash``, and the rest of the crawl extracts in-process.

Each helper serves a few pipes (``lanes``, one per fetch thread that may call at once), so
a page waits in a pipe while the helper finishes the previous one and the helper never
idles between pages. Pipes, not ``ProcessPoolExecutor``: the pool's manager and feeder
threads cost the crawl process 0.2 ms of CPU per page, a third of a fetch (measured with
``bench/crawl_bench.py``).

Spawned helpers import the main module of the program again (Python's ``spawn`` rule): the
``narcowatch`` commands and pytest are safe; a script of your own that runs crawls with
helpers must keep its work under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from queue import SimpleQueue

from narcowatch.ingest.pages import extract_page

Extracted = tuple[str, str, list[str]]
GONE = (EOFError, OSError)  # a helper that died: its pipe is closed or reset


class ExtractError(Exception):
    """``extract_page`` raised in a helper (the helper lives on)."""


def serve(conns: list[Connection]) -> None:
    """A helper's loop: extract each page that arrives on any pipe, until all are closed."""
    while conns:
        for conn in wait(conns):
            assert isinstance(conn, Connection)
            try:
                html, url, extractor = pickle.loads(conn.recv_bytes())
            except GONE:
                conns.remove(conn)
                continue
            try:
                out: Extracted | ExtractError = extract_page(html, url, extractor)
            except Exception as exc:  # raised in the caller, as in-process extraction would
                out = ExtractError(f"{type(exc).__name__}: {exc}")
            conn.send_bytes(pickle.dumps(out, pickle.HIGHEST_PROTOCOL))


class PageExtractor:
    """``extract_page`` through helper processes (thread-safe)."""

    def __init__(self, processes: int, problem: Callable[[str, str], None], lanes: int = 2) -> None:
        self.problem = problem
        self._lock = threading.Lock()
        self._idle: SimpleQueue[Connection] = SimpleQueue()
        self._conns: list[Connection] = []
        self.processes: list[BaseProcess] = []
        self.broken = False
        ctx = multiprocessing.get_context("spawn")
        for _ in range(max(1, processes)):
            pairs = [ctx.Pipe() for _ in range(max(1, lanes))]
            helper = ctx.Process(target=serve, args=([b for _, b in pairs],), daemon=True)
            helper.start()
            self.processes.append(helper)
            for mine, theirs in pairs:
                theirs.close()
                self._conns.append(mine)
                self._idle.put(mine)

    def __call__(self, html: str, url: str, extractor: str) -> Extracted:
        if not self.broken:
            conn = self._idle.get()
            try:
                conn.send_bytes(pickle.dumps((html, url, extractor), pickle.HIGHEST_PROTOCOL))
                out: Extracted | ExtractError = pickle.loads(conn.recv_bytes())
            except GONE:
                self._broken(url)
            else:
                if isinstance(out, ExtractError):
                    raise out
                return out
            finally:
                self._idle.put(conn)
        return extract_page(html, url, extractor)

    def _broken(self, url: str) -> None:
        with self._lock:
            if self.broken:
                return
            self.broken = True
        msg = f"a text-extraction helper died on or near {url}; extracting in-process"
        self.problem("extract_crash", msg)
        for helper in self.processes:  # the others too: every waiting thread gets EOF
            helper.kill()

    def close(self) -> None:
        """Close the pipes (a helper returns when all of its pipes are closed) and reap."""
        with self._lock:
            self.broken = True
        for conn in self._conns:
            conn.close()
        for helper in self.processes:
            helper.join(5)
            if helper.is_alive():
                helper.kill()
                helper.join()
        self._conns.clear()
