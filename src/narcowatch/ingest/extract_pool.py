"""Main-text extraction in helper processes, for crawls that outgrow one core.

A crawl runs in one process, which the GIL binds to one core, and parsing plus trafilatura
is the largest part of its work per page (about half, on the fixture site). With
``crawl_extract_processes`` > 0 the fetch threads hand each page's HTML to that many helper
processes and wait for (title, text, links) without holding the GIL, so the crawl can use a
second core. Helpers are spawned, not forked: they share no threads, locks or database
connections with the crawl. A helper that dies (a parser crash on a hostile page) costs
nothing: the page is extracted in the crawl's own process, the source records the problem
``extract_crash``, and the rest of the crawl extracts in-process.

Spawned helpers import the main module of the program again (Python's ``spawn`` rule): the
``narcowatch`` commands and pytest are safe; a script of your own that runs crawls with
helpers must keep its work under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from narcowatch.ingest.pages import extract_page

Extracted = tuple[str, str, list[str]]


class PageExtractor:
    """``extract_page`` through a pool of helper processes (thread-safe)."""

    def __init__(self, processes: int, problem: Callable[[str, str], None]) -> None:
        self.problem = problem
        self._lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max(1, processes), mp_context=multiprocessing.get_context("spawn")
        )

    def __call__(self, html: str, url: str, extractor: str) -> Extracted:
        pool = self.pool
        if pool is not None:
            try:
                return pool.submit(extract_page, html, url, extractor).result()
            except BrokenProcessPool:
                self._broken(pool, url)
        return extract_page(html, url, extractor)

    def _broken(self, pool: ProcessPoolExecutor, url: str) -> None:
        with self._lock:
            if self.pool is pool:
                self.pool = None
                self.problem(
                    "extract_crash",
                    f"a text-extraction helper died on or near {url}; extracting in-process",
                )
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
