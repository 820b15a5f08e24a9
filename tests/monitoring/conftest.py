"""Fixtures for the monitoring tests: the fixture web and a runtime allowed to reach it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from narcowatch.runtime import Runtime
from tests.conftest import make_settings
from tests.fakes.fixture_web import FixtureWeb, serve_fixture_web

CRAWL = dict(
    allowed_hosts=["127.0.0.1"],
    crawl_host_delay_s=0.0,
    fetch_timeout_s=1.5,
    fetch_max_bytes=1_000_000,
    job_backoff_s=0.0,
)


@pytest.fixture
def web() -> Iterator[FixtureWeb]:
    with serve_fixture_web() as fixture:
        yield fixture


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crawl_rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    rt = Runtime.open(make_settings(tmp_path, url, **CRAWL))
    yield rt
    rt.close()


@pytest.fixture
def lite_rt(tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime.open(make_settings(tmp_path, "", **CRAWL))
    yield rt
    rt.close()
