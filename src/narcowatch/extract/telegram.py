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

from narcowatch.extract.base import Indicator, finditer_from, occurrences, scan
from narcowatch.extract.marks import any_in, gate_words
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
_GATE_WORDS = gate_words(
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
_HANDLE_HINTS = gate_words("@", "＠", "собак", "(at)", "[at]")
_TG_COLON = gate_words("tg:")
_BOT = gate_words("_bot")
_WHATSAPP = gate_words("wa.me", "whatsapp")
# The look-behind sits after the literal ``t`` so ``re`` can jump between the t's.
_SPACED_TME = re.compile(r"t(?<!\wt)\s?\W{1,5}\s?me\W")
# Where matches can begin, found in the lowercase text when its offsets are the text's
# (``Scan.caseless``): the patterns above open with a look-behind, so ``re`` would try them
# at every character; tried only there (``finditer_from``), they give the same matches.
# A ``LINK_RE`` match begins at most 36 characters before its "me/" ("hxxps[:]//www [dot]
# telegram [dot] me/") with h, w or t.
_LINK_LEAD = 36
_LINK_FIRST = re.compile(r"[hwt]")
# A ``WHATSAPP_RE`` match begins at most 13 characters before "wa.me" or "whatsapp"
# ("https://chat.whatsapp.com/") with h, w, a or c.
_WA_LEAD = 13
_WA_FIRST = re.compile(r"[hwac]")


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
        if not any_in(text, _GATE_WORDS) and not ("me" in low and _SPACED_TME.search(low)):
            return []
        hits: list[Indicator] = []
        taken: list[tuple[int, int]] = []
        caseless = scan(text).caseless
        for m in _links(text, caseless) if _ME_SLASH.search(low) else ():
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
        for m in _resolves(text, caseless) if any_in(text, _TG_COLON) else ():
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
        for m in _handles(text, caseless) if any_in(text, _HANDLE_HINTS) else ():
            if in_link(m.start()) or self._looks_like_email(text, m):
                continue
            user = clean_username(m.group("user"))
            if user:
                hits.append(self._hit("telegram", user, text, m.start(), m.end()))
                taken.append((m.start(), m.end()))
        in_taken = _covered_by(taken)
        for m in _bots(text, caseless) if any_in(text, _BOT) else ():
            if in_taken(m.start()):
                continue
            user = clean_username(m.group("user"))
            if user:
                hits.append(self._hit("telegram", user, text, m.start(), m.end()))
        for m in _whatsapps(text, caseless) if any_in(text, _WHATSAPP) else ():
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


def _near(low: str, anchors: re.Pattern[str] | list[int], lead: int, first: re.Pattern[str]):
    """Positions up to ``lead`` before each anchor whose character ``first`` accepts."""
    at = [m.start() for m in anchors.finditer(low)] if isinstance(anchors, re.Pattern) else anchors
    starts: set[int] = set()
    for q in at:
        starts.update(m.start() for m in first.finditer(low, max(0, q - lead), q + 1))
    return sorted(starts)


def _links(text: str, low: str | None) -> list[re.Match[str]]:
    if low is None:
        return list(LINK_RE.finditer(text))
    return finditer_from(LINK_RE, text, _near(low, _ME_SLASH, _LINK_LEAD, _LINK_FIRST))


def _resolves(text: str, low: str | None) -> list[re.Match[str]]:
    if low is None:
        return list(RESOLVE_RE.finditer(text))
    return finditer_from(RESOLVE_RE, text, occurrences(low, ("tg://",)))


def _handles(text: str, low: str | None) -> list[re.Match[str]]:
    """A handle begins with its marker: "@", "＠", "собака"/"собачка", "(at)" or "[at]"."""
    if low is None:
        return list(HANDLE_RE.finditer(text))
    return finditer_from(HANDLE_RE, text, occurrences(low, _HANDLE_HINTS))


def _bots(text: str, low: str | None) -> list[re.Match[str]]:
    """A bot name is a whole word ending in "_bot", 2-28 characters before it."""
    if low is None:
        return list(BOT_RE.finditer(text))
    starts = set()
    for q in occurrences(low, ("_bot",)):
        p = q
        while p > 0 and q - p <= 28 and (text[p - 1].isalnum() or text[p - 1] == "_"):
            p -= 1
        if q - p <= 28:
            starts.add(p)
    return finditer_from(BOT_RE, text, sorted(starts))


def _whatsapps(text: str, low: str | None) -> list[re.Match[str]]:
    if low is None:
        return list(WHATSAPP_RE.finditer(text))
    anchors = occurrences(low, ("wa.me", "whatsapp"))
    return finditer_from(WHATSAPP_RE, text, _near(low, anchors, _WA_LEAD, _WA_FIRST))


def _covered_by(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """``pos -> any(s <= pos < e)``, by bisection (a page with thousands of handles)."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos)
        return bool(i) and reach[i - 1] > pos

    return inside
