"""--jobs N: the same outputs and reports for any number of worker processes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import pytest

from newsclean.dedup import NearDuplicateFilter
from newsclean.filters import Filter, PageView, ShareButtonFilter
from newsclean.io import InputFile, find_inputs, read_document
from newsclean.parallel import _CHUNKS_IN_A_WORKERS_HAND, FileTask, _in_workers, _Pass, _prepare_worker, process_file_batches, process_files
from newsclean.pipeline import Pipeline, default_pipeline

from .test_pipeline_batch import replicated_documents
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


def write_corpus(directory: Path, rounds: int) -> None:
    """The real pages replicated with light edits, one file each, a directory per round."""
    documents = replicated_documents(rounds)
    per_round = len(documents) // rounds
    for number, document in enumerate(documents):
        target = directory / f"r{number // per_round}" / Path(document.id).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(document.lines) + "\n", encoding="utf-8")


def test_cli_output_equals_the_pipeline_one_document_at_a_time_for_any_jobs(tmp_path: Path) -> None:
    """Batches of documents for the near-duplicate filter, and the template-line pass in
    workers, change no byte: the outputs are those of `run` on each file in turn."""
    corpus = tmp_path / "in"
    write_corpus(corpus, 3)
    inputs, _ = find_inputs([str(corpus)])
    documents = [read_document(item.path)[0] for item in inputs]
    with default_pipeline(dedup=True) as pipeline:
        pipeline.filters[-1].count_template_lines(documents)
        expected = {item.relative: pipeline.run(document).text.encode("utf-8") for item, document in zip(inputs, documents)}
    first_round = [text for name, text in expected.items() if name.parts[0] == "r0"]
    assert sum(1 for text in first_round if text) >= len(first_round) - 3 and not all(expected.values()), "copies are dropped, not originals"
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        completed = run_cli("clean", str(corpus), "-o", str(out), "--jobs", jobs, "-q")
        assert completed.returncode == 0, completed.stderr
        assert {path.relative_to(out): path.read_bytes() for path in out.rglob("*.txt")} == expected


def test_template_line_pass_in_workers_counts_as_the_serial_pass(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    write_corpus(corpus, 3)
    inputs, _ = find_inputs([str(corpus)])
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01 not text")
    inputs = [*inputs[:5], InputFile(binary, Path("binary.txt")), *inputs[5:], inputs[0]]  # a repeated input counts once
    serial = NearDuplicateFilter()
    serial.count_template_lines(read_document(item.path)[0] for item in inputs if item.path != binary)
    counts = []
    for jobs in (1, 2, 3):  # the pass in this process, and in the pool of the cleaning pass
        counted = NearDuplicateFilter()
        list(process_file_batches(Pipeline([counted]), [FileTask(item) for item in inputs], jobs, template_inputs=inputs))
        counts.append(counted._corpus_forms)
    assert counts == [serial._corpus_forms] * 3
    assert sum(1 for documents in serial._corpus_forms.values() if documents >= 3) >= 10


def test_workers_are_forked_after_the_filters_loaded_what_they_share() -> None:
    import multiprocessing

    from newsclean.filters import Filter, PageView, ShareButtonFilter
    from newsclean.pipeline import Pipeline

    class CountsPreparations(Filter):
        name = "counts-preparations"

        def __init__(self) -> None:
            self.preparations = 0

        def prepare(self) -> None:
            self.preparations += 1

        def find_removals(self, page: PageView) -> list:
            return []

    counting = CountsPreparations()
    inputs, _ = find_inputs([str(ROOT / "seeds")])
    with Pipeline([ShareButtonFilter(), counting, NearDuplicateFilter()]) as pipeline:
        results = list(process_files(pipeline, [FileTask(item) for item in inputs], 2))
    assert len(results) == len(inputs) and all(outcome.result is not None for outcome in results)
    # Prepared in this process, before forking, when workers are forked (they inherit it).
    assert counting.preparations == (1 if multiprocessing.get_start_method() == "fork" else 0)


def test_the_language_filter_prepares_langdetect_and_its_word_lists() -> None:
    from newsclean.filters import LanguageFilter
    from newsclean.filters.language import _detector_factory, _foreign_stopword_languages

    _detector_factory.cache_clear()
    _foreign_stopword_languages.cache_clear()
    LanguageFilter().prepare()
    assert _detector_factory.cache_info().currsize == 1
    assert _foreign_stopword_languages.cache_info().currsize == 1
    assert default_pipeline().prepare() is None  # every default filter can be prepared


def _squares_in_a_worker(numbers: list[int]) -> list[tuple[int, str]]:
    time.sleep(0.05)
    return [(number * number, "worker") for number in numbers]


def test_the_main_process_runs_chunks_no_worker_started_and_keeps_task_order() -> None:
    ran_here: list[int] = []

    def squares_here(numbers: list[int]) -> list[tuple[int, str]]:
        time.sleep(0.01)
        ran_here.extend(numbers)
        return [(number * number, "here") for number in numbers]

    numbers = list(range(300))
    outcomes = list(_in_workers([_Pass(numbers, _squares_in_a_worker, squares_here)], 2, _prepare_worker, ()))
    assert [square for square, _ in outcomes] == [number * number for number in numbers]
    assert [number for number, (_, where) in zip(numbers, outcomes) if where == "here"] == sorted(ran_here)
    # While the one worker sleeps on its chunks, this process takes others back.
    assert 0 < len(ran_here) < len(numbers)


def test_the_workers_pipes_are_widened_for_a_few_chunks_results(monkeypatch: pytest.MonkeyPatch) -> None:
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("pipe sizes are Linux's")
    import newsclean.parallel as parallel

    limit = Path("/proc/sys/fs/pipe-max-size")
    if limit.exists() and int(limit.read_text()) < parallel._PIPE_BYTES:
        pytest.skip("this system lets an unprivileged process widen a pipe less (the pipe then stays as it is)")

    sizes: list[tuple[int, int]] = []

    class MeasuredPool(parallel.WorkerPool):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            sizes.extend((fcntl.fcntl(worker.calls.fileno(), fcntl.F_GETPIPE_SZ), fcntl.fcntl(worker.results.fileno(), fcntl.F_GETPIPE_SZ)) for worker in self._workers)

    monkeypatch.setattr(parallel, "WorkerPool", MeasuredPool)
    numbers = list(range(100))
    outcomes = list(_in_workers([_Pass(numbers, _squares_in_a_worker, _squares_in_a_worker)], 2, _prepare_worker, ()))
    assert [square for square, _ in outcomes] == [number * number for number in numbers]
    # A chunk's results (about 200 KB pickled for 16 news pages) fit several times over.
    assert sizes == [(parallel._PIPE_BYTES, parallel._PIPE_BYTES)] and parallel._PIPE_BYTES >= 1 << 20


def test_the_main_process_leaves_workers_a_reserve_of_queued_chunks_while_more_are_to_come() -> None:
    from concurrent.futures import Future

    from newsclean.parallel import _QueuedChunk, _run_here_until_ready

    ran_here: list[list[int]] = []
    here = _Pass([], _squares_in_a_worker, lambda chunk: ran_here.append(chunk) or chunk)

    def queue() -> deque[_QueuedChunk]:
        return deque(_QueuedChunk([number], here, Future()) for number in range(5))

    reserved = queue()
    _run_here_until_ready(reserved, reserve=2)
    # The latest three are taken back; the earliest two stay queued for a worker.
    assert ran_here == [[4], [3], [2]]
    assert [queued.waiting_for_worker() for queued in reserved] == [True, True, False, False, False]

    ran_here.clear()
    _run_here_until_ready(queue(), reserve=0)
    assert ran_here == [[4], [3], [2], [1], [0]]  # at the end, everything, down to the first


def test_the_template_pass_runs_in_the_cleaning_pass_pool_with_the_same_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With several jobs, the template-line pass and the cleaning pass run in one pool (the
    workers go from one to the other), this process prepares the pipeline meanwhile, and the
    results are those of counting every input first and cleaning one document at a time."""
    from newsclean import parallel

    corpus = tmp_path / "in"
    write_corpus(corpus, 3)
    inputs, _ = find_inputs([str(corpus)])
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01 not text")
    inputs = [*inputs[:5], InputFile(binary, Path("binary.txt")), *inputs[5:]]
    documents = [read_document(item.path)[0] for item in inputs if item.path != binary]
    with default_pipeline(dedup=True) as pipeline:
        uncounted = [snapshot(pipeline.run(document)) for document in documents]
    with default_pipeline(dedup=True) as pipeline:
        pipeline.filters[-1].count_template_lines(documents)
        expected = [snapshot(pipeline.run(document)) for document in documents]
    assert expected != uncounted, "the corpus has template lines"
    pools: list[object] = []

    class CountedPool(parallel.WorkerPool):
        def __init__(self, *args, **kwargs) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "WorkerPool", CountedPool)
    for jobs in (1, 2, 3):
        pools.clear()
        calls: list[str] = []
        with default_pipeline(dedup=True) as pipeline:
            monkeypatch.setattr(pipeline, "prepare", lambda: calls.append("prepared"))
            batches = list(process_file_batches(pipeline, [FileTask(item) for item in inputs], jobs, template_inputs=inputs))
        outcomes = [outcome for batch in batches for outcome in batch]
        if jobs > 1:  # the last batches shrink, so little is left to finish alone after the last head
            assert [len(batch) for batch in batches[-2:]] == [1, 1]
        assert [snapshot(outcome.result) for outcome in outcomes if outcome.result is not None] == expected
        assert [outcome.task.input for outcome in outcomes if outcome.error is not None] == [inputs[5]]
        assert (len(pools), calls) == ((0, []) if jobs == 1 else (1, ["prepared"]))


