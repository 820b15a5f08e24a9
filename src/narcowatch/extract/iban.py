"""IBANs (Kazakh KZ first), validated by ``python-stdnum`` (country length and mod 97).

Written grouped by four or in one piece; a candidate that swallowed a following word is
shortened group by group until ``stdnum.iban`` accepts it.
"""

from __future__ import annotations

import re

from stdnum import iban

from narcowatch.extract.base import Indicator, digit_windows, finditer_near_digits

NAME = "iban.v1"

IBAN_RE = re.compile(
    r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}"
    r"(?:[ \u00a0]?[A-Za-z0-9]{1,4})?(?!\w)"
    r"|(?<![\w])[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}(?!\w)"
)


class IbanExtractor:
    """IBANs; value compact uppercase."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        if not digit_windows(text):
            return []
        hits: list[Indicator] = []
        for m in finditer_near_digits(IBAN_RE, text):
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
