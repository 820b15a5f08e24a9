"""Phone numbers of Kazakhstan and its neighbours, in E.164.

``phonenumbers`` decides what a valid number is (default region KZ; +7 covers Russia too;
Kyrgyz, Uzbek and Tajik numbers with their country code, Kyrgyz ``0...`` locally). What it
does not do is find numbers the way shops write them: ``+7 7O1 ...`` (letters for digits),
``8 7 0 1 ...`` (spaced out), glued to other numbers. So candidates are found here, split at
their separators, and the longest valid run of groups wins. Dates, times, order numbers,
card numbers and hashes are kept out by boundaries, shape and context.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import luhn

from narcowatch.extract.base import Indicator
from narcowatch.extract.base import scan as prescan
from narcowatch.extract.numwords import digitize, spelled_numbers

NAME = "phones.v1"

# ``(?<![\w+#№/@$€£₽₸])(?:\+\s?)?\(?\d(?:[ \t\u00a0\-.()]{0,3}\d){6,18}(?!\w)``, written to
# open with the set of first characters (then the look-behind on the one before, then what
# may follow that first character) so that ``re`` skips to candidates in C.
CANDIDATE_RE = re.compile(
    r"[+(\d](?<![\w+#№/@$€£₽₸].)(?:(?<=\+)\s?\(?\d|(?<=\()\d|(?<=\d))"
    r"(?:[ \t\u00a0\-.()]{0,3}\d){6,18}(?!\w)"
)
_GROUP_RE = re.compile(r"\d+")
_BEFORE_RE = re.compile(
    r"(?:№|#|\bno\.?|\bnr\.?|заказ\w*|order\w*|\bid|\bид|сч[её]т\w*|карт\w*|card\w*|"
    r"иин|бин|\biin|\bbin|инн|артикул\w*|трек\w*|track\w*|накладн\w*|код\w*|code|"
    r"iban|\bкод|чек\w*|транзакц\w*|tx\w*|isbn|issn|штрих\w*|ean)\W{0,3}$",
    re.IGNORECASE,
)
# ``_BEFORE_RE`` mirrored, for ``match`` on the reversed 24 characters before a candidate:
# ``search`` with a trailing ``$`` tries some twenty alternatives at each of 24 starts; the
# mirrored pattern is anchored at its start. ``\W{0,3}$`` (``$`` also before a final newline)
# becomes ``\n?\W{0,3}``, ``word\w*`` becomes ``\w*drow``, ``\bword`` becomes ``drow\b``.
_BEFORE_REVERSED = re.compile(
    r"\n?\W{0,3}(?:№|#|\.?on\b|\.?rn\b|\w*заказ|\w*redro|di\b|ди\b|\w*т[её]чс|\w*трак|\w*drac|"
    r"нии|ниб|nii\b|nib\b|нни|\w*лукитра|\w*керт|\w*kcart|\w*ндалкан|\w*док|edoc|"
    r"nabi|док\b|\w*кеч|\w*цказнарт|\w*xt|nbsi|nssi|\w*хиртш|nae)",
    re.IGNORECASE,
)
_AFTER_RE = re.compile(r"\s?(?:тг|тенге|₸|kzt|руб|₽|rub|\$|usd|usdt|сом|сум|%)", re.IGNORECASE)
_DATE_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_FALLBACK_CODES = ("7", "996", "998", "992", "993", "994", "995", "374", "375", "380")
_DIGIT_RUNS = re.compile(r"\d+")
_NON_DIGIT = re.compile(r"\D")


def _plausible_national(digits: str) -> bool:
    """Cheap shape test before ``phonenumbers`` for numbers written without ``+``."""
    if len(digits) == 10:
        return digits[0] in "03456789"
    if len(digits) == 11 and digits[0] in "78":
        return True
    return len(digits) >= 11 and digits.startswith(_FALLBACK_CODES)


def parse_phone(candidate: str) -> str | None:
    """E.164 of a valid number written as ``candidate``, or ``None``."""
    digits = "".join(filter(str.isdigit, candidate))
    plus = candidate.lstrip().startswith("+")
    if not (7 <= len(digits) <= (15 if plus else 12)):
        return None
    if not plus and not _plausible_national(digits):
        return None
    attempts: list[tuple[str, str | None]] = [("+" + digits, None)] if plus else [(digits, "KZ")]
    if not plus:
        if digits.startswith("0"):
            attempts.append((digits, "KG"))
        if digits.startswith(_FALLBACK_CODES) and len(digits) >= 11:
            attempts.append(("+" + digits, None))
    for number, region in attempts:
        try:
            num = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return None


_LOOKALIKE = frozenset("OoОоЗзlI")
_SEPARATOR = frozenset(" -.")


def _lookalike_next(text: str, start: int, end: int) -> bool:
    """A letter ``digitize`` may read as a digit touches this run (one separator between)."""
    after = text[end : end + 1]
    if after in _LOOKALIKE or (after in _SEPARATOR and text[end + 1 : end + 2] in _LOOKALIKE):
        return True
    if not start:
        return False
    before = text[start - 1]
    return before in _LOOKALIKE or (
        before in _SEPARATOR and start > 1 and text[start - 2] in _LOOKALIKE
    )


class PhoneExtractor:
    """Valid phone numbers in E.164; obfuscated digits and spacing tolerated."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        spelled = self._spelled(text)
        windows = prescan(text).windows
        if not windows:
            return spelled
        hits: list[Indicator] = []
        for start, end, runs, digits in windows:
            if digits < 7 and not any(_lookalike_next(text, s, e) for s, e in runs):
                continue  # fewer than seven digits and no letter that could be one
            # Lookalike letters are undone inside the window only; lengths never change.
            piece = text[start:end]
            fixed = digitize(piece)
            if fixed is piece:
                if digits < 7:
                    continue
                scan = text
            else:
                scan = text[:start] + fixed + text[end:]
                if sum(map(len, _DIGIT_RUNS.findall(scan, start, end))) < 7:
                    continue
            # A candidate opens at most "+ (" before its first digit.
            pos = start if fixed is not piece else max(start, runs[0][0] - 3)
            for m in CANDIDATE_RE.finditer(scan, pos, end):
                hits.extend(self._from_candidate(text, scan, m))
        return hits + [
            h for h in spelled if not any(o.start < h.end and h.start < o.end for o in hits)
        ]

    @staticmethod
    def _spelled(text: str) -> list[Indicator]:
        """Numbers written in words: ``восемь семь ноль один ...``."""
        hits = []
        for start, end, digits in spelled_numbers(text):
            value = parse_phone(digits)
            if value:
                hits.append(Indicator("phone", value, text[start:end], start, end, True, NAME))
        return hits

    def _from_candidate(self, text: str, scan: str, m: re.Match[str]) -> list[Indicator]:
        all_digits = _NON_DIGIT.sub("", m.group(0))
        if len(all_digits) >= 13 and luhn.is_valid(all_digits):
            return []
        if _BEFORE_REVERSED.match(scan[max(0, m.start() - 24) : m.start()][::-1]):
            return []
        groups = [
            (g.start() + m.start(), g.end() + m.start()) for g in _GROUP_RE.finditer(m.group(0))
        ]
        plus_at = m.start() if m.group(0).startswith("+") else -1
        hits: list[Indicator] = []
        i = 0
        lengths = [end - start for start, end in groups]
        while i < len(groups):
            found = None
            for j in range(len(groups), i, -1):
                if not 7 <= sum(lengths[i:j]) <= 15:
                    continue
                if not self._splits_at_spaces(scan, groups, i, j):
                    continue
                start = plus_at if i == 0 and plus_at >= 0 else groups[i][0]
                if i == 0 and scan[m.start()] == "(":
                    start = m.start()
                end = groups[j - 1][1]
                if scan[end : end + 1] == ")" and "(" in scan[start:end]:
                    end += 1
                piece = scan[start:end]
                if _DATE_RE.match(piece) or not self._clean_edges(scan, start, end):
                    continue
                value = parse_phone(piece)
                if value:
                    found = (j, start, end, value)
                    break
            if found is None:
                i += 1
                continue
            j, start, end, value = found
            hits.append(Indicator("phone", value, text[start:end], start, end, True, NAME))
            i = j
        return hits

    @staticmethod
    def _splits_at_spaces(scan: str, groups: list[tuple[int, int]], i: int, j: int) -> bool:
        """A part of a longer digit sequence is a phone only if cut off by spaces there."""
        blank = " \t\u00a0"
        if i > 0 and scan[groups[i - 1][1] : groups[i][0]].strip(blank):
            return scan[groups[i][0] - 1] in "(+" and scan[groups[i - 1][1]] == " "
        return j == len(groups) or not scan[groups[j - 1][1] : groups[j][0]].strip(blank)

    @staticmethod
    def _clean_edges(scan: str, start: int, end: int) -> bool:
        """No currency right after, no digit glued by a dot or comma on either side."""
        if _AFTER_RE.match(scan, end):
            return False
        if sum(map(str.isdigit, scan[start:end])) >= 10:
            return True  # long enough not to be half of a decimal figure
        before = scan[start - 1 : start] if start else ""
        after = scan[end : end + 2]
        return not (before in {".", ","} and start > 1 and scan[start - 2].isdigit()) and not (
            len(after) == 2 and after[0] in ".,:" and after[1].isdigit()
        )
