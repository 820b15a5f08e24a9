"""What a handler gets for one update: the dialogue, a transaction, and an outbox.

Handlers never call Telegram: they append replies to the outbox, which the engine sends
only after the transaction holding the new dialogue state (and any report) committed.
The replies are stored with the processed update, without the chat, so a crash between
commit and send is repaired by resending them when Telegram redelivers the update.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from narcowatch.i18n import normalize_lang, t
from narcowatch.reports.images import CleanImage
from narcowatch.settings import Settings
from narcowatch.store.blobs import BlobStore
from narcowatch.store.tables import utcnow
from narcowatch.store.tables_reports import BotDialogueRecord


@dataclass
class Fetched:
    """A photo downloaded and cleaned before the transaction (or why it was refused)."""

    image: CleanImage | None = None
    gps: tuple[float, float] | None = None
    error: str | None = None  # an i18n key


class Dialogue:
    """The reporter's place in the dialogue, stored under the pseudonym."""

    def __init__(
        self,
        session: Session,
        pseudonym: str,
        default_lang: str,
        cache: dict[str, BotDialogueRecord | None] | None = None,
    ) -> None:
        # ``cache``: the batch's dialogues, loaded at once; also remembers absent ones and
        # ones created earlier in the batch (not flushed yet, so unknown to session.get).
        self._cache = cache if cache is not None else {}
        if pseudonym in self._cache:
            rec = self._cache[pseudonym]
        else:
            rec = session.get(BotDialogueRecord, pseudonym)
        self._session = session
        self._rec = rec
        self.pseudonym = pseudonym
        self.known_lang = rec.lang if rec is not None else None
        self.lang = normalize_lang(self.known_lang, default_lang)
        self.state = rec.state if rec is not None else "new"
        # A deep copy: editing nested values in place would hide the change from the ORM.
        self.data: dict[str, Any] = copy.deepcopy(rec.data) if rec is not None else {}
        self._snapshot = (self.known_lang, self.state, repr(self.data))

    def set_lang(self, lang: str) -> None:
        self.known_lang = self.lang = normalize_lang(lang)

    @property
    def draft(self) -> dict[str, Any]:
        return self.data.setdefault("draft", {})

    def reset_draft(self) -> None:
        self.data.pop("draft", None)

    def save(self) -> None:
        if (self.known_lang, self.state, repr(self.data)) == self._snapshot:
            return
        if self._rec is None:
            self._rec = BotDialogueRecord(pseudonym=self.pseudonym)
            self._session.add(self._rec)
            self._cache[self.pseudonym] = self._rec
        self._rec.lang = self.known_lang
        self._rec.state = self.state
        self._rec.data = dict(self.data)  # a new object, so the JSON column is rewritten
        self._rec.updated_at = utcnow()


@dataclass
class Ctx:
    session: Session
    blobs: BlobStore
    settings: Settings
    pseudonym: str
    dialogue: Dialogue
    update_id: int
    files: dict[str, Fetched] = field(default_factory=dict)
    pending_gps: dict[str, Any] = field(default_factory=dict)  # in memory only
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.dialogue.lang

    def text(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def say(self, key: str, markup: dict[str, Any] | None = None, **params: Any) -> None:
        self.send(self.text(key, **params), markup)

    def send(self, text: str, markup: dict[str, Any] | None = None) -> None:
        reply: dict[str, Any] = {"method": "sendMessage", "text": text}
        if markup:
            reply["reply_markup"] = markup
        self.replies.append(reply)

    def edit(self, message_id: int, text: str, markup: dict[str, Any] | None = None) -> None:
        reply: dict[str, Any] = {
            "method": "editMessageText",
            "message_id": message_id,
            "text": text,
        }
        if markup:
            reply["reply_markup"] = markup
        self.replies.append(reply)

    def answer(self, callback_id: str, text: str | None = None) -> None:
        reply: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": callback_id}
        if text:
            reply["text"] = text
        self.replies.append(reply)
