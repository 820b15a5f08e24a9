"""The queue and detail pages, and verdicts posted through them."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.store.tables import DetectionRecord

from .conftest import page_csrf

TEXT = "Закладки <b>мефедрон</b> & шишки, пиши @shop_bot или +7 701 234 5678"


def _detection(add_detection: Callable[..., str], **kw: object) -> str:
    start = TEXT.index("мефедрон")
    handle = TEXT.index("@shop_bot")
    phone = TEXT.index("+7 701")
    return add_detection(
        TEXT,
        reasons=[
            {"term": "закладка", "kind": "lexicon", "weight": 1.5, "start": 0, "end": 8},
            {
                "term": "мефедрон",
                "kind": "lexicon",
                "weight": 2.0,
                "start": start,
                "end": start + 8,
            },
            # overlaps the handle indicator
            {
                "term": "пиши @",
                "kind": "ngram",
                "weight": 0.5,
                "start": handle - 5,
                "end": handle + 1,
            },
        ],
        indicators=[
            ("telegram", "shop_bot", handle, handle + 9),
            ("phone", "+77012345678", phone, phone + 15),
        ],
        **kw,
    )


def test_queue_lists_detections_with_filters(
    client: TestClient, logged_in: Callable[..., TestClient], add_detection: Callable[..., str]
) -> None:
    logged_in("analyst")
    add_detection("первый пост", score=0.91, lang="ru", source="Channel A")
    add_detection("екінші жазба", score=0.75, lang="kk", source="Channel B")
    html = client.get("/review").text
    assert html.index("первый пост") < html.index("екінші жазба")
    assert "2 detections" in html
    kk = client.get("/review?lang=kk").text
    assert "екінші жазба" in kk and "первый пост" not in kk
    assert "Nothing to review" in client.get("/review?status=confirmed").text
    assert client.get("/review?status=bogus").status_code == 400


def test_detail_highlights_reasons_and_indicators_escaped(
    client: TestClient, logged_in: Callable[..., TestClient], add_detection: Callable[..., str]
) -> None:
    logged_in("analyst")
    det_id = _detection(add_detection)
    html = client.get(f"/review/{det_id}").text
    text_panel = html[html.index('class="post-text"') :]
    text_panel = text_panel[: text_panel.index("</div>")]
    assert "<b>" not in text_panel and "&lt;b&gt;" in text_panel and "&amp;" in text_panel
    marks = re.findall(r'<mark class="([^"]+)"[^>]*>([^<]*)</mark>', text_panel)
    assert marks[0] == ("hl hl-reason", "Закладки")
    assert ("hl hl-reason", "мефедрон") in marks
    assert ("hl hl-reason hl-ind", "@") in marks  # the overlap is marked once, with both kinds
    assert ("hl hl-ind", "shop_bot") in marks
    assert ("hl hl-ind", "+7 701 234 5678") in marks
    # Removing the marks gives back exactly the original text.
    plain = re.sub(r"<[^>]+>", "", text_panel.split(">", 1)[1])
    assert plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == TEXT
    assert "https://t.me/channel_a/1" in html and 'rel="noopener noreferrer nofollow"' in html
    assert "@seller" in html
    assert client.get("/review/" + "0" * 32).status_code == 404


def test_verdict_through_the_form_goes_to_the_next_detection(
    client: TestClient,
    logged_in: Callable[..., TestClient],
    add_detection: Callable[..., str],
    runtime: Runtime,
) -> None:
    logged_in("analyst", username="anna")
    first = add_detection("первый", score=0.9)
    second = add_detection("второй", score=0.8)
    page = client.get(f"/review/{first}").text
    assert 'data-key="c"' in page
    response = client.post(
        f"/review/{first}/verdict",
        data={"verdict": "confirm", "csrf_token": page_csrf(client, f"/review/{first}")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/review/{second}?status=new&sort=score"
    with runtime.db.session() as session:
        assert session.get(DetectionRecord, first).status == "confirmed"
        entry = audit.list_entries(session)[0]
        assert (entry.actor, entry.action, entry.target_id) == (
            "anna",
            "detection.confirmed",
            first,
        )
        assert audit.verify(session) == []


def test_verdict_by_htmx_header_token(
    client: TestClient, logged_in: Callable[..., TestClient], add_detection: Callable[..., str]
) -> None:
    logged_in("analyst")
    det_id = add_detection()
    token = page_csrf(client)
    response = client.post(
        f"/review/{det_id}/verdict",
        data={"verdict": "reject"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/review?status=new&sort=score"


def test_verdict_without_or_with_wrong_csrf_is_refused(
    client: TestClient,
    logged_in: Callable[..., TestClient],
    add_detection: Callable[..., str],
    runtime: Runtime,
) -> None:
    logged_in("analyst")
    det_id = add_detection()
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = client.post(
            f"/review/{det_id}/verdict", data={"verdict": "confirm"}, headers=headers
        )
        assert response.status_code == 403
    with runtime.db.session() as session:
        assert session.get(DetectionRecord, det_id).status == "new"
        actions = [e.action for e in audit.list_entries(session)]
    assert actions == ["auth.login", "user.add"]


def test_another_users_token_does_not_work(
    app, make_user: Callable[..., str], add_detection: Callable[..., str]
) -> None:  # type: ignore[no-untyped-def]
    from .conftest import login

    det_id = add_detection()
    make_user("anna")
    make_user("boris")
    with TestClient(app) as anna, TestClient(app) as boris:
        login(anna, "anna")
        login(boris, "boris")
        anna_token = page_csrf(anna)
        response = boris.post(
            f"/review/{det_id}/verdict", data={"verdict": "confirm", "csrf_token": anna_token}
        )
        assert response.status_code == 403


def test_analyst_cannot_change_a_verdict_but_supervisor_can(
    client: TestClient,
    logged_in: Callable[..., TestClient],
    add_detection: Callable[..., str],
) -> None:
    det_id = add_detection(status="escalated")
    logged_in("analyst")
    assert "only a supervisor can change it" in client.get(f"/review/{det_id}?status=").text
    response = client.post(
        f"/review/{det_id}/verdict",
        data={"verdict": "confirm", "csrf_token": page_csrf(client)},
    )
    assert response.status_code == 403
    client.cookies.clear()
    logged_in("supervisor")
    response = client.post(
        f"/review/{det_id}/verdict",
        data={"verdict": "confirm", "status": "", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_unknown_verdict_is_a_bad_request(
    client: TestClient, logged_in: Callable[..., TestClient], add_detection: Callable[..., str]
) -> None:
    logged_in("analyst")
    det_id = add_detection()
    response = client.post(
        f"/review/{det_id}/verdict", data={"verdict": "delete", "csrf_token": page_csrf(client)}
    )
    assert response.status_code == 400
