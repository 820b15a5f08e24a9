"""IBANs (Kazakh KZ first), validated by ``python-stdnum`` (country length and mod 97).

Written grouped by four or in one piece; a candidate that swallowed a following word is
shortened group by group until ``stdnum.iban`` accepts it.
"""

from __future__ import annotations

import re

from stdnum import iban

from narcowatch.extract.base import Indicator, finditer_in, scan

NAME = "iban.v1"

# The look-behind follows the first letter (and checks the character before it), so the
# pattern opens with a character set and ``re`` skips to Latin letters in C.
IBAN_RE = re.compile(
    r"[A-Za-z](?<![\w].)(?:"
    r"[A-Za-z]\d{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}(?:[ \u00a0]?[A-Za-z0-9]{1,4})?(?!\w)"
    r"|[A-Za-z]\d{2}[A-Za-z0-9]{11,30}(?!\w))"
)


def _country_digits(text: str, start: int, end: int) -> bool:
    """Two check digits right after two Latin letters: ``KZ86...``."""
    head = text[start - 2 : start] if start >= 2 else ""
    return end - start >= 2 and head.isascii() and head.isalpha()


class IbanExtractor:
    """IBANs; value compact uppercase."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        hits: list[Indicator] = []
        for m in finditer_in(IBAN_RE, text, scan(text).select(_country_digits), lead=2):
            raw = m.group(0)
            found = self._longest_valid(raw)
            if found is None:
                compact = re.sub(r"\s", "", raw).upper()
                if raw[:2].upper() == "KZ" and len(compact) == 20:
                    hits.append(Indicator("iban", compact, raw, m.start(), m.end(), False, NAME))
                continue
            value, length = found
            hits.append(
                Indicator("iban", value, raw[:length], m.start(), m.start() + length, True, NAME)
            )
        return hits

    @staticmethod
    def _longest_valid(raw: str) -> tuple[str, int] | None:
        cuts = [len(raw)] + [i for i in range(len(raw) - 1, 14, -1) if raw[i] in " \u00a0"]
        for cut in cuts:
            piece = raw[:cut].rstrip()
            compact = re.sub(r"\s", "", piece).upper()
            if iban.is_valid(compact):
                return compact, len(piece)
        return None
