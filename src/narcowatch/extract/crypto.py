"""Wallet addresses of the chains drug shops take payment in, checksums verified.

USDT on TRON is the usual payment; Bitcoin, Ethereum/EVM, Litecoin, Monero and TON follow.
One pass finds address-shaped tokens; ``checksums`` decides validity; a "USDT" mention
(with TRC20/ERC20/BEP20/TON or none) nearby adds ``meta`` {"asset": "USDT", "network": ...},
inferring the network from the address format when the text does not name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from narcowatch.extract.base import Indicator, scan
from narcowatch.extract.checksums import VALIDATORS

NAME = "crypto.v1"

_B58 = "1-9A-HJ-NP-Za-km-z"
ADDRESS_RE = re.compile(
    r"(?<![\w/+=-])(?:"
    r"(?P<eth>0x[0-9a-fA-F]{40})"
    r"|(?P<btc_sw>(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87})"
    r"|(?P<ltc_sw>(?:ltc1|LTC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87})"
    rf"|(?P<trx>T[{_B58}]{{33}})"
    rf"|(?P<btc>[13][{_B58}]{{25,34}})"
    rf"|(?P<ltc>[LM][{_B58}]{{26,33}})"
    rf"|(?P<xmr>[48][{_B58}]{{94}}(?:[{_B58}]{{11}})?)"
    r"|(?P<ton>[EUk0][Qf][A-Za-z0-9_\-+/]{46})"
    r"|(?P<ton_raw>(?:0|-1):[0-9a-fA-F]{64})"
    r")(?![\w/+=-])"
)
# One character, then ten more: ``{11,}`` alone gives ``re`` no set to skip ahead to.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_+/=:-][A-Za-z0-9_+/=:-]{10,}")
_TYPES = {
    "eth": "crypto:eth",
    "btc_sw": "crypto:btc",
    "btc": "crypto:btc",
    "ltc_sw": "crypto:ltc",
    "ltc": "crypto:ltc",
    "trx": "crypto:trx",
    "xmr": "crypto:xmr",
    "ton": "crypto:ton",
    "ton_raw": "crypto:ton",
}
USDT_RE = re.compile(
    r"usdt|tether|юсдт|тезер"
    r"|(?P<net>trc-?20|trc|tron|трон|erc-?20|bep-?20|bsc|ton(?!\w)|jetton|polygon|arbitrum)",
    re.IGNORECASE,
)
# The same, case-sensitive over the lowercase text: IGNORECASE with a leading alternation has
# no prefix for ``re`` to skip to, and tries every branch at every position.
_USDT_LOW = re.compile(USDT_RE.pattern)
_NETWORKS = {
    "trc": "TRC20",
    "tro": "TRC20",
    "тро": "TRC20",
    "erc": "ERC20",
    "bep": "BEP20",
    "bsc": "BEP20",
    "ton": "TON",
    "jet": "TON",
    "pol": "POLYGON",
    "arb": "ARBITRUM",
}
_DEFAULT_NETWORK = {"crypto:trx": "TRC20", "crypto:eth": "ERC20", "crypto:ton": "TON"}


def usdt_context(text: str) -> tuple[bool, str | None]:
    """Whether the text speaks of USDT, and the network it names, if any."""
    usdt, network = False, None
    low = scan(text).caseless
    for m in _USDT_LOW.finditer(low) if low is not None else USDT_RE.finditer(text):
        if m.group("net"):
            network = network or _NETWORKS.get(m.group("net")[:3].lower())
        else:
            usdt = True
    return usdt, network


class CryptoExtractor:
    """BTC, ETH/EVM, TRON, LTC, XMR and TON addresses with verified checksums."""

    name = NAME

    @staticmethod
    def _candidates(text: str) -> Iterator[re.Match[str]]:
        """``ADDRESS_RE`` matches in the digit windows, looked for only where they can be.

        Every address form is 11+ characters of ``_LONG_TOKEN``'s set in a row (``bc1`` and 8
        at least), so ``ADDRESS_RE`` runs only over such runs, one character past each so its
        look-ahead sees what follows, as it would scanning the whole window.
        """
        for start, end, _, _ in scan(text).windows:
            if max(map(len, text[start:end].split())) < 11:
                continue
            for token in _LONG_TOKEN.finditer(text, start, end):
                yield from ADDRESS_RE.finditer(text, token.start(), min(token.end() + 1, end))

    def extract(self, text: str) -> list[Indicator]:
        # Every address form is 11+ characters of this ASCII set in a row (bc1 + 8 at least).
        hits: list[Indicator] = []
        usdt: tuple[bool, str | None] | None = None
        for m in self._candidates(text):
            kind = m.lastgroup or ""
            type_ = _TYPES[kind]
            value = m.group(0)
            valid = VALIDATORS[type_](value)
            meta: dict[str, str] = {}
            if type_ in _DEFAULT_NETWORK:
                if usdt is None:
                    usdt = usdt_context(text)
                mentioned, network = usdt
                if mentioned or (network and network != "TON"):
                    meta = {"asset": "USDT", "network": network or _DEFAULT_NETWORK[type_]}
            hits.append(Indicator(type_, value, value, m.start(), m.end(), valid, NAME, meta))
        return hits
