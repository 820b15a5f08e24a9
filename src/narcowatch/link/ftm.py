"""A shop as FollowTheMoney entities (the ``followthemoney`` library) for Aleph/OpenAleph.

The shop is an ``Organization``; Telegram handles are ``UserAccount`` (owner: the shop),
cards and IBANs ``BankAccount`` and wallets ``CryptoWallet``, each tied to the shop by an
``Ownership``; phones, e-mails and sites are the organisation's own properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from narcowatch.link.profile import Profile

PREFIX = "nw"


def _make(schema: str, *key: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.make_id(PREFIX, schema, *key)
    return proxy


def shop_entities(prof: Profile) -> Iterator[dict[str, Any]]:
    shop = prof.shop
    org = _make("Organization", shop.id)
    org.add("name", shop.name)
    org.add("description", f"Online drug shop profiled by narcowatch ({prof.items} posts)")
    org.add("country", "kz")
    for entry in prof.groups.get("handles", []) + prof.groups.get("bots", []):
        org.add("alias", f"@{entry['value']}")
    for entry in prof.groups.get("phones", []):
        org.add("phone", entry["value"])
    for entry in prof.groups.get("sites", []):
        if entry["type"] == "email":
            org.add("email", entry["value"])
        elif entry["type"] in ("domain", "url", "onion"):
            org.add("website", entry["value"])
    if shop.first_seen:
        org.add("incorporationDate", shop.first_seen.date().isoformat())
    yield org.to_dict()
    for group in ("handles", "bots"):
        for entry in prof.groups.get(group, []):
            acc = _make("UserAccount", "telegram", entry["value"])
            acc.add("service", "Telegram")
            acc.add("username", entry["value"])
            acc.add("owner", org.id)
            yield acc.to_dict()
    for entry in prof.requisites:
        if entry["type"] == "card":
            asset = _make("BankAccount", "card", entry["value"])
            asset.add("accountNumber", entry["value"])
            asset.add("accountType", "payment card")
        elif entry["type"] == "iban":
            asset = _make("BankAccount", "iban", entry["value"])
            asset.add("iban", entry["value"])
        else:
            asset = _make("CryptoWallet", entry["type"], entry["value"])
            asset.add("publicKey", entry["value"])
            asset.add("currency", entry["type"].split(":", 1)[1].upper())
            asset.add("holder", org.id)
        yield asset.to_dict()
        own = _make("Ownership", org.id or "", asset.id or "")
        own.add("owner", org.id)
        own.add("asset", asset.id)
        own.add("role", "payment requisite")
        if entry["first"]:
            own.add("startDate", entry["first"].date().isoformat())
        if entry["last"]:
            own.add("endDate", entry["last"].date().isoformat())
        yield own.to_dict()
