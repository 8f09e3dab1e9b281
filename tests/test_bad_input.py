"""Bad input gets a clear error and loses nothing: one test per failure case, each checking
the exit code, the message, and that no output was lost, overwritten or half-written.

End-to-end cases run the console script in a subprocess on temporary trees of real text
(seeds/ and the shared devset); cases that need a fault injected (disk full, permission
denied while running as root) run `newsclean.cli.main` in-process with the fault patched in.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean import cli, parallel, strategies
from newsclean import io as newsclean_io
from newsclean.batch import clean_files, plan_outputs
from newsclean.document import Removal, split_lines
from newsclean.filters import Filter, PageView
from newsclean.io import find_inputs
from newsclean.manifest import MANIFEST_NAME, Manifest
from newsclean.normalise import normalise_line
from newsclean.pipeline import RESUME_BATCH_DOCUMENTS, Pipeline, boilerplate_filters

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
DEVSET = sorted((ROOT.parent / "shared" / "devset" / "scraped").glob("*.txt"))
if not DEVSET:
    DEVSET = sorted(Path("/work/shared/devset/scraped").glob("*.txt"))
REAL_PAGES = SEEDS + DEVSET
EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsclean", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def copy_pages(directory: Path, pages: list[Path] = SEEDS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    copies = []
    for page in pages:
        copies.append(directory / page.name)
        shutil.copyfile(page, copies[-1])
    return copies


@functools.cache
def expected_output(page: Path) -> str:
    """What the stateless default pipeline makes of a page (newsclean.clean on its text)."""
    return newsclean.clean(page.read_bytes().decode("utf-8"))


def files_under(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def outputs(outdir: Path) -> list[str]:
    """The output files in OUTDIR: not the manifest, not a killed run's temporary files."""
    return [name for name in files_under(outdir) if name != MANIFEST_NAME and not name.endswith(newsclean_io.TEMPORARY_SUFFIX)]


def assert_outputs_complete(outdir: Path, sources: dict[str, Path]) -> None:
    """Every output present is byte-for-byte what the (stateless) default pipeline makes of
    its input, i.e. a run with --no-dedup."""
    for name in outputs(outdir):
        assert (outdir / name).read_text(encoding="utf-8") == expected_output(sources[name]), name


def assert_outputs_match(outdir: Path, reference: Path) -> None:
    """Every output present is byte-for-byte the one an uninterrupted run wrote."""
    for name in outputs(outdir):
        assert (outdir / name).read_bytes() == (reference / name).read_bytes(), name


# Encodings ---------------------------------------------------------------------------------


def test_invalid_utf8_falls_back_with_a_warning_and_strict_encoding_makes_it_an_error(tmp_path):
    inputs = tmp_path / "in"
    copy_pages(inputs, SEEDS[:1])
    prose = "The café owner said the new rules would hurt small businesses across the town this winter.\n"
    (inputs / "cp1252.txt").write_bytes(prose.encode("cp1252"))
    (inputs / "broken.txt").write_bytes(prose.encode("utf-8").replace("é".encode(), b"\xe9\x81"))

    lenient = run_cli("clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup")
    assert lenient.returncode == EXIT_OK, lenient.stderr
    offset = prose.encode("utf-8").index("é".encode())
    assert f"cp1252.txt: not valid UTF-8 (first bad byte at offset {offset}); decoded as cp1252" in lenient.stderr
    assert f"broken.txt: not valid UTF-8 (first bad byte at offset {offset}); undecodable bytes replaced with U+FFFD" in lenient.stderr
    assert (tmp_path / "out" / "cp1252.txt").read_text(encoding="utf-8") == prose
    assert (tmp_path / "out" / "broken.txt").read_text(encoding="utf-8") == prose.replace("é", "\ufffd")

    strict = run_cli("clean", str(inputs), "-o", str(tmp_path / "strict"), "--strict-encoding", "--no-dedup")
    assert strict.returncode == EXIT_SOME_FAILED
    assert "error: " + str(inputs / "broken.txt") + ": not valid UTF-8 (first bad byte at offset" in strict.stderr
    assert "skipped 2 input(s): 2 invalid encoding" in strict.stderr
    assert files_under(tmp_path / "strict") == sorted([MANIFEST_NAME, SEEDS[0].name])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_files_with_a_byte_order_mark_are_cleaned_like_plain_utf8(tmp_path, encoding):
    page = SEEDS[2]
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / page.name).write_bytes(page.read_text(encoding="utf-8").encode(encoding))
    result = run_cli("clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup")
    assert result.returncode == EXIT_OK and "warning" not in result.stderr
    assert (tmp_path / "out" / page.name).read_text(encoding="utf-8") == expected_output(page)


