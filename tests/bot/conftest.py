"""Fixtures: the fake Bot API server, and the real bot process running against it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from narcowatch.bot.main import serve
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from tests.conftest import make_settings
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegram, running_fake


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    with running_fake() as server:
        yield server


@dataclass
class BotProcess:
    settings: Settings
    server: FakeTelegram
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            NARCOWATCH_DATA_DIR=str(self.settings.data_dir),
            NARCOWATCH_DATABASE_URL=self.settings.database_url,
            NARCOWATCH_PSEUDONYM_KEY=self.settings.pseudonym_key,
            NARCOWATCH_SECRET_KEY=self.settings.secret_key,
            NARCOWATCH_BOT_TOKEN=TOKEN,
            NARCOWATCH_BOT_API_BASE=self.server.base_url,
            NARCOWATCH_LOG_LEVEL="INFO",
            NARCOWATCH_BOT_PIPELINE=os.environ.get("NARCOWATCH_BOT_PIPELINE", "1"),
            NARCOWATCH_CONFIG=str(self.settings.data_dir / "absent.toml"),
        )
        return env

    def start(self) -> BotProcess:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "narcowatch.bot"],
            env=self.env(),
            stdout=out,
            stderr=out,
            cwd=Path(__file__).resolve().parents[2],
        )
        return self

    def kill(self) -> None:
        """A crash: SIGKILL, no cleanup of any kind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def bot_process(
    fake_tg: FakeTelegram, tmp_path: Path
) -> Iterator[Callable[[Settings], BotProcess]]:
    started: list[BotProcess] = []

    def start(settings: Settings) -> BotProcess:
        proc = BotProcess(settings, fake_tg, tmp_path / f"bot-{len(started)}.log").start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


class BotThread:
    """The bot's real engine in a thread of the test process (no second aiogram import)."""

    def __init__(self, runtime: Runtime, pipeline: bool = False) -> None:
        self.runtime = runtime
        self.pipeline = pipeline
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    def start(self) -> BotThread:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._task = loop.create_task(
                serve(self.runtime, pipeline=self.pipeline, poll_timeout=1, signals=False)
            )
            ready.set()
            try:
                loop.run_until_complete(self._task)
            except asyncio.CancelledError:
                pass
            except BaseException as exc:  # surfaced by stop()
                self._error = exc
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="bot", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._task is not None and not self._task.done():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(30)
        if self._error is not None:
            raise self._error


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:
    with running_fake() as server:
        yield server


@pytest.fixture(scope="module")
def live(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One bot (engine in a thread) on SQLite for a whole test module; users differ by test."""
    settings = make_settings(
        tmp_path_factory.mktemp("bot"), bot_token=TOKEN, bot_api_base=tg.base_url
    )
    runtime = Runtime.open(settings)
    bot = BotThread(runtime).start()
    yield runtime
    bot.stop()
    runtime.close()
