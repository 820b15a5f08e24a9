"""Templated answers: when analysts act on a report, the reporter hears about it.

The bot knows a reporter's chat only in memory, from the reporter's own messages since it
started (the chat id is never stored). An answer waits, unsent, until the bot has seen
the reporter; then it goes out and is marked as told.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from narcowatch.bot.engine import TRANSIENT_DB, Engine
from narcowatch.i18n import t
from narcowatch.reports.status import mark_answered, pending_answers, sync_from_actions
from narcowatch.reports.tx import write_session
from narcowatch.store.tables import utcnow
from narcowatch.store.tables_reports import BotUpdateRecord

log = logging.getLogger(__name__)

KEEP_UPDATES = timedelta(days=7)  # far longer than Telegram keeps an update unconfirmed


def prune_updates(session: Session) -> int:
    """Forget processed updates old enough never to be redelivered."""
    result = session.execute(
        delete(BotUpdateRecord).where(
            BotUpdateRecord.created_at < utcnow() - KEEP_UPDATES, BotUpdateRecord.sent.is_(True)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


class AnswerTask:
    """A periodic task for ``Engine.run``: follow analysts' actions, send due answers."""

    def __init__(self, engine: Engine, interval: float = 2.0, sync_interval: float = 30.0) -> None:
        self.engine = engine
        self.interval = interval
        self.sync_interval = sync_interval
        self._last = 0.0
        self._last_sync = 0.0
        self.sent = 0

    async def __call__(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        try:
            with write_session(self.engine.runtime.db) as session:
                if force or now - self._last_sync >= self.sync_interval:
                    self._last_sync = now
                    sync_from_actions(session)
                    prune_updates(session)
                due = [
                    (
                        event.id,
                        self.engine.chats[report.pseudonym],
                        t(f"bot.answer.{event.status}", report.lang, number=report.number),
                    )
                    for event, report in pending_answers(session, channel="bot")
                    if report.pseudonym in self.engine.chats
                ]
        except TRANSIENT_DB as exc:
            log.warning("answers postponed, database unavailable: %s", exc)
            return
        told = []
        for event_id, chat_id, text in due:
            if await self.engine.send(chat_id, [{"method": "sendMessage", "text": text}]):
                told.append(event_id)
        if told:
            try:
                with write_session(self.engine.runtime.db) as session:
                    mark_answered(session, told)
            except TRANSIENT_DB as exc:  # told again later: a repeat beats a silence
                log.warning("could not mark answers as sent: %s", exc)
                return
            self.sent += len(told)
