"""Sending the bot's replies: stored Bot API JSON, posted as JSON, outcome classified.

Replies are kept as Bot API JSON (so that they can be resent after a crash); posting that
JSON as it is skips building aiogram method objects, multipart encoding and parsing each
answer into models, which was most of the bot's CPU time per update under load. aiogram
still receives and dispatches updates and downloads files.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

OK, PERMANENT, RETRY = "ok", "permanent", "retry"


class Sender:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.url = f"{base_url.rstrip('/')}/bot{token}/"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout,
                connector=aiohttp.TCPConnector(limit=64),
                json_serialize=lambda obj: json.dumps(obj, ensure_ascii=False),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, payload: dict[str, Any]) -> str:
        """One Bot API call: OK, PERMANENT (retrying cannot help) or RETRY (try later)."""
        for attempt in range(3):
            try:
                session = await self.session()
                async with session.post(self.url + method, json=payload) as resp:
                    body = await resp.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("Telegram unreachable (%s): %s", method, exc)
                return RETRY
            if body.get("ok"):
                return OK
            code = body.get("error_code", resp.status)
            if code == 429:
                wait = (body.get("parameters") or {}).get("retry_after", 1)
                await asyncio.sleep(min(float(wait), 5.0) * (attempt + 1))
                continue
            if code in (400, 403):  # a stale button, a user who blocked the bot...
                log.info("reply not delivered (%s): %s", method, body.get("description"))
                return PERMANENT
            log.warning("Telegram error %s on %s: %s", code, method, body.get("description"))
            return RETRY
        return RETRY

    async def send(self, chat_id: int, replies: list[dict[str, Any]]) -> bool:
        """Send one update's replies in order; False if Telegram must be retried later."""
        for reply in replies:
            payload = {k: v for k, v in reply.items() if k != "method"}
            if reply["method"] != "answerCallbackQuery":
                payload["chat_id"] = chat_id
            if await self.call(reply["method"], payload) == RETRY:
                return False
        return True
