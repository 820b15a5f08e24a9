"""Exactly once: a crash or a database outage neither loses a report nor makes two.

The real bot process is killed (SIGKILL) in the middle of a dialogue, and again after a
report was committed but before its answer could be sent; Telegram (the fake) redelivers
the unconfirmed updates to the restarted process. A PostgreSQL outage during the submit
makes the bot hold the update unacknowledged until the database is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from narcowatch.runtime import Runtime
from narcowatch.store.tables import ReportRecord
from tests.bot.conftest import BotProcess, BotThread
from tests.bot.helpers import (
    choose_kind,
    finish,
    has_button,
    number_in,
    reply_to,
    say,
    start_dialogue,
)
from tests.conftest import _pg_admin_url, make_settings
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegram

STARTUP = 180.0  # a fresh process imports aiogram; slow on a busy 2-core machine


def count_reports(runtime: Runtime) -> int:
    with runtime.db.session() as s:
        return s.scalar(select(func.count()).select_from(ReportRecord)) or 0


def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_kill_mid_dialogue_and_restart(
    fake_tg: FakeTelegram, bot_process: Callable[..., BotProcess], tmp_path: Path
) -> None:
    """The real process, SIGKILLed mid-dialogue; the restarted one carries on."""
    settings = make_settings(tmp_path)
    first = bot_process(settings)
    user = fake_tg.user(811000111, "Crash")
    menu = start_dialogue(fake_tg, user, "en", payload="ALM-7", timeout=STARTUP)
    collecting = choose_kind(fake_tg, user, menu, "link")
    say(fake_tg, user, lambda: user.send("https://kladman-shop.example/menu"))
    first.kill()
    mark = len(fake_tg.sent)
    user.click(collecting, "done")  # pressed while the bot is down
    bot_process(settings)
    summary = reply_to(fake_tg, user, has_button("send"), mark, timeout=STARTUP)
    assert "https://kladman-shop.example/menu" in summary.text and "ALM-7" in summary.text
    mark = len(fake_tg.sent)
    user.click(summary, "send")
    answer = reply_to(fake_tg, user, lambda s: "NW-" in s.text and not s.edited, mark)
    fake_tg.wait_confirmed(timeout=30)
    runtime = Runtime.open(settings)
    try:
        with runtime.db.session() as s:
            assert s.scalars(select(ReportRecord.number)).all() == [number_in(answer.text)]
    finally:
        runtime.close()


def test_crash_after_commit_resends_the_answer_once(fake_tg: FakeTelegram, tmp_path: Path) -> None:
    """The report committed but its answer could not go out; the bot stops before the
    update is acknowledged. The next bot gets the update again: one report, one answer."""
    settings = make_settings(tmp_path, bot_token=TOKEN, bot_api_base=fake_tg.base_url)
    runtime = Runtime.open(settings)
    bot = BotThread(runtime).start()
    try:
        user = fake_tg.user(813000333, "After")
        collecting = choose_kind(fake_tg, user, start_dialogue(fake_tg, user, "kk"), "den")
        say(fake_tg, user, lambda: user.send("3-қабат, түнде адамдар көп"))
        summary = finish(fake_tg, user, collecting)
        fake_tg.fail_methods.update(sendMessage=10_000, editMessageText=10_000)
        user.click(summary, "send")
        wait_until(lambda: count_reports(runtime) == 1, 30, "the report to be stored")
        time.sleep(1.5)
        assert fake_tg.updates, "not acknowledged before its answer is sent"
        bot.stop()
        fake_tg.fail_methods.clear()
        mark = len(fake_tg.sent)
        bot = BotThread(runtime).start()
        answer = reply_to(fake_tg, user, lambda s: "NW-" in s.text and not s.edited, mark)
        fake_tg.wait_confirmed(timeout=30)
        time.sleep(1)
        numbered = [m for m in fake_tg.sent[mark:] if "NW-" in m.text and not m.edited]
        assert len(numbered) == 1
        assert count_reports(runtime) == 1
        with runtime.db.session() as s:
            assert s.scalar(select(ReportRecord.number)) == number_in(answer.text)
    finally:
        bot.stop()
        runtime.close()


@pytest.mark.postgres
def test_database_outage_during_submit(fake_tg: FakeTelegram, pg_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, pg_url, bot_token=TOKEN, bot_api_base=fake_tg.base_url)
    runtime = Runtime.open(settings)
    bot = BotThread(runtime).start()
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = make_url(pg_url).database
    try:
        user = fake_tg.user(812000222, "Outage")
        collecting = choose_kind(fake_tg, user, start_dialogue(fake_tg, user, "ru"), "link")
        say(fake_tg, user, lambda: user.send("https://t.me/zakladki_kz_bot"))
        summary = finish(fake_tg, user, collecting)
        with admin.connect() as conn:  # the database goes away
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
        mark = len(fake_tg.sent)
        user.click(summary, "send")
        time.sleep(4)
        assert not [m for m in fake_tg.sent[mark:] if "NW-" in m.text]
        assert fake_tg.updates, "the submit must stay unacknowledged during the outage"
        with admin.connect() as conn:  # and comes back
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        answer = reply_to(
            fake_tg, user, lambda s: "NW-" in s.text and not s.edited, mark, timeout=60
        )
        fake_tg.wait_confirmed(timeout=30)
        assert count_reports(runtime) == 1
        with runtime.db.session() as s:
            assert s.scalar(select(ReportRecord.number)) == number_in(answer.text)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        bot.stop()
        runtime.close()