# Binary, empty, unreadable -----------------------------------------------------------------


def test_binary_files_are_skipped_and_listed_at_the_end_and_the_run_goes_on(tmp_path):
    inputs = tmp_path / "in"
    copy_pages(inputs, SEEDS[:2])
    (inputs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (inputs / "bundle.txt").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200))
    (inputs / "nul.txt").write_bytes(SEEDS[3].read_bytes() + b"\x00\x00")
    result = run_cli("clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup")
    assert result.returncode == EXIT_SOME_FAILED
    summary = result.stderr[result.stderr.index("skipped 3 input(s): 3 not text") :]
    for name, what in [("bundle.txt", "a ZIP archive"), ("nul.txt", "binary data (contains NUL bytes)"), ("photo.txt", "a PNG image")]:
        assert f"{inputs / name}: skipped, it looks like {what}" in summary
    assert "cleaned 2 document(s)" in result.stderr
    assert files_under(tmp_path / "out") == sorted([MANIFEST_NAME, SEEDS[0].name, SEEDS[1].name])
    assert_outputs_complete(tmp_path / "out", {p.name: p for p in SEEDS})


def test_empty_and_whitespace_only_files_give_empty_outputs_without_error(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "blank.txt").write_text(" \n\t\n\r\n\u00a0\u2003\n", encoding="utf-8")
    result = run_cli("clean", str(inputs), "-o", str(tmp_path / "out"))
    assert result.returncode == EXIT_OK and "error" not in result.stderr and "warning" not in result.stderr
    assert (tmp_path / "out" / "empty.txt").read_bytes() == b""
    assert (tmp_path / "out" / "blank.txt").read_bytes() == b""


def test_missing_paths_link_loops_and_a_directory_as_file_are_errors_for_that_input_only(tmp_path):
    inputs = tmp_path / "in"
    copy_pages(inputs, SEEDS[:2])
    (inputs / "a.txt").symlink_to(inputs / "b.txt")
    (inputs / "b.txt").symlink_to(inputs / "a.txt")
    result = run_cli("clean", str(inputs), str(tmp_path / "gone.txt"), "-o", str(tmp_path / "out"))
    assert result.returncode == EXIT_SOME_FAILED
    assert f"{inputs / 'a.txt'}: is a symbolic link loop; fix or remove the link" in result.stderr
    assert f"{tmp_path / 'gone.txt'}: no such file or directory" in result.stderr
    assert "skipped 3 input(s): 3 cannot be read" in result.stderr
    assert files_under(tmp_path / "out") == sorted([MANIFEST_NAME, SEEDS[0].name, SEEDS[1].name])

    explain = run_cli("explain", str(inputs))
    assert explain.returncode == EXIT_SOME_FAILED
    assert f"{inputs}: is a directory; give it as an input to clean it recursively" in explain.stderr
    assert "Traceback" not in explain.stderr


def test_an_unreadable_file_is_an_error_for_that_file_only(tmp_path, monkeypatch, capsys):
    inputs = tmp_path / "in"
    pages = copy_pages(inputs, SEEDS[:3])
    locked = pages[1]
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads anything: make the open fail the way a chmod 000 file does
        real_open = os.open

        def deny(file, *args, **kwargs):
            if Path(file) == locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", deny)
    # --jobs 1: the patched os.open() lives in this process only.
    code = cli.main(["clean", str(inputs), "-o", str(tmp_path / "out"), "--quiet", "--jobs", "1"])
    stderr = capsys.readouterr().err
    assert code == EXIT_SOME_FAILED
    assert f"{locked}: permission denied; check the file's permissions" in stderr
    assert files_under(tmp_path / "out") == sorted([MANIFEST_NAME, pages[0].name, pages[2].name])


