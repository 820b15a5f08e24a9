"""Discovery: channels, bots and sites linked from positive posts become candidate sources.

Each candidate keeps its provenance (the first post and source it was found in) and a
mention count. ``Settings.discovery_policy`` decides what happens next: ``review`` waits for
an analyst (web UI), ``auto`` creates the source at once (bots and invite links always wait:
the public preview cannot read them), ``off`` records nothing. Runs as a pipeline stage
after classification and extraction, so it sees the detection and the indicators.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.errors import IngestError
from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.pipeline.context import ItemContext
from narcowatch.settings import Settings
from narcowatch.store.tables import ItemRecord, SourceRecord, utcnow
from narcowatch.store.tables_monitoring import CandidateSourceRecord

TG_HOSTS = {"t.me", "telegram.me", "www.t.me", "telegram.dog"}
TG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
TG_RESERVED = {"joinchat", "share", "addstickers", "proxy", "socks", "iv", "s", "c"}
AUTO_KINDS = {"telegram_web", "web"}


def _tg(name: str) -> tuple[str, str, str] | None:
    name = name.lstrip("@")
    if not TG_NAME.match(name) or name.lower() in TG_RESERVED:
        return None
    kind = "telegram_bot" if name.lower().endswith("bot") else "telegram_web"
    return kind, name.lower(), f"https://t.me/{name}"


def candidate_of(url_or_handle: str) -> tuple[str, str, str] | None:
    """(kind, name, url) of a link or @handle worth monitoring, or None."""
    value = url_or_handle.strip()
    if value.startswith("@") or TG_NAME.match(value):
        return _tg(value)
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    if host in TG_HOSTS:
        segs = [s for s in parts.path.split("/") if s]
        if segs and segs[0] == "s" and len(segs) > 1:
            segs = segs[1:]
        return _tg(segs[0]) if segs and not segs[0].startswith("+") else None
    return "web", host, f"{parts.scheme or 'https'}://{host}/"


def links_of(item: ItemRecord, indicators: list[Indicator]) -> list[str]:
    links = [i.value for i in indicators if i.type in ("telegram", "url", "onion")]
    meta = item.meta or {}
    links += [u for u in meta.get("links", []) if isinstance(u, str)]
    fwd = meta.get("forwarded_from") or {}
    if isinstance(fwd, dict) and fwd.get("url"):
        links.append(fwd["url"])
    return links


def _found(
    session: Session, item: ItemRecord, indicators: list[Indicator], own: dict[str, set[str]]
) -> dict[str, tuple[str, str, str]]:
    """The candidates a post links to (id -> kind, name, url), its own source left out."""
    if item.source_id not in own:
        src = session.get(SourceRecord, item.source_id)
        own[item.source_id] = (
            {(src.name or "").lower(), (urlsplit(src.url or "").hostname or "").lower()}
            if src
            else set()
        )
    found: dict[str, tuple[str, str, str]] = {}
    for link in links_of(item, indicators):
        cand = candidate_of(link)
        if cand is not None and cand[1] not in own[item.source_id]:
            found[make_id("candidate", cand[0], cand[1])] = cand
    return found


def _known(session: Session, ids: list[str]) -> dict[str, CandidateSourceRecord]:
    """The stored candidates among ``ids``, in one query per 5,000."""
    out: dict[str, CandidateSourceRecord] = {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        out.update(
            (rec.id, rec)
            for rec in session.scalars(
                select(CandidateSourceRecord).where(CandidateSourceRecord.id.in_(part))
            )
        )
    return out


def _record(
    session: Session,
    settings: Settings,
    item: ItemRecord,
    found: dict[str, tuple[str, str, str]],
    known: dict[str, CandidateSourceRecord],
) -> list[CandidateSourceRecord]:
    """Bump the ``known`` candidates, add the others (and to ``known``); returns the new."""
    new = []
    now = utcnow()
    for cid, (kind, name, url) in found.items():
        rec = known.get(cid)
        if rec is not None:
            rec.mentions += 1
            rec.last_seen = now
            continue
        rec = known[cid] = CandidateSourceRecord(
            id=cid,
            kind=kind,
            name=name,
            url=url,
            status="new",
            mentions=1,
            found_in_item=item.id,
            found_in_source=item.source_id,
            first_seen=now,
            last_seen=now,
        )
        session.add(rec)
        if settings.discovery_policy == "auto" and kind in AUTO_KINDS:
            _make_source(session, settings, rec, actor="discovery")
        new.append(rec)
    return new


def record_candidates(
    session: Session, settings: Settings, item: ItemRecord, indicators: list[Indicator]
) -> list[CandidateSourceRecord]:
    """Add or bump the candidates linked from ``item``; returns the new ones."""
    if settings.discovery_policy == "off":
        return []
    found = _found(session, item, indicators, {})
    return _record(session, settings, item, found, _known(session, list(found)))


def _make_source(
    session: Session, settings: Settings, cand: CandidateSourceRecord, actor: str
) -> str:
    sid = make_id("source", cand.kind, cand.name)
    if session.get(SourceRecord, sid) is None:
        config = {"channel": cand.name} if cand.kind == "telegram_web" else {"scope": "host"}
        session.add(
            SourceRecord(
                id=sid,
                kind=cand.kind,
                name=cand.name,
                url=cand.url,
                config=config,
                interval_s=settings.crawl_interval_s,
                enabled=True,
            )
        )
    cand.source_id, cand.status, cand.decided_by = sid, "approved", actor
    return sid


def decide(
    session: Session, settings: Settings, cand_id: str, approve: bool, actor: str
) -> CandidateSourceRecord:
    """An analyst's verdict on a candidate: approve (start monitoring) or reject."""
    cand = session.get(CandidateSourceRecord, cand_id)
    if cand is None:
        raise IngestError(f"no candidate source {cand_id}", code="E150")
    if approve:
        if cand.kind not in AUTO_KINDS:
            raise IngestError(f"{cand.kind} sources cannot be crawled automatically", code="E151")
        _make_source(session, settings, cand, actor)
    else:
        cand.status, cand.decided_by = "rejected", actor
    return cand


class DiscoveryStage:
    """Pipeline stage: candidates from positive items (after classify and extract)."""

    name = "discovery"

    def process(self, ctx: ItemContext) -> None:
        if ctx.det is None or ctx.det.label != 1:
            return
        new = record_candidates(ctx.session, ctx.settings, ctx.item, ctx.indicators)
        ctx.count(self.name, "candidates", len(new))

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        """The whole batch with one lookup of the stored candidates."""
        positives = [c for c in ctxs if c.det is not None and c.det.label == 1]
        if not positives or positives[0].settings.discovery_policy == "off":
            return
        session = positives[0].session
        own: dict[str, set[str]] = {}  # source id -> its own names, left out
        found = [_found(session, c.item, c.indicators, own) for c in positives]
        known = _known(session, sorted({cid for f in found for cid in f}))
        for ctx, links in zip(positives, found, strict=True):
            new = _record(session, ctx.settings, ctx.item, links, known)
            ctx.count(self.name, "candidates", len(new))
