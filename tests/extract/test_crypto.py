"""Wallet addresses: valid ones found, one-character corruptions rejected, USDT inferred."""

from __future__ import annotations

import random

import pytest

from narcowatch.extract.checksums import btc_valid, eth_valid, ton_valid
from narcowatch.extract.crypto import CryptoExtractor
from narcowatch.extract.labelled import values
from narcowatch.extract.registry import extract_all

MAKERS = {
    "crypto:btc": values.btc,
    "crypto:eth": values.eth,
    "crypto:trx": values.trx,
    "crypto:ltc": values.ltc,
    "crypto:xmr": values.xmr,
    "crypto:ton": values.ton,
}


@pytest.mark.parametrize("type_", sorted(MAKERS))
@pytest.mark.parametrize("seed", range(5))
def test_valid_and_corrupted(type_: str, seed: int) -> None:
    rng = random.Random(f"{type_}{seed}")
    address = MAKERS[type_](rng)
    hits = [h for h in extract_all(f"Оплата: {address}.") if h.type == type_]
    assert [(h.value, h.raw) for h in hits] == [(address, address)]
    bad = values.corrupt(rng, type_, address)
    assert [h for h in extract_all(f"Оплата: {bad}.") if h.type.startswith("crypto:")] == []
    assert [h.valid for h in CryptoExtractor().extract(bad)] == [False]


def test_known_vectors() -> None:
    assert btc_valid("1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
    assert btc_valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    assert btc_valid("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297")
    assert not btc_valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr")
    assert eth_valid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert not eth_valid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
    assert eth_valid("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    assert ton_valid("EQDtFpEwcFAEcRe5mLVh2N6C0x-_hJEM7W61_JLnSF74p4q2")
    assert ton_valid("0:" + "ab" * 32)


def test_ton_raw_form() -> None:
    address = values.ton(random.Random(1), raw_form=True)
    assert [h.value for h in extract_all(f"TON {address}")] == [address]


@pytest.mark.parametrize(
    ("text", "network"),
    [("USDT TRC20: {a}", "TRC20"), ("оплата в USDT {a}", "TRC20"), ("tron {a}", "TRC20")],
)
def test_usdt_network(text: str, network: str) -> None:
    address = values.trx(random.Random(2))
    [hit] = CryptoExtractor().extract(text.format(a=address))
    assert hit.meta == {"asset": "USDT", "network": network}


def test_usdt_on_ethereum_and_plain_btc() -> None:
    rng = random.Random(3)
    eth, btc = values.eth(rng), values.btc(rng)
    [hit] = CryptoExtractor().extract(f"USDT ERC20 {eth}")
    assert hit.meta == {"asset": "USDT", "network": "ERC20"}
    [hit] = CryptoExtractor().extract(f"BTC {btc}")
    assert hit.meta == {}


def test_hashes_are_not_wallets() -> None:
    text = "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert [h for h in extract_all(text) if h.type.startswith("crypto:")] == []
