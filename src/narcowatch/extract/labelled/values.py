"""Valid (and one-character-corrupted) indicator values, computed rather than invented.

Every checksum here is calculated with the same primitives the validators use (Luhn,
mod-97, base58check, bech32/bech32m, Keccak, CRC16, SHA3), so a "valid" value in the
labelled set is valid by construction and a corrupted one fails by construction.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random

import base58
from bech32 import bech32_hrp_expand, bech32_polymod, convertbits, encode
from stdnum import iban as std_iban
from stdnum import luhn

from narcowatch.extract.checksums import VALIDATORS, keccak256
from narcowatch.extract.iin import check_digit

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def card(rng: random.Random, scheme: str) -> str:
    prefix, length = {
        "visa": (rng.choice(["4400", "4405", "4149", "4263"]), 16),
        "mastercard": (str(rng.randint(51, 55)), 16),
        "mir": (f"220{rng.randint(0, 4)}", 16),
        "unionpay": ("62" + str(rng.randint(10, 99)), 16),
        "amex": (rng.choice(["34", "37"]), 15),
        "uzcard": ("8600", 16),
        "humo": ("9860", 16),
    }[scheme]
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def kz_iban(rng: random.Random) -> str:
    bank = f"{rng.choice([125, 601, 722, 914, 965, 998, 856, 826])}"
    account = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(13))
    bban = bank + account
    check = std_iban.calc_check_digits("KZ00" + bban)
    return f"KZ{check}{bban}"


def other_iban(rng: random.Random) -> str:
    country, length = rng.choice([("DE", 18), ("GB", 18), ("FR", 23), ("TR", 22), ("AE", 19)])
    while True:
        if country == "GB":
            bban = "NWBK" + "".join(str(rng.randint(0, 9)) for _ in range(14))
        else:
            bban = "".join(str(rng.randint(0, 9)) for _ in range(length))
        value = country + std_iban.calc_check_digits(country + "00" + bban) + bban
        if std_iban.is_valid(value):
            return value


def iin(rng: random.Random) -> str:
    while True:
        yy, mm, dd = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
        body = f"{yy:02d}{mm:02d}{dd:02d}{rng.choice('3456')}{rng.randint(0, 9999):04d}"
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)


def _b58check(version: bytes, rng: random.Random) -> str:
    return base58.b58encode_check(version + rng.randbytes(20)).decode("ascii")


def _bech32m(hrp: str, version: int, program: bytes) -> str:
    five_bit = convertbits(list(program), 8, 5)
    assert five_bit is not None
    data = [version, *five_bit]
    polymod = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ 0x2BC830A3
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def _segwit(hrp: str, program: bytes) -> str:
    address = encode(hrp, 0, list(program))
    assert address is not None
    return address


def btc(rng: random.Random) -> str:
    kind = rng.choice(["p2pkh", "p2sh", "bech32", "bech32m"])
    if kind == "p2pkh":
        return _b58check(b"\x00", rng)
    if kind == "p2sh":
        return _b58check(b"\x05", rng)
    if kind == "bech32":
        return _segwit("bc", rng.randbytes(20))
    return _bech32m("bc", 1, rng.randbytes(32))


def ltc(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return _segwit("ltc", rng.randbytes(20))
    return _b58check(rng.choice([b"\x30", b"\x32"]), rng)


def trx(rng: random.Random) -> str:
    return _b58check(b"\x41", rng)


def eth(rng: random.Random, checksummed: bool = True) -> str:
    body = rng.randbytes(20).hex()
    if not checksummed:
        return "0x" + body
    digest = keccak256(body.encode("ascii")).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(n, 16) >= 8 else ch
        for ch, n in zip(body, digest, strict=False)
    )


def ton(rng: random.Random, raw_form: bool = False) -> str:
    workchain = rng.choice([0, 0, 0, -1])
    account = rng.randbytes(32)
    if raw_form:
        return f"{workchain}:{account.hex()}"
    tag = rng.choice([0x11, 0x51])
    body = bytes([tag, workchain & 0xFF]) + account
    full = body + binascii.crc_hqx(body, 0).to_bytes(2, "big")
    return base64.urlsafe_b64encode(full).decode("ascii")


def _monero_b58encode(data: bytes) -> str:
    sizes = {8: 11, 7: 10, 6: 9, 5: 7, 4: 6, 3: 5, 2: 3, 1: 2}
    out = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        num = int.from_bytes(block, "big")
        chars = []
        for _ in range(sizes[len(block)]):
            num, rem = divmod(num, 58)
            chars.append(_B58[rem])
        out.append("".join(reversed(chars)))
    return "".join(out)


def xmr(rng: random.Random) -> str:
    payload = bytes([18]) + rng.randbytes(64)
    return _monero_b58encode(payload + keccak256(payload)[:4])


def onion(rng: random.Random) -> str:
    pubkey = rng.randbytes(32)
    checksum = hashlib.sha3_256(b".onion checksum" + pubkey + b"\x03").digest()[:2]
    return base64.b32encode(pubkey + checksum + b"\x03").decode("ascii").lower() + ".onion"


def corrupt(rng: random.Random, type_: str, value: str) -> str:
    """Change one character so that the checksum fails (checked, retried until it does)."""
    alphabet = {"card": "0123456789", "iin": "0123456789", "iban": "0123456789"}.get(type_, _B58)
    for _ in range(200):
        pos = rng.randrange(4 if type_ == "iban" else 2, len(value))
        if type_ == "crypto:eth":
            if not value[pos].isalpha():
                continue
            bad = value[:pos] + value[pos].swapcase() + value[pos + 1 :]
        else:
            if type_ == "crypto:ton":
                alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            elif value.startswith(("bc1", "ltc1")):
                alphabet = _CHARSET
            new = rng.choice(alphabet)
            if new == value[pos]:
                continue
            bad = value[:pos] + new + value[pos + 1 :]
        if not _still_valid(type_, bad):
            return bad
    raise ValueError(f"could not corrupt {value}")


def _still_valid(type_: str, value: str) -> bool:
    if type_ == "card":
        return luhn.is_valid(value)
    if type_ == "iban":
        return std_iban.is_valid(value)
    if type_ == "iin":
        return check_digit(value) == int(value[11])
    return VALIDATORS[type_](value)
