"""Shop pages: list, profile, posts, analysts' merge/split/hub/rename, graph, search, exports.

All reading goes through ``narcowatch.link``; every state change is audited there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from narcowatch.errors import NarcowatchError
from narcowatch.link import decisions
from narcowatch.link.exports import FORMATS, export_shop
from narcowatch.link.graph import KINDS as NODE_KINDS
from narcowatch.link.graph import Filters, neighbours, path
from narcowatch.link.profile import GROUPS, items_page, load_profile
from narcowatch.link.search import KINDS as SEARCH_KINDS
from narcowatch.link.search import search
from narcowatch.store.tables import DetectionRecord, ShopRecord
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter()
NAV = [
    NavItem(label="shops.title", href="/shops", role="analyst", order=40),
    NavItem(label="shops.search", href="/search", role="analyst", order=45),
]
PAGE = 50
analyst = require_role("analyst")


def _db(request: Request) -> Any:
    return request.app.state.runtime.db


@router.get("/shops")
def shop_list(
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    q: str = Query("", max_length=200),
    user: CurrentUser = Depends(analyst),
) -> Response:
    with _db(request).session() as s:
        query = select(ShopRecord).where(ShopRecord.merged_into.is_(None))
        if q.strip():
            query = query.where(func.lower(ShopRecord.name).contains(q.strip().lower()))
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        shops = list(
            s.scalars(
                query.order_by(ShopRecord.last_seen.desc().nulls_last(), ShopRecord.id)
                .offset((page - 1) * PAGE)
                .limit(PAGE)
            )
        )
        return render(
            request,
            "shops/list.html",
            {
                "shops": shops,
                "page": page,
                "pages": max((total + PAGE - 1) // PAGE, 1),
                "q": q,
                "total": total,
            },
        )


@router.get("/shops/graph")
def graph_page(
    request: Request,
    focus: str = Query("", max_length=80),
    user: CurrentUser = Depends(analyst),
) -> Response:
    return render(
        request, "shops/graph.html", {"focus": focus, "groups": GROUPS, "kinds": NODE_KINDS}
    )


def _filters(types: str, since: str, until: str) -> Filters:
    groups = frozenset(t for t in types.split(",") if t in GROUPS) or None
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
        end = datetime.fromisoformat(until).replace(tzinfo=UTC) if until else None
    except ValueError as exc:
        raise HTTPException(400, "errors.bad_request") from exc
    return Filters(groups=groups, since=start, until=end)


@router.get("/shops/graph.json")
def graph_json(
    request: Request,
    node: str = Query(..., max_length=80),
    types: str = Query("", max_length=200),
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
    user: CurrentUser = Depends(analyst),
) -> Response:
    with _db(request).session() as s:
        try:
            graph = neighbours(s, node, _filters(types, since, until))
        except NarcowatchError as exc:
            return JSONResponse({"error": exc.code}, status_code=404)
        return JSONResponse(graph.to_cytoscape())


@router.get("/shops/path.json")
def path_json(
    request: Request,
    a: str = Query(..., max_length=80),
    b: str = Query(..., max_length=80),
    types: str = Query("", max_length=200),
    user: CurrentUser = Depends(analyst),
) -> Response:
    with _db(request).session() as s:
        try:
            chain, graph = path(s, a, b, _filters(types, "", ""))
        except NarcowatchError as exc:
            return JSONResponse({"error": exc.code}, status_code=404)
        keep = set(chain)
        sub = graph.to_cytoscape()
        return JSONResponse(
            {
                "path": chain,
                "nodes": [n for n in sub["nodes"] if n["data"]["id"] in keep],
                "edges": [
                    e
                    for e in sub["edges"]
                    if e["data"]["source"] in keep and e["data"]["target"] in keep
                ],
            }
        )


@router.post("/shops/graph.gexf")
async def graph_gexf(request: Request, user: CurrentUser = Depends(analyst)) -> Response:
    """The nodes currently in the analyst's view, re-read from the store, as GEXF."""
    form = await request.form()
    keys = [str(k) for k in form.getlist("node")][:2000]
    from narcowatch.link.exports import to_gexf
    from narcowatch.link.graph import Graph

    with _db(request).session() as s:
        graph = Graph()
        wanted = set(keys)
        for key in keys:
            try:
                around = neighbours(s, key)
            except NarcowatchError:
                continue
            for k, v in around.nodes.items():
                if k in wanted:
                    graph.nodes.setdefault(k, v)
            for k, e in around.edges.items():
                if e["source"] in wanted and e["target"] in wanted:
                    graph.edges.setdefault(k, e)
        body = to_gexf(graph)
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": 'attachment; filename="narcowatch-graph.gexf"'},
    )