def test_the_main_process_takes_back_the_chunks_that_suit_it_first_then_the_latest() -> None:
    """Chunks whose inputs this process read in the template pass (`_Pass.suits_here`) are
    taken back before the others, in the same latest-first order, and the reserve still holds."""
    from concurrent.futures import Future

    from newsclean.parallel import _QueuedChunk, _run_here_until_ready

    ran_here: list[list[int]] = []
    suiting = {1, 3}
    here = _Pass([], _squares_in_a_worker, lambda chunk: ran_here.append(chunk) or chunk, lambda chunk: chunk[0] in suiting)

    def queue() -> deque[_QueuedChunk]:
        return deque(_QueuedChunk([number], here, Future()) for number in range(6))

    reserved = queue()
    _run_here_until_ready(reserved, reserve=3)
    assert ran_here == [[3], [1], [5]]
    assert [queued.waiting_for_worker() for queued in reserved] == [True, False, True, False, True, False]

    ran_here.clear()
    _run_here_until_ready(queue(), reserve=0)
    assert ran_here == [[3], [1], [5], [4], [2], [0]]


def test_the_workers_keep_every_input_they_key_unless_resume_leaves_some_out() -> None:
    from newsclean.parallel import _paths_to_keep

    inputs = [InputFile(Path(f"/corpus/{name}.txt"), Path(f"{name}.txt")) for name in ("a", "b", "c")]
    every_task = [FileTask(item) for item in inputs]
    # A plain run cleans every input it keys: no set of paths goes to each worker.
    assert _paths_to_keep(every_task, inputs) is None
    # --resume skips "b": only the inputs still to clean are kept.
    assert _paths_to_keep([every_task[0], every_task[2]], inputs) == {inputs[0].path, inputs[2].path}
    # Equal inputs that are other objects are told apart from a subset by their paths.
    assert _paths_to_keep([FileTask(InputFile(item.path, item.relative)) for item in inputs], inputs) is None


