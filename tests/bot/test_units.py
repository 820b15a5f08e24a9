"""Small parts of the bot: flood windows, pruning processed updates, odd update shapes."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import Update
from sqlalchemy import select

from narcowatch.bot.answers import prune_updates
from narcowatch.bot.engine import actor_of
from narcowatch.bot.limits import FloodLimiter
from narcowatch.runtime import Runtime
from narcowatch.store.tables import utcnow
from narcowatch.store.tables_reports import BotUpdateRecord


def test_flood_window_per_key() -> None:
    limiter = FloodLimiter(limit=3, window=10)
    assert [limiter.hit("a", now=t) for t in (0, 1, 2)] == ["ok"] * 3
    assert limiter.hit("a", now=3) == "warn"  # the first refusal is announced once
    assert limiter.hit("a", now=4) == "drop"
    assert limiter.hit("b", now=4) == "ok"  # others are not affected
    assert limiter.hit("a", now=10.5) == "ok"  # the window moved on
    assert limiter.hit("c", "a", now=11.5) == "ok"
    assert limiter.hit("c", "a", now=11.6) == "warn"  # a is full again: c is refused with it
    assert limiter.hit("c", "a", now=11.7) == "drop"


def test_prune_keeps_recent_and_unsent_updates(runtime: Runtime) -> None:
    old = utcnow() - timedelta(days=8)
    with runtime.db.session() as s:
        s.add_all(
            [
                BotUpdateRecord(id="old-sent", update_id=1, sent=True, created_at=old),
                BotUpdateRecord(id="old-unsent", update_id=2, sent=False, created_at=old),
                BotUpdateRecord(id="new-sent", update_id=3, sent=True),
            ]
        )
    with runtime.db.session() as s:
        assert prune_updates(s) == 1
    with runtime.db.session() as s:
        assert set(s.scalars(select(BotUpdateRecord.id))) == {"old-unsent", "new-sent"}


def test_actor_of_update_shapes() -> None:
    frm = {"id": 42, "is_bot": False, "first_name": "X"}
    private = {"id": 42, "type": "private"}
    msg = Update.model_validate(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": private,
                "from": frm,
                "text": "/start X",
            },
        }
    )
    actor = actor_of(msg)
    assert actor is not None and actor.private and actor.is_start and actor.chat_id == 42
    assert actor_of(Update.model_validate({"update_id": 2, "future_kind": {"a": 1}})) is None
    post = Update.model_validate(
        {
            "update_id": 3,
            "channel_post": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -1, "type": "channel"},
                "text": "x",
            },
        }
    )
    assert actor_of(post) is None
    inline = Update.model_validate(
        {
            "update_id": 4,
            "callback_query": {
                "id": "q",
                "from": frm,
                "chat_instance": "c",
                "inline_message_id": "i",
                "data": "x",
            },
        }
    )
    assert actor_of(inline) is None
