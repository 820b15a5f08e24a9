"""A worker's tick freezes its long-lived heap once, after the first batch (in a child
process: freezing the test process would keep later tests' cycles alive)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, sys
from pathlib import Path
from narcowatch.ingest.base import IncomingItem, Source
from narcowatch.pipeline.background import make_tick
from narcowatch.pipeline.intake import ingest_source
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings

class Posts(Source):
    kind, name, url = "file", "posts", None
    def iter_items(self):
        yield IncomingItem(external_id="1", text="Мефедрон закладки, пишите @shop_bot", raw=b"1")

rt = Runtime.open(Settings(data_dir=Path(sys.argv[1]), secret_key="k", pseudonym_key="k"))
tick = make_tick(rt)
tick()  # nothing stored yet: no batch, nothing frozen
before = gc.get_freeze_count()
ingest_source(rt.db, rt.blobs, Posts())
tick()
print(before, gc.get_freeze_count())
"""


def test_first_batch_settles_the_heap(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0, out.stderr[-2000:]
    before, after = map(int, out.stdout.split()[-2:])
    assert before == 0
    assert after > 50_000  # the modules and the classifier's model
    assert "leaked" not in out.stderr  # unfrozen at exit: extensions finalise as usual