def test_a_plain_run_decides_what_to_keep_without_hashing_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import pathlib

    from newsclean.parallel import _paths_to_keep

    inputs = [InputFile(Path(f"/corpus/{name}.txt"), Path(f"{name}.txt")) for name in ("a", "b", "c")]

    hashed: list[pathlib.PurePath] = []
    real_hash = pathlib.PurePath.__hash__

    def counting_hash(path: pathlib.PurePath) -> int:
        hashed.append(path)
        return real_hash(path)

    with monkeypatch.context() as patch:
        patch.setattr(pathlib.PurePath, "__hash__", counting_hash)
        kept = _paths_to_keep([FileTask(item) for item in inputs], inputs)
    assert kept is None and hashed == []


def test_the_main_process_signals_a_pause_before_running_chunks_itself_and_keeps_task_order() -> None:
    pause = object()
    numbers = list(range(200))
    items = list(_in_workers([_Pass(numbers, _squares_in_a_worker, _squares_in_a_worker, pause=pause)], 2, _prepare_worker, ()))
    # While the worker sleeps on a chunk, the next outcomes are not ready: the consumer hears so
    # (a pause) before this process takes chunks back; the outcomes stay in task order.
    assert pause in items
    assert [square for square, _ in (item for item in items if item is not pause)] == [number * number for number in numbers]


def test_a_pass_without_a_pause_object_yields_only_outcomes() -> None:
    numbers = list(range(50))
    items = list(_in_workers([_Pass(numbers, _squares_in_a_worker, _squares_in_a_worker)], 2, _prepare_worker, ()))
    assert [square for square, _ in items] == [number * number for number in numbers]


