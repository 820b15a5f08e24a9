"""Main-text extraction in helper processes: same items as in-process, and a dead helper
costs nothing."""

from __future__ import annotations

import os
import signal

import pytest
from sqlalchemy import select

from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.ingest.extract_pool import PageExtractor
from narcowatch.ingest.pages import extract_page
from narcowatch.ingest.web import extract_helpers
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord
from tests.fakes.fixture_web import FixtureWeb
from tests.fakes.site_pages import site_page_html

SITE = {"max_depth": 40, "sitemap": False}


def _texts(rt: Runtime, sid: str) -> dict[str, tuple[str | None, object]]:
    with rt.db.session(readonly=True) as s:
        rows = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        return {r.external_id: (r.text, r.meta.get("links")) for r in rows}


def test_helper_processes_store_what_the_crawl_process_stores(
    lite_rt: Runtime, web: FixtureWeb
) -> None:
    seed = f"{web.base}/site/p/1"
    inproc = add_source(lite_rt, "web", seed, name="in-process", config=SITE)
    helped = add_source(
        lite_rt, "web", seed, name="helpers", config={**SITE, "extract_processes": 1}
    )
    first, second = crawl_source(lite_rt, inproc), crawl_source(lite_rt, helped)
    assert first["new_items"] == second["new_items"] >= 30
    assert "extract_crash" not in second["problems"]
    texts = _texts(lite_rt, helped)
    assert texts == _texts(lite_rt, inproc)
    assert "Страница 7" in (texts[f"{web.base}/site/p/7"][0] or "")


def test_dead_helper_falls_back_to_the_crawl_process() -> None:
    problems: list[tuple[str, str]] = []
    extract = PageExtractor(1, lambda key, msg: problems.append((key, msg)))
    pages = [site_page_html(n, [f"/site/p/{n + 1}"]).decode() for n in (10, 11, 12)]
    url = "http://127.0.0.1:1/site/p/10"
    try:
        assert extract(pages[0], url, "trafilatura") == extract_page(pages[0], url, "trafilatura")
        assert not extract.broken
        for helper in extract.processes:  # a parser crash, as the OS sees it
            assert helper.pid is not None
            os.kill(helper.pid, signal.SIGKILL)
        for page in pages[1:]:
            assert extract(page, url, "trafilatura") == extract_page(page, url, "trafilatura")
        assert extract.broken  # in-process from now on
        assert [key for key, _ in problems] == ["extract_crash"]
    finally:
        extract.close()


def test_large_crawls_get_a_helper_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert extract_helpers(-1, 200) == 0  # a default crawl: not worth a process start
    assert extract_helpers(-1, 5000) == 1
    assert extract_helpers(0, 5000) == 0 and extract_helpers(2, 10) == 2  # as configured
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert extract_helpers(-1, 5000) == 0  # one core: nothing to gain


def test_more_threads_than_pipes_each_get_their_own_page() -> None:
    """Pages from four threads over two helpers' pipes come back to the thread that sent
    them (a mix-up would give a thread another page's text)."""
    from concurrent.futures import ThreadPoolExecutor

    extract = PageExtractor(2, lambda key, msg: None, lanes=1)
    pages = {n: site_page_html(n, [f"/site/p/{n + 1}"]).decode() for n in range(20, 60)}
    url = "http://127.0.0.1:1/site/p/{}"
    try:
        with ThreadPoolExecutor(4) as pool:
            done = pool.map(lambda n: extract(pages[n], url.format(n), "lxml"), pages)
            got = dict(zip(pages, done, strict=True))
        for n, page in pages.items():
            assert got[n] == extract_page(page, url.format(n), "lxml")
        assert not extract.broken
    finally:
        extract.close()


def test_an_error_in_a_helper_is_raised_in_the_caller_and_the_helper_lives_on() -> None:
    """What extraction raises reaches the fetch thread as it would in-process; the helper
    is not taken for dead (no ``extract_crash``) and extracts the next page."""
    from narcowatch.ingest.extract_pool import ExtractError

    problems: list[tuple[str, str]] = []
    extract = PageExtractor(1, lambda key, msg: problems.append((key, msg)))
    page = site_page_html(30, ["/site/p/31"]).decode()
    url = "http://127.0.0.1:1/site/p/30"
    try:
        with pytest.raises(TypeError):
            extract_page(None, url, "lxml")  # type: ignore[arg-type]
        with pytest.raises(ExtractError, match="TypeError"):
            extract(None, url, "lxml")  # type: ignore[arg-type]
        assert extract(page, url, "lxml") == extract_page(page, url, "lxml")
        assert not extract.broken and problems == []
    finally:
        extract.close()
