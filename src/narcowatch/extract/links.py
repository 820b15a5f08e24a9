"""Links: URLs (with or without scheme), bare domains and onion addresses.

Shops defang links to slip past filters (``hxxp``, ``[.]``, ``(dot)``, ``shop . kz``) and use
internationalised domains (``.рф``, ``.қаз``). One regular expression finds the written form
in the original text so offsets stay exact; ``clean_*`` turn it into the normal form:
refanged, lowercase host, punycode decoded to Unicode so both spellings are one value.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import re

from narcowatch.extract.base import Indicator, scan
from narcowatch.extract.textutil import refang_dots, trim_trailing
from narcowatch.extract.tlds import FILE_LIKE_TLDS, is_tld, top_level_domains

NAME = "links.v1"

_DOT = r"(?:\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\.|\s\.\s)"
_SCHEME = (
    r"(?P<scheme>(?:h[xt*_]{2}ps?|ftps?|fxps?|sftp)\s?"
    r"(?:\[:\]//|\(:\)//|:\[//\]|\[://\]|\(://\)|://|:\\\\|\[:\]\\\\)\s?"
    r"(?P<userinfo>[^\s/@:\[\]]+(?::[^\s/@]*)?@)?)"
)
_LABEL = r"[^\W_](?:[\w-]{0,62}[^\W_])?"
_HOST = (
    rf"(?P<host>(?P<ip>\d{{1,3}}(?:{_DOT}\d{{1,3}}){{3}})"
    r"|(?P<ip6>\[[0-9a-f:.]{2,39}(?:%[\w.]{1,20})?\])"
    # At most 64 labels: unbounded, "a . a . a ..." backtracks in the square of its length.
    rf"|(?:{_LABEL}{_DOT}){{1,64}}(?:xn--[a-z0-9-]{{2,59}}|[^\W\d_]{{2,63}}))(?![\w-])"
)
_PORT = r"(?P<port>:\d{1,5}(?![\d.]))?"
# ``[/]`` is a defanged slash (``example[.]com[/]path``).
_PATH = r"(?P<path>(?:[/?#]|\[/\])[^\s<>\"'«»“”`|^{}\\]*)?"
URL_RE = re.compile(rf"(?<![\w@.\-/]){_SCHEME}?{_HOST}{_PORT}{_PATH}", re.IGNORECASE)
_SPACED_PATH = re.compile(r"\s?/\s?[\w+\-]+(?:/[\w+\-]+)*")
_DOT_LETTER = re.compile(r"\.[^\W_]")
_DEFANG_MARKS = ("[.]", "(.)", "{.}", "dot", "точка", " . ", "[ . ]", "( . )")
# Besides defanged dots, forms the fast path (anchored at ``.x``) would not see.
_FULL_SCAN_MARKS = ("[:]", "(:)", "[/]", "://[")


def might_have_link(text: str) -> bool:
    """Cheap gate: a dot glued to a letter or digit, or a defanged dot somewhere."""
    if _DOT_LETTER.search(text):
        return True
    low = text.lower()
    return any(mark in low for mark in _DEFANG_MARKS)


def clean_host(raw_host: str) -> str:
    """Refang and lowercase a host; punycode labels become Unicode."""
    host = re.sub(r"\s+", "", refang_dots(raw_host)).lower().strip(".")
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def clean_scheme(raw_scheme: str) -> str:
    """``hXXps[://]`` -> ``https``; ``h__p``, ``hxtp``, ``fxp`` and friends likewise."""
    name = re.split(r"[\s\[\]():/\\]", raw_scheme, maxsplit=1)[0].lower()
    if name == "sftp":
        return name
    secure = name.endswith("s")
    base = name[:-1] if secure else name
    base = "http" if base.startswith("h") else "ftp" if base.startswith("f") else base
    return base + ("s" if secure else "")


def clean_path(raw_path: str) -> str:
    if "[" not in raw_path and " " not in raw_path:
        return raw_path
    return re.sub(r"\s+", "", refang_dots(raw_path)).replace("[/]", "/")


def clean_ipv6(raw_host: str) -> str | None:
    """``[2001:DB8:0::1]`` -> ``[2001:db8::1]`` (compressed, lowercase); ``None`` if invalid."""
    address, _, zone = raw_host.strip("[]").partition("%")
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    return f"[{parsed.compressed}{'%' + zone if zone else ''}]"


def validate_onion(host: str) -> bool:
    """v3 onion: base32(pubkey 32 | checksum 2 | version 3); checksum is SHA3-256 based."""
    label = host.split(".")[-2] if host.count(".") else host
    if len(label) == 16:
        return True
    if len(label) != 56:
        return False
    try:
        blob = base64.b32decode(label.upper())
    except ValueError:
        return False
    pubkey, checksum, version = blob[:32], blob[32:34], blob[34]
    digest = hashlib.sha3_256(b".onion checksum" + pubkey + bytes([version])).digest()
    return version == 3 and digest[:2] == checksum


def _valid_ip(host: str) -> bool:
    return all(0 <= int(part) <= 255 for part in host.split("."))


class LinkExtractor:
    """URLs, domains and onion addresses; a URL with a scheme or path is a ``url``."""

    name = NAME

    def __init__(self) -> None:
        top_level_domains()  # load the Public Suffix List now, not inside the first text

    def extract(self, text: str) -> list[Indicator]:
        low = scan(text).low
        if any(map(low.__contains__, _DEFANG_MARKS)) or any(
            map(low.__contains__, _FULL_SCAN_MARKS)
        ):
            matches: list[re.Match[str]] = list(URL_RE.finditer(text))
        else:
            matches = list(self._anchored(text))
        hits: list[Indicator] = []
        for m in matches:
            hits.extend(self._from_match(text, m))
        return hits

    @staticmethod
    def _anchored(text: str) -> list[re.Match[str]]:
        """Plain links only: try ``URL_RE`` from the start of each token holding a ``.x``.

        Equivalent to scanning the whole text when no defanged dot is present (a plain link
        never contains whitespace), and many times faster on long posts.
        """
        found: list[re.Match[str]] = []
        # Positions below ``done`` are settled: inside a link found, or tried for an earlier
        # anchor (a match from there ends before that anchor, so before any later one too).
        # Without this a long token of ``a.a.a...`` costs the square of its length.
        done = 0
        for anchor in _DOT_LETTER.finditer(text):
            at = anchor.start()
            if at < done:
                continue
            start = at
            while start > done and start > at - 300 and not text[start - 1].isspace():
                start -= 1
            for pos in range(start, at):
                m = URL_RE.match(text, pos)
                if m and m.end() > at:
                    found.append(m)
                    done = m.end()
                    break
            else:
                done = at
        return found

    @staticmethod
    def _ipv6(text: str, m: re.Match[str], scheme_raw: str, userinfo: str) -> list[Indicator]:
        """``http://[2001:db8::1]:8080/x``: only with a scheme, as for IPv4 hosts."""
        host = clean_ipv6(m.group("host"))
        if not scheme_raw or host is None:
            return []
        start = m.start()
        raw = trim_trailing(m.group(0))
        head_len = (m.start("host") - start) + len(m.group("host")) + len(m.group("port") or "")
        value = f"{clean_scheme(scheme_raw)}://{userinfo}{host}{m.group('port') or ''}"
        value += clean_path(raw[head_len:])
        return [Indicator("url", value, raw, start, start + len(raw), True, NAME)]

    def _from_match(self, text: str, m: re.Match[str]) -> list[Indicator]:
        start = m.start()
        raw = trim_trailing(m.group(0))
        raw_host, scheme_raw = m.group("host"), m.group("scheme")
        userinfo = m.group("userinfo") or ""
        if userinfo:
            scheme_raw = scheme_raw[: -len(userinfo)]
        if m.group("ip6"):
            return self._ipv6(text, m, scheme_raw, userinfo)
        host = clean_host(raw_host)
        tld = host.rsplit(".", 1)[-1]
        if m.group("ip"):
            if not scheme_raw or not _valid_ip(host):
                return []
        elif not is_tld(tld) and not scheme_raw:
            return []
        if not scheme_raw and (tld in FILE_LIKE_TLDS or host.count(".") == 0):
            return []
        head_len = (m.start("host") - start) + len(raw_host) + len(m.group("port") or "")
        path = raw[head_len:]
        if not path and " " in raw_host:
            extra = _SPACED_PATH.match(text, start + len(raw))
            if extra:
                raw = text[start : extra.end()]
                path = "/" + extra.group(0).strip().lstrip("/").strip()
        end = start + len(raw)
        scheme = clean_scheme(scheme_raw) if scheme_raw else ""
        value = (f"{scheme}://{userinfo}" if scheme else "") + host + (m.group("port") or "")
        value += clean_path(path)
        hits: list[Indicator] = []
        if tld == "onion":
            onion = ".".join(host.split(".")[-2:])
            hits.append(Indicator("onion", onion, raw, start, end, validate_onion(onion), NAME))
            if not scheme and not path:
                return hits
        if scheme or path.strip("/"):
            hits.append(Indicator("url", value, raw, start, end, True, NAME))
        elif tld != "onion":
            hits.append(Indicator("domain", host, raw, start, end, True, NAME))
        return hits