def _squares_sent_bare(numbers: list[int]) -> list[int]:
    time.sleep(0.05)
    return [number * number for number in numbers]


def test_a_pass_makes_outcomes_of_what_a_worker_sent_with_the_chunk_it_queued() -> None:
    def with_numbers(chunk: list[int], sent: list[int]) -> list[tuple[int, int, str]]:
        return [(number, square, "worker") for number, square in zip(chunk, sent, strict=True)]

    def here(chunk: list[int]) -> list[tuple[int, int, str]]:
        time.sleep(0.01)
        return [(number, number * number, "here") for number in chunk]

    numbers = list(range(300))
    outcomes = list(_in_workers([_Pass(numbers, _squares_sent_bare, here, receive=with_numbers)], 2, _prepare_worker, ()))
    assert [(number, square) for number, square, _ in outcomes] == [(number, number * number) for number in numbers]
    assert {where for _, _, where in outcomes} == {"worker", "here"}


def test_a_file_task_travels_as_its_paths_strings_and_comes_back_equal() -> None:
    task = FileTask(InputFile(ROOT / "seeds" / "a b.txt", Path("sub") / "a b.txt"), fingerprint=True)
    sent = pickle.dumps(task)
    assert b"pathlib" not in sent and str(task.input.path).encode() in sent
    back = pickle.loads(sent)
    assert back == task and type(back.input.path) is type(task.input.path) and type(back.input.relative) is type(task.input.relative)
    assert pickle.loads(pickle.dumps(FileTask(InputFile(Path("x.txt"), Path("x.txt"))))) == FileTask(InputFile(Path("x.txt"), Path("x.txt")), False)



def test_the_workers_have_exited_when_the_last_outcome_has_been_taken() -> None:
    """The program exits right after its last commit (`cli.run`): its workers must be joined by
    then, so that none outlives it and their CPU time is its own (a shell's `time`, a CI's)."""
    task_lists = Path("/proc/self/task")
    if not task_lists.is_dir():
        pytest.skip("needs Linux's /proc/PID/task/TID/children")
    inputs, _ = find_inputs([str(ROOT / "seeds")])
    with default_pipeline(dedup=True) as pipeline:
        outcomes = list(process_files(pipeline, [FileTask(item) for item in inputs], 2))
    assert len(outcomes) == len(inputs)
    children = [pid for task in task_lists.iterdir() for pid in (task / "children").read_text().split()]
    assert children == []


def _recording_shutdowns(monkeypatch: pytest.MonkeyPatch, taken: list[int]) -> tuple[list[tuple[str, int]], list]:
    """Record each `WorkerPool.let_go` and `WorkerPool.close` as (what, outcomes taken so far),
    what being "let go", "close" or "close early", and the pool's worker processes."""
    from newsclean.worker_pool import WorkerPool

    calls: list[tuple[str, int]] = []
    processes: list = []
    let_go, close = WorkerPool.let_go, WorkerPool.close

    def recording_let_go(self) -> None:
        processes.extend(process for process in self.processes if process not in processes)
        calls.append(("let go", len(taken)))
        let_go(self)

    def recording_close(self, early: bool = False) -> None:
        processes.extend(process for process in self.processes if process not in processes)
        calls.append(("close early" if early else "close", len(taken)))
        close(self, early)

    monkeypatch.setattr(WorkerPool, "let_go", recording_let_go)
    monkeypatch.setattr(WorkerPool, "close", recording_close)
    return calls, processes


