"""Pipeline guarantees on real imports: idempotence, edits, fail-soft, DropItem, counters."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from narcowatch.classify.registry import get_classifier
from narcowatch.errors import DropItem
from narcowatch.ids import make_id
from narcowatch.ingest.files import open_source
from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.pipeline.counters import stored_counters
from narcowatch.pipeline.intake import ingest_source, item_id, source_id
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.stages import NormalizeStage, default_stages
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import (
    DetectionRecord,
    DocumentRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
)

Counts = Callable[[Runtime], dict[str, int]]
FIXTURES = Path(__file__).parents[1] / "fixtures"
CHANNEL = FIXTURES / "telegram" / "channel_snow" / "result.json"
CHANNEL_ID = source_id("telegram_export", "Снежный Барс KZ (SYNTHETIC TEST)")
INPUTS: list[tuple[Path, dict[str, str]]] = [
    (CHANNEL, {}),
    (FIXTURES / "telegram" / "account" / "result.json", {}),
    (FIXTURES / "files" / "posts.jsonl", {}),
    (FIXTURES / "files" / "ads.csv", {"text_column": "body"}),
    (FIXTURES / "files" / "news.csv", {}),
]
TOTAL = 11 + 4 + 5 + 3 + 3


def ingest_all(rt: Runtime) -> int:
    return sum(ingest_source(rt.db, rt.blobs, open_source(p, **kw)).new for p, kw in INPUTS)


def requeue_all(rt: Runtime) -> None:
    with rt.db.session() as s:
        for row in s.scalars(select(ItemRecord)):
            row.status = "new"


def mention_totals(rt: Runtime) -> int:
    with rt.db.session() as s:
        return s.scalar(select(func.sum(IndicatorRecord.mentions))) or 0


def test_same_input_twice_duplicates_nothing(
    any_runtime: Runtime, counts: Counts, duplicates: Counts
) -> None:
    rt = any_runtime
    assert ingest_all(rt) == TOTAL
    assert Runner(rt.db, rt.settings).run().processed == TOTAL
    first = counts(rt)
    assert first["items"] == first["documents"] == first["detections"] == TOTAL
    assert first["mentions"] > 10 and first["shop_members"] > 0 and first["shops"] > 0
    assert first["mentions"] == mention_totals(rt)

    assert ingest_all(rt) == 0  # a second delivery is a no-op...
    assert Runner(rt.db, rt.settings).run().processed == 0
    assert counts(rt) == first

    requeue_all(rt)  # ...and so is processing everything again
    assert Runner(rt.db, rt.settings).run().processed == TOTAL
    assert counts(rt) == first
    assert mention_totals(rt) == first["mentions"]
    assert set(duplicates(rt).values()) == {0}


def test_edited_message_is_processed_again(runtime: Runtime, tmp_path: Path) -> None:
    rt = runtime
    ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    Runner(rt.db, rt.settings).run()
    iid = item_id(CHANNEL_ID, "9")
    with rt.db.session() as s:
        detections_before = s.scalar(select(func.count()).select_from(DetectionRecord))
        assert s.get(IndicatorRecord, indicator_id("telegram", "fresh_edit_test")) is None

    folder = tmp_path / "export"
    shutil.copytree(CHANNEL.parent, folder)
    doc = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    msg = next(m for m in doc["messages"] if m["id"] == 9)
    msg["text"] = msg["text"] + " New operator: @fresh_edit_test"
    msg["text_entities"] = [{"type": "plain", "text": msg["text"]}]
    msg["edited_unixtime"] = "1791700000"
    (folder / "result.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    res = ingest_source(rt.db, rt.blobs, open_source(folder / "result.json"))
    assert (res.updated, res.unchanged) == (1, 10)
    assert Runner(rt.db, rt.settings).run().processed == 1
    with rt.db.session() as s:
        item = s.get(ItemRecord, iid)
        assert item is not None and item.status == "done"
        document = s.get(DocumentRecord, iid)
        assert document is not None and document.text.endswith("@fresh_edit_test")
        ind_id = indicator_id("telegram", "fresh_edit_test")
        mention = s.scalars(
            select(ItemIndicatorRecord).where(ItemIndicatorRecord.indicator_id == ind_id)
        ).one()
        assert mention.item_id == iid and mention.raw == "@fresh_edit_test"
        assert s.scalar(select(func.count()).select_from(DetectionRecord)) == detections_before


class Explode:
    """Writes a row, then fails on some items: the row must vanish with the stage's savepoint."""

    name = "explode"

    def __init__(self, victims: set[str]) -> None:
        self.victims = victims

    def process(self, ctx: ItemContext) -> None:
        ctx.session.add(
            IndicatorRecord(id=make_id("boom", ctx.item.id), type="boom", value=ctx.item.id)
        )
        ctx.session.flush()
        if ctx.item.external_id in self.victims:
            raise RuntimeError(f"boom on {ctx.item.external_id}")
        ctx.count(self.name, "items")


class ExplodeInBatch(Explode):
    """The same, with a batch method: the runner must fall back to item by item."""

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        for ctx in ctxs:
            self.process(ctx)


class DropEmpty:
    name = "drop_empty"

    def process(self, ctx: ItemContext) -> None:
        if not (ctx.item.text or "").strip():
            raise DropItem("empty text")


