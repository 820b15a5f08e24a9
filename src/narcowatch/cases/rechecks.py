"""Re-checks: is blocked content still down? Bounded-concurrency probes of every target.

For each target of every blocked request: the DNS answer, the HTTP status after redirects
(through the SSRF guard), the content hash, and reachable or not. A target that answers
2xx again after being blocked is "reappeared" (a Telegram target: whose t.me page shows a
live channel or account, see ``telegram_probe``) (audited, noted on the case); one that goes
down again is "blocked" again. Every run's results are stored as evidence (a JSON artefact
with its own custody entry) so the history of a target can be shown to a court.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import socket
import uuid
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.auditing import audit
from narcowatch.cases.cases import add_note
from narcowatch.cases.custody import append_custody
from narcowatch.cases.manifest import canonical_json
from narcowatch.cases.render import decoded_body
from narcowatch.cases.telegram_probe import page_state, preview_url, telegram_name
from narcowatch.ids import make_id
from narcowatch.net.afetch import AsyncSafeFetcher
from narcowatch.net.fetch import FetchLimits
from narcowatch.net.guard import FetchError
from narcowatch.runtime import Runtime
from narcowatch.store.tables import BlockingRequestRecord, EvidenceRecord

log = logging.getLogger(__name__)


def probe_url(address: str) -> str:
    """A fetchable URL for a target address (domain, t.me/handle or URL)."""
    if "://" in address:
        return address
    if address.startswith("t.me/"):
        return f"https://{address}"
    return f"http://{address}/" if "/" not in address else f"http://{address}"


async def _dns(host: str, port: int) -> tuple[list[str], str | None]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return [], f"DNS: {exc}"
    return sorted({str(i[4][0]) for i in infos}), None


async def check_target(
    fetcher: AsyncSafeFetcher, address: str, telegram_base: str = "https://t.me"
) -> dict[str, Any]:
    """Probe one target; never raises for network trouble (it is the answer).

    A Telegram target is read through its public preview: t.me answers 200 for live, deleted
    and taken-down channels alike, so the page decides (``telegram_probe``).
    """
    name = telegram_name(address)
    url = preview_url(telegram_base, name) if name else probe_url(address)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result: dict[str, Any] = {
        "target": address,
        "url": url,
        "checked_at": datetime.now(UTC).isoformat(),
        "dns": [],
        "status": None,
        "final_url": None,
        "content_sha256": None,
        "bytes": 0,
        "reachable": False,
        "error": None,
    }
    result["dns"], result["error"] = await _dns(parts.hostname or "", port)
    if result["error"]:
        return result
    try:
        fetched = await fetcher.fetch(url)
    except FetchError as exc:
        result["error"] = f"{exc.code} {exc.message}"
        return result
    final = fetched.final
    body = decoded_body(final)
    result.update(
        status=final.status,
        final_url=final.url,
        ip=final.ip,
        content_sha256=hashlib.sha256(body).hexdigest(),
        bytes=len(body),
        reachable=200 <= final.status < 300 and bool(body),
    )
    if name:
        result["telegram"] = page_state(body) if result["reachable"] else "missing"
        result["reachable"] = result["telegram"] == "active"
    return result


async def check_all(
    addresses: Iterable[str],
    *,
    allowed_hosts: list[str],
    limits: FetchLimits,
    concurrency: int,
    telegram_base: str = "https://t.me",
) -> list[dict[str, Any]]:
    """Probe every address with at most ``concurrency`` in flight."""
    gate = asyncio.Semaphore(max(1, concurrency))
    async with AsyncSafeFetcher(
        allowed_hosts, limits, max_connections=max(1, concurrency)
    ) as fetcher:

        async def one(address: str) -> dict[str, Any]:
            async with gate:
                return await check_target(fetcher, address, telegram_base)

        return list(await asyncio.gather(*(one(a) for a in addresses)))


def blocked_targets(session: Session) -> list[tuple[BlockingRequestRecord, dict[str, Any]]]:
    rows = session.scalars(
        select(BlockingRequestRecord).where(BlockingRequestRecord.status == "blocked")
    )
    return [(req, tgt) for req in rows for tgt in req.targets]


def _store(
    rt: Runtime, session: Session, req: BlockingRequestRecord, results: list[dict[str, Any]]
) -> str:
    """Keep one run's results for a request as one evidence item with a custody entry.

    One artefact per run (not per target) keeps a 1,000-target run to one blob and one
    custody entry; each target's result is a line of it, found by its address.
    """
    checked_at = min(r["checked_at"] for r in results)
    data = canonical_json({"request_id": req.id, "checked_at": checked_at, "results": results})
    digest = rt.blobs.put(data)
    ev = EvidenceRecord(
        id=make_id("recheck", req.id, checked_at, uuid.uuid4().hex),
        case_id=req.case_id,
        target=f"recheck:{req.id}",
        status="recheck",
        manifest_sha256=digest,
        artefacts={
            "recheck.json": {
                "blob": digest,
                "sha256": digest,
                "size": len(data),
                "media_type": "application/json",
                "targets": len(results),
            }
        },
        captured_by="recheck",
        captured_at=datetime.fromisoformat(checked_at),
    )
    session.add(ev)
    session.flush()
    append_custody(
        session, ev.id, "captured", "recheck", {"recheck_sha256": digest, "targets": len(results)}
    )
    return ev.id


def _apply(
    rt: Runtime, session: Session, req: BlockingRequestRecord, results: dict[str, dict], actor: str
) -> dict[str, int]:
    counts = {"checked": 0, "still_blocked": 0, "reappeared": 0, "blocked_again": 0}
    mine = [results[t["target"]] for t in req.targets if t["target"] in results]
    if not mine:
        return counts
    ev_id = _store(rt, session, req, mine)
    targets = []
    for tgt in req.targets:
        res = results.get(tgt["target"])
        if res is None:
            targets.append(tgt)
            continue
        counts["checked"] += 1
        state = tgt.get("state", "blocked")
        new = dict(tgt, last_check=res["checked_at"], last_evidence=ev_id)
        if res["reachable"] and state != "reappeared":
            new["state"] = "reappeared"
            new["reappeared_at"] = res["checked_at"]
            new["reappearances"] = int(tgt.get("reappearances", 0)) + 1
            counts["reappeared"] += 1
            audit(
                session,
                actor,
                "blocking.reappeared",
                "blocking_request",
                req.id,
                {"target": tgt["target"], "evidence": ev_id},
            )
            if req.case_id:
                add_note(
                    session,
                    req.case_id,
                    f"Ресурс снова доступен / ресурс қайта қолжетімді / reappeared: "
                    f"{tgt['target']} (HTTP {res['status']}, evidence {ev_id})",
                    actor,
                )
        elif not res["reachable"] and state == "reappeared":
            new["state"] = "blocked"
            counts["blocked_again"] += 1
        elif not res["reachable"]:
            counts["still_blocked"] += 1
        targets.append(new)
    req.targets = targets
    return counts


def _run_async(make_coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``asyncio.run``, or in a helper thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


def run_rechecks(
    rt: Runtime, actor: str = "recheck", concurrency: int | None = None
) -> dict[str, int]:
    """Re-check every target of every blocked request; returns the counts."""
    with rt.db.session() as session:
        addresses = sorted({tgt["target"] for _, tgt in blocked_targets(session)})
    probe = functools.partial(
        check_all,
        addresses,
        allowed_hosts=rt.settings.allowed_hosts,
        limits=FetchLimits.from_settings(rt.settings),
        concurrency=concurrency or rt.settings.recheck_concurrency,
        telegram_base=rt.settings.telegram_web_base,
    )
    results = _run_async(probe)
    by_target = {r["target"]: r for r in results}
    totals = {"checked": 0, "still_blocked": 0, "reappeared": 0, "blocked_again": 0}
    with rt.db.session() as session:
        reqs = session.scalars(
            select(BlockingRequestRecord).where(BlockingRequestRecord.status == "blocked")
        )
        for req in reqs:
            for key, value in _apply(rt, session, req, by_target, actor).items():
                totals[key] += value
        audit(session, actor, "blocking.recheck", "blocking_request", "*", totals)
    return totals
