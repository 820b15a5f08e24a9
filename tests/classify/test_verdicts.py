"""Analysts' verdicts become labelled rows; `train --with-verdicts` makes and promotes a version."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from narcowatch.classify.artefact import current_version
from narcowatch.classify.verdicts import verdict_rows
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import DetectionRecord, ItemRecord, SourceRecord

EXE = str(Path(sys.executable).with_name("narcowatch"))


def add_reviewed(rt: Runtime, items: list[tuple[str, str, str]]) -> None:
    with rt.db.session() as s:
        sid = make_id("source", "test")
        s.add(SourceRecord(id=sid, kind="file", name="test"))
        s.flush()
        for ext, text, status in items:
            iid = make_id("item", sid, ext)
            s.add(
                ItemRecord(id=iid, source_id=sid, external_id=ext, text=text, blob_sha256="0" * 64)
            )
            s.flush()
            s.add(
                DetectionRecord(
                    id=make_id("detection", iid, "drugs.v1"),
                    item_id=iid,
                    classifier="drugs.v1",
                    label=1,
                    score=0.7,
                    reasons=[],
                    status=status,
                )
            )


def test_verdicts_become_rows(any_runtime: Runtime) -> None:
    add_reviewed(
        any_runtime,
        [
            ("1", "свежая партия, пиши оператору", "confirmed"),
            ("2", "продаю велосипед", "rejected"),
            ("3", "мастер-клад опт", "escalated"),
            ("4", "ещё не смотрели", "new"),
            ("5", "   ", "confirmed"),
        ],
    )
    rows = sorted(verdict_rows(any_runtime.db), key=lambda r: r["text"])
    assert [(r["text"], r["label"]) for r in rows] == [
        ("мастер-клад опт", 1),
        ("продаю велосипед", 0),
        ("свежая партия, пиши оператору", 1),
    ]
    assert all(r["split"] == "train" and r["family"].startswith("verdict-") for r in rows)


def test_train_with_verdicts_promotes_a_no_worse_version(runtime: Runtime, model_dir: Path) -> None:
    add_reviewed(
        runtime, [("1", "бошки и гаш, пиши", "confirmed"), ("2", "продам диван", "rejected")]
    )
    root = runtime.settings.data_dir
    shutil.copytree(model_dir / "models", root / "models", dirs_exist_ok=True)
    res = subprocess.run(
        [EXE, "train", "--with-verdicts", "--data-dir", str(root)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr.decode()
    assert "drugs.v2: test F1=" in out and "drugs.v1: test F1=" in out
    meta = json.loads((root / "models" / "drugs.v2" / "meta.json").read_text())
    assert meta["extra_rows"] == 2
    current = current_version(root)
    assert ("promoted drugs.v2" in out) == (current == "drugs.v2")
