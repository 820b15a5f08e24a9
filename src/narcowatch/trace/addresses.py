"""Address validation and one canonical form per chain we trace (TRON, Bitcoin, Ethereum).

The checksums themselves (base58check, bech32/bech32m, EIP-55) are the extraction area's
validators in ``narcowatch.extract.checksums``; this module adds what tracing needs on
top: one stored form per address (TRON hex to base58, Ethereum lowercase as ethereum-etl
writes it, bech32 lowercase), coded errors, and guessing the chain of a seed.
"""

from __future__ import annotations

import hashlib

import base58

from narcowatch.errors import TraceError
from narcowatch.extract.checksums import btc_valid, eth_valid, keccak256, trx_valid

CHAINS = ("tron", "bitcoin", "ethereum")


class AddressError(TraceError):
    code = "E810"


def _tron(addr: str) -> str:
    if len(addr) == 42 and addr[:2].lower() == "41":  # hex form used by some exports
        raw = bytes.fromhex(addr)
        digest = hashlib.sha256(hashlib.sha256(raw).digest()).digest()
        addr = base58.b58encode(raw + digest[:4]).decode()
    if not trx_valid(addr):
        raise ValueError("bad base58check or not a TRON (0x41) address")
    return addr


def _bitcoin(addr: str) -> str:
    if not btc_valid(addr):
        raise ValueError("bad checksum or not a mainnet Bitcoin address")
    return addr.lower() if addr[:3].lower() == "bc1" else addr


def eip55(addr_hex: str) -> str:
    """The EIP-55 mixed-case checksum form of a 40-hex-digit address."""
    low = addr_hex.lower().removeprefix("0x")
    digest = keccak256(low.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(low))


def _ethereum(addr: str) -> str:
    if not eth_valid(addr):
        raise ValueError("not 0x + 40 hex digits, or the EIP-55 checksum does not match")
    return addr.lower()  # one stored form: lowercase, as ethereum-etl writes it


_VALIDATORS = {"tron": _tron, "bitcoin": _bitcoin, "ethereum": _ethereum}


def normalize_address(chain: str, addr: str) -> str:
    """Return the canonical form of ``addr`` on ``chain`` or raise AddressError (E810)."""
    validator = _VALIDATORS.get(chain)
    if validator is None:
        raise TraceError(
            f"unknown chain {chain!r}; supported: {', '.join(CHAINS)}", code="E801", chain=chain
        )
    text = (addr or "").strip()
    try:
        return validator(text)
    except (ValueError, TypeError) as exc:
        raise AddressError(
            f"malformed {chain} address {text!r}: {exc}", chain=chain, address=text
        ) from exc


def guess_chain(addr: str) -> str:
    """The chain an address most likely belongs to, from its shape (for CLI seeds)."""
    text = addr.strip()
    if text.startswith("T") and len(text) == 34:
        return "tron"
    if text.lower().startswith("0x"):
        return "ethereum"
    if text.lower().startswith("bc1") or text[:1] in ("1", "3"):
        return "bitcoin"
    raise AddressError(f"cannot tell the chain of address {text!r}; pass --chain", address=text)


def is_valid(chain: str, addr: str) -> bool:
    try:
        normalize_address(chain, addr)
    except TraceError:
        return False
    return True
