"""`narcowatch extract`: JSONL in, one JSONL line per input out, bad lines reported."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from narcowatch.cli.main import app


def run(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(app, args, input=stdin)


def test_extract_file_keeps_order_and_offsets(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "Пиши @Shop_KZ или t.me/shop_kz, тел +7 701 123 45 67"},
        {"id": "b", "text": "ничего нет"},
        {"id": 3, "text": "hxxps://shop[.]kz/x"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    res = run(["extract", str(path)])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", 3]
    first = {(i["type"], i["value"]) for i in out[0]["indicators"]}
    assert first == {
        ("telegram", "shop_kz"),
        ("url", "t.me/shop_kz"),
        ("phone", "+77011234567"),
    }
    for row, result in zip(rows, out, strict=True):
        for ind in result["indicators"]:
            assert row["text"][ind["start"] : ind["end"]] == ind["raw"]
    assert out[1]["indicators"] == []
    assert out[2]["indicators"][0]["value"] == "https://shop.kz/x"


def test_extract_stdin_reports_bad_lines() -> None:
    stdin = '{"id": 1, "text": "@shop_kz"}\nnot json\n{"id": 2}\n{"id": 4, "text": ""}\n'
    res = run(["extract", "-"], stdin)
    assert res.exit_code == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [line.get("error") for line in lines] == [None, "E301", "E302", None]
    assert "line 2" in res.stderr and "line 3" in res.stderr


def test_extract_missing_file() -> None:
    res = run(["extract", "/nonexistent.jsonl"])
    assert res.exit_code == 2
    assert "E303" in res.stderr


def test_eval_extract_prints_precision_and_recall(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [
        {"id": 1, "text": "@shop_kz", "expected": [{"type": "telegram", "value": "shop_kz"}]},
        {"id": 2, "text": "87011234567", "expected": [{"type": "phone", "value": "+77019999999"}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    res = run(["eval-extract", str(path), "--errors", "5"])
    assert res.exit_code == 0, res.output
    lines = {
        line.split()[0]: line.split() for line in res.stdout.splitlines()[1:] if line[0] != " "
    }
    assert lines["telegram"][1:3] == ["1.0000", "1.0000"]
    assert lines["phone"][1:3] == ["0.0000", "0.0000"]
    assert "fn phone '+77019999999'" in res.stdout


def test_extract_image_command(tmp_path: Path) -> None:
    import segno

    good = tmp_path / "qr.png"
    segno.make("https://t.me/cli_shop_kz").save(str(good), scale=8, border=4)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    res = run(["extract-image", str(good), str(bad)])
    assert res.exit_code == 1
    first, second = (json.loads(line) for line in res.stdout.splitlines())
    assert first["qr"] == ["https://t.me/cli_shop_kz"]
    assert ("telegram", "cli_shop_kz") in {(i["type"], i["value"]) for i in first["indicators"]}
    assert second == {"file": str(bad), "error": "E310"}
    assert "E310" in res.stderr