# Outputs never overwrite inputs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["in", "-o", "in"], "is inside input directory"),
        (["in", "-o", "in/sub/out"], "is inside input directory"),
        (["in", "-o", "link/out"], "is inside input directory"),
        (["out/000_8f364771f0068d94.txt", "-o", "out"], "would overwrite the input"),
        (["in/000_8f364771f0068d94.txt", "-o", "in/000_8f364771f0068d94.txt"], "is the input file"),
        (["in", "-o", "elsewhere", "--report", "in/report.jsonl"], "report"),
        (["in", "in/sub", "-o", "elsewhere"], "would both be written to"),
    ],
)
def test_outputs_that_would_overwrite_inputs_are_refused_before_any_work(tmp_path, arguments, message):
    copy_pages(tmp_path / "in", SEEDS[:1])
    copy_pages(tmp_path / "in" / "sub", SEEDS[:1])
    copy_pages(tmp_path / "out", SEEDS[:1])
    (tmp_path / "link").symlink_to(tmp_path / "in", target_is_directory=True)
    before = {name: (tmp_path / name).read_bytes() for name in files_under(tmp_path)}
    result = run_cli("clean", *[str(tmp_path / a) if not a.startswith("-") else a for a in arguments])
    assert result.returncode == EXIT_USAGE
    assert message in result.stderr and result.stderr.startswith("newsclean: error:")
    assert {name: (tmp_path / name).read_bytes() for name in files_under(tmp_path)} == before


# Interrupted runs: SIGKILL, SIGINT, --resume -----------------------------------------------


def make_corpus(directory: Path, copies: int) -> dict[str, Path]:
    """`copies` rounds of the real pages under distinct names; returns output name -> source."""
    sources = {}
    for round_number in range(copies):
        for page in REAL_PAGES:
            name = f"r{round_number:02d}_{page.name}"
            shutil.copyfile(page, directory / name)
            sources[name] = page
    return sources


def corpus_with_reference(tmp_path: Path, copies: int) -> tuple[Path, Path, dict[str, Path], Path]:
    """`make_corpus` in tmp_path/in, and an uninterrupted run's outputs in tmp_path/reference:
    (inputs, the output directory to use, output name -> source, the reference directory)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    sources = make_corpus(inputs, copies)
    reference = tmp_path / "reference"
    assert run_cli("clean", str(inputs), "-o", str(reference), "-q").returncode == EXIT_OK
    return inputs, tmp_path / "out", sources, reference


#: `newsclean clean` as the program runs it (argv: its arguments), with each document's cleaning
#: (`parallel._run_head`, in every process) 20 ms slower: a run that has written its first
#: outputs is still going for a second or more, whatever the machine's speed or load.
_SLOW_CLEANING = """
import os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as _console.run does, before numpy is imported
from newsclean import parallel
from newsclean._console import run
real_run_head = parallel._run_head
def slow_run_head(*args, **kwargs):
    time.sleep(0.02)
    return real_run_head(*args, **kwargs)
parallel._run_head = slow_run_head
sys.argv = ["newsclean", *sys.argv[1:]]
run()
"""


def test_sigkill_at_a_random_point_leaves_only_complete_outputs_and_resume_finishes(tmp_path):
    # Later rounds repeat round one, so near-duplicate decisions matter. The killed run cleans
    # each document 20 ms slower (_SLOW_CLEANING): with the real speed, a loaded machine once
    # let it finish inside the 0.08 s between its first output and the kill.
    inputs, outdir, sources, reference = corpus_with_reference(tmp_path, 6)
    delay = random.Random(6).uniform(0.0, 0.1)
    process = subprocess.Popen([sys.executable, "-c", _SLOW_CLEANING, "clean", str(inputs), "-o", str(outdir), "-q"], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not (outdir.exists() and [name for name in files_under(outdir) if name in sources]) and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    process.kill()
    process.wait()
    assert process.returncode == -signal.SIGKILL
    written = [name for name in files_under(outdir) if name in sources]
    assert len(written) < len(sources), "the run finished before the kill; raise the corpus size"
    assert_outputs_match(outdir, reference)

    resumed = run_cli("clean", str(inputs), "-o", str(outdir), "--resume")
    assert resumed.returncode == EXIT_OK, resumed.stderr
    # Outputs are recorded in the manifest a group at a time, right after the group is renamed
    # into place, so a kill between the two leaves that group complete but unrecorded: --resume
    # writes it again.
    up_to_date = int(re.search(r"(\d+) already up to date \(--resume\)", resumed.stderr).group(1))
    assert len(written) - RESUME_BATCH_DOCUMENTS <= up_to_date <= len(written), resumed.stderr
    assert files_under(outdir) == sorted([MANIFEST_NAME, *sources])
    assert_outputs_match(outdir, reference)


#: Runs `newsclean clean` and SIGKILLs itself at one step of a group commit: after the
#: outputs of a group were renamed into place, at the fsync of their directory or the syncfs
#: of their filesystem (argv[1]: how many renames must have happened first), so they are on
#: disk but not yet durable.
_KILL_AT_DIRECTORY_FSYNC = """
import os, signal, sys
from newsclean import cli, io
renames = 0
real_replace, real_fsync_directory, real_syncfs = os.replace, io._fsync_directory, io._Syncfs.sync
def counting_replace(source, target):
    global renames
    renames += 1
    real_replace(source, target)
