"""Driving a dialogue as a user would: press the buttons the bot shows, wait for answers."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from tests.fakes.telegram_bot_api import FakeTelegram, FakeUser, Sent

NUMBER_PREFIX = "NW-"


def has_button(data: str) -> Callable[[Sent], bool]:
    return lambda s: any(b.get("callback_data") == data for b in s.buttons())


def reply_to(
    tg: FakeTelegram, user: FakeUser, pred: Callable[[Sent], bool], mark: int, timeout: float = 20.0
) -> Sent:
    return tg.wait_for(lambda s: s.chat_id == user.id and pred(s), after=mark, timeout=timeout)


def start_dialogue(
    tg: FakeTelegram, user: FakeUser, lang: str = "en", payload: str = "", timeout: float = 20.0
) -> Sent:
    """``/start [payload]``, pick the language; returns the kind menu."""
    mark = len(tg.sent)
    user.send("/start" + (f" {payload}" if payload else ""))
    first = reply_to(
        tg,
        user,
        lambda s: has_button(f"lang:{lang}")(s) or has_button("kind:link")(s),
        mark,
        timeout,
    )
    if has_button("kind:link")(first):  # the language is remembered from before
        return first
    choose = first
    mark = len(tg.sent)
    user.click(choose, f"lang:{lang}")
    return reply_to(tg, user, has_button("kind:link"), mark)


def choose_kind(tg: FakeTelegram, user: FakeUser, menu: Sent, kind: str) -> Sent:
    mark = len(tg.sent)
    user.click(menu, f"kind:{kind}")
    return reply_to(tg, user, has_button("done"), mark)


def say(tg: FakeTelegram, user: FakeUser, send: Callable[[], int]) -> Sent:
    """Send something in the collecting step; returns the bot's answer."""
    mark = len(tg.sent)
    send()
    return reply_to(tg, user, lambda s: True, mark)


def finish(tg: FakeTelegram, user: FakeUser, collecting: Sent) -> Sent:
    """Press Done; returns the summary with the Send button."""
    mark = len(tg.sent)
    user.click(collecting, "done")
    return reply_to(tg, user, has_button("send"), mark)


def send_report(tg: FakeTelegram, user: FakeUser, summary: Sent, timeout: float = 20.0) -> str:
    """Press Send; returns the report number the bot answered with."""
    mark = len(tg.sent)
    user.click(summary, "send")
    done = reply_to(tg, user, lambda s: NUMBER_PREFIX in s.text and not s.edited, mark, timeout)
    return number_in(done.text)


def number_in(text: str) -> str:
    start = text.index(NUMBER_PREFIX)
    return text[start : start + 12]


def jpeg(
    color: str = "navy", exif: Image.Exif | None = None, size: tuple[int, int] = (64, 48)
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", **({"exif": exif} if exif else {}))
    return buf.getvalue()
