"""Worker process for the SIGKILL test: import a JSONL file, then run the default stages.

Run as ``python crash_worker.py --data-dir D [--database-url U] --input F``. A sleep per
imported item (each import lasts ``--import-seconds``) and a slow extra stage keep the import
and each batch in flight long enough for the test to kill the process in the middle of them,
even on a fast machine. It
prints one line per phase so the test can see how far a run got.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

from narcowatch.ingest.base import IncomingItem, Source
from narcowatch.ingest.files import open_source
from narcowatch.pipeline.context import ItemContext
from narcowatch.pipeline.intake import ingest_source
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.stages import default_stages
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings


class SlowSource:
    """Wraps a source and sleeps per item, so that the import is always long enough to kill."""

    def __init__(self, source: Source, delay: float) -> None:
        self.source, self.delay = source, delay
        self.kind, self.name, self.url = source.kind, source.name, source.url

    def iter_items(self) -> Iterator[IncomingItem]:
        for item in self.source.iter_items():
            time.sleep(self.delay)
            yield item


class SlowStage:
    """Sleeps per item and counts it: its counter shows how often each item was committed."""

    name = "slow"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def process(self, ctx: ItemContext) -> None:
        time.sleep(self.delay)
        ctx.count(self.name, "items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.003, help="seconds per item in a run")
    parser.add_argument("--import-seconds", type=float, default=4.0, help="length of each import")
    args = parser.parse_args()
    settings = Settings(
        data_dir=args.data_dir, database_url=args.database_url, batch_size=args.batch_size
    )
    rt = Runtime.open(settings)
    lines = sum(1 for _ in args.input.open(encoding="utf-8"))
    source = SlowSource(open_source(args.input, name="crash-test"), args.import_seconds / lines)
    # Small chunks: blobs appear on disk steadily, so the test can kill mid-import.
    res = ingest_source(rt.db, rt.blobs, source, chunk_size=25)
    print(f"ingested new={res.new} unchanged={res.unchanged}", flush=True)
    stages = [*default_stages(), SlowStage(args.delay)]
    result = Runner(rt.db, settings, stages).run()
    print(f"processed {result.processed}", flush=True)
    rt.close()


if __name__ == "__main__":
    main()
