"""Precision and recall of the extractors against labelled texts and OCR images.

A labelled row is ``{"id", "text", "expected": [{"type", "value"}]}``; hits and expectations
are compared per row as multisets of ``(type, value)``, so a value found twice where it is
written twice counts twice. Types absent from both sides are not reported.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narcowatch.errors import ExtractError
from narcowatch.extract.registry import extract_all


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=dict)
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, row_id: object, got: Counter[tuple[str, str]], want: Counter[tuple[str, str]]
    ) -> None:
        self.rows += 1
        for key in got | want:
            score = self.scores.setdefault(key[0], Score())
            hit = min(got[key], want[key])
            score.tp += hit
            score.fp += got[key] - hit
            score.fn += want[key] - hit
            if got[key] != want[key] and len(self.errors) < 10_000:
                kind = "fp" if got[key] > want[key] else "fn"
                self.errors.append({"id": row_id, "kind": kind, "type": key[0], "value": key[1]})


def load_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ExtractError(f"{path}: no such file", code="E303")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExtractError(f"{path}: line {number}: not JSON ({exc})", code="E301") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ExtractError(f"{path}: line {number}: needs 'text' and 'expected'", code="E302")
        rows.append(row)
    return rows


def evaluate_text(rows: Iterable[dict[str, Any]]) -> Report:
    report = Report()
    for row in rows:
        got = Counter((h.type, h.value) for h in extract_all(row["text"]))
        want = Counter((e["type"], e["value"]) for e in row.get("expected", []))
        report.add(row.get("id"), got, want)
    return report


OCR_TYPES = ("telegram", "phone", "url", "domain")


def evaluate_ocr(
    count: int = 100, progress: Callable[[int], None] | None = None, out_dir: Path | None = None
) -> tuple[Report, float]:
    """Generate the synthetic wall-photo set, read it, and score handles, phones, links.

    A QR code's link counts for the written ``t.me/x`` when it is the same link with a scheme.
    Returns the report and the mean seconds per image.
    """
    from narcowatch.extract.ocr import extract_image
    from narcowatch.extract.ocrset import generate_ocr_set

    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        folder = out_dir or Path(tmp)
        cases = generate_ocr_set(folder, count)
        started = time.perf_counter()
        for case in cases:
            hits = extract_image(folder / f"{case.name}.png").indicators
            found = {(h.type, h.value) for h in hits if h.type in OCR_TYPES}
            found |= {("url", v.split("://", 1)[1]) for t, v in found if t == "url" and "://" in v}
            want = Counter(case.expected)
            got = Counter({key: want[key] for key in want if key in found})
            got.update(key for key in found if key not in want and not _scheme_twin(key, want))
            report.add(case.name, got, want)
            if progress:
                progress(1)
        per_image = (time.perf_counter() - started) / max(1, len(cases))
    return report, per_image


def _scheme_twin(key: tuple[str, str], want: Counter[tuple[str, str]]) -> bool:
    return key[0] == "url" and "://" in key[1] and ("url", key[1].split("://", 1)[1]) in want
