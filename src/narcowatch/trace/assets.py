"""Assets we know per chain (symbol, token contract, decimals) and exact amount parsing.

Amounts are kept as ``Decimal`` end to end; in Parquet they are decimal128(38, 18), which
holds every token with up to 18 decimals exactly (USDT has 6, BTC 8, ETH 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from narcowatch.errors import TraceError

AMOUNT_SCALE = 18
QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
MAX_AMOUNT = Decimal(10) ** (38 - AMOUNT_SCALE)


@dataclass(frozen=True)
class Asset:
    chain: str
    symbol: str
    decimals: int
    contract: str = ""  # empty for the chain's native coin


ASSETS: tuple[Asset, ...] = (
    Asset("tron", "TRX", 6),
    Asset("tron", "USDT", 6, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    Asset("tron", "USDC", 6, "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8"),
    Asset("bitcoin", "BTC", 8),
    Asset("ethereum", "ETH", 18),
    Asset("ethereum", "USDT", 6, "0xdac17f958d2ee523a2206206994597c13d831ec7"),
    Asset("ethereum", "USDC", 6, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
    Asset("ethereum", "DAI", 18, "0x6b175474e89094c44da98b954eedeac495271d0f"),
)


class AssetError(TraceError):
    code = "E802"


class AmountError(TraceError):
    code = "E803"


def resolve_asset(chain: str, name: str) -> Asset:
    """Find an asset by symbol or token contract on ``chain`` (E802 if unknown)."""
    key = (name or "").strip()
    for asset in ASSETS:
        if asset.chain != chain:
            continue
        if key.upper() == asset.symbol or (
            asset.contract and key.lower() == asset.contract.lower()
        ):
            return asset
    known = ", ".join(f"{a.symbol}" for a in ASSETS if a.chain == chain) or "none"
    raise AssetError(
        f"unknown asset {key!r} on chain {chain!r} (known: {known})", chain=chain, asset=key
    )


def parse_amount(raw: object, decimals: int, *, base_units: bool) -> Decimal:
    """Parse an amount exactly; ``base_units`` means an integer count of the smallest unit."""
    text = str(raw).strip().replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise AmountError(f"amount {text!r} is not a number", raw=text) from exc
    if not value.is_finite() or value < 0:
        raise AmountError(f"amount {text!r} must be a finite non-negative number", raw=text)
    if base_units:
        if value != value.to_integral_value():
            raise AmountError(f"base-unit value {text!r} is not an integer", raw=text)
        value = value.scaleb(-decimals)
    elif value != value.quantize(Decimal(1).scaleb(-decimals), rounding="ROUND_DOWN"):
        raise AmountError(f"amount {text!r} has more than {decimals} decimals", raw=text)
    if value >= MAX_AMOUNT:
        raise AmountError(f"amount {text!r} is too large", raw=text)
    return value.quantize(QUANTUM)
