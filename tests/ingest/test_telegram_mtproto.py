"""MTProto source end to end: the real Telethon client against a local MTProto server.

The fake (tests/fakes/mtproto_server.py) does the real auth key exchange and encrypted
messages; the session used by the crawls is created by the real login code path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from narcowatch.errors import IngestError
from narcowatch.ingest.crawl import add_source
from narcowatch.ingest.telegram_mtproto import login, session_path
from narcowatch.ingest.telegram_mtproto_crawl import TelegramMTProtoSource
from narcowatch.pipeline import jobs
from narcowatch.pipeline.intake import ingest_source
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.scheduler import crawl_now
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, JobRecord, SourceRecord
from tests.conftest import make_settings
from tests.fakes.mtproto_server import DH_PRIME, FakeMTProtoServer, serve_mtproto
from tests.fakes.mtproto_world import World

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def world() -> World:
    w = World()
    w.add_channel("shop_channel", 250)
    w.add_channel("city_chat", 12, megagroup=True)
    return w


@pytest.fixture
def server(world: World) -> Iterator[FakeMTProtoServer]:
    with serve_mtproto(world) as srv:
        yield srv


def _settings(tmp_path: Path, server: FakeMTProtoServer) -> dict[str, object]:
    return dict(
        telegram_api_id=12345,
        telegram_api_hash="0123456789abcdef0123456789abcdef",
        telegram_server=f"127.0.0.1:{server.port}",
        telegram_session=str(tmp_path / "tg" / "operator.session"),
        job_backoff_s=0.0,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rt(
    request: pytest.FixtureRequest, tmp_path: Path, server: FakeMTProtoServer, world: World
) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    runtime = Runtime.open(make_settings(tmp_path, url, **_settings(tmp_path, server)))
    info = asyncio.run(login(runtime.settings, world.phone, lambda: world.code))
    assert info["id"] == world.me.id and Path(info["session"]).stat().st_mode & 0o077 == 0
    jobs.load_default_handlers()
    yield runtime
    runtime.close()


def _crawl(rt: Runtime, sid: str) -> str:
    """One crawl as the monitoring system runs it: a queued job, a worker, then the stages."""
    job_id = crawl_now(rt, sid)
    done = dict(jobs.run_due(rt, worker="test-worker"))
    Runner(rt.db, rt.settings).run()
    return done[job_id]


def _items(rt: Runtime, sid: str) -> dict[str, ItemRecord]:
    with rt.db.session(readonly=True) as s:
        rows = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        s.expunge_all()
        return {r.external_id: r for r in rows}


def _source(rt: Runtime, sid: str) -> SourceRecord:
    with rt.db.session(readonly=True) as s:
        src = s.get(SourceRecord, sid)
        assert src is not None
        s.expunge(src)
        return src


def test_fake_uses_a_safe_dh_prime() -> None:
    from Crypto.Util.number import isPrime

    assert DH_PRIME.bit_length() == 2048 and isPrime(DH_PRIME) and isPrime((DH_PRIME - 1) // 2)


def test_history_then_new_messages_then_edit(rt: Runtime, world: World) -> None:
    ch = world.channels["shop_channel"]
    sid = add_source(rt, "telegram_mtproto", "https://t.me/shop_channel")
    assert _crawl(rt, sid) == "done"
    items = _items(rt, sid)
    assert set(items) == {f"{ch.id}:{n}" for n in range(1, 251)}
    assert all(r.status == "done" for r in items.values())  # the stages ran on every item
    ad = items[f"{ch.id}:240"]  # every 3rd has a hidden link, every 4th a photo, 5th forwarded
    assert "https://t.me/new_shop_240" in ad.text and ad.meta["links"] == [
        "https://t.me/new_shop_240"
    ]
    assert ad.meta["views"] == 2400 and ad.meta["forwarded_from"]["name"] == "Other Shop"
    photo = ad.meta["attachments"][0]
    assert photo["kind"] == "photo" and photo["size"] == len(world.photos[ch.id * 10_000 + 240])
    assert rt.blobs.get(photo["sha256"]) == world.photos[ch.id * 10_000 + 240]
    assert ad.url == "https://t.me/shop_channel/240" and ad.published_at is not None
    assert _source(rt, sid).cursor["chats"][str(ch.id)]["stop_at"] == 250

    world.calls.clear()
    world.downloads.clear()
    world.post(ch, 7)
    assert _crawl(rt, sid) == "done"
    items = _items(rt, sid)
    assert len(items) == 257 and items[f"{ch.id}:257"].status == "done"
    assert world.calls.count("GetHistoryRequest") <= 2  # only the new page and the re-check
    assert "ResolveUsernameRequest" not in world.calls  # the session remembers the channel
    assert world.downloads == [ch.id * 10_000 + 256, ch.id * 10_000 + 252]  # new photos only

    world.edit(ch, 255, "Мефедрон снова в наличии, новый оператор @new_operator")
    assert _crawl(rt, sid) == "done"
    edited = _items(rt, sid)[f"{ch.id}:255"]
    assert edited.text.startswith("Мефедрон снова") and edited.edited_at is not None
    assert edited.meta["edited"] is True and edited.status == "done"

    before = {k: r.blob_sha256 for k, r in _items(rt, sid).items()}
    assert _crawl(rt, sid) == "done"  # nothing new: no duplicate, nothing rewritten
    assert {k: r.blob_sha256 for k, r in _items(rt, sid).items()} == before
    src = _source(rt, sid)
    assert src.items_found == 257 and src.health == "ok"
    with rt.db.session(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(ItemRecord)) == 257


def test_message_limit_resumes_and_groups_have_authors(rt: Runtime, world: World) -> None:
    sid = add_source(
        rt,
        "telegram_mtproto",
        "two chats",
        config={"chats": ["@shop_channel", "t.me/city_chat"], "max_messages": 100},
    )
    for _ in range(3):
        assert _crawl(rt, sid) == "done"
    items = _items(rt, sid)
    ch, group = world.channels["shop_channel"], world.channels["city_chat"]
    assert {k for k in items if k.startswith(f"{ch.id}:")} == {
        f"{ch.id}:{n}" for n in range(1, 251)
    }
    assert len(items) == 262
    assert items[f"{group.id}:5"].author == "Seller" and items[f"{group.id}:5"].url == (
        "https://t.me/city_chat/5"
    )
    cursor = _source(rt, sid).cursor
    assert cursor["chats"][str(ch.id)]["stop_at"] == 250
    assert cursor["health"]["message_limit"] == 2


def test_missing_channel_and_flood_wait_are_recorded(rt: Runtime, world: World) -> None:
    missing = add_source(rt, "telegram_mtproto", "@no_such_channel")
    assert _crawl(rt, missing) == "queued"  # the job failed and waits for its retry
    src = _source(rt, missing)
    assert src.health == "error" and "no_such_channel" in (src.last_error or "")
    with rt.db.session(readonly=True) as s:
        job = s.scalars(select(JobRecord).where(JobRecord.status == "queued")).one()
        assert "E174" in (job.last_error or "")

    sid = add_source(rt, "telegram_mtproto", "shop_channel")
    world.flood["GetHistoryRequest"] = 600
    assert _crawl(rt, sid) == "done"
    src = _source(rt, sid)
    assert src.health == "degraded" and "600" in (src.last_error or "")
    assert src.cursor["health"]["flood_wait"] == 1 and not _items(rt, sid)

    del world.flood["GetHistoryRequest"]
    assert _crawl(rt, sid) == "done"
    assert len(_items(rt, sid)) == 250 and _source(rt, sid).health == "ok"


def test_one_shot_source_through_ingest_source(rt: Runtime, world: World) -> None:
    source = TelegramMTProtoSource(rt.settings, "city_chat")
    result = ingest_source(rt.db, rt.blobs, source)
    assert result.new == 12
    assert Runner(rt.db, rt.settings).run().processed == 12


def test_unauthorised_session_is_an_error(tmp_path: Path, server: FakeMTProtoServer) -> None:
    rt = Runtime.open(make_settings(tmp_path, "", **_settings(tmp_path, server)))
    try:
        jobs.load_default_handlers()
        sid = add_source(rt, "telegram_mtproto", "shop_channel")
        assert _crawl(rt, sid) == "queued"
        assert "E173" in (_source(rt, sid).last_error or "")
    finally:
        rt.close()


def test_cli_login_creates_the_session(
    tmp_path: Path, server: FakeMTProtoServer, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narcowatch.cli.main import app

    for key, value in _settings(tmp_path, server).items():
        monkeypatch.setenv(f"NARCOWATCH_{key.upper()}", str(value))
    monkeypatch.setenv("NARCOWATCH_DEFAULT_LANG", "en")
    out = CliRunner().invoke(
        app,
        ["telegram", "login", "--phone", world.phone, "--data-dir", str(tmp_path / "d")],
        input=f"{world.code}\n",
    )
    assert out.exit_code == 0, out.output
    assert "Logged in as Operator" in out.output
    settings = make_settings(tmp_path, **_settings(tmp_path, server))
    assert session_path(settings).is_file() and len(world.authorized) == 1


def test_encrypted_session_at_rest(tmp_path: Path, server: FakeMTProtoServer, world: World) -> None:
    opts = _settings(tmp_path, server) | {"telegram_session_key": "correct horse battery"}
    rt = Runtime.open(make_settings(tmp_path, "", **opts))
    try:
        asyncio.run(login(rt.settings, world.phone, lambda: world.code))
        blob = session_path(rt.settings).read_bytes()
        key = next(iter(world.keys.values())).key
        assert blob.startswith(b"NWTS1") and key not in blob and b"SQLite" not in blob
        jobs.load_default_handlers()
        sid = add_source(rt, "telegram_mtproto", "city_chat")
        assert _crawl(rt, sid) == "done" and len(_items(rt, sid)) == 12
        world.calls.clear()
        world.post(world.channels["city_chat"], 2)
        assert _crawl(rt, sid) == "done" and len(_items(rt, sid)) == 14
        assert "ResolveUsernameRequest" not in world.calls  # the peer is kept in the cursor
        assert len(world.keys) == 1  # the sealed auth key was reused, no new key exchange
    finally:
        rt.close()
    wrong = make_settings(tmp_path, "", **(opts | {"telegram_session_key": "wrong"}))
    with pytest.raises(IngestError) as err:
        TelegramMTProtoSource(wrong, "city_chat").iter_items().__next__()
    assert err.value.code == "E176"
