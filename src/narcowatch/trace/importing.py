"""Import transfer exports into the store: parse, validate, de-duplicate, write in batches.

Bad lines are reported with their line number and skipped; good lines are written in
batches, so a file with one broken row still imports everything else.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narcowatch.errors import TraceError
from narcowatch.trace import import_btc, import_rows
from narcowatch.trace.store import TransferStore, to_table

log = logging.getLogger(__name__)

FORMATS = ("tron", "ethereum", "bitcoin", "plain")
BATCH = 200_000
MAX_LISTED_ERRORS = 1000


@dataclass
class ImportReport:
    path: str
    fmt: str
    lines: int = 0
    imported: int = 0
    duplicates: int = 0
    inputs: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "errors": [list(e) for e in self.errors]}


def guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "bitcoin"
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline().lower()
    if "chain" in header.split(","):
        return "plain"
    if "log_index" in header and "block_number" in header and "block_timestamp" not in header:
        return "ethereum"
    if "token_address" in header:
        token = ""
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            fh.readline()
            token = fh.readline().lower()
        return "ethereum" if "0x" in token.split(",")[0] else "tron"
    raise TraceError(
        f"cannot tell the format of {path.name}; pass --format ({', '.join(FORMATS)})", code="E806"
    )


def import_file(
    store: TransferStore,
    path: Path,
    fmt: str = "auto",
    *,
    blocks: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one export file; never raises on a bad row, only on an unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"file not found: {path}", code="E806")
    fmt = guess_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise TraceError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", code="E806")
    report = ImportReport(path=str(path), fmt=fmt)
    transfers: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []

    def flush() -> None:
        written, dupes = store.append(to_table(transfers))
        report.imported += written
        report.duplicates += dupes
        report.inputs += store.append(to_table(inputs, "inputs"), "inputs")[0]
        if progress:
            progress(len(transfers))
        transfers.clear()
        inputs.clear()

    for line, parsed in _parse(path, fmt, blocks):
        report.lines += 1
        if isinstance(parsed, TraceError):
            report.skipped += 1
            if len(report.errors) < MAX_LISTED_ERRORS:
                report.errors.append((line, f"{parsed.code}: {parsed.message}"))
            continue
        if isinstance(parsed, tuple):
            transfers.extend(parsed[0])
            inputs.extend(parsed[1])
        else:
            transfers.append(parsed)
        if len(transfers) >= BATCH:
            flush()
    flush()
    log.info("imported %s: %s", path, report.to_dict() | {"errors": len(report.errors)})
    return report


def _parse(path: Path, fmt: str, blocks: Path | None) -> Iterator[tuple[int, Any]]:
    if fmt == "bitcoin":
        with path.open("rb") as raw:
            yield from import_btc.read_bitcoin_json(io.BufferedReader(raw))  # type: ignore[arg-type]
        return
    mapping = None
    if blocks is not None:
        with blocks.open(encoding="utf-8-sig", newline="") as fh:
            mapping = import_rows.read_blocks_csv(fh)  # type: ignore[arg-type]
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as fh:
        if fmt == "tron":
            yield from import_rows.read_tron_csv(fh)  # type: ignore[arg-type]
        elif fmt == "ethereum":
            yield from import_rows.read_ethereum_csv(fh, mapping)  # type: ignore[arg-type]
        else:
            yield from import_rows.read_plain_csv(fh)  # type: ignore[arg-type]
