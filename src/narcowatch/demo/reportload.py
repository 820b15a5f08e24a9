"""Loads the demo's citizen reports: each becomes a report (as the bot would store it) and an
item, so that the pipeline classifies it, extracts its handles and queues it.

Reports go through ``reports.submit.submit_report`` on channel ``import``, with the reporter
replaced by its HMAC pseudonym and a submission token derived from the row id, so loading
the same file twice finds the reports it already made; ``ingest.reports.store_report_items``
then makes them items, exactly as for reports from the bot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from narcowatch.demo.geo import CITY_BY_KEY
from narcowatch.demo.reports import CAMPAIGNS
from narcowatch.ingest.reports import store_report_items
from narcowatch.reports.campaigns import upsert_campaign
from narcowatch.reports.images import clean_image
from narcowatch.reports.kinds import KINDS
from narcowatch.reports.pseudonyms import Pseudonymizer
from narcowatch.reports.submit import PhotoRef, ReportDraft, submit_report
from narcowatch.runtime import Runtime

# The reporting area calls a photographed wall advertisement a "photo" report.
KIND_ALIASES = {"graffiti": "photo"}


@dataclass
class ReportLoad:
    new: int = 0
    existing: int = 0
    items: int = 0


def _photos(runtime: Runtime, folder: Path, row: dict[str, Any]) -> list[PhotoRef]:
    """The row's photo, cleaned as the bot cleans reporters' photos, in the blob store."""
    if not row.get("photo"):
        return []
    clean = clean_image((folder / row["photo"]).read_bytes())
    return [PhotoRef(runtime.blobs.put(clean.data), clean.content_type)]


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_reports(
    runtime: Runtime, path: Path, seed: int, progress: Callable[[int], None] | None = None
) -> ReportLoad:
    """Store every report of ``path`` once, then make the reports pipeline items."""
    pseudonym = Pseudonymizer.from_settings(runtime.settings)
    result = ReportLoad()
    with runtime.db.session() as session:
        for code, home, title in CAMPAIGNS:
            upsert_campaign(session, code, CITY_BY_KEY[home].region if home else None, title)
        for row in read_rows(path):
            kind = KIND_ALIASES.get(row["kind"], row["kind"])
            draft = ReportDraft(
                channel="import",
                pseudonym=pseudonym("import", row["reporter"]),
                token=f"demo:{seed}:{row['id']}",
                kind=kind if kind in KINDS else "other",
                text=row["text"],
                lat=row.get("lat"),
                lon=row.get("lon"),
                campaign=row.get("campaign"),
                region=row.get("region"),
                lang=row.get("lang", "ru"),
                photos=_photos(runtime, path.parent, row),
            )
            _report, created = submit_report(
                session, draft, now=datetime.fromisoformat(row["date"]), daily_limit=10**6
            )
            result.new += created
            result.existing += not created
            if progress:
                progress(1)
    # The reporting area turns stored reports into items (links grouped, photos read).
    while True:
        made = store_report_items(runtime)
        result.items += made.items
        if not made.reports:
            return result
