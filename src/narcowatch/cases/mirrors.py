"""Mirror detection: a new channel or site that shares indicators with a blocked shop.

Shops come back under new names but keep their phones, cards, wallets and operator
accounts. For every case with a blocked request, we take the case's non-blockable
indicators (phones, cards, wallets, e-mails...), find other items that mention them, and
flag the URLs, domains and Telegram accounts of those items that were not blocked yet:
they are attached to the case as ``mirror`` links (to the mirror's own indicator) with a
note saying what is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.auditing import audit
from narcowatch.cases.blocking import BLOCKABLE, target_address
from narcowatch.cases.cases import add_note, attach, case_links
from narcowatch.store.tables import (
    BlockingRequestRecord,
    CaseLinkRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ShopMemberRecord,
)


@dataclass(frozen=True)
class Mirror:
    case_id: str
    address: str
    item_id: str
    shared: tuple[str, ...]
    indicator_id: str  # the mirror's own URL, domain or account indicator


def _case_indicators(session: Session, case_id: str) -> set[str]:
    ids = {link.ref_id for link in case_links(session, case_id, "indicator")}
    shops = [link.ref_id for link in case_links(session, case_id, "shop")]
    if shops:
        members = session.scalars(
            select(ShopMemberRecord.member_id).where(
                ShopMemberRecord.shop_id.in_(shops), ShopMemberRecord.member_type == "indicator"
            )
        )
        ids |= set(members)
    items = [link.ref_id for link in case_links(session, case_id, "item")]
    if items:
        mentioned = session.scalars(
            select(ItemIndicatorRecord.indicator_id).where(ItemIndicatorRecord.item_id.in_(items))
        )
        ids |= set(mentioned)
    return ids


def _label(ind: IndicatorRecord) -> str:
    return f"{ind.type}:{ind.value}"


def find_mirrors(session: Session, case_id: str, blocked: set[str]) -> list[Mirror]:
    """Addresses sharing an indicator with the case and not in ``blocked`` (not yet flagged)."""
    known = _case_indicators(session, case_id)
    if not known:
        return []
    shared = {
        ind.id: ind
        for ind in session.scalars(select(IndicatorRecord).where(IndicatorRecord.id.in_(known)))
        if ind.type not in BLOCKABLE
    }
    if not shared:
        return []
    hits = session.execute(
        select(ItemIndicatorRecord.item_id, ItemIndicatorRecord.indicator_id).where(
            ItemIndicatorRecord.indicator_id.in_(shared)
        )
    ).all()
    by_item: dict[str, set[str]] = {}
    for item_id, ind_id in hits:
        by_item.setdefault(item_id, set()).add(ind_id)
    flagged = {link.ref_id for link in case_links(session, case_id, "mirror")}
    found: dict[str, Mirror] = {}
    for item_id, ind_ids in sorted(by_item.items()):
        addresses = session.execute(
            select(IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value)
            .join(ItemIndicatorRecord, ItemIndicatorRecord.indicator_id == IndicatorRecord.id)
            .where(ItemIndicatorRecord.item_id == item_id, IndicatorRecord.type.in_(BLOCKABLE))
        ).all()
        for ind_id, kind, value in addresses:
            address = target_address(kind, value)
            if address in blocked or ind_id in flagged or address in found:
                continue
            labels = tuple(sorted(_label(shared[i]) for i in ind_ids))
            found[address] = Mirror(case_id, address, item_id, labels, ind_id)
    return list(found.values())


def flag_mirrors(session: Session, actor: str = "recheck") -> list[Mirror]:
    """Look for mirrors of every blocked request's case; attach and note each new one."""
    requests = session.scalars(
        select(BlockingRequestRecord).where(
            BlockingRequestRecord.status == "blocked", BlockingRequestRecord.case_id.is_not(None)
        )
    )
    blocked_by_case: dict[str, set[str]] = {}
    for req in requests:
        assert req.case_id is not None
        blocked_by_case.setdefault(req.case_id, set()).update(t["target"] for t in req.targets)
    flagged: list[Mirror] = []
    for case_id, blocked in sorted(blocked_by_case.items()):
        for mirror in find_mirrors(session, case_id, blocked):
            attach(session, case_id, "mirror", mirror.indicator_id, actor)
            attach(session, case_id, "item", mirror.item_id, actor)
            add_note(
                session,
                case_id,
                f"Возможное зеркало / ықтимал айна / possible mirror: {mirror.address} "
                f"(item {mirror.item_id}; {', '.join(mirror.shared)})",
                actor,
            )
            audit(
                session,
                actor,
                "case.mirror",
                "case",
                case_id,
                {"address": mirror.address, "item": mirror.item_id, "shared": mirror.shared},
            )
            flagged.append(mirror)
    return flagged


def mirror_links(session: Session, case_id: str) -> list[CaseLinkRecord]:
    return case_links(session, case_id, "mirror")
