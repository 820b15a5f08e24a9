"""A shop as a STIX 2.1 bundle (the ``stix2`` library) for OpenCTI and MISP.

The shop is a ``threat-actor`` (crime-syndicate); handles are ``user-account``, sites
``domain-name``/``url``, e-mails ``email-addr``; wallets, phones, cards and IBANs use the
custom observable types OpenCTI defines (``cryptocurrency-wallet``, ``phone-number``,
``payment-card``, ``bank-account``), each ``related-to`` the shop.
"""

from __future__ import annotations

from typing import Any

import stix2
from stix2 import CustomObservable
from stix2.properties import StringProperty

from narcowatch.link.profile import Profile


@CustomObservable(
    "cryptocurrency-wallet", [("value", StringProperty(required=True))], id_contrib_props=["value"]
)
class CryptocurrencyWallet:
    """OpenCTI's Cryptocurrency-Wallet observable."""


@CustomObservable(
    "phone-number", [("value", StringProperty(required=True))], id_contrib_props=["value"]
)
class PhoneNumber:
    """OpenCTI's Phone-Number observable."""


@CustomObservable(
    "payment-card",
    [("card_number", StringProperty(required=True)), ("holder_name", StringProperty())],
    id_contrib_props=["card_number"],
)
class PaymentCard:
    """OpenCTI's Payment-Card observable."""


@CustomObservable(
    "bank-account",
    [("iban", StringProperty(required=True)), ("account_number", StringProperty())],
    id_contrib_props=["iban"],
)
class BankAccount:
    """OpenCTI's Bank-Account observable."""


def _observable(entry: dict[str, Any]) -> Any:
    type_, value = entry["type"], entry["value"]
    if type_ == "telegram":
        return stix2.UserAccount(
            account_login=value, account_type="telegram", display_name=f"@{value}"
        )
    if type_ in ("phone", "whatsapp"):
        return PhoneNumber(value=value)  # type: ignore[call-arg]
    if type_ == "card":
        return PaymentCard(card_number=value)  # type: ignore[call-arg]
    if type_ == "iban":
        return BankAccount(iban=value)  # type: ignore[call-arg]
    if type_.startswith("crypto:"):
        return CryptocurrencyWallet(value=value)  # type: ignore[call-arg]
    if type_ in ("domain", "onion"):
        return stix2.DomainName(value=value)
    if type_ == "url":
        return stix2.URL(value=value)
    if type_ == "email":
        return stix2.EmailAddress(value=value)
    return None


def shop_bundle(prof: Profile) -> stix2.Bundle:
    shop = prof.shop
    actor = stix2.ThreatActor(
        name=shop.name,
        threat_actor_types=["crime-syndicate"],
        description=f"Online drug shop profiled by narcowatch ({prof.items} posts).",
        aliases=[f"@{e['value']}" for e in prof.groups.get("handles", [])][:20] or None,
        first_seen=shop.first_seen,
        last_seen=shop.last_seen if shop.first_seen else None,
        external_references=[{"source_name": "narcowatch", "external_id": shop.id}],
        allow_custom=True,
    )
    objects: list[Any] = [actor]
    for group in prof.groups.values():
        for entry in group:
            obs = _observable(entry)
            if obs is None:
                continue
            objects.append(obs)
            objects.append(
                stix2.Relationship(
                    actor, "related-to", obs, description=f"seen in {entry['items']} posts"
                )
            )
    return stix2.Bundle(objects, allow_custom=True)
