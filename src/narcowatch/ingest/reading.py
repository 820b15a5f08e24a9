"""Safe reading of import files: checks before reading, strict UTF-8, located errors.

Every problem an operator can hit with an import file gets its own ``IngestError`` code that
names the file and says what to do. The checks that cost nothing (missing, directory, size)
run before a byte is read; UTF-8 is verified while streaming, so a bad byte deep in a 200 MB
export is reported with its line and byte offset without loading the file.

Error codes (E1xx, ingest):
    E101 file missing        E102 a directory, not a file   E103 empty file
    E104 file too large      E105 not valid UTF-8           E106 not JSON / broken JSON
    E107 truncated JSON      E108 JSON of the wrong shape    E109 bad JSONL line
    E110 text column missing E111 unknown format            E112 malformed CSV
    E113 file unreadable     E114 bad value in a record
"""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from narcowatch.errors import IngestError

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
HEAD_BYTES = 64 * 1024
# json.loads on the error path gives exact line/column; above this size we keep the
# streaming parser's own message rather than loading the whole file into memory.
LOCATE_LIMIT = 64 * 1024 * 1024
REGIONAL_ENCODINGS = ("cp1251", "koi8_r", "cp866", "cp1125", "utf_16", "utf_16_le", "utf_16_be")


def check_file(path: Path, max_bytes: int) -> int:
    """Fail fast on a missing file, a directory, an empty or oversized file; returns the size."""
    if not path.exists():
        raise IngestError(f"{path}: file not found", code="E101", path=str(path))
    if path.is_dir():
        raise IngestError(
            f"{path}: is a directory, not a file (give the path of result.json, "
            "a .jsonl or a .csv file inside it)",
            code="E102",
            path=str(path),
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(
            f"{path}: cannot read the file: {exc}", code="E113", path=str(path)
        ) from exc
    if size == 0:
        raise IngestError(f"{path}: the file is empty (0 bytes)", code="E103", path=str(path))
    if size > max_bytes:
        raise IngestError(
            f"{path}: the file is {human_size(size)}, larger than the import limit of "
            f"{human_size(max_bytes)}; split it or raise max_import_bytes",
            code="E104",
            path=str(path),
            size=size,
            limit=max_bytes,
        )
    return size


def open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise IngestError(
            f"{path}: cannot open the file: {exc}", code="E113", path=str(path)
        ) from exc


def read_head(path: Path) -> bytes:
    """The first bytes of the file, without a UTF-8 BOM, checked to be UTF-8."""
    with open_binary(path) as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(UTF16_BOMS):
        raise encoding_error(path, head, offset=0, line=1)
    skipped = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    head = head[skipped:]
    if b"\x00" in head:  # valid UTF-8, but no text export has NUL bytes: UTF-16 or binary
        nul = head.index(b"\x00")
        raise encoding_error(
            path,
            head,
            offset=nul + skipped,
            line=head.count(b"\n", 0, nul) + 1,
            problem="is not UTF-8 text: it has NUL bytes",
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a multi-byte char cut at the end is fine
    except UnicodeDecodeError as exc:
        line = head.count(b"\n", 0, exc.start) + 1
        raise encoding_error(
            path, head[exc.start :], offset=exc.start + skipped, line=line
        ) from exc
    if not head.strip():
        raise IngestError(f"{path}: the file contains only whitespace", code="E103", path=str(path))
    return head


def guess_encoding(sample: bytes) -> str | None:
    """charset-normalizer's best guess for bytes that are not UTF-8 (None: binary data)."""
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    # Equally plausible code pages (cp1251 vs mac-cyrillic tie on short Russian text):
    # prefer the ones files from Kazakhstan and Russia are actually written in.
    ties = {m.encoding for m in matches if abs(m.chaos - best.chaos) < 1e-9}
    chosen = next((enc for enc in REGIONAL_ENCODINGS if enc in ties), best.encoding)
    return chosen.replace("_", "-")


def encoding_error(
    path: Path, sample: bytes, *, offset: int, line: int, problem: str = "is not valid UTF-8"
) -> IngestError:
    guess = guess_encoding(sample)
    if guess:
        hint = (
            f"it looks like {guess}; convert it first, e.g. "
            f"`iconv -f {guess} -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}`"
        )
    else:
        hint = "it looks like binary data, not a text export"
    if "NUL" in problem and not guess:
        hint = "remove the NUL bytes or re-export the file as UTF-8 text"
    return IngestError(
        f"{path}: {problem} at line {line}, byte offset {offset}; {hint}",
        code="E105",
        path=str(path),
        line=line,
        offset=offset,
        guess=guess,
    )


class Utf8Reader(io.RawIOBase):
    """Passes a binary file's bytes through, minus a leading BOM, failing on invalid UTF-8.

    Written by hand because a streaming JSON parser reports a bad byte without its place in
    the file; here we count bytes and lines as they go by, so the error can name both.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._fh = open_binary(path)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._pos = 0
        self._lines = 0
        first = self._fh.read(len(UTF8_BOM))
        if first == UTF8_BOM:
            self._pos = len(UTF8_BOM)
            self._pending = b""
        else:
            self._pending = first

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = len(buffer)
        try:
            data = self._pending + self._fh.read(max(want - len(self._pending), 0))
        except OSError as exc:  # e.g. a network share or USB stick gone mid-import
            raise IngestError(
                f"{self.path}: reading failed at byte {self._pos}: {exc}",
                code="E113",
                path=str(self.path),
                offset=self._pos,
            ) from exc
        data, self._pending = data[:want], data[want:]
        carried = len(self._decoder.getstate()[0])
        try:
            self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            offset = self._pos - carried + exc.start  # the decoder's buffer starts earlier
            line = self._lines + data.count(b"\n", 0, max(exc.start - carried, 0)) + 1
            self._fh.seek(offset)  # guess from the foreign bytes, not the valid text before
            sample = self._fh.read(HEAD_BYTES)
            raise encoding_error(self.path, sample, offset=offset, line=line) from exc
        buffer[: len(data)] = data
        self._pos += len(data)
        self._lines += data.count(b"\n")
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_text(path: Path) -> io.TextIOWrapper:
    """A text stream over ``path`` that raises E105 (with line and offset) on a bad byte."""
    return io.TextIOWrapper(io.BufferedReader(Utf8Reader(path)), encoding="utf-8", newline="")


def open_checked_binary(path: Path) -> io.BufferedReader:
    """UTF-8-checked bytes (for the streaming JSON parser)."""
    return io.BufferedReader(Utf8Reader(path))


def json_syntax_error(path: Path, size: int, parser_message: str) -> IngestError:
    """Turn a streaming parser failure into E106/E107 with a line and column when we can."""
    if size <= LOCATE_LIMIT:
        with open_text(path) as fh:
            text = fh.read()
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()) - 1:
                return _truncated(path, exc.lineno, exc.colno)
            return IngestError(
                f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                code="E106",
                path=str(path),
                line=exc.lineno,
                column=exc.colno,
            )
    first = parser_message.strip().splitlines()[0] if parser_message.strip() else "parse error"
    if "premature EOF" in parser_message:
        return _truncated(path, None, None)
    return IngestError(f"{path}: not valid JSON: {first}", code="E106", path=str(path))


def _truncated(path: Path, line: int | None, column: int | None) -> IngestError:
    where = f" (it stops at line {line}, column {column})" if line else ""
    return IngestError(
        f"{path}: the JSON is truncated: the file ends before the document is complete{where}; "
        "the export or copy was probably interrupted, export it again",
        code="E107",
        path=str(path),
        line=line,
        column=column,
    )


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
