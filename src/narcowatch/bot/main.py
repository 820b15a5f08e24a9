"""Starting the bot: the Bot API client (configurable server), the engine, periodic tasks."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from narcowatch.bot.answers import AnswerTask
from narcowatch.bot.engine import Engine
from narcowatch.errors import NarcowatchError
from narcowatch.ingest.reports import process_reports
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings

log = logging.getLogger(__name__)


def make_bot(settings: Settings) -> Bot:
    """A Bot talking to ``settings.bot_api_base`` (Telegram, a private server, or a fake)."""
    if not settings.bot_token or ":" not in settings.bot_token:
        raise NarcowatchError(
            "no bot token: set NARCOWATCH_BOT_TOKEN (from @BotFather)", code="E181"
        )
    server = TelegramAPIServer.from_base(settings.bot_api_base.rstrip("/"))
    return Bot(settings.bot_token, session=AiohttpSession(api=server))


class PipelineTask:
    """Runs new reports through the pipeline in a worker thread, one round at a time."""

    def __init__(self, runtime: Runtime, interval: float = 5.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self._last = 0.0
        self._running: asyncio.Task[Any] | None = None

    async def __call__(self) -> None:
        if self._running is not None and not self._running.done():
            return
        if time.monotonic() - self._last < self.interval:
            return
        self._last = time.monotonic()
        self._running = asyncio.create_task(asyncio.to_thread(self._round))

    def _round(self) -> None:
        try:
            result = process_reports(self.runtime, limit=500)
            if result.items:
                log.info("pipeline: %d reports, %d items", result.reports, result.items)
        except Exception:  # the bot must keep taking reports; the next round retries
            log.exception("report pipeline round failed")

    async def wait(self) -> None:
        if self._running is not None:
            await self._running


async def serve(
    runtime: Runtime, *, pipeline: bool = True, poll_timeout: int = 10, signals: bool = True
) -> None:
    """Run the bot until cancelled (or SIGINT/SIGTERM when ``signals``)."""
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update
    bot = make_bot(runtime.settings)
    engine = Engine(runtime, bot, poll_timeout=poll_timeout)
    tasks: list[Any] = [AnswerTask(engine)]
    pipe = PipelineTask(runtime) if pipeline else None
    if pipe is not None:
        tasks.append(pipe)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def shutdown() -> None:
        stop.set()
        if main is not None:
            main.cancel()

    if signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, shutdown)
    try:
        await engine.run(stop, tasks)
    except asyncio.CancelledError:
        log.info("bot stopping")
    finally:
        if pipe is not None:
            await pipe.wait()
        await engine.sender.close()
        await bot.session.close()


def run_bot(settings: Settings, *, pipeline: bool = True) -> None:
    runtime = Runtime.open(settings)
    try:
        asyncio.run(serve(runtime, pipeline=pipeline))
    finally:
        runtime.close()