@router.get("/search")
def search_page(
    request: Request,
    q: str = Query("", max_length=200),
    kind: str = Query("", max_length=10),
    user: CurrentUser = Depends(analyst),
) -> Response:
    hits: list[Any] = []
    error = ""
    detections: dict[str, str] = {}
    if q.strip():
        with _db(request).session() as s:
            try:
                hits = search(s, q, kind=kind if kind in SEARCH_KINDS else None)
            except NarcowatchError as exc:
                error = exc.code
            items = [h.ref_id for h in hits if h.kind == "item"]
            if items:
                detections = {
                    i: d
                    for i, d in s.execute(
                        select(DetectionRecord.item_id, DetectionRecord.id).where(
                            DetectionRecord.item_id.in_(items)
                        )
                    )
                }
    return render(
        request,
        "shops/search.html",
        {
            "q": q,
            "kind": kind,
            "hits": hits,
            "error": error,
            "kinds": SEARCH_KINDS,
            "detections": detections,
        },
    )


@router.get("/shops/{shop_id}")
def shop_page(
    shop_id: str,
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    user: CurrentUser = Depends(analyst),
) -> Response:
    with _db(request).session() as s:
        prof = load_profile(s, shop_id[:32])
        if prof is None:
            raise HTTPException(404, "errors.not_found")
        if prof.shop.id != shop_id:
            return RedirectResponse(f"/shops/{prof.shop.id}", status_code=303)
        items, pages = items_page(s, prof.shop.id, page)
        dets = {
            i: d
            for i, d in s.execute(
                select(DetectionRecord.item_id, DetectionRecord.id).where(
                    DetectionRecord.item_id.in_([it.id for it in items])
                )
            )
        }
        return render(
            request,
            "shops/profile.html",
            {
                "p": prof,
                "posts": items,
                "page": page,
                "pages": pages,
                "detections": dets,
                "formats": list(FORMATS),
                "error": request.query_params.get("error", "")[:10],
            },
        )


@router.get("/shops/{shop_id}/export.{fmt}")
def shop_export(
    shop_id: str, fmt: str, request: Request, user: CurrentUser = Depends(analyst)
) -> Response:
    if fmt not in FORMATS:
        raise HTTPException(404, "errors.not_found")
    with _db(request).session() as s:
        prof = load_profile(s, shop_id[:32])
        if prof is None:
            raise HTTPException(404, "errors.not_found")
        graph = neighbours(s, f"shop:{prof.shop.id}") if fmt == "gexf" else None
        body = export_shop(prof, fmt, graph)
        name = prof.shop.id
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="shop-{name}.{fmt}"'},
    )


def _back(shop_id: str, error: str = "") -> Response:
    target = f"/shops/{shop_id}" + (f"?error={error}" if error else "")
    return RedirectResponse(target, status_code=303)


@router.post("/shops/{shop_id}/rename")
def shop_rename(
    shop_id: str,
    request: Request,
    name: str = Form(..., max_length=300),
    user: CurrentUser = Depends(analyst),
) -> Response:
    try:
        with _db(request).session() as s:
            decisions.rename(s, user.username, shop_id[:32], name)
    except NarcowatchError as exc:
        return _back(shop_id, exc.code)
    return _back(shop_id)


@router.post("/shops/{shop_id}/merge")
def shop_merge(
    shop_id: str,
    request: Request,
    other: str = Form(..., max_length=32),
    reason: str = Form("", max_length=500),
    user: CurrentUser = Depends(analyst),
) -> Response:
    try:
        with _db(request).session() as s:
            keep = decisions.merge(s, user.username, shop_id[:32], other.strip(), reason)
    except NarcowatchError as exc:
        return _back(shop_id, exc.code)
    return _back(keep)


@router.post("/shops/{shop_id}/split")
async def shop_split(
    shop_id: str, request: Request, user: CurrentUser = Depends(analyst)
) -> Response:
    form = await request.form()
    members = [str(m)[:32] for m in form.getlist("member")][:5000]
    reason = str(form.get("reason", ""))[:500]
    try:
        with _db(request).session() as s:
            new = decisions.split(s, user.username, shop_id[:32], members, reason)
    except NarcowatchError as exc:
        return _back(shop_id, exc.code)
    return _back(new)


@router.post("/shops/{shop_id}/hub")
def shop_hub(
    shop_id: str,
    request: Request,
    indicator: str = Form(..., max_length=32),
    reason: str = Form("", max_length=500),
    user: CurrentUser = Depends(analyst),
) -> Response:
    try:
        with _db(request).session() as s:
            decisions.mark_hub(s, user.username, indicator, reason or "marked by analyst")
    except NarcowatchError as exc:
        return _back(shop_id, exc.code)
    return _back(shop_id)
