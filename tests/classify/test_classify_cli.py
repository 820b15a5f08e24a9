"""`narcowatch classify`: JSONL in, one JSONL line out per line in, errors in place."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXE = [str(Path(sys.executable).with_name("narcowatch"))]


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*EXE, *args], input=stdin, capture_output=True, timeout=120, check=False)


def test_stdin_rows_keep_order_and_bad_lines_report_in_place() -> None:
    lines = [
        json.dumps({"id": "a", "text": "меф закладки 24/7, оператор в боте"}),
        "this is not json",
        json.dumps({"id": "c"}),
        "",
        json.dumps({"id": "d", "text": "Фен для волос Philips"}),
    ]
    res = run(["classify", "-", "--classifier", "lexicon"], ("\n".join(lines) + "\n").encode())
    assert res.returncode == 1
    rows = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "c", "d"]
    assert rows[0]["label"] == 1 and rows[0]["reasons"]
    assert "error" in rows[1] and "line 2" in rows[1]["error"]
    assert "line 3" in rows[2]["error"]
    assert rows[3]["label"] == 0
    err = res.stderr.decode()
    assert "line 2" in err and "line 3" in err


def test_file_input_with_invalid_utf8_and_control_chars(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    good = json.dumps({"id": 1, "text": "з\u200bакладки\u202e меф"}, ensure_ascii=False)
    path.write_bytes(good.encode() + b"\n" + b'{"id": 2, "text": "\xff\xfe garbage"}\n')
    res = run(["classify", str(path), "--classifier", "lexicon"])
    assert res.returncode == 0, res.stderr.decode()
    rows = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["label"] == 1
    assert 0.0 <= rows[1]["score"] <= 1.0


def test_missing_file_and_unknown_classifier_are_clear_errors(tmp_path: Path) -> None:
    res = run(["classify", str(tmp_path / "absent.jsonl")])
    assert res.returncode == 2 and "E220" in res.stderr.decode()
    res = run(["classify", "-", "--classifier", "nope"], b'{"id":1,"text":"x"}\n')
    assert res.returncode == 2 and "E201" in res.stderr.decode()


def test_eval_prints_figures_beside_the_baseline(tmp_path: Path, model_dir: Path) -> None:
    path = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "меф закладки по городу, оператор @op_snow", "label": 1, "lang": "ru"},
        {"text": "фен для волос, новый", "label": 0, "lang": "ru"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    res = run(["eval", str(path), "--data-dir", str(model_dir)])
    assert res.returncode == 0, res.stderr.decode()
    out = res.stdout.decode()
    assert "classifier drugs.v1" in out and "keywords F1=" in out and "confusion:" in out
    res = run(["eval", str(path), "--data-dir", str(model_dir), "--stress", "--json"])
    report = json.loads(res.stdout.decode())
    assert set(report) == {"clean", "perturbed", "summary"}


def test_classify_with_the_learned_classifier(model_dir: Path) -> None:
    line = json.dumps({"id": 7, "text": "Мeфедрон, з.а.к.л.а.д.к.и 24/7"}, ensure_ascii=False)
    res = run(
        ["classify", "-", "--classifier", "drugs", "--data-dir", str(model_dir)], line.encode()
    )
    assert res.returncode == 0, res.stderr.decode()
    row = json.loads(res.stdout.decode())
    assert row["classifier"] == "drugs.v1" and row["label"] == 1
    assert any(r["kind"] == "substance" for r in row["reasons"])
