"""Statistics: reason kinds, and `newsclean stats REPORT` agreeing with `clean --stats` and with
the Results themselves."""

from __future__ import annotations

import json
from pathlib import Path

import newsclean
from newsclean import Document
from newsclean.stats import CleaningStatistics, document_summary, reason_kind, statistics_of

from .conftest import SEEDS
from .test_cli import run


def seed_results() -> list:
    pipeline = newsclean.default_pipeline()
    return [pipeline.run(Document.from_text(path.read_text(encoding="utf-8"), str(path))) for path in sorted(SEEDS.glob("*.txt"))]


def test_reason_kind_drops_the_quoted_line_evidence_and_numbers() -> None:
    assert reason_kind("ad marker 'Advertisement'") == "ad marker"
    assert reason_kind("share button \"Don't miss\"") == "share button"
    assert reason_kind("newsletter prompt 'Sign up: it\\'s free'") == "newsletter prompt"
    assert reason_kind("non-English fragment: Portuguese function words (de, que, uma)") == "non-English fragment"
    assert reason_kind("short title-like line in a run of 5: navigation list") == "short title-like line in a run of N"
    assert reason_kind("comment metadata in the comment section from line 61") == "comment metadata in the comment section from line N"


def test_statistics_of_the_seeds() -> None:
    results = seed_results()
    statistics = statistics_of(results).to_dict()
    assert statistics["documents"] == 5
    assert statistics["paragraphs_in"] == sum(1 for r in results for line in r.lines if line)
    assert statistics["paragraphs_out"] == sum(len(r.kept()) for r in results)
    assert statistics["chars_out"] == sum(len(r.text) for r in results)
    assert statistics["removals"] == sum(len(r.removals) for r in results)
    assert statistics["removals_by_filter"]["ad-marker"] == 4
    assert {"filter": "non-english", "reason": "non-English fragment", "count": 1} in statistics["removals_by_reason"]
    assert statistics["duplicates"] == 0


def test_stats_command_agrees_with_clean_stats(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl.gz"
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--report", str(report), "--stats", "--no-dedup")
    assert done.returncode == 0
    table = run("stats", str(report))
    assert table.returncode == 0 and table.stdout in done.stderr
    assert "characters in -> out" in table.stdout and "ad-marker        ad marker" in table.stdout
    as_json = json.loads(run("stats", str(report), "--json").stdout)
    expected = statistics_of(seed_results()).to_dict()
    assert {key: value for key, value in as_json.items()} == expected


def test_stats_names_bad_report_lines(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    summary = document_summary(seed_results()[2])
    report.write_text("\n".join([json.dumps(summary), "nope", json.dumps({"file": "a"}),
                                 json.dumps({"filter": "ad-marker", "reason": "ad marker 'Ad'"})]) + "\n", encoding="utf-8")
    done = run("stats", str(report), "--json")
    assert done.returncode == 1
    assert f"{report}:2: not valid JSON" in done.stderr and f"{report}:3: neither a removal" in done.stderr
    assert json.loads(done.stdout)["removals_by_filter"] == {"ad-marker": 1}
    assert CleaningStatistics().format_table().startswith("documents")


def test_reason_kind_groups_duplicates_without_taking_the_original_document_apart() -> None:
    # The original's name is not a number, evidence or a colon's tail, whatever it holds.
    for document in ("seeds/002_1d7f724c3669c58c.txt", "docs.jsonl:7", "pages/2016 (copy).txt"):
        reason = f"duplicate of line 9 of {document} (estimated similarity 0.91)"
        assert reason_kind(reason, {"original_document": document, "original_line": 9}) == "duplicate of line N of another document"


def test_stats_of_a_report_with_duplicates_name_no_mangled_file(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    done = run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--report", str(report), "--stats")
    assert done.returncode == 0, done.stderr
    table = run("stats", str(report))
    assert table.returncode == 0 and table.stdout in done.stderr
    assert "near-duplicate   duplicate of line N of another document" in table.stdout
    assert "N_N" not in table.stdout and "seeds/N" not in table.stdout
    as_json = json.loads(run("stats", str(report), "--json").stdout)
    assert {"filter": "near-duplicate", "reason": "duplicate of line N of another document", "count": 1} in as_json["removals_by_reason"]
