"""End-to-end tests of the `newsclean` console script, run in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import SEEDS

SCRIPT = Path(sys.executable).with_name("newsclean")


def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_clean_seeds_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.jsonl"
    done = run("clean", str(SEEDS), "-o", str(out), "--report", str(report), "--no-dedup")
    assert done.returncode == 0, done.stderr
    outputs = sorted(p.name for p in out.iterdir() if p.name != ".newsclean-manifest.jsonl")
    assert outputs == sorted(p.name for p in SEEDS.glob("*.txt"))
    cleaned = (out / "002_1d7f724c3669c58c.txt").read_text(encoding="utf-8")
    assert "Advertisement" not in cleaned and cleaned.startswith("United States and Russia Plan Joint Air Command")
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    records = [record for record in records if record.get("kind") != "document"]  # removals only
    assert {"file", "line", "filter", "reason", "text"} <= set(records[0])
    assert {"file": str(SEEDS / "002_1d7f724c3669c58c.txt"), "line": 7, "filter": "ad-marker"}.items() <= next(
        r for r in records if r["file"].endswith("002_1d7f724c3669c58c.txt") and r["line"] == 7
    ).items()
    assert "kept" in done.stderr


def test_output_is_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        assert run("clean", str(SEEDS), "-o", str(out), env={"PYTHONHASHSEED": seed}).returncode == 0
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]


def test_stdin_to_stdout_and_python_dash_m() -> None:
    text = "Share\n\nThe ceasefire began at midnight, the army said.\n"
    done = subprocess.run(
        [sys.executable, "-m", "newsclean", "clean", "-", "-q"], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout == "The ceasefire began at midnight, the army said.\n"


def test_explain_text_and_json() -> None:
    seed = str(SEEDS / "002_1d7f724c3669c58c.txt")
    done = run("explain", seed)
    assert done.returncode == 0
    assert " 7  DROP  Advertisement" in done.stdout and "ad-marker: ad marker 'Advertisement'" in done.stdout
    assert "KEEP  United States and Russia" in done.stdout
    records = [json.loads(line) for line in run("explain", seed, "--json").stdout.splitlines()]
    assert records[0] == {"line": 1, "action": "DROP", "text": "Share", "filter": "share-button", "reason": "share button 'Share'"}


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    done = run("clean", str(SEEDS))
    assert done.returncode == 2 and "-o OUTDIR" in done.stderr and "Traceback" not in done.stderr
    done = run("clean", str(SEEDS), "-o", str(SEEDS / "out"))
    assert done.returncode == 2 and "inside input directory" in done.stderr
    assert not (SEEDS / "out").exists()
    assert run("frobnicate").returncode == 2


def test_missing_input_fails_that_input_only(tmp_path: Path) -> None:
    seed = SEEDS / "000_8f364771f0068d94.txt"
    done = run("clean", str(tmp_path / "missing.txt"), str(seed), "-o", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "missing.txt: no such file or directory" in done.stderr
    assert (tmp_path / "out" / seed.name).read_text(encoding="utf-8")


def test_help_teaches_with_examples() -> None:
    done = run("clean", "--help")
    assert done.returncode == 0 and "examples:" in done.stdout and "exit codes" in done.stdout


def test_the_program_exits_without_tearing_down_the_interpreter_after_flushing_its_output() -> None:
    # `run` ends the process at once when `main` returns (an atexit handler would run in a
    # normal exit), and all that `main` wrote to standard output is there: the same as with a
    # normal exit, and more than one buffer's worth.
    def program(ending: str) -> subprocess.CompletedProcess:
        code = (
            "import atexit, sys; from newsclean.cli import main, run; "
            "atexit.register(lambda: print('torn down', file=sys.stderr)); "
            f"sys.argv = ['newsclean', 'clean', {str(SEEDS)!r}, '-o', '-', '-q']; {ending}"
        )
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    fast, normal = program("run()"), program("sys.exit(main())")
    assert fast.returncode == normal.returncode == 0, fast.stderr + normal.stderr
    assert fast.stdout == normal.stdout and len(fast.stdout) > 16384
    assert "torn down" not in fast.stderr and "torn down" in normal.stderr


def test_a_full_disk_under_standard_output_is_a_clear_error() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "newsclean", "clean", str(SEEDS), "-o", "-", "-q"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
        )
    assert done.returncode == 1
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


def test_a_report_inside_the_output_directory_is_written_with_and_without_resume(tmp_path: Path) -> None:
    # The report's temporary file is open before the run sweeps OUTDIR for a killed run's
    # leftovers: the sweep must remove the leftover and spare the report, by whatever path
    # (here one through "..") the report was named.
    out = tmp_path / "out"
    out.mkdir()
    leftover = out / ".000_8f364771f0068d94.txt.999999-0.newsclean-tmp"
    leftover.write_text("partial", encoding="utf-8")
    outside = tmp_path / "outside.jsonl"
    assert run("clean", str(SEEDS), "-o", str(tmp_path / "reference"), "--report", str(outside), "-q").returncode == 0
    report = out / "removals.jsonl"
    for extra in ((), ("--resume",)):
        report_name = str(out / ".." / "out" / "removals.jsonl")
        done = run("clean", str(SEEDS), "-o", str(out), "--report", report_name, *extra)
        assert done.returncode == 0, done.stderr
        assert report.read_text(encoding="utf-8") == outside.read_text(encoding="utf-8")
        assert "removals.jsonl" not in done.stderr
    assert not leftover.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([".newsclean-manifest.jsonl", "removals.jsonl", *(p.name for p in SEEDS.glob("*.txt"))])


def test_a_named_pipe_input_is_skipped_the_same_for_any_jobs(tmp_path: Path) -> None:
    # A pipe can be read once, and clean reads each input twice: it is refused before any read
    # (no writer is needed, nothing blocks), the other inputs are cleaned, identically for any --jobs.
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    pages = [str(SEEDS / "001_093badba0021ab0b.txt"), str(SEEDS / "002_1d7f724c3669c58c.txt")]
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        done = run("clean", str(pipe), *pages, "-o", str(out), "--jobs", jobs)
        assert done.returncode == 1
        assert f"{pipe}: skipped, it is a named pipe (FIFO), not a regular file; save its content to a file" in done.stderr
        assert "skipped 1 input(s)" in done.stderr
        assert not (out / "pipe.txt").exists()
        outputs.append({p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".txt"})
    assert outputs[0] == outputs[1] and sorted(outputs[0]) == ["001_093badba0021ab0b.txt", "002_1d7f724c3669c58c.txt"]


def test_an_existing_file_as_outdir_is_a_usage_error_and_help_says_what_o_means(tmp_path: Path) -> None:
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me\n", encoding="utf-8")
    done = run("clean", str(SEEDS), "-o", str(existing))
    assert done.returncode == 2, done.stderr
    assert f"output {existing} exists and is not a directory; for file inputs -o names an output directory" in done.stderr
    assert "--resume" not in done.stderr
    assert existing.read_text(encoding="utf-8") == "keep me\n" and os.listdir(tmp_path) == ["existing.txt"]
    help_text = " ".join(run("clean", "--help").stdout.split())
    assert "also for a single input file (page.txt -o cleaned.txt writes cleaned.txt/page.txt)" in help_text
    assert "with stdin input (-), -o names the output file" in help_text


def test_jsonl_output_to_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    # As `clean DIR -o - | head` does: exit 0 and nothing on stderr, in particular no advice
    # to re-run with --resume, which JSON-lines output refuses. The output (20 copies of the
    # seeds, about 340 KB) is larger than a pipe holds, so the writer meets the closed pipe.
    for copy in range(20):
        shutil.copytree(SEEDS, tmp_path / f"copy{copy:02}")
    process = subprocess.Popen(
        [str(SCRIPT), "clean", str(tmp_path), "--format", "jsonl", "--no-dedup", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["id"].endswith("000_8f364771f0068d94.txt")
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and stderr == ""


def test_jsonl_output_named_as_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    output = f"{tmp_path / 'jdir'}/"
    done = run("clean", str(SEEDS), "--format", "jsonl", "-o", output)
    assert done.returncode == 2
    assert f"{output} is a directory; with JSON-lines output (--jsonl, --format jsonl), -o names the output file" in done.stderr
    assert "--resume" not in done.stderr and os.listdir(tmp_path) == []


def test_a_directory_as_index_says_to_pass_a_file_path(tmp_path: Path) -> None:
    # docs/failure-modes.md: "index path x is a directory; pass a file path for --index"; exit 1.
    for command in (("clean", str(SEEDS), "-o", str(tmp_path / "out")), ("explain", str(SEEDS / "000_8f364771f0068d94.txt"))):
        done = run(*command, "--index", str(SEEDS))
        assert done.returncode == 1, done.stderr
        assert f"error: index path {SEEDS} is a directory; pass a file path for --index" in done.stderr
    assert not (tmp_path / "out").exists()


def test_explain_never_creates_an_index(tmp_path: Path) -> None:
    seed = str(SEEDS / "000_8f364771f0068d94.txt")
    missing, empty = tmp_path / "nonexist.db", tmp_path / "empty.db"
    empty.touch()
    for index, problem in ((missing, "does not exist"), (empty, "is empty")):
        done = run("explain", seed, "--index", str(index))
        assert done.returncode == 2 and done.stdout == ""
        assert f"index {index} {problem}; explain only reads an index written by 'newsclean clean --index' and never creates one" in done.stderr
    assert sorted(os.listdir(tmp_path)) == ["empty.db"] and empty.stat().st_size == 0
    # An index written by clean is read, and its bytes are left as they were.
    index = tmp_path / "seen.db"
    assert run("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--index", str(index), "-q").returncode == 0
    before = index.read_bytes()
    copy = tmp_path / "copy.txt"
    shutil.copyfile(seed, copy)
    done = run("explain", str(copy), "--index", str(index))
    assert done.returncode == 0 and "near-duplicate: " in done.stdout
    assert index.read_bytes() == before


def test_resume_sums_up_a_killed_runs_leftovers_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("clean", str(SEEDS), "-o", str(out), "-q").returncode == 0
    leftovers = [out / f".{page.name}.4242-{number}.newsclean-tmp" for number in range(26) for page in sorted(SEEDS.glob("*.txt"))][:128]
    for leftover in leftovers:
        leftover.write_text("partial", encoding="utf-8")
    done = run("clean", str(SEEDS), "-o", str(out), "--resume", "-q")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(
        f"newsclean: removed 128 partial outputs left by an earlier run that was killed: {sorted(leftovers)[0]}, "
    )
    assert done.stderr.endswith(" and 123 more\n")
    assert not any(leftover.exists() for leftover in leftovers)


def test_explain_refuses_a_negative_width() -> None:
    done = run("explain", str(SEEDS / "000_8f364771f0068d94.txt"), "--width", "-5")
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --width: must be 0 (never truncate) or more, got -5" in done.stderr


def test_explain_names_a_missing_file_as_clean_does(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    explained = run("explain", str(missing))
    cleaned = run("clean", str(missing), "-o", str(tmp_path / "out"))
    assert explained.returncode == cleaned.returncode == 1
    message = f"{missing}: no such file or directory"
    assert f"error: {message}\n" in explained.stderr and f"error: {message}\n" in cleaned.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("option", ["jsonl output", "report", "stdin output"])
def test_an_output_that_is_a_named_pipe_is_written_into_not_replaced(tmp_path: Path, option: str) -> None:
    # /dev/null, /dev/stdout or a pipe as an output: renaming a file over it replaced the device
    # (as root: /dev/full became a plain file) or failed. A named pipe stands in for them here.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    # A daemon: if the run replaced the pipe instead of opening it, the reader waits forever.
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    seed = SEEDS / "000_8f364771f0068d94.txt"
    if option == "jsonl output":
        done = run("clean", str(seed), "--format", "jsonl", "-o", str(pipe))
    elif option == "report":
        done = run("clean", str(seed), "-o", str(tmp_path / "out"), "--report", str(pipe))
    else:
        done = run("clean", "-", "-o", str(pipe), stdin=seed.read_text(encoding="utf-8"))
    reader.join(timeout=10)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and not reader.is_alive()
    assert b"Syria" in received[0] if option != "report" else received[0].startswith(b"{")
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".newsclean-tmp")] == []
