"""Bulk tag imports: GraphSense TagPack YAML files and sanctions lists (CSV).

A TagPack has header fields (title, creator, source, category, currency/network,
confidence, label) that every tag inherits unless it sets its own. Bad tags are reported
by their position and skipped; the good ones are imported in the same transaction.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from narcowatch.errors import TraceError
from narcowatch.security import audit
from narcowatch.trace.tags import CURRENCY_CHAINS, TagImportReport, add_tag

INHERITED = ("label", "source", "category", "currency", "network", "confidence", "is_public")


def _chain(raw: object) -> str:
    key = str(raw or "").strip().upper()
    if key not in CURRENCY_CHAINS:
        raise TraceError(f"unknown currency/network {raw!r}", code="E801")
    return CURRENCY_CHAINS[key]


def import_tagpack(session: Session, path: Path, *, created_by: str = "") -> TagImportReport:
    """Import a GraphSense TagPack YAML file."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TraceError(f"cannot read TagPack {path}: {exc}", code="E822") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("tags"), list):
        raise TraceError(f"{path} is not a TagPack (no 'tags' list)", code="E822")
    header = {k: doc[k] for k in INHERITED if k in doc}
    pack = str(doc.get("title") or Path(path).stem)
    report = TagImportReport()
    for number, raw in enumerate(doc["tags"], start=1):
        tag: dict[str, Any] = {**header, **(raw if isinstance(raw, dict) else {})}
        try:
            if not isinstance(raw, dict) or "address" not in raw:
                raise TraceError("a tag needs an address", code="E820")
            with session.begin_nested():
                add_tag(
                    session,
                    chain=_chain(tag.get("network") or tag.get("currency")),
                    address=str(raw["address"]),
                    label=str(tag.get("label") or ""),
                    category=str(tag.get("category") or "other"),
                    source=str(tag.get("source") or doc.get("creator") or ""),
                    confidence=tag.get("confidence", "manual"),
                    origin="tagpack",
                    created_by=created_by,
                    meta={"tagpack": pack},
                    audit_log=False,
                )
            report.imported += 1
        except TraceError as exc:
            report.skipped += 1
            report.errors.append((number, f"{exc.code}: {exc.message}"))
    audit.record(
        session,
        actor=created_by or "system",
        action="trace.tag.import",
        target_type="tagpack",
        target_id=pack,
        details={"imported": report.imported, "skipped": report.skipped},
    )
    return report


def import_sanctions(
    session: Session,
    path: Path,
    *,
    source: str,
    created_by: str = "",
    default_chain: str | None = None,
) -> TagImportReport:
    """A sanctions CSV: address, chain (or currency), name/label, optional program."""
    report = TagImportReport()
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        names = [n.strip().lower() for n in reader.fieldnames or []]
        if "address" not in names:
            raise TraceError(f"{path}: a sanctions CSV needs an 'address' column", code="E822")
        reader.fieldnames = names
        for row in reader:
            try:
                chain_raw = row.get("chain") or row.get("currency") or default_chain
                label = (row.get("name") or row.get("label") or "sanctioned").strip()
                program = (row.get("program") or "").strip()
                with session.begin_nested():
                    add_tag(
                        session,
                        chain=_chain(chain_raw),
                        address=row["address"] or "",
                        label=label,
                        category="sanctioned",
                        source=source,
                        confidence=100,
                        origin="sanctions",
                        created_by=created_by,
                        note=program,
                        meta={"program": program} if program else {},
                        audit_log=False,
                    )
                report.imported += 1
            except TraceError as exc:
                report.skipped += 1
                report.errors.append((reader.line_num, f"{exc.code}: {exc.message}"))
    audit.record(
        session,
        actor=created_by or "system",
        action="trace.tag.import",
        target_type="sanctions",
        target_id=source,
        details={"imported": report.imported, "skipped": report.skipped},
    )
    return report
