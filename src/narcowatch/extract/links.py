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

from narcowatch.extract.base import Indicator, finditer_from, occurrences
from narcowatch.extract.marks import any_in, gate_words
from narcowatch.extract.textutil import refang_dots, trim_trailing
from narcowatch.extract.tlds import FILE_LIKE_TLDS, is_tld, top_level_domains

NAME = "links.v1"

# ``\.`` too: a dot escaped as in a regular expression (``example\.com``), as threat reports
# and other extractors' suites write it.
_DOT = r"(?:\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\\\.|\.|\s\.\s)"
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
# ``[/]`` is a defanged slash (``example[.]com[/]path``), ``\.`` an escaped dot.
_PATH = r"(?P<path>(?:[/?#]|\[/\])(?:[^\s<>\"'«»“”`|^{}\\]|\\\.)*)?"
URL_RE = re.compile(rf"(?<![\w@.\-/]){_SCHEME}?{_HOST}{_PORT}{_PATH}", re.IGNORECASE)
_SPACED_PATH = re.compile(r"\s?/\s?[\w+\-]+(?:/[\w+\-]+)*")
_DOT_LETTER = re.compile(r"\.[^\W_]")
_DEFANG_MARKS = ("[.]", "(.)", "{.}", "dot", "точка", " . ", "[ . ]", "( . )")
# Besides defanged dots, forms the fast path (anchored at ``.x``) would not see.
_FULL_SCAN_MARKS = ("[:]", "(:)", "[/]", "://[", "\\.")
_FULL_SCAN_GATE = gate_words(*_DEFANG_MARKS, *_FULL_SCAN_MARKS)
_SLASHES = gate_words("//", "\\\\")


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
    if "[" not in raw_path and " " not in raw_path and "\\." not in raw_path:
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


# "10.0.0.0/8": a network, not a link.
_CIDR = re.compile(r"/\d{1,2}")


def _ip_with_path(raw: str, m: re.Match[str]) -> bool:
    """A bare IPv4 address is a link (``url``) when a path follows: ``192.168.1.1/admin``.

    The contract has no type for an address alone (``domain`` is a name, not a number), so
    ``10.0.0.1`` stays unreported as before; with a path it is as much a link as
    ``example.com/admin`` and IOC extractors report it as a URL. A CIDR suffix is not a path.
    """
    head_len = (m.start("host") - m.start()) + len(m.group("host")) + len(m.group("port") or "")
    path = raw[head_len:].replace("[/]", "/")
    return bool(path.strip("/")) and path.startswith("/") and not _CIDR.fullmatch(path)


# ``http://3232235777/``: an IPv4 address written as one 32-bit number, with a scheme only.
INT_HOST_URL_RE = re.compile(
    rf"(?<![\w@.\-/]){_SCHEME}(?P<host>\d{{8,10}})(?![\w.\-]){_PORT}{_PATH}", re.IGNORECASE
)
# What may follow the "//" of such a URL: the rest of a bracketed separator, a space, user
# information, then the number (a cheap test before trying ``INT_HOST_URL_RE`` around it).
_INT_AFTER_SLASHES = re.compile(r"[^\s/]{0,3}\s?[^\s/]{0,80}?(?<![\w.\-])\d{8,10}(?![\w.\-])")


def integer_host(raw: str) -> str | None:
    """``3232235777`` -> ``192.168.1.1``; None outside 1.0.0.0-255.255.255.255."""
    number = int(raw)
    if not 1 << 24 <= number < 1 << 32:
        return None
    return ".".join(str((number >> shift) & 255) for shift in (24, 16, 8, 0))


class LinkExtractor:
    """URLs, domains and onion addresses; a URL with a scheme or path is a ``url``."""

    name = NAME

    def __init__(self) -> None:
        top_level_domains()  # load the Public Suffix List now, not inside the first text

    def extract(self, text: str) -> list[Indicator]:
        if any_in(text, _FULL_SCAN_GATE):
            matches: list[re.Match[str]] = finditer_from(URL_RE, text, self._starts(text))
        else:
            matches = list(self._anchored(text))
        hits: list[Indicator] = []
        for m in matches:
            hits.extend(self._from_match(text, m))
        if any_in(text, _SLASHES):
            hits.extend(self._integer_hosts(text))
        return hits

    @staticmethod
    def _integer_hosts(text: str) -> list[Indicator]:
        """URLs whose host is an IPv4 address as one number; ``meta["ip"]`` the dotted form."""
        starts: set[int] = set()
        for a in occurrences(text, ("//", "\\\\")):
            if _INT_AFTER_SLASHES.match(text, a + 2):
                starts.update(range(max(0, a - 9), a + 1))
        hits = []
        for m in finditer_from(INT_HOST_URL_RE, text, sorted(starts)):
            dotted = integer_host(m.group("host"))
            if dotted is None:
                continue
            scheme_raw, userinfo = m.group("scheme"), m.group("userinfo") or ""
            if userinfo:
                scheme_raw = scheme_raw[: -len(userinfo)]
            raw = trim_trailing(m.group(0))
            head_len = m.end("host") - m.start() + len(m.group("port") or "")
            value = f"{clean_scheme(scheme_raw)}://{userinfo}{m.group('host')}"
            value += (m.group("port") or "") + clean_path(raw[head_len:])
            start = m.start()
            hits.append(
                Indicator("url", value, raw, start, start + len(raw), True, NAME, {"ip": dotted})
            )
        return hits

    @staticmethod
    def _starts(text: str) -> list[int]:
        """Every position where ``URL_RE`` can begin a match, for ``finditer_from``.

        Without a scheme a match begins with its host: an IPv6 ``[``, or the first label (or
        first number of an IPv4 address), a run of ``[\\w-]`` of at most 64 characters that
        ends where the first dot form begins: at a ``.``, ``[``, ``(`` or ``{``, or at the
        whitespace just before one (``shop . kz``, ``shop [.] kz``). The label must be that
        whole run, since the look-behind refuses a word character or ``-`` before it. With a
        scheme it begins at most 9 characters before the ``//`` or ``\\\\`` of its separator
        (``hxxps [:]//``). ``URL_RE`` opens with a look-behind, so ``re`` would otherwise try
        it at every character of the text.
        """
        starts: set[int] = set()
        for q in occurrences(text, (".", "[", "(", "{")):
            if text[q] == "[":
                starts.add(q)
            for e in (q, q - 1):
                if e < 1 or (e < q and not (text[e].isspace() or text[e] == "\\")):
                    continue
                p = e
                while p > 0 and e - p <= 64 and (text[p - 1].isalnum() or text[p - 1] in "_-"):
                    p -= 1
                if p < e and e - p <= 64:
                    starts.add(p)
        for a in occurrences(text, ("//", "\\\\")):
            starts.update(range(max(0, a - 9), a + 1))
        return sorted(starts)

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
            if not _valid_ip(host):
                return []
            if not scheme_raw and not _ip_with_path(raw, m):
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