def with_extra(position: int, extra: Stage) -> list[Stage]:
    stages = default_stages()
    stages.insert(position, extra)
    return stages


@pytest.mark.parametrize("stage", [Explode, ExplodeInBatch])
def test_failing_stage_is_recorded_and_later_stages_still_run(
    any_runtime: Runtime, stage: type[Explode]
) -> None:
    rt = any_runtime
    ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    classifier = get_classifier(rt.settings.classifier, rt.settings.data_dir).name
    victims = {"2", "8"}
    runner = Runner(rt.db, rt.settings, with_extra(1, stage(victims)))
    assert runner.run().processed == 11
    with rt.db.session() as s:
        items = {i.external_id: i for i in s.scalars(select(ItemRecord))}
        assert {i.status for i in items.values()} == {"done"}  # the batch committed
        for ext in victims:
            assert items[ext].errors == {"explode": f"RuntimeError: boom on {ext}"}
            assert s.get(DetectionRecord, make_id("detection", items[ext].id, classifier))
            assert s.get(IndicatorRecord, make_id("boom", items[ext].id)) is None
        assert items["2"].id in set(s.scalars(select(ItemIndicatorRecord.item_id)))
        assert all(not i.errors for k, i in items.items() if k not in victims)
        boom_rows = s.scalar(
            select(func.count()).select_from(IndicatorRecord).where(IndicatorRecord.type == "boom")
        )
        assert boom_rows == 11 - len(victims)
        stored = stored_counters(s)
    assert stored["explode"] == {"errors": 2, "items": 9}
    assert stored["classify"]["items"] == 11


def test_drop_item_stops_later_stages(runtime: Runtime) -> None:
    rt = runtime
    ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    Runner(rt.db, rt.settings, with_extra(0, DropEmpty())).run()
    with rt.db.session() as s:
        dropped = s.scalars(select(ItemRecord).where(ItemRecord.status == "dropped")).all()
        assert [d.external_id for d in dropped] == ["7"]  # the photo without a caption
        assert dropped[0].errors == {"drop_empty": "dropped: empty text"}
        assert s.get(DocumentRecord, dropped[0].id) is None
        assert s.scalar(select(func.count()).select_from(DocumentRecord)) == 10
        assert stored_counters(s)["drop_empty"] == {"dropped": 1}


def test_counters_are_stored_and_add_up_across_runs(runtime: Runtime) -> None:
    rt = runtime
    ingest_all(rt)
    first = Runner(rt.db, rt.settings).run().counters
    with rt.db.session() as s:
        stored = stored_counters(s)
        positives = s.scalar(select(func.count()).where(DetectionRecord.label == 1))
        mentions = s.scalar(select(func.count()).select_from(ItemIndicatorRecord))
    assert {k: v for k, v in stored.items() if k != "ingest"} == first
    assert stored["ingest"]["new"] == TOTAL and stored["ingest"]["skipped:service"] == 3
    assert first["normalize"]["items"] == first["classify"]["items"] == TOTAL
    assert first["classify"]["positives"] == positives
    found = sum(v for k, v in first["extract"].items() if k.startswith("indicators:"))
    assert found >= mentions > 0  # the same value twice at one offset is one mention

    requeue_all(rt)
    Runner(rt.db, rt.settings).run()
    with rt.db.session() as s:
        again = stored_counters(s)
    assert again["normalize"]["items"] == 2 * TOTAL
    assert again["classify"]["positives"] == 2 * positives


class Interrupt:
    """Stands for a crash inside a batch: BaseException is not caught by fail-soft."""

    name = "interrupt"

    def __init__(self, after: int) -> None:
        self.left = after

    def process(self, ctx: ItemContext) -> None:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt


def test_interrupted_batch_is_rolled_back_and_redone_once(any_runtime: Runtime) -> None:
    rt = any_runtime
    rt.settings.batch_size = 4
    ingest_all(rt)
    with pytest.raises(KeyboardInterrupt):
        Runner(rt.db, rt.settings, [NormalizeStage(), Interrupt(after=9)]).run()
    with rt.db.session() as s:
        done = s.scalar(select(func.count()).where(ItemRecord.status == "done"))
        assert done == 8  # two whole batches; the third was rolled back
        assert s.scalar(select(func.count()).select_from(DocumentRecord)) == 8
        assert stored_counters(s)["normalize"]["items"] == 8
    Runner(rt.db, rt.settings).run()
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).where(ItemRecord.status == "done")) == TOTAL
        assert stored_counters(s)["normalize"]["items"] == TOTAL
        assert s.scalar(select(func.count()).select_from(DocumentRecord)) == TOTAL


class Slow:
    """Holds its runner's write transaction open long enough for another runner to start."""

    name = "slow"

    def process(self, ctx: ItemContext) -> None:
        pass

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        time.sleep(0.1)


def test_two_workers_never_process_the_same_item(any_runtime: Runtime) -> None:
    rt = any_runtime
    rt.settings.batch_size = 3
    ingest_all(rt)
    runners = [Runner(rt.db, rt.settings, [*default_stages(), Slow()]) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        processed = list(pool.map(lambda r: r.run().processed, runners))
    assert sum(processed) == TOTAL
    with rt.db.session(readonly=True) as s:
        assert s.scalar(select(func.count()).where(ItemRecord.status == "done")) == TOTAL
        assert stored_counters(s)["normalize"]["items"] == TOTAL
