"""Reports into the pipeline: stored first, one item per link with a count, queued."""

from __future__ import annotations

from sqlalchemy import select

from narcowatch.ingest.reports import CLASSIFIER, process_reports
from narcowatch.reports.submit import PhotoRef, ReportDraft, submit_report
from narcowatch.runtime import Runtime
from narcowatch.store.tables import DetectionRecord, ItemRecord, ReportRecord


def test_reports_become_items_and_reach_the_queue(any_runtime: Runtime) -> None:
    blob = any_runtime.blobs.put(b"\xff\xd8 not used by the pipeline")
    with any_runtime.db.session() as s:
        for n in range(5):
            submit_report(
                s,
                ReportDraft(
                    channel="bot",
                    pseudonym=f"{n:064d}",
                    token="t",
                    kind="link",
                    text=f"магазин закладок, пишите {n}",
                    links=["https://t.me/zakladki_kz"],
                ),
            )
        submit_report(
            s,
            ReportDraft(
                channel="web",
                pseudonym="w" * 64,
                token="t",
                kind="lab",
                text="химический запах по ночам, +7 701 123 45 67",
                lat=43.2,
                lon=76.9,
            ),
        )
        submit_report(
            s,
            ReportDraft(
                channel="web",
                pseudonym="v" * 64,
                token="t",
                kind="photo",
                photos=[PhotoRef(blob, "image/jpeg")],
            ),
        )
    first = process_reports(any_runtime)
    assert (first.reports, first.items) == (7, 3)
    assert first.processed >= 3
    with any_runtime.db.session() as s:
        items = {i.external_id: i for i in s.scalars(select(ItemRecord))}
        link = items["link:https://t.me/zakladki_kz"]
        assert link.meta["count"] == 5 and len(link.meta["reports"]) == 5
        assert all(r.item_id for r in s.scalars(select(ReportRecord)))
        dets = {
            d.item_id: d
            for d in s.scalars(
                select(DetectionRecord).where(DetectionRecord.classifier == CLASSIFIER)
            )
        }
        assert set(dets) == {i.id for i in items.values()}
        assert all(d.queued for d in dets.values())
        lab = next(i for k, i in items.items() if i.meta.get("kind") == "lab")
        assert dets[link.id].priority > 0 and dets[lab.id].priority > 0
        assert link.status == "done"
    # A sixth report of the same link updates the one item (count 6), nothing is duplicated.
    with any_runtime.db.session() as s:
        submit_report(
            s,
            ReportDraft(
                channel="bot",
                pseudonym="z" * 64,
                token="t",
                kind="link",
                links=["t.me/s/zakladki_kz"],
            ),
        )
    second = process_reports(any_runtime)
    assert (second.reports, second.items) == (1, 1)
    with any_runtime.db.session() as s:
        items = list(s.scalars(select(ItemRecord)))
        assert len(items) == 3
        link = next(i for i in items if i.external_id.startswith("link:"))
        assert link.meta["count"] == 6
    assert process_reports(any_runtime).reports == 0


def test_photo_text_is_read_by_ocr(runtime: Runtime) -> None:
    import io

    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (900, 160), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 64)
    ImageDraw.Draw(img).text((30, 40), "t.me/zakladki_kz", fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    sha = runtime.blobs.put(buf.getvalue())
    with runtime.db.session() as s:
        submit_report(
            s,
            ReportDraft(
                channel="bot",
                pseudonym="o" * 64,
                token="t",
                kind="photo",
                photos=[PhotoRef(sha, "image/png")],
            ),
        )
    assert process_reports(runtime).items == 1
    with runtime.db.session() as s:
        item = s.scalar(select(ItemRecord))
        assert item is not None and "zakladki_kz" in item.text.lower()
        assert "zakladki_kz" in item.meta["ocr"].lower()
