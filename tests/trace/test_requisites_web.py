"""The dropper requisites page on the real app: roles, filters, shared flag, timeline,
CSV/XLSX exports (audited)."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from narcowatch.api.app import create_app
from narcowatch.runtime import Runtime
from narcowatch.security.users import add_user
from narcowatch.store.tables import AuditRecord, SourceRecord
from tests.trace.test_droppers import CARD_A, CARD_B, IBAN, _item, ind

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _seed(rt: Runtime) -> tuple[str, str]:
    with rt.db.session() as s:
        add_user(s, "anna", PASSWORD, "analyst", "ru")
        s.add(SourceRecord(id="src", kind="test", name="test"))
        s.flush()
        kaif = _item(s, 1, 1, "kaif", [ind("telegram", "kaif_shop"), ind("card", CARD_A)])
        _item(s, 2, 9, "kaif", [ind("card", CARD_A), ind("iban", IBAN)])
        other = _item(s, 3, 5, "other", [ind("telegram", "other_shop"), ind("card", CARD_B)])
        _item(s, 4, 7, "other", [ind("card", CARD_A)])
    return kaif, other


def _login(client: TestClient, username: str) -> None:
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303


def _rows(html: str) -> list[str]:
    body = html.split('<table class="grid requisites">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body, re.S)


def test_requisites_page_filters_flags_and_exports(runtime: Runtime) -> None:
    kaif, other = _seed(runtime)
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        client.headers["accept"] = "text/html"
        for path in ("/trace/requisites", "/trace/requisites/export.csv"):  # analysts only
            anonymous = client.get(path, follow_redirects=False)
            assert anonymous.status_code in (302, 303, 401) and CARD_A not in anonymous.text
        _login(client, "anna")

        page = client.get("/trace/requisites")
        assert page.status_code == 200
        assert "Реквизиты дропперов" in page.text  # the analyst's language
        rows = _rows(page.text)
        assert len(rows) == 4  # CARD_A in both shops, CARD_B, IBAN
        shared = [r for r in rows if CARD_A in r]
        assert len(shared) == 2 and all("badge-warn" in r for r in shared)
        assert f'href="/shops/{other}"' in shared[0] or f'href="/shops/{other}"' in shared[1]
        assert not any("badge-warn" in r for r in rows if CARD_B in r or IBAN in r)
        assert 'data-total="4" data-shared="2"' in page.text

        only_shared = _rows(client.get("/trace/requisites", params={"shared": "1"}).text)
        assert len(only_shared) == 2 and all(CARD_A in r for r in only_shared)
        ibans = _rows(client.get("/trace/requisites", params={"type": "iban"}).text)
        assert len(ibans) == 1 and IBAN in ibans[0]
        late = _rows(client.get("/trace/requisites", params={"since": "2024-05-08"}).text)
        assert {CARD_A, IBAN} == {v for r in late for v in (CARD_A, IBAN, CARD_B) if v in r}

        one = client.get("/trace/requisites", params={"shop": kaif})
        assert len(_rows(one.text)) == 2
        assert f'<a href="/shops/{kaif}">' in one.text
        timeline = one.text.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
        assert timeline.index(CARD_A) < timeline.index(IBAN)  # card first seen on day 1

        export = client.get("/trace/requisites/export.csv", params={"shared": "1"})
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(export.text)))
        assert {r["value"] for r in table} == {CARD_A} and {r["shared"] for r in table} == {"yes"}
        xlsx = client.get("/trace/requisites/export.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(values) == sorted([CARD_A, CARD_A, CARD_B, IBAN])
        assert client.get("/trace/requisites/export.pdf").status_code == 404

    with runtime.db.session(readonly=True) as s:
        actions = s.execute(
            select(AuditRecord.actor, AuditRecord.action).where(
                AuditRecord.action == "trace.requisites.export"
            )
        ).all()
    assert actions == [("anna", "trace.requisites.export")] * 2