def test_the_pool_is_let_go_once_no_chunk_waits_for_a_worker_and_joined_when_the_outcomes_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker exits while the main process still handles the last outcomes, not after them
    (waiting for it took 14-15 ms of the end of a run), and is still joined when the outcomes
    end (taken to the last here; `batch.clean_files` closes them after the last), so that none
    outlives the run."""
    taken: list[int] = []
    calls, processes = _recording_shutdowns(monkeypatch, taken)
    numbers = list(range(200))
    for square, _ in _in_workers([_Pass(numbers, _squares_in_a_worker, _squares_in_a_worker)], 2, _prepare_worker, ()):
        taken.append(square)
    assert taken == [number * number for number in numbers]
    # First let go, while outcomes were still to be taken; closed (joined) at the end.
    assert calls[0][0] == "let go" and calls[0][1] < len(numbers)
    assert calls[-1] == ("close", len(numbers))
    assert processes and all(process.exitcode is not None for process in processes)


def test_outcomes_closed_early_stop_the_workers_and_wait_for_them(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    calls, processes = _recording_shutdowns(monkeypatch, taken)
    outcomes = _in_workers([_Pass(list(range(200)), _squares_in_a_worker, _squares_in_a_worker)], 2, _prepare_worker, ())
    taken.append(next(outcomes)[0])
    outcomes.close()  # as Ctrl-C or a failed write closes them: chunks were still to come
    assert calls[0] == ("close early", 1)
    assert processes and all(process.exitcode is not None for process in processes)


#: Where `_squares_logged_in_a_worker` notes each chunk it runs (set before the pool forks).
_WORKER_CHUNK_LOG: Path | None = None


def _squares_logged_in_a_worker(numbers: list[int]) -> list[tuple[int, str]]:
    assert _WORKER_CHUNK_LOG is not None
    time.sleep(0.05)
    with open(_WORKER_CHUNK_LOG, "a", encoding="utf-8") as log:
        log.write(f"{numbers[0]}\n")
    return [(number * number, "worker") for number in numbers]


def test_outcomes_closed_early_drop_the_chunks_no_worker_has_started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Ctrl-C or a failed write closes the outcomes with many chunks queued (here
    all 17): the pool is left once the worker has run the few it holds (the one it runs and those
    handed to it ahead), not after it ran every queued one. Before, a Ctrl-C of `clean --jobs 2`
    on the benchmark corpus waited 0.32-0.39 s for them, and seconds on slower pages."""
    log = tmp_path / "chunks run by the worker"
    monkeypatch.setattr(sys.modules[__name__], "_WORKER_CHUNK_LOG", log)

    def squares_here(numbers: list[int]) -> list[tuple[int, str]]:
        time.sleep(0.05)
        return [(number * number, "here") for number in numbers]

    numbers = list(range(200))  # chunks of 12: 17 chunks, all queued at once
    outcomes = _in_workers([_Pass(numbers, _squares_logged_in_a_worker, squares_here)], 2, _prepare_worker, (), len(numbers))
    assert next(outcomes) == (0, "worker")
    outcomes.close()
    run_by_the_worker = log.read_text(encoding="utf-8").split()
    # At most the first chunk and those in the worker's hand (the pool stops it as it is closed).
    assert 1 <= len(run_by_the_worker) <= 1 + _CHUNKS_IN_A_WORKERS_HAND, run_by_the_worker


_KILL_AFTER_LET_GO = """
import os, signal, sys, time
from pathlib import Path
import newsclean.parallel as parallel
from newsclean.errors import WorkerError

let_go_flag = Path(sys.argv[1])

def squares_in_the_worker(numbers):
    # A chunk the worker ends once the pool is let go stays in its hand until it is killed.
    time.sleep(0.3)
    if let_go_flag.exists():
        time.sleep(50)
    return [number * number for number in numbers]

def squares_here(numbers):
    return [number * number for number in numbers]

from newsclean.worker_pool import WorkerPool
workers = []
let_go = WorkerPool.let_go
def noting_workers(pool):
    workers.extend(pool.processes)
    let_go_flag.touch()
    return let_go(pool)
WorkerPool.let_go = noting_workers
killed = False
try:
    for _ in parallel._in_workers([parallel._Pass(list(range(40)), squares_in_the_worker, squares_here)], 2, parallel._prepare_worker, ()):
        if workers and not killed:
            for worker in workers:
                os.kill(worker.pid, signal.SIGKILL)
            killed = True
    print("no error" if killed else "the pool was never let go")
except WorkerError as error:
    print("WorkerError:", error)
"""