def kill_once_renamed():
    if renames >= int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
def killing_fsync_directory(directory):
    kill_once_renamed()
    real_fsync_directory(directory)
def killing_syncfs(self, handle):
    kill_once_renamed()
    real_syncfs(self, handle)
os.replace, io._fsync_directory, io._Syncfs.sync = counting_replace, killing_fsync_directory, killing_syncfs
sys.exit(cli.main(sys.argv[2:]))
"""


def test_a_kill_between_renames_and_directory_fsync_leaves_the_group_unrecorded_and_resume_redoes_it(tmp_path):
    inputs, outdir, sources, reference = corpus_with_reference(tmp_path, 1)
    # Groups follow the pipeline's batches: 1, 2, 4, ... documents. The manifest header is one
    # rename; the first two groups (3 outputs) are recorded; the kill hits the third group
    # (4 outputs) after its renames.
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_AT_DIRECTORY_FSYNC, "8", "clean", str(inputs), "-o", str(outdir), "-q", "--jobs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    on_disk = outputs(outdir)
    assert len(on_disk) == 7
    assert_outputs_match(outdir, reference)
    records = (outdir / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()[1:]
    assert [json.loads(line)["path"] for line in records] == on_disk[:3]

    resumed = run_cli("clean", str(inputs), "-o", str(outdir), "--resume")
    assert resumed.returncode == EXIT_OK, resumed.stderr
    assert "3 already up to date (--resume)" in resumed.stderr
    assert outputs(outdir) == sorted(sources)
    assert_outputs_match(outdir, reference)


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc), or a skip where the kernel does not list them."""
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir() or not (tasks / str(pid) / "children").exists():
        pytest.skip("needs /proc/PID/task/TID/children (Linux)")
    return [int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def _is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an exited child not yet reaped)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_corpus(inputs, 6)
    # --jobs 3: two worker processes (the main process is the third job). Slowed cleaning
    # (_SLOW_CLEANING) keeps the run going long after both workers exist.
    process = subprocess.Popen([sys.executable, "-c", _SLOW_CLEANING, "clean", str(inputs), "-o", str(tmp_path / "out"), "-q", "--jobs", "3"], cwd=ROOT)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
        workers = _children(process.pid)
    assert len(workers) == 2, "the run finished before both workers started; raise the corpus size"
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while any(_is_running(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_is_running(worker) for worker in workers), "workers kept waiting for work after the main process died"


def test_sigint_stops_cleanly_reports_progress_and_exits_130(tmp_path):
    inputs, outdir = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    sources = make_corpus(inputs, 12)
    report = tmp_path / "removals.jsonl"
    # Slowed cleaning (_SLOW_CLEANING): the run is still going when the signal comes, however
    # long this process takes to see its first outputs.
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_CLEANING, "clean", str(inputs), "-o", str(outdir), "--report", str(report)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while len(files_under(outdir) if outdir.exists() else []) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert "every output written is complete; re-run with --resume to finish" in stderr
    assert f"of {len(sources)} input(s)" in stderr and "Traceback" not in stderr
    assert not report.exists(), "an interrupted run must not leave a partial report"
    interrupted_outputs = outputs(outdir)
    assert 0 < len(interrupted_outputs) < len(sources)

    resumed = run_cli("clean", str(inputs), "-o", str(outdir), "--resume", "--report", str(report))
    assert resumed.returncode == EXIT_OK, resumed.stderr
    full = run_cli("clean", str(inputs), "-o", str(tmp_path / "full"), "--report", str(tmp_path / "full.jsonl"))
    assert full.returncode == EXIT_OK, full.stderr
    assert outputs(outdir) == outputs(tmp_path / "full") == sorted(sources)
    assert_outputs_match(outdir, tmp_path / "full")
    assert report.read_text(encoding="utf-8") == (tmp_path / "full.jsonl").read_text(encoding="utf-8")


class RepeatedParagraphFilter(Filter):
    """A stateful filter for the resume tests: drops a paragraph seen in an earlier document
    and counts the documents it was shown."""

    name = "repeated"
    stateful = True

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        self.documents = 0

    def find_removals(self, page: PageView) -> list[Removal]:
        self.documents += 1
        removals = []
        for paragraph in page.paragraphs:
            first = self._seen.setdefault(paragraph.text, page.document_id)
            if first != page.document_id:
                removals.append(self.removal(paragraph, f"repeats a paragraph of {first}"))
        return removals


def _outputs(outdir: Path) -> dict[str, bytes]:
    return {name: (outdir / name).read_bytes() for name in files_under(outdir) if name != MANIFEST_NAME}


def test_resume_with_a_stateful_filter_replays_done_inputs_and_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_corpus(inputs, 2)  # the second round repeats the first: the stateful filter drops it
    found, _ = find_inputs([str(inputs)])

    full = clean_files(plan_outputs(found, tmp_path / "full"), Pipeline([*boilerplate_filters(), RepeatedParagraphFilter()]), outdir=tmp_path / "full")
    assert full.written == len(found)
    reference = _outputs(tmp_path / "full")
    assert all(len(reference[f"r01_{p.name}"]) <= len(reference[f"r00_{p.name}"]) for p in REAL_PAGES)
    assert any(len(reference[f"r01_{p.name}"]) < len(reference[f"r00_{p.name}"]) for p in REAL_PAGES)

    outdir = tmp_path / "out"
    done = len(REAL_PAGES) + 3
    real_read_document = parallel.read_document_and_hash
    reads = []

    def ctrl_c_after_done(path, *args, **kwargs):
        reads.append(path)
        if len(reads) > done:
            raise KeyboardInterrupt
        return real_read_document(path, *args, **kwargs)

    monkeypatch.setattr(parallel, "read_document_and_hash", ctrl_c_after_done)
    interrupted = clean_files(plan_outputs(found, outdir), Pipeline([*boilerplate_filters(), RepeatedParagraphFilter()]), outdir=outdir)
    assert interrupted.interrupted and interrupted.written == done
    monkeypatch.setattr(parallel, "read_document_and_hash", real_read_document)
    stateful = RepeatedParagraphFilter()
    resumed = clean_files(plan_outputs(found, outdir), Pipeline([*boilerplate_filters(), stateful]), outdir=outdir, resume=True)
    assert (resumed.up_to_date, resumed.written) == (done, len(found) - done)
    assert stateful.documents == len(found), "done inputs must still pass through a stateful filter"
    assert _outputs(outdir) == reference


def test_resume_without_stateful_filters_skips_done_inputs_entirely_and_redoes_changed_ones(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    pages = copy_pages(inputs, SEEDS)
    found, _ = find_inputs([str(inputs)])
    outdir = tmp_path / "out"
    assert clean_files(plan_outputs(found, outdir), Pipeline(boilerplate_filters()), outdir=outdir).written == len(pages)
    pages[0].write_bytes(DEVSET[0].read_bytes())  # the input changed since
    (outdir / pages[1].name).write_text("truncated")  # the output was damaged
    read = []
    real_read_document = parallel.read_document_and_hash

    def recording_read(path, *args, **kwargs):
        read.append(Path(path).name)
        return real_read_document(path, *args, **kwargs)

    monkeypatch.setattr(parallel, "read_document_and_hash", recording_read)
    resumed = clean_files(plan_outputs(found, outdir), Pipeline(boilerplate_filters()), outdir=outdir, resume=True)
    assert read == [pages[0].name, pages[1].name]
    assert (resumed.up_to_date, resumed.written) == (len(pages) - 2, 2)
    assert (outdir / pages[0].name).read_text(encoding="utf-8") == expected_output(DEVSET[0])
    assert_outputs_complete(outdir, {p.name: p for p in SEEDS[1:]} | {pages[0].name: DEVSET[0]})


def test_resume_with_other_options_is_refused(tmp_path):
    copy_pages(tmp_path / "in", SEEDS[:2])
    found, _ = find_inputs([str(tmp_path / "in")])
    outdir = tmp_path / "out"
    clean_files(plan_outputs(found, outdir), Pipeline(boilerplate_filters()), outdir=outdir)
    with pytest.raises(newsclean.errors.UsageError, match="another newsclean version or with other options"):
        clean_files(plan_outputs(found, outdir), Pipeline(boilerplate_filters()[:2]), outdir=outdir, resume=True)


# Disk full, read-only output ---------------------------------------------------------------


def test_disk_full_stops_with_a_clear_error_and_leaves_no_partial_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: None)  # per-file fsyncs, which find the disk full
    inputs = tmp_path / "in"
    pages = copy_pages(inputs, SEEDS)
    real_fsync = os.fsync
    calls = {"files": 0}

    def fsync_until_full(handle):
        if stat.S_ISREG(os.fstat(handle).st_mode):  # directories have no data to run out of space for
            calls["files"] += 1
            # The manifest header, the first output and its record, the second output fit; the
            # third output (the second of its group) finds the disk full, and so does the record
            # of the second, which is renamed into place as the run stops.
            if calls["files"] > 4:
                raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(handle)

    monkeypatch.setattr(newsclean_io.os, "fsync", fsync_until_full)
    code = cli.main(["clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup", "--jobs", "1"])
    stderr = capsys.readouterr().err
    assert code == EXIT_SOME_FAILED
    assert "No space left on device; nothing partial was left behind; free some space, then re-run with --resume" in stderr
    written = [name for name in files_under(tmp_path / "out") if name != MANIFEST_NAME]
    assert 0 < len(written) < len(pages)
    assert not any(name.endswith(newsclean_io.TEMPORARY_SUFFIX) for name in files_under(tmp_path / "out"))
    assert_outputs_complete(tmp_path / "out", {p.name: p for p in SEEDS})

    monkeypatch.setattr(newsclean_io.os, "fsync", real_fsync)
    assert cli.main(["clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup", "--jobs", "1", "--resume"]) == EXIT_OK
    assert "already up to date (--resume)" in capsys.readouterr().err
    assert outputs(tmp_path / "out") == sorted(page.name for page in pages)
    assert_outputs_complete(tmp_path / "out", {p.name: p for p in SEEDS})


def test_a_failing_syncfs_stops_the_run_and_no_output_is_recorded_before_its_group_is_synced(tmp_path, monkeypatch, capsys):
    inputs = tmp_path / "in"
    pages = copy_pages(inputs, SEEDS)
    events = []
    real_replace = os.replace

    class FailingThirdSyncfs:
        """The group commit's syncfs: the first group's two calls succeed, the second group's
        first one finds an I/O error."""

        def sync(self, handle):
            events.append("syncfs")
            if events.count("syncfs") == 3:
                raise OSError(errno.EIO, "Input/output error")

        def filesystem_type(self, handle):
            return 0xEF53

    def logged_replace(source, target):
        events.append("rename")
        real_replace(source, target)

    def logged_record(self, outputs):
        outputs = list(outputs)
        if outputs:
            events.append("record")
        real_record(self, outputs)

    real_record = Manifest.record
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: FailingThirdSyncfs())
    monkeypatch.setattr(newsclean_io.os, "replace", logged_replace)
    monkeypatch.setattr(Manifest, "record", logged_record)
    code = cli.main(["clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup", "--jobs", "1"])
    stderr = capsys.readouterr().err
    assert code == EXIT_SOME_FAILED
    assert "Input/output error; nothing partial was left behind; fix the cause, then re-run with --resume" in stderr
    # The manifest header (one rename), then group 1: syncfs, its rename, syncfs, its record;
    # group 2 (2 outputs) stops at its first syncfs: nothing renamed, nothing recorded.
    assert events == ["rename", "syncfs", "rename", "syncfs", "record", "syncfs"]
    assert not any(name.endswith(newsclean_io.TEMPORARY_SUFFIX) for name in files_under(tmp_path / "out"))
    assert len(outputs(tmp_path / "out")) == 1
    assert_outputs_complete(tmp_path / "out", {p.name: p for p in SEEDS})

    monkeypatch.undo()
    assert cli.main(["clean", str(inputs), "-o", str(tmp_path / "out"), "--no-dedup", "--jobs", "1", "--resume"]) == EXIT_OK
    assert "1 already up to date (--resume)" in capsys.readouterr().err
    assert outputs(tmp_path / "out") == sorted(page.name for page in pages)
    assert_outputs_complete(tmp_path / "out", {p.name: p for p in SEEDS})


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only directory; the ENOSPC test covers the path")
def test_read_only_output_directory_is_a_clear_error(tmp_path):
    copy_pages(tmp_path / "in", SEEDS[:1])
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o555)
    result = run_cli("clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert result.returncode == EXIT_SOME_FAILED
    assert "Permission denied" in result.stderr and "choose a writable output directory" in result.stderr
    assert os.listdir(tmp_path / "out") == []


# Library API and pathological text ---------------------------------------------------------


@pytest.mark.parametrize(("value", "hint"), [(None, "NoneType"), (b"text", "decode bytes first"), (42, "int"), (["a"], "list")])
def test_clean_rejects_non_text_with_a_type_error_that_says_what_to_pass(value, hint):
    with pytest.raises(TypeError, match=r"clean\(\) takes the article text as str") as raised:
        newsclean.clean(value)
    assert hint in str(raised.value)


PATHOLOGICAL = {
    "only combining marks": "\u0301\u0308\u0327" * 2000,
    "1 MB without spaces": "a" * 1_000_000,
    "control characters": "".join(chr(c) for c in range(32)) + "\x7f\x85\x9f" + "The minister resigned on Monday.",
    "lone surrogates": "The minister \ud800 resigned \udfff on Monday after protests \udbff.",
    "right-to-left text": "\u202eThe minister resigned\u202c \u05d4\u05e9\u05e8 \u05d4\u05ea\u05e4\u05d8\u05e8 \u0627\u0644\u0648\u0632\u064a\u0631",
    "mixed line breaks": "one\r\ntwo\rthree\u2028four\x0bfive\x0csix\x1c",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_strings_come_back_as_valid_text(name):
    text = PATHOLOGICAL[name]
    cleaned = newsclean.clean(text)
    cleaned.encode("utf-8")
    assert_is_kept_normalised_subsequence(text, cleaned)


def test_a_megabyte_single_line_is_cleaned_whole(tmp_path):
    paragraph = max(SEEDS[0].read_text(encoding="utf-8").splitlines(), key=len)
    line = " ".join([paragraph] * (1_000_000 // len(paragraph)))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text(line, encoding="utf-8")
    result = run_cli("clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert result.returncode == EXIT_OK, result.stderr
    assert (tmp_path / "out" / "long.txt").read_text(encoding="utf-8") == normalise_line(line)[0] + "\n"


def assert_is_kept_normalised_subsequence(text: str, cleaned: str) -> None:
    """Every output line is the normalised form of an input line, in input order."""
    normalised = [normalise_line(line)[0] for line in split_lines(text)]
    position = 0
    for line in (line for line in cleaned.split("\n") if line):
        while position < len(normalised) and normalised[position] != line:
            position += 1
        assert position < len(normalised), f"output line not found in order: {line[:80]!r}"
        position += 1


ODD_CHARACTERS = st.sampled_from(
    ["\u0301", "\u0308", "\ud800", "\udfff", "\u202e", "\u200f", "\u05d0", "\u0627", "\x00", "\x1b", "\x85", "\r", "\n",
     "\u2028", "\ufeff", "\u200b", "&amp;", "Ã©", "â€™", "\ufffd", " ", "\t", "Advertisement", "Share", "Comments"]
)
#: Arbitrary text, odd characters, real seed lines and whole scraped pages from our exported
#: strategies, glued together in any order (so odd characters land inside real lines too).
FUZZ_TEXT = st.lists(
    st.one_of(
        st.text(max_size=40),
        ODD_CHARACTERS,
        st.sampled_from([line for page in SEEDS[:2] for line in page.read_text(encoding="utf-8").splitlines()[:15]]),
        strategies.scraped_documents().map(lambda page: page.separator.join(page.lines)),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=80, deadline=None)
@given(FUZZ_TEXT)
def test_clean_never_raises_and_keeps_its_invariants(text):
    cleaned = newsclean.clean(text)
    assert isinstance(cleaned, str)
    cleaned.encode("utf-8")
    assert cleaned == "" or cleaned.endswith("\n")
    assert_is_kept_normalised_subsequence(text, cleaned)
