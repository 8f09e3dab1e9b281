"""JSON-lines documents through the console script: round trips (plain and gzip), removals
under metadata, malformed lines, text files to one JSON-lines file; and the reader itself."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import newsclean
from newsclean.jsonl import JsonlLineError, JsonlRecord, read_jsonl

from .conftest import SEEDS
from .test_cli import run

SEED_PATHS = sorted(SEEDS.glob("*.txt"))


def seed_records() -> list[dict]:
    return [
        {"id": path.stem, "text": path.read_text(encoding="utf-8"), "source": "seeds", "metadata": {"lang": "en"}}
        for path in SEED_PATHS
    ]


def write_jsonl(path: Path, lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def read_output(path: Path) -> list[dict]:
    data = path.read_bytes()
    text = gzip.decompress(data).decode("utf-8") if path.name.endswith(".gz") else data.decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_round_trip_keeps_other_keys_and_cleans_text(tmp_path: Path, suffix: str) -> None:
    source, target = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    write_jsonl(source, [json.dumps(record) for record in seed_records()])
    done = run("clean", "--jsonl", str(source), "-o", str(target), "-q", "--no-dedup")
    assert done.returncode == 0, done.stderr
    output = read_output(target)
    assert [record["id"] for record in output] == [path.stem for path in SEED_PATHS]
    for record, original in zip(output, seed_records()):
        assert record == {**original, "text": newsclean.clean(original["text"])}
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # no temporary left


def test_removals_under_metadata(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [json.dumps(record) for record in seed_records()])
    assert run("clean", "--jsonl", str(source), "-o", str(target), "--removals", "-q", "--no-dedup").returncode == 0
    record = next(r for r in read_output(target) if r["id"] == "002_1d7f724c3669c58c")
    assert record["metadata"]["lang"] == "en"
    assert record["metadata"]["removals"][:2] == [
        {"line": 1, "filter": "share-button", "reason": "share button 'Share'", "text": "Share"},
        {"line": 7, "filter": "ad-marker", "reason": "ad marker 'Advertisement'", "details": {"marker": "advertisement"}, "text": "Advertisement"},
    ]


def test_malformed_lines_are_named_and_the_rest_is_cleaned(tmp_path: Path) -> None:
    records = seed_records()
    lines = [json.dumps(records[0]), "{not json", json.dumps({"id": "no-text", "body": "x"}), "[1, 2]",
             json.dumps({"id": 7, "text": 42}), "", json.dumps(records[1])]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, lines)
    done = run("clean", "--jsonl", str(source), "-o", str(target), "--no-dedup")
    assert done.returncode == 1
    assert f"{source}:2: not valid JSON" in done.stderr
    assert f"{source}:3: no 'text' key (keys: body, id); line skipped" in done.stderr
    assert f"{source}:4: a JSON list, not an object" in done.stderr
    assert f"{source}:5: 'text' is a int, not a string" in done.stderr
    assert "Traceback" not in done.stderr
    assert [record["id"] for record in read_output(target)] == [records[0]["id"], records[1]["id"]]


def test_text_files_to_one_jsonl_and_stdin_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "seeds.jsonl.gz"
    assert run("clean", str(SEEDS), "--format", "jsonl", "-o", str(target), "-q", "--no-dedup").returncode == 0
    output = read_output(target)
    assert [record["id"] for record in output] == [str(path) for path in SEED_PATHS]
    assert output[2]["text"] == newsclean.clean(SEED_PATHS[2].read_text(encoding="utf-8"))
    done = run("clean", "--jsonl", "-", "-q", "--no-dedup", stdin=json.dumps({"id": "a", "text": "Share\nThe vote passed.\n"}) + "\n")
    assert done.returncode == 0 and json.loads(done.stdout) == {"id": "a", "text": "The vote passed.\n"}


def test_usage_errors(tmp_path: Path) -> None:
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--removals")
    assert done.returncode == 2 and "--removals needs JSON-lines output" in done.stderr
    done = run("clean", "--jsonl", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 1 and "missing.jsonl: no such file or directory" in done.stderr


def test_jsonl_with_dedup_drops_repeated_paragraphs(tmp_path: Path) -> None:
    pytest.importorskip("newsclean.dedup")
    records = seed_records()
    copy = {**records[0], "id": "copy", "text": "Advertisement\n\n" + records[0]["text"]}
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [json.dumps(records[0]), json.dumps(copy)])
    assert run("clean", "--jsonl", str(source), "-o", str(target), "--removals", "-q").returncode == 0
    first, second = read_output(target)
    assert first["text"] == newsclean.clean(records[0]["text"]) and second["text"] == ""
    duplicates = [r for r in second["metadata"]["removals"] if r["filter"] == "near-duplicate"]
    assert duplicates and all(r["details"]["original_document"] == records[0]["id"] for r in duplicates)


def test_reader_yields_documents_and_errors_in_order(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    write_jsonl(source, [json.dumps({"text": "One line.\n"}), "oops", json.dumps({"id": 3, "text": ""})])
    items = list(read_jsonl(str(source)))
    assert isinstance(items[0], JsonlRecord) and items[0].document.id == f"{source}:1"
    assert items[0].document.lines == ("One line.",)
    assert isinstance(items[1], JsonlLineError) and items[1].line == 2
    assert isinstance(items[2], JsonlRecord) and items[2].document.id == "3" and items[2].record["id"] == 3


def test_a_malformed_line_is_reported_at_its_real_column(tmp_path) -> None:
    # The column counts in the line without its line ending: a line cut short fails at its
    # end (here column 26), a bad character where it is, with \n and \r\n endings alike.
    source = tmp_path / "docs.jsonl"
    article = (SEEDS / "000_8f364771f0068d94.txt").read_text(encoding="utf-8")
    good = json.dumps({"id": "good", "text": article})
    source.write_bytes(f'{good}\n{{"id": "broken", "text": \n{{"id": "bad", "text": x}}\r\n{good}\r\n'.encode())
    errors = [str(item) for item in read_jsonl(str(source)) if isinstance(item, JsonlLineError)]
    assert errors == [
        f"{source}:2: not valid JSON (Expecting value at column 26, the end of the line: is it cut short?); line skipped",
        f"{source}:3: not valid JSON (Expecting value at column 23); line skipped",
    ]
