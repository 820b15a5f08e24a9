"""Checksum validators for wallet addresses, one function per chain.

Libraries do the primitives: ``stdnum.bitcoin`` (base58check and bech32 v0), ``bech32``
(polymod), ``base58`` (base58check), pycryptodome (Keccak-256). Written here is only what no
maintained library offers on its own: the bech32m constant of BIP-350 (taproot, ``bc1p``),
EIP-55 mixed-case checks, TRON's 0x41 version byte, Litecoin's versions, Monero's block-wise
base58 with its Keccak checksum, and TON's user-friendly form (CRC16-XMODEM).
"""

from __future__ import annotations

import base64
import binascii
import re

import base58
from bech32 import CHARSET, bech32_hrp_expand, bech32_polymod, convertbits
from Crypto.Hash import keccak
from stdnum import bitcoin

_BECH32M_CONST = 0x2BC830A3
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def segwit_valid(address: str, hrp: str) -> bool:
    """Native segwit address of ``hrp``: bech32 for v0 (BIP-173), bech32m for v1+ (BIP-350)."""
    if address.lower() != address and address.upper() != address:
        return False
    addr = address.lower()
    pos = addr.rfind("1")
    if addr[:pos] != hrp or pos + 7 > len(addr) or len(addr) > 90:
        return False
    if any(ch not in CHARSET for ch in addr[pos + 1 :]):
        return False
    data = [CHARSET.find(ch) for ch in addr[pos + 1 :]]
    const = bech32_polymod(bech32_hrp_expand(hrp) + data)
    version = data[0]
    if version > 16 or const != (1 if version == 0 else _BECH32M_CONST):
        return False
    program = convertbits(data[1:-6], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return False
    return not (version == 0 and len(program) not in (20, 32))


def btc_valid(address: str) -> bool:
    if address[:3].lower() == "bc1":
        return segwit_valid(address, "bc")
    return bitcoin.is_valid(address)


def _b58check(address: str) -> bytes | None:
    try:
        return base58.b58decode_check(address)
    except ValueError:
        return None


def ltc_valid(address: str) -> bool:
    if address[:4].lower() == "ltc1":
        return segwit_valid(address, "ltc")
    payload = _b58check(address)
    return payload is not None and len(payload) == 21 and payload[0] in (0x30, 0x32)


def trx_valid(address: str) -> bool:
    payload = _b58check(address)
    return payload is not None and len(payload) == 21 and payload[0] == 0x41


def eth_valid(address: str) -> bool:
    """Hex form; when the letters are mixed case they must follow EIP-55."""
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        return False
    body = address[2:]
    if body == body.lower() or body == body.upper():
        return True
    digest = keccak256(body.lower().encode("ascii")).hex()
    return all(
        (ch.isupper() if int(nibble, 16) >= 8 else ch.islower()) if ch.isalpha() else True
        for ch, nibble in zip(body, digest[:40], strict=True)
    )


def _monero_b58decode(text: str) -> bytes | None:
    """Monero base58: 8-byte blocks as 11 characters, the last block shorter."""
    sizes = {0: 0, 2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}
    out = bytearray()
    for i in range(0, len(text), 11):
        block = text[i : i + 11]
        if len(block) not in sizes:
            return None
        num = 0
        for ch in block:
            idx = _B58.find(ch)
            if idx < 0:
                return None
            num = num * 58 + idx
        size = sizes[len(block)]
        if num >= 1 << (8 * size):
            return None
        out += num.to_bytes(size, "big")
    return bytes(out)


def xmr_valid(address: str) -> bool:
    """Standard (18), integrated (19) or subaddress (42) with a Keccak checksum."""
    raw = _monero_b58decode(address)
    if raw is None or len(raw) not in (69, 77):
        return False
    if raw[0] not in (18, 19, 42) or (len(raw) == 77) != (raw[0] == 19):
        return False
    return keccak256(raw[:-4])[:4] == raw[-4:]


def ton_valid(address: str) -> bool:
    """User-friendly (48 chars, base64 or base64url, CRC16) or raw ``wc:hex64``."""
    if ":" in address:
        return bool(re.fullmatch(r"(?:0|-1):[0-9a-fA-F]{64}", address))
    if len(address) != 48:
        return False
    try:
        raw = base64.urlsafe_b64decode(address.replace("+", "-").replace("/", "_"))
    except (ValueError, binascii.Error):
        return False
    if len(raw) != 36 or raw[0] & 0x7F not in (0x11, 0x51) or raw[1] not in (0x00, 0xFF):
        return False
    return binascii.crc_hqx(raw[:34], 0) == int.from_bytes(raw[34:], "big")


VALIDATORS = {
    "crypto:btc": btc_valid,
    "crypto:eth": eth_valid,
    "crypto:trx": trx_valid,
    "crypto:ltc": ltc_valid,
    "crypto:xmr": xmr_valid,
    "crypto:ton": ton_valid,
}
