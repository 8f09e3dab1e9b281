"""--jobs N: the same outputs and reports for any number of worker processes."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.io import InputFile, find_inputs, read_document
from newsclean.parallel import FileTask, process_files
from newsclean.pipeline import default_pipeline

from .test_pipeline_split import DEVSET, ROOT, snapshot, with_stateful_filter

INPUT_DIRS = [str(ROOT / "seeds"), str(DEVSET)]


def outcomes(jobs: int, inputs: list[InputFile]) -> list[tuple]:
    with with_stateful_filter() as pipeline:
        return [
            (outcome.task.input, outcome.error and str(outcome.error), outcome.warning, outcome.result and snapshot(outcome.result))
            for outcome in process_files(pipeline, [FileTask(item) for item in inputs], jobs)
        ]


def test_any_number_of_jobs_gives_the_sequential_results_in_input_order(tmp_path: Path) -> None:
    inputs, missing = find_inputs(INPUT_DIRS)
    assert not missing and len(inputs) >= 25
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01 not text")
    inputs = inputs[:10] + [InputFile(binary, Path("binary.txt"))] + inputs[10:]
    sequential = outcomes(1, inputs)
    assert [item for item, *_ in sequential] == inputs
    assert sequential[10][1] is not None and "binary data" in sequential[10][1]
    with with_stateful_filter() as pipeline:
        expected = [snapshot(pipeline.run(read_document(item.path)[0])) for item in inputs if item.path != binary]
    assert [result for *_, result in sequential if result is not None] == expected
    assert outcomes(2, inputs) == sequential
    assert outcomes(3, inputs) == sequential


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(process_files(with_stateful_filter(), [], 0))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    return subprocess.run([sys.executable, "-m", "newsclean", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_cli_jobs_1_and_2_write_identical_outputs_and_reports(tmp_path: Path) -> None:
    runs = {}
    for jobs in ("1", "2"):
        out, report = tmp_path / f"out{jobs}", tmp_path / f"report{jobs}.jsonl"
        completed = run_cli("clean", *INPUT_DIRS, "-o", str(out), "--report", str(report), "--jobs", jobs)
        assert completed.returncode == 0, completed.stderr
        files = sorted(path.relative_to(out) for path in out.rglob("*.txt"))
        runs[jobs] = ({name: (out / name).read_bytes() for name in files}, report.read_bytes(), completed.stderr)
    assert len(runs["1"][0]) >= 25 and runs["1"][1]
    assert runs["1"] == runs["2"]


def test_cli_rejects_jobs_below_one(tmp_path: Path) -> None:
    completed = run_cli("clean", str(ROOT / "seeds"), "-o", str(tmp_path / "out"), "--jobs", "0")
    assert completed.returncode == 2
    assert "--jobs: must be at least 1, got 0" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_the_head_pipeline_survives_pickling_for_spawned_workers() -> None:
    """macOS and Windows start workers by spawning, which pickles the head pipeline."""
    head, _ = default_pipeline().split()
    copy = pickle.loads(pickle.dumps(head))
    document = read_document(ROOT / "seeds" / "003_f62884ef3a0fed5e.txt")[0]
    assert snapshot(copy.run(document)) == snapshot(head.run(document))
