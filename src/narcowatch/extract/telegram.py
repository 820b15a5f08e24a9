"""Telegram and WhatsApp: usernames, bots, invite links, private-channel links, wa.me numbers.

A Telegram shop lives behind its username, its bot (``..._bot``) and its invite links, written
as links (``t.me/x``, ``telegram.me/x``, ``tg://resolve?domain=x``), as ``@x``, or obfuscated
(``t . me / x``, ``собака x``). E-mail addresses (``a@b.kz``) and prices (``@ 500``) must stay out.
Normal forms: usernames lowercase without ``@``; invites ``t.me/+CODE``; private channels
``t.me/c/ID``; WhatsApp numbers E.164, group invites ``chat.whatsapp.com/CODE``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

import phonenumbers

from narcowatch.extract.base import Indicator, scan
from narcowatch.extract.tlds import is_tld

NAME = "telegram.v1"

_DOT = r"\s?(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\sdot\s)\s?"
_USER = r"[a-z][a-z0-9_]{3,31}"
LINK_RE = re.compile(
    rf"(?<![\w@.\-])(?:(?:https?|hxxps?)(?:\[:\]|:)//)?(?:www{_DOT})?"
    rf"(?:t|telegram)\s?{_DOT}(?:me|dog)\s?(?:/|\[/\])\s?"
    r"(?:"
    r"(?:\+|joinchat/)(?P<invite>[\w-]{10,40})"
    r"|c/(?P<cid>\d{5,14})(?:/\d+)?"
    rf"|(?:s/)?(?P<user>{_USER})(?:/\d+)?(?:\?[\w=&%-]*)?"
    r")(?![\w-])",
    re.IGNORECASE,
)
RESOLVE_RE = re.compile(
    rf"tg://(?:resolve\?domain=(?P<user>{_USER})|join\?invite=(?P<invite>[\w-]{{10,40}}))"
    r"(?:&[\w=&%-]*)?(?![\w-])",
    re.IGNORECASE,
)
HANDLE_RE = re.compile(
    rf"(?<![\w@.+\-/])(?:@|＠|собака\s?|собачка\s?|\(at\)\s?|\[at\]\s?)(?P<user>{_USER})(?![\w@])",
    re.IGNORECASE,
)
BOT_RE = re.compile(r"(?<![\w@./\-])(?P<user>[a-z][a-z0-9_]{1,27}_bot)(?![\w@\-])", re.IGNORECASE)
WHATSAPP_RE = re.compile(
    r"(?<![\w@.\-])(?:https?://)?(?:"
    r"(?:wa\.me|api\.whatsapp\.com/send/?\?phone=|whatsapp\.com/send/?\?phone=)/?(?P<phone>\+?\d{7,15})"
    r"|chat\.whatsapp\.com/(?:invite/)?(?P<group>[A-Za-z0-9]{12,40})"
    r")(?![\w])[^\s]*",
    re.IGNORECASE,
)
_RESERVED = frozenset(
    [
        "share",
        "addstickers",
        "addemoji",
        "addtheme",
        "proxy",
        "socks",
        "iv",
        "login",
        "setlanguage",
        "joinchat",
        "confirmphone",
        "invoice",
        "bg",
        "addlist",
        "boost",
        "giftcode",
        "contact",
    ]
)
_TLD_AFTER = re.compile(r"\.([a-zа-яё]{2,24})(?![\w])", re.IGNORECASE)
_GATE_WORDS = (
    "@",
    "＠",
    "t.me",
    "telegram",
    "tg:",
    "собак",
    "(at)",
    "[at]",
    "_bot",
    "wa.me",
    "whatsapp",
)
_ME_SLASH = re.compile(r"(?:me|dog)\s?(?:/|\[/\])")
_HANDLE_HINTS = ("@", "＠", "собак", "(at)", "[at]")
# The look-behind sits after the literal ``t`` so ``re`` can jump between the t's.
_SPACED_TME = re.compile(r"t(?<!\wt)\s?\W{1,5}\s?me\W")


def clean_username(raw: str) -> str | None:
    """Lowercase username without ``@``; ``None`` when Telegram would not allow it."""
    user = raw.lstrip("@＠").lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{3,31}", user) or user.endswith("_") or "__" in user:
        return None
    return user


def clean_whatsapp_phone(digits: str) -> str | None:
    try:
        num = phonenumbers.parse("+" + digits.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


class TelegramExtractor:
    """Telegram usernames, bots, invites and channels; WhatsApp numbers and groups."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        low = scan(text).low
        if not any(map(low.__contains__, _GATE_WORDS)) and not (
            "me" in low and _SPACED_TME.search(low)
        ):
            return []
        hits: list[Indicator] = []
        taken: list[tuple[int, int]] = []
        for m in LINK_RE.finditer(text) if _ME_SLASH.search(low) else ():
            if m.group("invite"):
                value = "t.me/+" + m.group("invite")
            elif m.group("cid"):
                value = "t.me/c/" + m.group("cid")
            else:
                user = clean_username(m.group("user"))
                if user is None or user in _RESERVED:
                    continue
                value = user
            hits.append(self._hit("telegram", value, text, m.start(), m.end()))
            taken.append((m.start(), m.end()))
        for m in RESOLVE_RE.finditer(text) if "tg:" in low else ():
            user = (
                "t.me/+" + m.group("invite")
                if m.group("invite")
                else clean_username(m.group("user"))
            )
            if user:
                hits.append(self._hit("telegram", user, text, m.start(), m.end()))
                taken.append((m.start(), m.end()))
        # Handles never overlap one another, so only link spans can hide one.
        in_link = _covered_by(taken)
        for m in HANDLE_RE.finditer(text) if _has_any(low, _HANDLE_HINTS) else ():
            if in_link(m.start()) or self._looks_like_email(text, m):
                continue
            user = clean_username(m.group("user"))
            if user:
                hits.append(self._hit("telegram", user, text, m.start(), m.end()))
                taken.append((m.start(), m.end()))
        in_taken = _covered_by(taken)
        for m in BOT_RE.finditer(text) if "_bot" in low else ():
            if in_taken(m.start()):
                continue
            user = clean_username(m.group("user"))
            if user:
                hits.append(self._hit("telegram", user, text, m.start(), m.end()))
        for m in WHATSAPP_RE.finditer(text) if _has_any(low, ("wa.me", "whatsapp")) else ():
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)]}'\"»":
                end -= 1
            if m.group("phone"):
                number = clean_whatsapp_phone(m.group("phone"))
                if number is None:
                    continue
                wa_value = number
            else:
                wa_value = "chat.whatsapp.com/" + m.group("group")
            hits.append(self._hit("whatsapp", wa_value, text, m.start(), end))
        return hits

    @staticmethod
    def _looks_like_email(text: str, m: re.Match[str]) -> bool:
        """``name@host.tld`` or ``name собака host.tld``: an e-mail, not a handle."""
        after = _TLD_AFTER.match(text, m.end())
        return bool(after and is_tld(after.group(1)))

    @staticmethod
    def _hit(type_: str, value: str, text: str, start: int, end: int) -> Indicator:
        return Indicator(type_, value, text[start:end], start, end, True, NAME)


def _has_any(low: str, words: tuple[str, ...]) -> bool:
    return any(map(low.__contains__, words))


def _covered_by(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """``pos -> any(s <= pos < e)``, by bisection (a page with thousands of handles)."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos)
        return bool(i) and reach[i - 1] > pos

    return inside
