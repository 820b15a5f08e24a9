"""E-mail addresses, including ``name (at) host [.] kz`` and ``name собака host.kz``.

Value: lowercase, refanged, Unicode host. The domain part must end in a real TLD.
"""

from __future__ import annotations

import re

from narcowatch.extract.base import Indicator, scan
from narcowatch.extract.links import clean_host
from narcowatch.extract.tlds import is_tld

NAME = "emails.v1"

_AT = r"(?:@|＠|\s?[\[\(\{]\s?(?:@|at|собака)\s?[\]\)\}]\s?|\s(?:собака|собачка|at)\s)"
_DOT = r"(?:\.|\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\s(?:dot|точка)\s)"
EMAIL_RE = re.compile(
    rf"(?<![\w.+\-@/])(?P<local>[\w](?:[\w.+\-]{{0,62}}[\w])?){_AT}"
    rf"(?P<host>(?:[^\W_](?:[\w-]{{0,61}}[^\W_])?{_DOT})+(?:xn--[a-z0-9-]{{2,59}}|[^\W\d_]{{2,24}}))"
    r"(?![\w-])",
    re.IGNORECASE,
)
_GATE_WORDS = ("@", "＠", "(at)", "[at]", "{at}", " at ", "собак")


class EmailExtractor:
    name = NAME

    @staticmethod
    def _inside_url_authority(text: str, start: int) -> bool:
        """``http://user:pass@host``: the ``pass@host`` part is credentials, not an e-mail."""
        if start == 0 or text[start - 1] != ":":
            return False
        token = text[:start].rsplit(None, 1)[-1] if text[:start].strip() else ""
        return "://" in token

    def extract(self, text: str) -> list[Indicator]:
        low = scan(text).low
        if not any(map(low.__contains__, _GATE_WORDS)):
            return []
        hits: list[Indicator] = []
        for m in EMAIL_RE.finditer(text):
            host = clean_host(m.group("host"))
            if not is_tld(host.rsplit(".", 1)[-1]):
                continue
            local = m.group("local")
            if self._inside_url_authority(text, m.start()):
                continue
            if "@" not in m.group(0) and "＠" not in m.group(0) and not local.isascii():
                continue
            value = f"{local.lower()}@{host}"
            hits.append(Indicator("email", value, m.group(0), m.start(), m.end(), True, NAME))
        return hits