def test_a_worker_killed_after_the_pool_was_let_go_is_a_worker_error_not_a_hang(tmp_path: Path) -> None:
    """Once let go, the pool still notices a worker that dies (killed, out of memory) with
    chunks in hand: the run stops with WorkerError, and leaving the pool returns. This
    process runs its chunks at once and the worker's take 0.3 s, so the worker still holds the
    next when the pool is let go; a chunk it ends after that hangs until the kill, so the kill
    cannot come too late under load (with 0.2 s chunks on both sides it once did)."""
    flag = tmp_path / "let go"
    finished = subprocess.run([sys.executable, "-c", _KILL_AFTER_LET_GO, str(flag)], capture_output=True, text=True, timeout=40, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("WorkerError: a worker process died"), finished.stdout + finished.stderr


def test_a_workers_template_keys_travel_packed_and_arrive_as_computed() -> None:
    """A worker's template-line keys go as one `bytes` of signed 64-bit integers per document
    (`_template_keys_of_chunk`); the main process gets the same keys back (`_received_keys`)."""
    from newsclean import parallel

    inputs, _ = find_inputs(INPUT_DIRS)
    paths = [item.path for item in inputs] + [ROOT / "no such file.txt"]
    expected = [(document_id, set(keys)) for document_id, keys in parallel.template_line_keys_of_files(inputs)]
    sent = pickle.loads(pickle.dumps(parallel._template_keys_of_chunk(paths)))
    assert sent[-1] is None and all(isinstance(keys, bytes) for _, keys in sent[:-1])
    received = parallel._received_keys(paths, sent)
    assert received[-1] is None
    assert [(document_id, set(keys)) for document_id, keys in received[:-1]] == expected
    every_key = [key for _, keys in expected for key in keys]
    assert min(every_key) < 0 < max(every_key) and len(every_key) > 1000


def test_counting_template_keys_takes_sets_and_other_iterables_alike() -> None:
    documents = [("a", {1, -2, 3}), ("b", [3, 3, -2]), ("a", {9}), ("c", (x for x in [7]))]
    counter = NearDuplicateFilter()
    counter.count_template_keys(documents)
    assert dict(counter._corpus_forms) == {1: 1, -2: 2, 3: 2, 7: 1}


class _SlowToPrepare(Filter):
    """Loads something slowly in `prepare` (a class attribute stands for a module's memo), and
    refuses to judge a page in a process that has not loaded it."""

    name = "slow-to-prepare"
    loaded_in: int | None = None  # the process that prepared it
    preparations = 0

    def prepare(self) -> None:
        time.sleep(0.3)
        type(self).preparations += 1
        type(self).loaded_in = os.getpid()

    def find_removals(self, page: PageView) -> list:
        if type(self).loaded_in is None:
            raise RuntimeError("judged before it was prepared in this process")
        return []


class _FailsToPrepare(Filter):
    name = "fails-to-prepare"

    def prepare(self) -> None:
        raise OSError("profiles missing")

    def find_removals(self, page: PageView) -> list:
        return []


def test_a_pipeline_prepared_in_background_is_waited_for_by_prepare_and_pickles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_SlowToPrepare, "preparations", 0)
    monkeypatch.setattr(_SlowToPrepare, "loaded_in", None)
    pipeline = Pipeline([ShareButtonFilter(), _SlowToPrepare()])
    started = time.perf_counter()
    pipeline.prepare_in_background()
    pipeline.prepare_in_background()  # one preparation at a time
    assert time.perf_counter() - started < 0.2 and pipeline.preparing_in_background()
    assert pickle.loads(pickle.dumps(pipeline)).preparing_in_background() is False  # the thread stays here
    pipeline.prepare()
    assert time.perf_counter() - started >= 0.3
    assert _SlowToPrepare.preparations == 1 and _SlowToPrepare.loaded_in == os.getpid() and not pipeline.preparing_in_background()
    failing = Pipeline([_FailsToPrepare()])
    failing.prepare_in_background()
    with pytest.raises(OSError, match="profiles missing"):
        failing.prepare()


def test_workers_are_forked_only_once_a_preparation_in_background_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """`process_file_batches` waits for `prepare_in_background` before it forks: the workers
    share what it loaded (and no fork happens while its thread runs)."""
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers that are not forked load what they use themselves")
    monkeypatch.setattr(_SlowToPrepare, "preparations", 0)
    monkeypatch.setattr(_SlowToPrepare, "loaded_in", None)
    inputs, _ = find_inputs([str(ROOT / "seeds")])
    for template_inputs in (inputs, []):  # with and without the template-line pass first
        monkeypatch.setattr(_SlowToPrepare, "loaded_in", None)
        with Pipeline([ShareButtonFilter(), _SlowToPrepare(), NearDuplicateFilter()]) as pipeline:
            pipeline.prepare_in_background()
            outcomes = [outcome for batch in process_file_batches(pipeline, [FileTask(item) for item in inputs], 2, template_inputs=template_inputs) for outcome in batch]
        assert [outcome.error for outcome in outcomes] == [None] * len(inputs)
        assert _SlowToPrepare.loaded_in == os.getpid()
    assert _SlowToPrepare.preparations == 2  # once per run, in this process
