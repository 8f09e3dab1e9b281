"""Cleaning many files on several cores, with output identical to one core.

Worker processes read, decode, normalise and run the stateless filters: the head of
`Pipeline.split()`, which depends on nothing but the document. The main process receives their
results in input order and runs the stateful filters (the near-duplicate index) itself, so the
index sees documents in the same order for any number of workers and every output byte is the
same. At most a few chunks per worker are in flight, so memory stays flat on large inputs.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from dataclasses import dataclass, replace
from itertools import islice
from typing import Iterator, Sequence

from .document import Result
from .errors import InputError
from .io import InputFile, read_document
from .pipeline import Pipeline

#: Chunks queued per worker: enough to keep every worker busy while the main process works.
_CHUNKS_IN_FLIGHT_PER_WORKER = 4
_MAX_CHUNK_SIZE = 16


@dataclass(frozen=True)
class FileOutcome:
    """One input file's outcome: its Result, or the error that kept it from being read, and any
    decoding warning."""

    input: InputFile
    result: Result | None
    warning: str | None = None
    error: str | None = None


def available_cores() -> int:
    """The cores this process may run on (the CPU affinity where the OS reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def clean_files(pipeline: Pipeline, inputs: Sequence[InputFile], jobs: int = 1) -> Iterator[FileOutcome]:
    """Clean files with `pipeline`, yielding one FileOutcome per input, in input order.

    With `jobs` > 1, worker processes run the pipeline's stateless head; this process runs its
    stateful tail. Results equal `pipeline.run` on each file in order, for any `jobs`. Close the
    iterator (or exhaust it) to stop the workers.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    head, tail = pipeline.split()
    if jobs == 1 or len(inputs) < 2:
        for item in inputs:
            yield _finish(tail, _run_head(head, item))
        return
    chunk_size = max(1, min(_MAX_CHUNK_SIZE, len(inputs) // (jobs * 8)))
    chunks = (list(inputs[start : start + chunk_size]) for start in range(0, len(inputs), chunk_size))
    with multiprocessing.Pool(min(jobs, len(inputs)), initializer=_start_worker, initargs=(head,)) as pool:
        pending = deque(pool.apply_async(_run_head_chunk, (chunk,)) for chunk in islice(chunks, jobs * _CHUNKS_IN_FLIGHT_PER_WORKER))
        while pending:
            outcomes = pending.popleft().get()
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.apply_async(_run_head_chunk, (following,)))
            for outcome in outcomes:
                yield _finish(tail, outcome)


def _run_head(head: Pipeline, item: InputFile) -> FileOutcome:
    try:
        document, warning = read_document(item.path)
    except InputError as error:
        return FileOutcome(item, None, error=str(error))
    return FileOutcome(item, head.run(document), warning=warning)


def _finish(tail: Pipeline, outcome: FileOutcome) -> FileOutcome:
    if outcome.result is None:
        return outcome
    return replace(outcome, result=tail.resume(outcome.result))


_worker_head: Pipeline | None = None


def _start_worker(head: Pipeline) -> None:
    """Keep the head pipeline for this worker's tasks. Ctrl-C is the main process's to handle:
    it stops the pool, so workers ignore SIGINT rather than each printing a traceback."""
    global _worker_head
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_head = head


def _run_head_chunk(items: list[InputFile]) -> list[FileOutcome]:
    assert _worker_head is not None, "worker started without _start_worker"
    return [_run_head(_worker_head, item) for item in items]
