"""`extract`: indicators out of JSONL texts, one output line per input line, in order."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from narcowatch.cli.common import console, progress, user_errors
from narcowatch.errors import ExtractError
from narcowatch.extract.registry import extract_all


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
    app.command("eval-extract")(eval_extract)
    app.command("eval-ocr")(eval_ocr)
    app.command("extract-image")(extract_image_cmd)


def read_jsonl(stream: IO[bytes]) -> Iterator[tuple[int, int, dict[str, Any] | ExtractError]]:
    """Yield (line number, bytes read, object or the error for that line); blank lines skipped."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield number, len(line), ExtractError(f"line {number}: not JSON ({exc})", code="E301")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            yield (
                number,
                len(line),
                ExtractError(
                    f"line {number}: expected an object with a string 'text'", code="E302"
                ),
            )
            continue
        yield number, len(line), obj


def open_input(path: str) -> tuple[IO[bytes], int | None]:
    if path == "-":
        return sys.stdin.buffer, None
    file = Path(path)
    if not file.is_file():
        raise ExtractError(f"{path}: no such file", code="E303")
    return file.open("rb"), file.stat().st_size


def extract(
    path: Annotated[str, typer.Argument(help="JSONL file with 'id' and 'text', or - for stdin.")],
    include_invalid: Annotated[
        bool, typer.Option(help="Also output hits whose checksum fails (valid=false).")
    ] = False,
) -> None:
    """Extract indicators (links, handles, phones, cards, wallets, ...) from JSONL texts."""
    with user_errors():
        stream, size = open_input(path)
    bad = 0
    out = sys.stdout
    try:
        with progress(total=size, label="extract") as bar:
            task = bar.add_task("extract", total=size)
            for number, nbytes, obj in read_jsonl(stream):
                bar.advance(task, nbytes)
                if isinstance(obj, ExtractError):
                    bad += 1
                    console.print(f"[red]error[/red] {obj.code}: {path}: {obj.message}")
                    out.write(
                        json.dumps(
                            {"id": None, "line": number, "indicators": [], "error": obj.code}
                        )
                        + "\n"
                    )
                    continue
                hits = extract_all(obj["text"], include_invalid=include_invalid)
                row = {"id": obj.get("id"), "indicators": [h.to_dict() for h in hits]}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if bad:
        console.print(f"{bad} bad line(s) in {path}")
        raise typer.Exit(1)


def eval_extract(
    path: Annotated[
        Path | None,
        typer.Argument(help="Labelled JSONL (default: data/extraction/labelled.jsonl)."),
    ] = None,
    errors: Annotated[int, typer.Option(help="Show this many misses and false hits.")] = 0,
) -> None:
    """Precision and recall per indicator type on a labelled set."""
    from narcowatch.extract.evaluate import evaluate_text, load_rows
    from narcowatch.paths import data_root

    with user_errors():
        rows = load_rows(path or data_root() / "extraction" / "labelled.jsonl")
    report = evaluate_text(rows)
    _print_report(report, f"{len(rows)} texts")
    for err in report.errors[:errors]:
        typer.echo(f"  {err['kind']} {err['type']} {err['value']!r} in {err['id']}")


def eval_ocr(
    count: Annotated[int, typer.Option(help="Number of synthetic wall photos.")] = 100,
    keep: Annotated[Path | None, typer.Option(help="Keep the images in this folder.")] = None,
) -> None:
    """Generate the synthetic wall-photo set, OCR it, and score handles, phones and links."""
    from narcowatch.extract.evaluate import evaluate_ocr

    with progress(total=count, label="ocr") as bar:
        task = bar.add_task("ocr", total=count)
        report, per_image = evaluate_ocr(count, lambda n: bar.advance(task, n), out_dir=keep)
    _print_report(report, f"{count} images, {per_image:.2f} s/image")
    total = sum(s.tp + s.fn for s in report.scores.values())
    found = sum(s.tp for s in report.scores.values())
    typer.echo(f"recovered exactly: {found}/{total} = {found / max(1, total):.3f}")


def _print_report(report: Any, title: str) -> None:
    typer.echo(
        f"{'type':<14} {'precision':>9} {'recall':>7} {'tp':>6} {'fp':>5} {'fn':>5}   ({title})"
    )
    for type_, score in sorted(report.scores.items()):
        typer.echo(
            f"{type_:<14} {score.precision:>9.4f} {score.recall:>7.4f} "
            f"{score.tp:>6} {score.fp:>5} {score.fn:>5}"
        )


def extract_image_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Photos or screenshots (PNG, JPEG, ...).")],
) -> None:
    """OCR (Tesseract rus+kaz+eng) and QR codes of images, then indicators: one JSONL line each."""
    from narcowatch.extract.ocr import extract_image

    bad = 0
    with progress(total=len(paths), label="ocr") as bar:
        task = bar.add_task("ocr", total=len(paths))
        for path in paths:
            try:
                result = extract_image(path)
            except ExtractError as exc:
                bad += 1
                console.print(f"[red]error[/red] {exc.code}: {path}: {exc.message}")
                sys.stdout.write(json.dumps({"file": str(path), "error": exc.code}) + "\n")
                continue
            finally:
                bar.advance(task, 1)
            row = {
                "file": str(path),
                "text": result.text,
                "confidence": round(result.confidence, 1),
                "qr": result.qr,
                "indicators": [h.to_dict() for h in result.indicators],
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    if bad:
        raise typer.Exit(1)
