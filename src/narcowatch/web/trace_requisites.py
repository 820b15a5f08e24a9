"""Dropper requisites page: the cards, IBANs and phones shops take payment on.

One filterable list across shops (shared requisites flagged, first/last seen), a
timeline when one shop is selected, and the CSV/XLSX export analysts attach to a request
to a bank. Shop names link to the shop profile (the shops area owns that page).
Exports carry card numbers, so each one is written to the audit log.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from narcowatch.security import audit
from narcowatch.trace.droppers import (
    REQUISITE_TYPES,
    Requisite,
    export_requisites,
    shop_requisites,
    timeline,
)
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter()  # mounted by trace_views under /trace/requisites
NAV = [NavItem(label="trace.requisites.title", href="/trace/requisites", role="analyst", order=61)]
SHOWN = 1000
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Filters:
    type: str = ""
    shop: str = ""
    q: str = ""
    shared: bool = False
    since: date | None = None
    until: date | None = None

    def query(self) -> str:
        pairs = {
            "type": self.type,
            "shop": self.shop,
            "q": self.q,
            "shared": "1" if self.shared else "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    def keep(self, req: Requisite) -> bool:
        if self.shared and not req.shared:
            return False
        needle = self.q.casefold()
        if needle and needle not in req.value.casefold() and needle not in req.shop_name.casefold():
            return False
        if self.since and (req.last_seen is None or req.last_seen.date() < self.since):
            return False
        return not (self.until and (req.first_seen is None or req.first_seen.date() > self.until))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _filters(
    type: str = Query("", max_length=10),
    shop: str = Query("", max_length=32),
    q: str = Query("", max_length=100),
    shared: str = Query("", max_length=5),
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
) -> Filters:
    return Filters(
        type=type if type in REQUISITE_TYPES else "",
        shop=shop.strip(),
        q=q.strip(),
        shared=shared in ("1", "on", "true"),
        since=_date(since),
        until=_date(until),
    )


def _select(request: Request, f: Filters) -> list[Requisite]:
    types = (f.type,) if f.type else REQUISITE_TYPES
    with request.app.state.runtime.db.session(readonly=True) as s:
        found = shop_requisites(s, f.shop or None, types)
    return [r for r in found if f.keep(r)]


@router.get("")
def requisites_page(
    request: Request,
    f: Filters = Depends(_filters),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    found = _select(request, f)
    names = {r.shop_id: r.shop_name for r in found}
    return render(
        request,
        "trace/requisites.html",
        {
            "rows": found[:SHOWN],
            "total": len(found),
            "shared_total": sum(r.shared for r in found),
            "shops_total": len(names),
            "f": f,
            "query": f.query(),
            "types": REQUISITE_TYPES,
            "shop_name": names.get(f.shop, f.shop),
            "timeline": timeline(found) if f.shop else [],
        },
    )


@router.get("/export.{fmt}")
def requisites_export(
    fmt: str,
    request: Request,
    f: Filters = Depends(_filters),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    if fmt not in MEDIA:
        return render(
            request, "error.html", {"message": "errors.not_found", "status": 404}, status=404
        )
    found = _select(request, f)
    with tempfile.TemporaryDirectory() as tmp:
        body = export_requisites(found, Path(tmp) / f"requisites.{fmt}").read_bytes()
    with request.app.state.runtime.db.session() as s:
        audit.record(
            s,
            actor=user.username,
            action="trace.requisites.export",
            target_type="requisites",
            target_id=f.shop or "*",
            details={"format": fmt, "filters": f.query(), "rows": len(found)},
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="requisites-{stamp}.{fmt}"'},
    )
