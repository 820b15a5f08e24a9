"""Generic row files as sources: JSON Lines, a JSON array of objects, and CSV.

Each row needs a text field (``text`` unless configured); ``id``, ``url``, ``author`` and
``published_at``/``date`` are used when present and every other field is kept in ``meta``.
Rows without an ``id`` get one from a hash of their content, so importing the same file twice
stores each row once. CSV dialects are sniffed by the standard library's ``csv.Sniffer``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from narcowatch.errors import IngestError
from narcowatch.ids import sha256_hex
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.reading import (
    json_syntax_error,
    open_checked_binary,
    open_text,
    read_head,
)
from narcowatch.ingest.values import clean_text, clean_value, fit_id, fit_name

KIND = "file"
ID_KEYS = ("id",)
URL_KEYS = ("url", "link")
AUTHOR_KEYS = ("author", "from")
DATE_KEYS = ("published_at", "date")
DELIMITERS = ",;\t|"
SINGLE_COLUMN = "\x1e"  # ASCII record separator: never in text, so no line is split


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 text or a Unix timestamp; a date without a zone is taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first(row: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if row.get(key) not in (None, ""):
            return key, row[key]
    return None, None


FIELD_LIMIT = 131_072  # csv's default: a longer field is an unbalanced quote


class RowSource:
    """Base of the three row formats: turns one row (a dict) into an ``IncomingItem``."""

    kind = KIND
    fmt = "rows"

    def __init__(self, path: Path, *, size: int, name: str | None, text_column: str) -> None:
        self.path = path
        self.size = size
        self.name = fit_name(name or path.stem)
        self.url: str | None = None
        self.text_column = text_column
        self.stats: dict[str, int] = {}

    def iter_items(self) -> Iterator[IncomingItem]:
        for where, row in self.rows():
            yield self.to_item(row, where)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        raise TypeError("RowSource is abstract: use JsonLinesSource, JsonArraySource, CsvSource")

    def to_item(self, row: dict[str, Any], where: str) -> IncomingItem:
        if self.text_column not in row:
            raise IngestError(
                f"{self.path}: {where} has no {self.text_column!r} field (fields: "
                f"{', '.join(sorted(row)) or 'none'}); choose one with --text-column",
                code="E110",
                path=str(self.path),
                text_column=self.text_column,
                where=where,
                columns=sorted(row),
            )
        text = row[self.text_column]
        if isinstance(text, (dict, list)):
            raise IngestError(
                f"{self.path}: {where}: field {self.text_column!r} is "
                f"{'an object' if isinstance(text, dict) else 'a list'}, not text",
                code="E114",
                path=str(self.path),
                where=where,
            )
        raw = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        used = {self.text_column}
        id_key, ext_id = _first(row, ID_KEYS)
        url_key, url = _first(row, URL_KEYS)
        author_key, author = _first(row, AUTHOR_KEYS)
        date_key, date = _first(row, DATE_KEYS)
        used.update(k for k in (id_key, url_key, author_key, date_key) if k)
        used.update(k for k in ID_KEYS + URL_KEYS + AUTHOR_KEYS + DATE_KEYS if row.get(k) == "")
        meta = {k: v for k, v in row.items() if k not in used}
        try:
            published = parse_date(date)
        except (ValueError, OverflowError, OSError):
            published = None
            meta["unparsed_date"] = date
        return IncomingItem(
            external_id=fit_id(str(ext_id))
            if id_key
            else "sha256:" + sha256_hex(raw.encode())[:32],
            text="" if text is None else clean_text(str(text)),
            raw=raw.encode("utf-8"),
            content_type="application/json",
            url=clean_text(str(url)) if url else None,
            author=fit_name(str(author)) if author else None,
            published_at=published,
            meta=clean_value(meta) if "\\u0000" in raw else meta,
        )


class JsonLinesSource(RowSource):
    fmt = "jsonl"

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        with open_text(self.path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"line {lineno}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise IngestError(
                        f"{self.path}: {where} is not valid JSON: {exc.msg} (column {exc.colno})",
                        code="E109",
                        path=str(self.path),
                        line=lineno,
                        column=exc.colno,
                    ) from exc
                if not isinstance(row, dict):
                    raise IngestError(
                        f"{self.path}: {where} is {_kind(row)}, not a JSON object",
                        code="E109",
                        path=str(self.path),
                        line=lineno,
                    )
                yield where, row


class JsonArraySource(RowSource):
    fmt = "json"

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        with open_checked_binary(self.path) as fh:
            try:
                for index, row in enumerate(ijson.items(fh, "item", use_float=True), 1):
                    if not isinstance(row, dict):
                        raise IngestError(
                            f"{self.path}: record {index} is {_kind(row)}, not an object",
                            code="E114",
                            path=str(self.path),
                            index=index,
                        )
                    yield f"record {index}", row
            except ijson.JSONError as exc:
                raise json_syntax_error(self.path, self.size, str(exc)) from exc


class CsvSource(RowSource):
    fmt = "csv"

    def dialect(self, sample: str) -> type[csv.Dialect] | csv.Dialect:
        """The delimiter from the header line when it is unambiguous, else csv.Sniffer's guess.

        Header names rarely contain punctuation, so one candidate delimiter in the header is a
        surer sign than the sniffer's statistics over free text full of commas and semicolons.
        A header with no delimiter at all means a single column (commas in it are text).
        """
        header = sample.splitlines()[0] if sample else ""
        present = [d for d in DELIMITERS if d in header]
        if len(present) <= 1:
            delimiter = present[0] if present else SINGLE_COLUMN
            return type("HeaderDialect", (csv.excel,), {"delimiter": delimiter})
        try:
            return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        except csv.Error:
            return csv.excel_tab if self.path.suffix.lower() == ".tsv" else csv.excel

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        dialect = self.dialect(read_head(self.path).decode("utf-8", "ignore"))
        with open_text(self.path) as fh:
            reader = csv.reader(fh, dialect)
            try:
                header = [h.strip() for h in next(reader, [])]
                self._check_header(header)
                for values in reader:
                    if any(len(v) > FIELD_LIMIT for v in values):
                        # Checked here too: csv's own limit is process-wide and other
                        # libraries raise it on import (followthemoney sets sys.maxsize).
                        raise csv.Error(f"field larger than field limit ({FIELD_LIMIT})")
                    if not any(v.strip() for v in values):
                        continue
                    padded = values + [""] * (len(header) - len(values))
                    row: dict[str, Any] = dict(zip(header, padded, strict=False))
                    if len(values) > len(header):
                        row["_extra"] = values[len(header) :]
                    yield f"line {reader.line_num}", row
            except csv.Error as exc:
                raise IngestError(
                    f"{self.path}: malformed CSV at line {reader.line_num}: {exc}",
                    code="E112",
                    path=str(self.path),
                    line=reader.line_num,
                ) from exc

    def _check_header(self, header: list[str]) -> None:
        if self.text_column in header:
            return
        folded = {h.casefold(): h for h in header}
        if self.text_column.casefold() in folded:
            self.text_column = folded[self.text_column.casefold()]
            return
        raise IngestError(
            f"{self.path}: the CSV has no {self.text_column!r} column (columns found: "
            f"{', '.join(repr(h) for h in header) or 'none'}); choose one with --text-column",
            code="E110",
            path=str(self.path),
            text_column=self.text_column,
            columns=header,
        )


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
