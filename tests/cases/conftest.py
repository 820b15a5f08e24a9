"""Fixtures for the cases area: a local site, a local TSA, one shared Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from narcowatch.cases.render import Renderer
from narcowatch.runtime import Runtime
from tests.conftest import make_settings
from tests.fakes.site import Site, serve_site
from tests.fakes.tsa import TSA, serve_tsa


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TSA]:
    with serve_tsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as server:
        yield server


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    with Renderer(timeout_s=15) as shared:
        yield shared


@pytest.fixture
def case_runtime(tmp_path: Path, tsa: TSA) -> Iterator[Runtime]:
    """SQLite runtime that may reach 127.0.0.1 and stamps with the local TSA."""
    rt = Runtime.open(
        make_settings(
            tmp_path,
            allowed_hosts=["127.0.0.1"],
            tsa_url=tsa.url,
            tsa_ca_file=str(tsa.ca_file),
            fetch_timeout_s=10.0,
        )
    )
    yield rt
    rt.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_case_runtime(request: pytest.FixtureRequest, tmp_path: Path, tsa: TSA) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    rt = Runtime.open(
        make_settings(
            tmp_path,
            url,
            allowed_hosts=["127.0.0.1"],
            tsa_url=tsa.url,
            tsa_ca_file=str(tsa.ca_file),
        )
    )
    yield rt
    rt.close()
