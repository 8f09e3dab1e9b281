"""Cleaning many files on several cores, with output identical to one core.

Worker processes read, decode, normalise and run the stateless filters: the head of
`Pipeline.split()`, which depends on nothing but the document. With N jobs there are N - 1
workers and the main process: whenever the next results are not ready, it runs queued chunks
no worker has started itself. It takes the results in input order and runs the stateful
filters (the near-duplicate index), a bounded batch of documents at a time
(`Pipeline.resume_many`), so the index sees documents in the same order for any number of
workers and every output byte is the same. At most a few chunks per job are in flight, and
batches are bounded, so memory stays flat on large inputs.

The near-duplicate filter's template-line pass (`template_line_keys_of_files`) spreads the
same way: the jobs read and normalise, the main process also counts.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Callable, Collection, Iterator, Sequence, TypeVar

from .document import Document, Result
from .errors import InputError, WorkerError
from .io import InputFile, read_document, read_document_and_hash
from .manifest import FileFingerprint
from .dedup.template_keys import template_line_keys
from .pipeline import RESUME_BATCH_DOCUMENTS, Pipeline, bounded_batches
from .read_ahead import ReadAhead
from .runtime import tune_garbage_collector

#: Chunks queued per job: enough to keep every worker busy while the main process works.
_CHUNKS_IN_FLIGHT_PER_WORKER = 4
_MAX_CHUNK_SIZE = 16
#: Chunks per worker the main process leaves queued while more are to come, so that the
#: workers keep cleaning while it runs the near-duplicate tail and writes a batch instead of
#: running dry because it took back every chunk they had (docs/performance.md, "Sixth round").
_CHUNKS_RESERVED_PER_WORKER = 4
#: Documents queued for the workers at least: two of the main process's batches, so the
#: workers keep cleaning while it decides and writes a whole batch (at 4 chunks per worker,
#: two workers would run dry halfway through one; measured 4-6% slower on 2 cores).
_DOCUMENTS_IN_FLIGHT = 2 * RESUME_BATCH_DOCUMENTS


@dataclass(frozen=True)
class FileTask:
    """An input to clean; `fingerprint` asks for its size and SHA-256 too (for the manifest),
    taken in the same process that reads it."""

    input: InputFile
    fingerprint: bool = False


@dataclass(frozen=True)
class FileOutcome:
    """One input's outcome: its Result, or the InputError that kept it from being read, with any
    decoding warning and the fingerprint the task asked for."""

    task: FileTask
    result: Result | None
    warning: str | None = None
    error: InputError | None = None
    fingerprint: FileFingerprint | None = None


def available_cores() -> int:
    """The cores this process may run on (the CPU affinity where the OS reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def process_files(
    pipeline: Pipeline, tasks: Sequence[FileTask], jobs: int = 1, strict_encoding: bool = False, read_ahead: ReadAhead | None = None
) -> Iterator[FileOutcome]:
    """Read and clean files with `pipeline`, yielding one FileOutcome per task, in task order.

    With `jobs` > 1, worker processes read the files and run the pipeline's stateless head;
    this process runs its stateful tail, on `bounded_batches` of head results. Results equal
    `pipeline.run` on each file in order, for any `jobs`. When reading stops with an error
    (Ctrl-C, a worker that died), the files read before it are finished and yielded first.
    Close the iterator (or exhaust it) to stop the workers. With one job, an input `read_ahead`
    kept is taken from it instead of being read again.
    """
    with contextlib.closing(process_file_batches(pipeline, tasks, jobs, strict_encoding, read_ahead)) as batches:
        for batch in batches:
            yield from batch


def process_file_batches(
    pipeline: Pipeline, tasks: Sequence[FileTask], jobs: int = 1, strict_encoding: bool = False, read_ahead: ReadAhead | None = None
) -> Iterator[list[FileOutcome]]:
    """`process_files`, one list per batch the stateful tail ran on (`bounded_batches`: one
    task, then twice as many each time, up to RESUME_BATCH_DOCUMENTS), so a caller can act
    once per batch (write its outputs as a group). Close it (or exhaust it) to stop the workers.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    head, tail = pipeline.split()
    if jobs == 1 or len(tasks) < 2:
        heads: Iterator[FileOutcome] = (_run_head(head, task, strict_encoding, read_ahead) for task in tasks)
    else:
        if multiprocessing.get_start_method() == "fork":
            head.prepare()  # forked workers share what it loads (langdetect's profiles) instead of each loading it
        heads = _in_workers(
            tasks, jobs, _run_head_chunk, partial(_run_heads, head, strict_encoding), _start_worker, (head, strict_encoding), _DOCUMENTS_IN_FLIGHT
        )
    with contextlib.closing(heads):
        for batch in bounded_batches(heads, _lines_of):
            yield _finish(tail, batch)


def template_line_keys_of_files(
    inputs: Sequence[InputFile], jobs: int, meanwhile: Callable[[], None] | None = None, read_ahead: ReadAhead | None = None
) -> Iterator[tuple[str, Collection[int]]]:
    """The near-duplicate filter's template-line keys (`template_line_keys`) of each readable
    input, with its document id, in input order, read and normalised by `jobs` worker
    processes; unreadable inputs are left out (the main pass reports them). `meanwhile`, if
    given, runs in this process first, while the workers start on the inputs (with one job,
    before it reads them): the main pass's `Pipeline.prepare`, so that it is not a serial
    stretch of its own between the passes. With one job the inputs are read in this process,
    through `read_ahead` when given (which keeps them for the cleaning pass); with more, by the
    workers, and `read_ahead` keeps nothing."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if jobs == 1 or len(inputs) < 2:
        if meanwhile is not None:
            meanwhile()
        read = _read_lenient if read_ahead is None else read_ahead.read
        keyed: Iterator[tuple[str, Collection[int]] | None] = (_template_keys_of_file(item.path, read) for item in inputs)
    else:
        paths = [item.path for item in inputs]
        keyed = _in_workers(paths, jobs, _template_keys_of_chunk, _template_keys_of_chunk, _prepare_worker, (), meanwhile=meanwhile)
    with contextlib.closing(keyed):
        yield from (item for item in keyed if item is not None)


Task = TypeVar("Task")
Outcome = TypeVar("Outcome")


def _in_workers(
    tasks: Sequence[Task],
    jobs: int,
    run_chunk: Callable[[list[Task]], list[Outcome]],
    run_chunk_here: Callable[[list[Task]], list[Outcome]],
    start_worker: Callable[..., None],
    start_arguments: tuple,
    tasks_in_flight: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Outcome]:
    """`run_chunk` over chunks of `tasks` in `jobs` - 1 worker processes and this one; the
    outcomes in task order. Queued: 4 chunks per job, or enough chunks for `tasks_in_flight`
    tasks if that is more. `meanwhile` runs in this process once the workers have their chunks.

    This process is the last of the `jobs`: whenever the next outcomes are not ready, rather
    than wait, it takes back the latest queued chunk no worker has started and runs it itself
    with `run_chunk_here` (the same work, set up for this process). Its chunks skip pickling
    and the pipe, and `jobs` busy processes share the cores instead of `jobs` workers and this
    one (docs/performance.md, "Fifth round").
    """
    chunk_size = max(1, min(_MAX_CHUNK_SIZE, len(tasks) // (jobs * 8)))
    chunks = (list(tasks[start : start + chunk_size]) for start in range(0, len(tasks), chunk_size))
    in_flight = max(jobs * _CHUNKS_IN_FLIGHT_PER_WORKER, -(-tasks_in_flight // chunk_size))
    # ProcessPoolExecutor rather than multiprocessing.Pool: a worker that dies (killed, out of
    # memory) breaks the pool with an error instead of leaving the run waiting forever.
    workers = min(jobs - 1, len(tasks))
    chunks_left = -(-len(tasks) // chunk_size)
    with ProcessPoolExecutor(workers, initializer=start_worker, initargs=start_arguments) as pool:
        pending = deque(_QueuedChunk(chunk, pool.submit(run_chunk, chunk)) for chunk in islice(chunks, in_flight))
        chunks_left -= len(pending)
        if meanwhile is not None:
            meanwhile()
        while pending:
            # While chunks are still to come, leave each worker some queued ones to run while
            # this process runs the tail and writes; at the end, take back all it can.
            reserve = workers * _CHUNKS_RESERVED_PER_WORKER if chunks_left else 0
            _run_here_until_ready(pending, run_chunk_here, reserve)
            try:
                outcomes = pending.popleft().outcomes()
            except BrokenProcessPool:
                raise WorkerError(
                    "a worker process died (killed, or out of memory); outputs written so far are complete: "
                    "re-run with --resume, and with --jobs 1 to clean in one process"
                ) from None
            following = next(chunks, None)
            if following is not None:
                chunks_left -= 1
                pending.append(_QueuedChunk(following, pool.submit(run_chunk, following)))
            yield from outcomes


class _QueuedChunk:
    """A chunk of tasks submitted to the pool, which this process may take back and run."""

    def __init__(self, chunk: list, future: Future) -> None:
        self.chunk = chunk
        self.future = future
        self.outcomes_here: list | None = None

    def ready(self) -> bool:
        return self.outcomes_here is not None or self.future.done()

    def waiting_for_worker(self) -> bool:
        """Whether the chunk is queued for a worker that has not started it (nor this process)."""
        return self.outcomes_here is None and not self.future.running() and not self.future.done()

    def take_back(self, run_chunk_here: Callable[[list], list]) -> bool:
        """Run the chunk in this process if no worker has started it (its future is cancelled);
        whether it did."""
        if self.outcomes_here is not None or not self.future.cancel():
            return False
        self.outcomes_here = run_chunk_here(self.chunk)
        return True

    def outcomes(self) -> list:
        """The chunk's outcomes, waiting for its worker if a worker runs it."""
        return self.future.result() if self.outcomes_here is None else self.outcomes_here


def _run_here_until_ready(pending: deque[_QueuedChunk], run_chunk_here: Callable[[list], list], reserve: int) -> None:
    """Until the first queued chunk is ready, run chunks no worker has started in this process,
    the latest first (the workers take the earliest, which are needed first), as long as more
    than `reserve` chunks would still be waiting for a worker; return when the first chunk is
    ready or no more chunks may be taken back."""
    first = pending[0]
    while not first.ready():
        waiting = [queued for queued in pending if queued.waiting_for_worker()]
        if len(waiting) <= reserve or not any(queued.take_back(run_chunk_here) for queued in reversed(waiting)):
            return


def _run_head(head: Pipeline, task: FileTask, strict_encoding: bool, read_ahead: ReadAhead | None = None) -> FileOutcome:
    kept = None if read_ahead is None else read_ahead.take(task.input.path)
    if kept is not None:
        document, warning, size, sha256 = kept.document, None, kept.size, kept.sha256
    else:
        try:
            # Hashing as it reads costs less than a second read, so the fingerprint is always taken.
            document, warning, size, sha256 = read_document_and_hash(task.input.path, strict=strict_encoding)
        except InputError as error:
            return FileOutcome(task, None, error=error)
    fingerprint = FileFingerprint(size, sha256) if task.fingerprint else None
    return FileOutcome(task, head.run(document), warning=warning, fingerprint=fingerprint)


def _lines_of(outcome: FileOutcome) -> int:
    return 0 if outcome.result is None else len(outcome.result.lines)


def _finish(tail: Pipeline, outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """Run the tail over a batch of head outcomes; errors keep their place."""
    finished = iter(tail.resume_many([outcome.result for outcome in outcomes if outcome.result is not None]))
    return [outcome if outcome.result is None else replace(outcome, result=next(finished)) for outcome in outcomes]


_worker_head: Pipeline | None = None
_worker_strict_encoding = False


def _prepare_worker() -> None:
    """Ctrl-C is the main process's to handle: it stops the pool, so workers ignore SIGINT
    rather than each printing a traceback. A worker exits when the main process dies (SIGKILL,
    the OOM killer), which the pool's queues never tell it: it would wait for work forever.
    A worker is this package's own process doing a batch run, so its collector is tuned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_garbage_collector()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="newsclean-parent-watch", daemon=True).start()


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)


def _start_worker(head: Pipeline, strict_encoding: bool) -> None:
    """Keep the head pipeline for this worker's tasks (and leave Ctrl-C to the main process)."""
    global _worker_head, _worker_strict_encoding
    _prepare_worker()
    _worker_head = head
    _worker_strict_encoding = strict_encoding


def _run_heads(head: Pipeline, strict_encoding: bool, tasks: list[FileTask]) -> list[FileOutcome]:
    return [_run_head(head, task, strict_encoding) for task in tasks]


def _run_head_chunk(tasks: list[FileTask]) -> list[FileOutcome]:
    assert _worker_head is not None, "worker started without _start_worker"
    return _run_heads(_worker_head, _worker_strict_encoding, tasks)


def _read_lenient(path: Path) -> Document:
    return read_document(path)[0]


def _template_keys_of_file(path: Path, read: Callable[[Path], Document] = _read_lenient) -> tuple[str, Collection[int]] | None:
    try:
        document = read(path)
    except InputError:
        return None
    return document.id, template_line_keys(document.lines)


def _template_keys_of_chunk(paths: list[Path]) -> list[tuple[str, Collection[int]] | None]:
    return [_template_keys_of_file(path) for path in paths]
