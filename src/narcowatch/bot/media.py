"""Fetching reporters' photos before the transaction: size check, download, clean.

Downloads run concurrently for a whole batch; decoding and re-encoding run in worker
threads, so the event loop keeps serving other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import io
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update

from narcowatch.bot.collect import media_file_id
from narcowatch.bot.context import Fetched
from narcowatch.reports.errors import FILE_TOO_LARGE, ReportError
from narcowatch.reports.images import MAX_IMAGE_BYTES, clean_image

log = logging.getLogger(__name__)


def _declared_size(update: Update) -> int:
    message = update.message
    if message is None:
        return 0
    if message.photo:
        return message.photo[-1].file_size or 0
    if message.document:
        return message.document.file_size or 0
    return 0


def _clean(raw: bytes) -> Fetched:
    try:
        with_gps = clean_image(raw, keep_gps=True)
        if with_gps.gps is None:
            return Fetched(image=with_gps)
        return Fetched(image=clean_image(raw, keep_gps=False), gps=with_gps.gps)
    except ReportError as exc:
        key = "bot.error.too_large" if exc.code == FILE_TOO_LARGE else "bot.error.not_image"
        return Fetched(error=key)


async def _fetch_one(bot: Bot, update: Update, file_id: str) -> Fetched:
    if _declared_size(update) > MAX_IMAGE_BYTES:
        return Fetched(error="bot.error.too_large")
    try:
        file = await bot.get_file(file_id)
        if file.file_size and file.file_size > MAX_IMAGE_BYTES:
            return Fetched(error="bot.error.too_large")
        if not file.file_path:
            return Fetched(error="bot.error.not_image")
        buffer = io.BytesIO()
        await bot.download_file(file.file_path, destination=buffer, timeout=60)
    except TelegramNetworkError:
        raise  # transient: the batch is retried
    except TelegramAPIError as exc:
        log.warning("cannot fetch a file: %s", exc)
        return Fetched(error="bot.error.generic")
    return await asyncio.to_thread(_clean, buffer.getvalue())


async def prefetch(bot: Bot, updates: list[Update]) -> dict[str, Fetched]:
    """Download and clean every photo or document in ``updates``, keyed by file id."""
    jobs: dict[str, Update] = {}
    for update in updates:
        if update.message is not None:
            file_id = media_file_id(update.message)
            if file_id:
                jobs.setdefault(file_id, update)
    if not jobs:
        return {}
    results = await asyncio.gather(*(_fetch_one(bot, u, fid) for fid, u in jobs.items()))
    return dict(zip(jobs, results, strict=True))
