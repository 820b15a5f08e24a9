"""E-mail addresses, including ``name (at) host [.] kz`` and ``name собака host.kz``.

Value: lowercase, refanged, Unicode host. The domain part must end in a real TLD.
"""

from __future__ import annotations

import re

from narcowatch.extract.base import Indicator, finditer_from, occurrences, scan
from narcowatch.extract.links import clean_host
from narcowatch.extract.marks import any_in, gate_words
from narcowatch.extract.tlds import is_tld

NAME = "emails.v1"

_AT = r"(?:@|＠|\s?[\[\(\{]\s?(?:@|at|собака)\s?[\]\)\}]\s?|\s(?:собака|собачка|at)\s)"
_DOT = r"(?:\.|\\\.|\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\s(?:dot|точка)\s)"
EMAIL_RE = re.compile(
    rf"(?<![\w.+\-@/])(?P<local>[\w](?:[\w.+\-]{{0,62}}[\w])?){_AT}"
    rf"(?P<host>(?:[^\W_](?:[\w-]{{0,61}}[^\W_])?{_DOT})+(?:xn--[a-z0-9-]{{2,59}}|[^\W\d_]{{2,24}}))"
    r"(?![\w-])",
    re.IGNORECASE,
)
_GATE_WORDS = gate_words("@", "＠", "(at)", "[at]", "{at}", " at ", "собак")


_LOCAL_CHARS = frozenset("_.+-")


def _starts(text: str, low: str) -> list[int]:
    """Every position where ``EMAIL_RE`` can begin a match, for ``finditer_from``.

    The local part ends where the "at" form begins: at ``@``/``＠``, at a bracket
    (``[at]``, ``(@)``) or the space before one, or at the space before "собака"/"at".
    Since the look-behind refuses a local-part character before it, the local part is the
    whole run of ``[\\w.+-]`` ending there (64 characters at most): one start per "at" form.
    ``EMAIL_RE`` opens with a look-behind, so ``re`` would otherwise try it everywhere.
    """
    ends: set[int] = set(occurrences(text, ("@", "＠")))
    for q in occurrences(text, ("[", "(", "{")):
        ends.add(q)
        if q and text[q - 1].isspace():
            ends.add(q - 1)
    for q in occurrences(low, ("собак", "at")):
        if q and low[q - 1].isspace():
            ends.add(q - 1)
    starts = []
    for e in ends:
        p = e
        while p > 0 and e - p <= 64 and (text[p - 1].isalnum() or text[p - 1] in _LOCAL_CHARS):
            p -= 1
        if p < e and e - p <= 64:
            starts.append(p)
    return sorted(starts)


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
        if not any_in(text, _GATE_WORDS):
            return []
        hits: list[Indicator] = []
        low = scan(text).caseless
        matches = (
            EMAIL_RE.finditer(text)
            if low is None
            else finditer_from(EMAIL_RE, text, _starts(text, low))
        )
        for m in matches:
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
