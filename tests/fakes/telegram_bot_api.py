"""A local fake of the Telegram Bot API on 127.0.0.1, for running the real bot against it.

It speaks the real protocol (``/bot<token>/<method>`` with JSON, form or multipart bodies,
``{"ok": ..., "result": ...}`` answers, Telegram's error codes and descriptions) for the
methods the bot uses: getMe, getUpdates (offset confirmation, limit, long-poll timeout),
sendMessage, editMessageText, answerCallbackQuery, getFile and ``/file/bot<token>/<path>``
downloads, sendPhoto, deleteWebhook, setMyCommands. Like Telegram it keeps unconfirmed
updates until a later offset confirms them, so a bot killed mid-batch gets them again.

Tests play the users: ``FakeUser`` sends texts, commands, photos, locations, forwards and
button presses as real ``Update`` JSON, and ``wait_for`` waits for the bot's answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAFakeTokenForNarcowatchTests_abcdefgh"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "NarcoWatch",
    "username": "narcowatch_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
URL_RE = re.compile(r"(?:https?://|www\.|t\.me/)[^\s]+")
MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z]\w{3,31}")


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Sent:
    """A message the bot sent (or edited), as the user's Telegram app would show it."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    method: str = "sendMessage"
    edited: bool = False
    photo: bytes | None = None

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class FakeTelegram:
    token: str = TOKEN
    host: str = "127.0.0.1"
    port: int = 0
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    callbacks: dict[str, bool] = field(default_factory=dict)  # id -> answered
    chats: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    fail_methods: dict[str, int] = field(default_factory=dict)  # method -> times to 502
    record_calls: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._msg_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], Sent] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self.get_updates_calls = 0
        self.confirmed_up_to = 0

    # ---- server side -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        return app

    async def _start(self, ready: threading.Event) -> None:
        self._event = asyncio.Event()
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()

    def start(self) -> FakeTelegram:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start(ready))
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def _wake(self) -> None:
        if self._loop is None:
            return

        def wake() -> None:
            assert self._event is not None
            self._event.set()
            self._event = asyncio.Event()

        self._loop.call_soon_threadsafe(wake)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    params[part.name] = await part.read()
                else:
                    params[part.name] = await part.text()
        elif request.can_read_body:
            params.update(dict(await request.post()))
        for key in ("reply_markup", "commands", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        try:
            params = await self._params(request)
            if self.record_calls:
                self.calls.append((method, params))
            with self._lock:
                left = self.fail_methods.get(method, 0)
                if left:
                    self.fail_methods[method] = left - 1
            if left:
                raise ApiError(502, "Bad Gateway")
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            return _error(exc.code, exc.description)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        for path, data in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404, text="Not Found")

    # ---- methods -----------------------------------------------------------------------
    def _m_getme(self, _p: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_deletewebhook(self, _p: dict[str, Any]) -> bool:
        return True

    def _m_setmycommands(self, p: dict[str, Any]) -> bool:
        if not isinstance(p.get("commands"), list):
            raise ApiError(400, "Bad Request: commands must be an array")
        return True

    async def _m_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        limit = max(1, min(int(p.get("limit") or 100), 100))
        timeout = float(p.get("timeout") or 0)
        self.get_updates_calls += 1
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset > 0:  # confirms every update below the offset, as Telegram does
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    self.confirmed_up_to = max(self.confirmed_up_to, offset - 1)
                batch = self.updates[:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                return batch
            assert self._event is not None
            with suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    def _chat(self, p: dict[str, Any]) -> int:
        try:
            chat_id = int(p["chat_id"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "Bad Request: chat_id is empty") from exc
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _new_message(
        self, chat_id: int, text: str, markup: Any, method: str, photo: bytes | None = None
    ) -> dict[str, Any]:
        if method == "sendMessage" and not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        with self._lock:
            counter = self._msg_ids.setdefault(chat_id, itertools.count(1000))
            sent = Sent(chat_id, next(counter), text, markup or None, method, photo=photo)
            self.sent.append(sent)
            self._messages[(chat_id, sent.message_id)] = sent
        return _message_json(sent)

    def _m_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._new_message(
            self._chat(p), str(p.get("text", "")), p.get("reply_markup"), "sendMessage"
        )

    def _m_sendphoto(self, p: dict[str, Any]) -> dict[str, Any]:
        photo = p.get("photo")
        if not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        data = photo if isinstance(photo, bytes) else self.files.get(str(photo), ("", b""))[1]
        return self._new_message(
            self._chat(p), str(p.get("caption", "")), p.get("reply_markup"), "sendPhoto", photo=data
        )

    def _m_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(p)
        with self._lock:
            msg = self._messages.get((chat_id, int(p.get("message_id", 0))))
            if msg is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            markup = p.get("reply_markup") or None
            if msg.text == p.get("text") and msg.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            msg.text, msg.reply_markup, msg.edited = str(p.get("text", "")), markup, True
            self.sent.append(
                Sent(chat_id, msg.message_id, msg.text, markup, "editMessageText", edited=True)
            )
        return _message_json(msg)

    def _m_answercallbackquery(self, p: dict[str, Any]) -> bool:
        qid = str(p.get("callback_query_id", ""))
        with self._lock:
            if self.callbacks.get(qid, True):
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout "
                    "expired or query ID is invalid",
                )
            self.callbacks[qid] = True
        return True

    def _m_getfile(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = str(p.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        if len(data) > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-12:],
            "file_size": len(data),
            "file_path": path,
        }

    # ---- the users' side ---------------------------------------------------------------
    def push(self, payload: dict[str, Any]) -> int:
        """Queue one update (any shape); returns its update_id."""
        with self._lock:
            update_id = next(self._ids)
            self.updates.append({"update_id": update_id, **payload})
        self._wake()
        return update_id

    def push_many(self, payloads: list[dict[str, Any]]) -> None:
        with self._lock:
            for payload in payloads:
                self.updates.append({"update_id": next(self._ids), **payload})
        self._wake()

    def add_file(self, data: bytes, suffix: str = "jpg") -> str:
        with self._lock:
            n = len(self.files) + 1
            file_id = f"AgACAgIAAxkBAAI{n:06d}fake"
            self.files[file_id] = (f"photos/file_{n}.{suffix}", data)
        return file_id

    def user(self, user_id: int, first_name: str = "Test", **extra: Any) -> FakeUser:
        self.chats.add(user_id)
        return FakeUser(self, user_id, first_name, extra)

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def wait_for(
        self, predicate: Callable[[Sent], bool], timeout: float = 15.0, after: int = 0
    ) -> Sent:
        """The first message (index >= ``after`` in ``sent``) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for sent in self.sent[after:]:
                    if predicate(sent):
                        return sent
            time.sleep(0.02)
        raise AssertionError(
            f"no matching bot message within {timeout}s; last: "
            f"{[s.text[:60] for s in self.sent[-5:]]}"
        )

    def wait_confirmed(self, timeout: float = 15.0) -> None:
        """Until the bot has confirmed (acknowledged) every update queued so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self.updates:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{len(self.updates)} updates still unconfirmed")


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _message_json(sent: Sent) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": sent.message_id,
        "date": int(time.time()),
        "chat": {"id": sent.chat_id, "type": "private"},
        "from": BOT_USER,
        "text": sent.text,
    }
    if sent.reply_markup:
        msg["reply_markup"] = sent.reply_markup
    return msg


def _entities(text: str) -> list[dict[str, Any]]:
    entities = []
    if text.startswith("/"):
        length = len(text.split()[0])
        entities.append({"type": "bot_command", "offset": 0, "length": length})
    for match in URL_RE.finditer(text):
        entities.append({"type": "url", "offset": match.start(), "length": len(match.group())})
    for match in MENTION_RE.finditer(text):
        entities.append({"type": "mention", "offset": match.start(), "length": len(match.group())})
    return entities  # offsets in UTF-16 units equal Python's for the BMP texts tests send


@dataclass
class FakeUser:
    """A Telegram user in a private chat with the bot."""

    server: FakeTelegram
    id: int
    first_name: str
    extra: dict[str, Any]
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def profile(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, **self.extra}

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        if "username" in self.extra:
            chat["username"] = self.extra["username"]
        return {
            "message_id": next(self._message_ids),
            "from": self.profile,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }

    def send(self, text: str) -> int:
        content: dict[str, Any] = {"text": text}
        entities = _entities(text)
        if entities:
            content["entities"] = entities
        return self.server.push({"message": self._message(**content)})

    def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        as_document: bool = False,
        mime: str = "image/jpeg",
    ) -> int:
        file_id = self.server.add_file(data)
        if as_document:
            content: dict[str, Any] = {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": "d" + file_id[-10:],
                    "file_name": "photo.jpg",
                    "mime_type": mime,
                    "file_size": len(data),
                }
            }
        else:
            content = {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": "p" + file_id[-10:],
                        "width": 90,
                        "height": 90,
                        "file_size": len(data),
                    }
                ]
            }
        if caption:
            content["caption"] = caption
        return self.server.push({"message": self._message(**content)})

    def send_location(self, lat: float, lon: float) -> int:
        return self.server.push(
            {"message": self._message(location={"latitude": lat, "longitude": lon})}
        )

    def forward_from_channel(self, text: str, channel: str, post_id: int = 1) -> int:
        origin = {
            "type": "channel",
            "date": int(time.time()),
            "message_id": post_id,
            "chat": {
                "id": -1001234567890,
                "type": "channel",
                "title": channel,
                "username": channel,
            },
        }
        return self.server.push({"message": self._message(text=text, forward_origin=origin)})

    def send_content(self, **content: Any) -> int:
        """Any other message content (sticker, poll, contact, dice...)."""
        return self.server.push({"message": self._message(**content)})

    def click(self, sent: Sent, data: str) -> int:
        """Press the button with callback ``data`` under the bot's message ``sent``."""
        assert any(b.get("callback_data") == data for b in sent.buttons()), (
            f"no button {data!r} under {sent.text[:40]!r}"
        )
        qid = f"{self.id}{next(self._message_ids):08d}"
        with self.server._lock:
            self.server.callbacks[qid] = False
        return self.server.push(
            {
                "callback_query": {
                    "id": qid,
                    "from": self.profile,
                    "chat_instance": f"ci{self.id}",
                    "data": data,
                    "message": _message_json(sent),
                }
            }
        )

    def last(self) -> Sent:
        msgs = self.server.messages_to(self.id)
        assert msgs, "the bot has not written to this user"
        return msgs[-1]


@contextmanager
def running_fake(**kwargs: Any) -> Iterator[FakeTelegram]:
    server = FakeTelegram(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
