"""The console script's near-duplicate options end to end: dedup across a run by default, the
persistent --index, explain --index, and clear errors for unusable index files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import SEEDS
from .test_cli import run


def near_duplicates(report: Path) -> list[dict]:
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    return [record for record in records if record.get("filter") == "near-duplicate"]


def test_clean_drops_the_seed_duplicate_and_nothing_else(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--report", str(report))
    assert done.returncode == 0, done.stderr
    (record,) = near_duplicates(report)
    assert (record["file"], record["line"]) == (str(SEEDS / "004_16dd4417dd52c2cc.txt"), 31)
    assert record["details"] == {"original_document": str(SEEDS / "002_1d7f724c3669c58c.txt"), "original_line": 9, "similarity": 1.0}
    assert "harmony between Ankara and Moscow" in (tmp_path / "out" / "002_1d7f724c3669c58c.txt").read_text(encoding="utf-8")


def test_index_remembers_earlier_runs_and_explain_shows_it(tmp_path: Path) -> None:
    first, second = tmp_path / "day1", tmp_path / "day2"
    first.mkdir(), second.mkdir()
    shutil.copy(SEEDS / "002_1d7f724c3669c58c.txt", first)
    shutil.copy(SEEDS / "004_16dd4417dd52c2cc.txt", second)
    index = tmp_path / "seen.db"
    assert run("clean", str(first), "-o", str(tmp_path / "out1"), "--index", str(index)).returncode == 0
    report = tmp_path / "report.jsonl"
    done = run("clean", str(second), "-o", str(tmp_path / "out2"), "--index", str(index), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert [(r["line"], r["details"]["original_line"]) for r in near_duplicates(report)] == [(31, 9)]
    explained = run("explain", str(second / "004_16dd4417dd52c2cc.txt"), "--index", str(index), "--json")
    decisions = [json.loads(line) for line in explained.stdout.splitlines()]
    (line_31,) = [d for d in decisions if d["line"] == 31]
    assert line_31["filter"] == "near-duplicate" and "002_1d7f724c3669c58c.txt" in line_31["reason"]
    assert not any(d.get("filter") == "near-duplicate" for d in decisions if d["line"] != 31)


def test_unusable_index_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    index = tmp_path / "seen.db"
    index.write_text("not an index\n")
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--index", str(index))
    assert done.returncode == 1
    assert "is not a newsclean index" in done.stderr and "Traceback" not in done.stderr
    assert index.read_text() == "not an index\n"


def test_no_dedup_with_index_is_a_usage_error(tmp_path: Path) -> None:
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--no-dedup", "--index", str(tmp_path / "i.db"))
    assert done.returncode == 2 and "--index" in done.stderr
    assert not (tmp_path / "i.db").exists()


def test_resume_with_an_index_replays_documents_the_interrupted_run_recorded(tmp_path: Path) -> None:
    # The state a run killed between recording 004 in the index and writing its output leaves.
    index, out, report = tmp_path / "seen.db", tmp_path / "out", tmp_path / "report.jsonl"
    assert run("clean", str(SEEDS), "-o", str(out), "--index", str(index)).returncode == 0
    expected = {path.name: path.read_bytes() for path in out.glob("*.txt")}
    (out / "004_16dd4417dd52c2cc.txt").unlink()
    done = run("clean", str(SEEDS), "-o", str(out), "--index", str(index), "--resume", "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert {path.name: path.read_bytes() for path in out.glob("*.txt")} == expected
    (record,) = near_duplicates(report)
    assert (Path(record["file"]).name, record["line"], record["details"]["original_line"]) == ("004_16dd4417dd52c2cc.txt", 31, 9)


def test_a_rerun_with_the_same_index_writes_what_the_first_run_wrote(tmp_path: Path) -> None:
    # The index already holds every document: each is the same document seen again, never a copy
    # of itself (the first run's outputs, not empty ones).
    index = tmp_path / "seen.db"
    assert run("clean", str(SEEDS), "-o", str(tmp_path / "first"), "--index", str(index)).returncode == 0
    first = {path.name: path.read_bytes() for path in (tmp_path / "first").glob("*.txt")}
    for out, jobs in ((tmp_path / "first", "2"), (tmp_path / "second", "1")):
        again = run("clean", str(SEEDS), "-o", str(out), "--index", str(index), "--jobs", jobs)
        assert again.returncode == 0, again.stderr
        assert {path.name: path.read_bytes() for path in out.glob("*.txt")} == first
    assert "kept 85 of 161 paragraphs" in again.stderr


def test_a_changed_document_keeps_its_own_text_and_records_what_it_adds(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "seen.db"
    corpus.mkdir()
    shutil.copy(SEEDS / "000_8f364771f0068d94.txt", corpus)
    assert run("clean", str(corpus), "-o", str(tmp_path / "day1"), "--index", str(index)).returncode == 0
    added = "The council confirmed on Tuesday that the new library wing would open in the spring after two years of delays."
    page = corpus / "000_8f364771f0068d94.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n" + added + "\n", encoding="utf-8")
    (corpus / "001_copy.txt").write_text("Another outlet reports.\n\n" + added + "\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = run("clean", str(corpus), "-o", str(tmp_path / "day2"), "--index", str(index), "--report", str(report))
    assert done.returncode == 0, done.stderr
    day1 = (tmp_path / "day1" / page.name).read_text(encoding="utf-8")
    assert (tmp_path / "day2" / page.name).read_text(encoding="utf-8") == day1 + added + "\n"
    (record,) = near_duplicates(report)
    assert (Path(record["file"]).name, Path(record["details"]["original_document"]).name) == ("001_copy.txt", page.name)
