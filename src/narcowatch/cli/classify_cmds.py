"""`classify`: score JSONL texts with a registered classifier, one JSONL line out per line in.

Bad lines do not stop the run: each produces an object with an ``error`` in its place (so the
output stays aligned with the input), a message on stderr naming the line, and exit code 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from narcowatch.classify.registry import get_classifier
from narcowatch.cli.common import console, progress, user_errors
from narcowatch.errors import ClassifyError
from narcowatch.normalize.text import normalize_text

BATCH = 256


DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]


def register(app: typer.Typer) -> None:
    app.command("classify")(classify)
    from narcowatch.cli.model_cmds import evaluate_cmd, train

    app.command("train")(train)
    app.command("eval")(evaluate_cmd)


def load_classifier(name: str, data_dir: str | None = None, version: str | None = None) -> Any:
    """A registered classifier; the learned one reads the given data directory."""
    if name == "drugs":
        from narcowatch.classify.drugs import DrugsClassifier
        from narcowatch.settings import load_settings

        return DrugsClassifier(load_settings(data_dir=data_dir).data_dir, version)
    return get_classifier(name)


def parse_line(raw: bytes, number: int) -> tuple[Any, str | None, str | None]:
    """(id, text, error) for one input line; undecodable bytes are replaced, not fatal."""
    line = raw.decode("utf-8", errors="replace").strip()
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return None, None, f"line {number}: not JSON ({exc.msg})"
    if not isinstance(obj, dict):
        return None, None, f"line {number}: expected a JSON object with 'id' and 'text'"
    ident = obj.get("id", number)
    text = obj.get("text")
    if not isinstance(text, str):
        return ident, None, f"line {number}: missing or non-string 'text'"
    return ident, text, None


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield number, raw


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as fh:
            return sum(1 for raw in fh if raw.strip())
    except OSError:
        return None


def classify(
    source: Annotated[
        str, typer.Argument(help="JSONL file with 'id' and 'text', or '-' for stdin.")
    ],
    classifier: Annotated[
        str | None, typer.Option("--classifier", help="Registered classifier (default: setting).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write {id, label, score, reasons} per input line to stdout, in input order."""
    from narcowatch.settings import load_settings

    with user_errors():
        name = classifier or load_settings(data_dir=data_dir).classifier
        model = load_classifier(name, data_dir)
        if source == "-":
            stream: IO[bytes] = sys.stdin.buffer
            total = None
        else:
            path = Path(source)
            if not path.is_file():
                raise ClassifyError(f"{source}: no such file", code="E220", path=source)
            stream = path.open("rb")
            total = _count_lines(path)
        failed = 0
        out = sys.stdout
        with stream, progress(total=total, label=f"classify ({model.name})") as bar:
            task = bar.add_task("classify", total=total)
            batch: list[tuple[Any, str | None, str | None]] = []
            for number, raw in _lines(stream):
                batch.append(parse_line(raw, number))
                if len(batch) >= BATCH:
                    failed += _flush(model, batch, out)
                    bar.advance(task, len(batch))
                    batch = []
            failed += _flush(model, batch, out)
            bar.advance(task, len(batch))
        out.flush()
    if failed:
        console.print(f"[red]{failed} line(s) could not be classified[/red]")
        raise typer.Exit(1)


def _flush(model: Any, batch: list[tuple[Any, str | None, str | None]], out: IO[str]) -> int:
    good = [(i, text) for i, (_, text, err) in enumerate(batch) if err is None and text is not None]
    dets = model.classify_many([normalize_text(text) for _, text in good])
    by_index = {i: det for (i, _), det in zip(good, dets, strict=True)}
    failed = 0
    for i, (ident, _, err) in enumerate(batch):
        if err is not None:
            failed += 1
            console.print(f"[red]error[/red] E221: {err}")
            row: dict[str, Any] = {"id": ident, "error": err}
        else:
            det = by_index[i]
            row = {
                "id": ident,
                "label": det.label,
                "score": round(det.score, 6),
                "classifier": det.classifier,
                "reasons": [r.to_dict() for r in det.reasons],
            }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return failed
