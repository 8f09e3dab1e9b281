"""Cleaning many files on several cores, with output identical to one core.

Worker processes read, decode, normalise and run the stateless filters: the head of
`Pipeline.split()`, which depends on nothing but the document. With N jobs there are N - 1
workers and the main process: whenever the next results are not ready, it first runs the
stateful filters (the near-duplicate index) on the results it has if there are enough
(`_EARLY_TAIL_DOCUMENTS`), else runs queued chunks no worker has started itself. It takes the
results in input order and runs the stateful filters a bounded batch of documents at a time
(`Pipeline.resume_many`), so the index sees documents in the same order for any number of
workers and every output byte is the same. At most a few chunks per job are in flight, and
batches are bounded, so memory stays flat on large inputs.

The near-duplicate filter's template-line pass spreads the same way: `process_file_batches`
runs it first (`template_inputs`), in the same pool: the jobs read and normalise, the main
process also counts. The head does not depend on the template counts, only the tail does, so
the jobs go from the last template chunks straight on to the first head chunks, with no pool
to shut down and start between the passes and no pass that ends with one job busy and the
others idle. With one job both passes run in this process (`template_line_keys_of_files`),
and the cleaning pass takes the inputs the first one read (`read_ahead`). With several, each
process keeps the inputs of the template chunks it ran (within its share of the same budget)
and its head chunks take those they find there: a process's template and head chunks of the
same files, which the queue's order makes common, read and normalise each file once. The
inputs this process keeps go with the head chunks it queues (`_WithInput`), so a worker that
runs such a chunk does not read them again either.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain, islice, tee
from pathlib import Path
from typing import Callable, Collection, Iterator, NamedTuple, Sequence

import numpy as np

from .document import Document, Result, with_kept_lines_only, with_removed_lines_only
from .errors import InputError, WorkerError
from .io import InputFile, read_document, read_document_and_hash
from .manifest import FileFingerprint
from .dedup import NearDuplicateFilter
from .dedup.template_keys import forget_template_keys, template_line_keys, template_line_keys_and_normalisation
from .pipeline import RESUME_BATCH_DOCUMENTS, Pipeline, bounded_batches
from .read_ahead import ReadAhead, ReadInput
from .runtime import tune_garbage_collector
from .worker_pool import Call, WorkerLost, WorkerPool

#: Chunks queued per job: enough to keep every worker busy while the main process works.
_CHUNKS_IN_FLIGHT_PER_WORKER = 4
#: Chunks a worker holds at once (`WorkerPool`'s `calls_ahead`): the one it runs and two next,
#: so it goes on while this process runs a tail; the rest stay queued here, where this process
#: can take them back. As many as `ProcessPoolExecutor` handed one worker.
_CHUNKS_IN_A_WORKERS_HAND = 3
_MAX_CHUNK_SIZE = 16
#: Chunks per worker the main process leaves queued while more are to come, so that the
#: workers keep cleaning while it runs the near-duplicate tail and writes a batch instead of
#: running dry because it took back every chunk they had (docs/performance.md, "Sixth round").
_CHUNKS_RESERVED_PER_WORKER = 4
#: Documents queued for the workers at least: two of the main process's batches, so the
#: workers keep cleaning while it decides and writes a whole batch (at 4 chunks per worker,
#: two workers would run dry halfway through one; measured 4-6% slower on 2 cores).
_DOCUMENTS_IN_FLIGHT = 2 * RESUME_BATCH_DOCUMENTS
#: Head results waiting for the tail that it runs on at once when the next are not ready, rather
#: than this process running queued head chunks first: at the end of a run it is then left
#: with the tails of few documents to run alone. Smaller batches cost the tail more per document
#: (32 documents: about 7% more than 256).
_EARLY_TAIL_DOCUMENTS = 32
#: An early tail also waits for this share of the documents still to come (up to a full batch):
#: a tail batch costs about 1 ms beyond its documents (index look-ups per shard and run, numpy
#: calls), and 32 at a time made 75-80 batches of a 20 MB run against 20 with one job; with an
#: eighth, 33, and 1% fewer instructions (docs/performance.md, "Eleventh round").
_EARLY_TAIL_SHARE = 8
#: What `_in_workers` yields among the head results when the next are not ready.
_NOT_READY = object()
#: Room in each pipe to and from a worker (Linux: 1 MiB, the default most an unprivileged process
#: may ask for, instead of 64 KiB): a few chunks' results (about 200 KB pickled for 16 news
#: pages), so a worker writes a chunk's results in one go and the pool's thread here reads them
#: in one go, rather than one 64 KiB piece per turn at the GIL, which the busy main thread hands
#: over every 5 ms (docs/performance.md, "Seventh round").
_PIPE_BYTES = 1 << 20


@dataclass(frozen=True)
class FileTask:
    """An input to clean; `fingerprint` asks for its size and SHA-256 too (for the manifest),
    taken in the same process that reads it."""

    input: InputFile
    fingerprint: bool = False

    def __reduce__(self) -> tuple[Callable[[str, str, bool], FileTask], tuple[str, str, bool]]:
        """Pickled as its paths' strings: a worker's loading then builds each Path from one
        string (3.5 us) instead of from its parts (6.6 us), and pickling them is cheaper too."""
        return _file_task, (str(self.input.path), str(self.input.relative), self.fingerprint)


def _file_task(path: str, relative: str, fingerprint: bool) -> FileTask:
    return FileTask(InputFile(Path(path), Path(relative)), fingerprint)


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
    pipeline: Pipeline, tasks: Sequence[FileTask], jobs: int = 1, strict_encoding: bool = False
) -> Iterator[FileOutcome]:
    """Read and clean files with `pipeline`, yielding one FileOutcome per task, in task order.

    With `jobs` > 1, worker processes read the files and run the pipeline's stateless head;
    this process runs its stateful tail, on `bounded_batches` of head results. Results equal
    `pipeline.run` on each file in order, for any `jobs`. When reading stops with an error
    (Ctrl-C, a worker that died), the files read before it are finished and yielded first.
    Close the iterator (or exhaust it) to stop the workers.
    """
    with contextlib.closing(process_file_batches(pipeline, tasks, jobs, strict_encoding)) as batches:
        for batch in batches:
            yield from batch


def process_file_batches(
    pipeline: Pipeline,
    tasks: Sequence[FileTask],
    jobs: int = 1,
    strict_encoding: bool = False,
    template_inputs: Sequence[InputFile] = (),
    removals: bool = True,
) -> Iterator[list[FileOutcome]]:
    """`process_files`, one list per batch the stateful tail ran on (`bounded_batches`: one
    task, then twice as many each time, up to RESUME_BATCH_DOCUMENTS, and with several jobs
    shrinking again at the end), so a caller can act once per batch (write its outputs as a
    group). Close it (or exhaust it) to stop the workers.

    The pipeline's near-duplicate filters first count the template-line keys of
    `template_inputs` (`NearDuplicateFilter.count_template_keys`; nothing is read when it has
    none): with several jobs, in the same pool as the heads, so the workers go from the
    template chunks straight on to the head chunks while this process counts, and it runs the
    pipeline's `prepare` meanwhile (each worker then loads what the filters load on first use
    itself, in parallel, rather than this process loading it before they are forked). With one
    job, both passes read in this process, and the cleaning pass takes the inputs the template
    pass read (`read_ahead.ReadAhead`) instead of reading them again; with several, each process
    does so for the head chunks of inputs its own template chunks read (each within its share of
    the budget, so all of them keep no more than one job would), and this process takes back
    such chunks first, and sends the inputs it kept with those a worker runs.

    With `removals=False` the workers send each result's removed line numbers but not its
    removals (their filters, reasons and details): enough to write the result's text and count
    its paragraphs, which is all a caller that reads no removals does (`batch.clean_files`
    without `on_result`); reading the removals of such a result raises. If the tail's filters
    also read nothing but kept paragraphs (`Filter.reads_kept_paragraphs_only`: the
    near-duplicate filter), a worker sends no removed line's text either, nor the
    normalisations and the document's own lines (`document.with_kept_lines_only`).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    # A preparation under way (`Pipeline.prepare_in_background`) ends before any fork: the
    # workers then share what it loaded instead of each loading it.
    prepared = pipeline.preparing_in_background()
    if prepared:
        pipeline.prepare()
    head, tail = pipeline.split()
    counters = [item for item in pipeline.filters if isinstance(item, NearDuplicateFilter)] if template_inputs else []
    keyed_first = 0  # outcomes of the template pass before the heads' among the workers' outcomes
    several = jobs > 1 and len(tasks) > 1
    if not several:
        read_ahead = None
        if counters:
            read_ahead = ReadAhead(paths=_paths_to_keep(tasks, template_inputs))
            _count_template_keys(counters, template_line_keys_of_files(template_inputs, read_ahead))
        outcomes: Iterator = (_run_head(head, task, strict_encoding, read_ahead) for task in tasks)
    else:
        cleaned_paths = _paths_to_keep(tasks, template_inputs) if counters else None
        kept_here = ReadAhead(paths=cleaned_paths, processes=jobs) if counters else None
        with_inputs = None if kept_here is None else partial(_with_kept_inputs, kept_here)
        suits_here = None if kept_here is None else _carries_first_input
        passes = [
            _Pass(tasks, _run_head_chunk, partial(_run_heads, head, strict_encoding, kept_here), suits_here, _NOT_READY, with_inputs, _received_outcomes)
        ]
        if counters:
            template_paths = [item.path for item in template_inputs]
            passes.insert(0, _Pass(template_paths, _template_keys_of_chunk, partial(_template_keys_of_paths, kept_here), receive=_received_keys))
            keyed_first = len(template_inputs)
        elif multiprocessing.get_start_method() == "fork" and not prepared:
            head.prepare()  # forked workers share what it loads (langdetect's profiles) instead of each loading it
        meanwhile = pipeline.prepare if counters and not prepared else None
        worker_arguments = (head, strict_encoding, kept_here is not None, cleaned_paths, jobs, _what_workers_send(tail, removals))
        outcomes = _in_workers(passes, jobs, _start_worker, worker_arguments, _DOCUMENTS_IN_FLIGHT, meanwhile)
    with contextlib.closing(outcomes):
        if keyed_first:
            _count_template_keys(counters, (item for item in islice(outcomes, keyed_first) if item is not None))
        # With several jobs the last batches shrink: their tails run while the workers make the last heads.
        batches = bounded_batches(outcomes, _lines_of, total=len(tasks) if several else None, pause=_NOT_READY, early=_EARLY_TAIL_DOCUMENTS, early_share=_EARLY_TAIL_SHARE)
        for batch in batches:
            yield _finish(tail, batch)


def _count_template_keys(counters: list[NearDuplicateFilter], keyed: Iterator[tuple[str, Collection[int]]]) -> None:
    """Count each (document id, template-line keys) of `keyed` in every filter of `counters`,
    then empty the keys' memo (the cleaning pass does not use it)."""
    for counter, copy in zip(counters, tee(keyed, len(counters))):
        counter.count_template_keys(copy)
    forget_template_keys()


def template_line_keys_of_files(inputs: Sequence[InputFile], read_ahead: ReadAhead | None = None) -> Iterator[tuple[str, Collection[int]]]:
    """The near-duplicate filter's template-line keys (`template_line_keys`) of each readable
    input, with its document id, in input order, read and normalised in this process (through
    `read_ahead` when given, which keeps them for the cleaning pass); unreadable inputs are left
    out (the main pass reports them). With several jobs `process_file_batches` runs this pass in
    its workers instead."""
    keyed_files = (_template_keys_of_file(item.path, read_ahead) for item in inputs)
    return (keyed for keyed in keyed_files if keyed is not None)


@dataclass(frozen=True)
class _Pass:
    """Tasks for `_in_workers`, with how a worker runs a chunk of them (`run_chunk`) and how this
    process does (`run_chunk_here`: the same work, set up for this process), and, if given,
    which chunks this process had best take back (`suits_here`: those it has the inputs of)."""

    tasks: Sequence
    run_chunk: Callable[[list], list]
    run_chunk_here: Callable[[list], list]
    suits_here: Callable[[list], bool] | None = None
    #: Yielded among the pass's outcomes whenever the next are not ready, before this process
    #: runs queued chunks itself: the consumer may first act on what it has (`bounded_batches`).
    pause: object = None
    #: If given, makes each chunk of tasks what is queued (and what `run_chunk`, `run_chunk_here`
    #: and `suits_here` get), when the chunk is queued.
    prepare_chunk: Callable[[list], list] | None = None
    #: If given, makes what a worker's `run_chunk` sent back for a queued chunk its outcomes
    #: (called with the chunk and what was sent).
    receive: Callable[[list, list], list] | None = None


def _in_workers(
    passes: Sequence[_Pass],
    jobs: int,
    start_worker: Callable[..., None],
    start_arguments: tuple,
    tasks_in_flight: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator:
    """Each pass's `run_chunk` over chunks of its tasks in `jobs` - 1 worker processes and this
    one; the outcomes of the passes' tasks in order, one pass after the other. Queued: 4 chunks
    per job, or enough chunks for `tasks_in_flight` tasks if that is more, whatever pass they
    belong to, so the workers start on a pass while this process still takes the outcomes of
    the one before. `meanwhile` runs in this process once the workers have their chunks.

    This process is the last of the `jobs`: whenever the next outcomes are not ready, rather
    than wait, it takes back the latest queued chunk no worker has started and runs it itself
    with `run_chunk_here` (the same work, set up for this process). Its chunks skip pickling
    and the pipe, and `jobs` busy processes share the cores instead of `jobs` workers and this
    one (docs/performance.md, "Fifth round"). Before it does, a pass with a `pause` object
    yields it among its outcomes, so that the consumer may first work on the outcomes it has
    (docs/performance.md, "Ninth round").
    """
    largest = max(len(each.tasks) for each in passes)
    chunk_size = max(1, min(_MAX_CHUNK_SIZE, largest // (jobs * 8)))
    chunks = chain.from_iterable(
        ((each, _chunk_of(each, start, chunk_size)) for start in range(0, len(each.tasks), chunk_size)) for each in passes
    )
    in_flight = max(jobs * _CHUNKS_IN_FLIGHT_PER_WORKER, -(-tasks_in_flight // chunk_size))
    # A worker that dies (killed, out of memory) fails the pool's calls (WorkerLost) instead
    # of leaving the run waiting forever.
    workers = min(jobs - 1, largest)
    chunks_left = sum(-(-len(each.tasks) // chunk_size) for each in passes)
    with WorkerPool(workers, start_worker, start_arguments, calls_ahead=_CHUNKS_IN_A_WORKERS_HAND, pipe_bytes=_PIPE_BYTES) as pool:
        pending = deque(_QueuedChunk(chunk, each, pool.submit(each.run_chunk, chunk)) for each, chunk in islice(chunks, in_flight))
        chunks_left -= len(pending)
        if meanwhile is not None:
            meanwhile()
        let_go = False
        try:
            while pending:
                # While chunks are still to come, leave each worker some queued ones to run while
                # this process runs the tail and writes; at the end, take back all it can.
                reserve = workers * _CHUNKS_RESERVED_PER_WORKER if chunks_left else 0
                first = pending[0]
                if first.of_pass.pause is not None and not first.ready():
                    yield first.of_pass.pause
                _run_here_until_ready(pending, reserve)
                try:
                    outcomes = pending.popleft().outcomes()
                except WorkerLost:
                    raise WorkerError(
                        "a worker process died (killed, or out of memory); outputs written so far are complete: "
                        "re-run with --resume, and with --jobs 1 to clean in one process"
                    ) from None
                following = next(chunks, None)
                if following is not None:
                    chunks_left -= 1
                    each, chunk = following
                    pending.append(_QueuedChunk(chunk, each, pool.submit(each.run_chunk, chunk)))
                elif not let_go and not any(queued.waiting_for_worker() for queued in pending):
                    # No chunk is left that this process could take back: each worker exits as
                    # soon as it has run those it holds, while this process still runs the tails
                    # and writes of the last ones, instead of at the end, when waiting for a
                    # worker to exit (the kernel freeing its memory) took 14-15 ms with both
                    # cores otherwise idle (docs/performance.md, "Thirteenth round"). Leaving
                    # the pool joins them: none outlives the run.
                    pool.let_go()
                    let_go = True
                yield from outcomes
        finally:
            # Stopped early (Ctrl-C, a failed write: the outcomes closed): the chunks no worker
            # has started are dropped, and leaving the pool with the exception stops the
            # workers at once rather than after every queued chunk (0.3-0.4 s of a Ctrl-C on
            # the benchmark corpus, seconds on slow pages).
            for queued in pending:
                queued.future.cancel()


def _chunk_of(each: _Pass, start: int, chunk_size: int) -> list:
    """The pass's chunk of tasks from `start`, as it is queued (`_Pass.prepare_chunk`)."""
    chunk = list(each.tasks[start : start + chunk_size])
    return chunk if each.prepare_chunk is None else each.prepare_chunk(chunk)


class _QueuedChunk:
    """A chunk of a pass's tasks submitted to the pool, which this process may take back and run."""

    def __init__(self, chunk: list, of_pass: _Pass, future: Call) -> None:
        self.chunk = chunk
        self.of_pass = of_pass
        self.future = future
        self.outcomes_here: list | None = None

    def ready(self) -> bool:
        return self.outcomes_here is not None or self.future.done()

    def suits_here(self) -> bool:
        return self.of_pass.suits_here is not None and self.of_pass.suits_here(self.chunk)

    def waiting_for_worker(self) -> bool:
        """Whether the chunk is queued for a worker that has not started it (nor this process)."""
        return self.outcomes_here is None and not self.future.running() and not self.future.done()

    def take_back(self) -> bool:
        """Run the chunk in this process if no worker has started it (its future is cancelled);
        whether it did."""
        if self.outcomes_here is not None or not self.future.cancel():
            return False
        self.outcomes_here = self.of_pass.run_chunk_here(self.chunk)
        return True

    def outcomes(self) -> list:
        """The chunk's outcomes, waiting for its worker if a worker runs it."""
        if self.outcomes_here is not None:
            return self.outcomes_here
        sent = self.future.result()
        return sent if self.of_pass.receive is None else self.of_pass.receive(self.chunk, sent)


def _run_here_until_ready(pending: deque[_QueuedChunk], reserve: int) -> None:
    """Until the first queued chunk is ready, run chunks no worker has started in this process,
    those that suit it first (`_Pass.suits_here`: it read their inputs already, so the workers
    are left more of those they read), else the latest first (the workers take the earliest,
    which are needed first), as long as more than `reserve` chunks would still be waiting for a
    worker; return when the first chunk is ready or no more chunks may be taken back."""
    first = pending[0]
    while not first.ready():
        waiting = [queued for queued in pending if queued.waiting_for_worker()]
        if len(waiting) <= reserve:
            return
        latest_first = list(reversed(waiting))
        suiting = [queued for queued in latest_first if queued.suits_here()]
        if not any(queued.take_back() for queued in chain(suiting, latest_first)):
            return


class _WithInput(NamedTuple):
    """A cleaning task queued with the input this process read for it in the template pass
    (`_with_kept_inputs`), so that the worker that runs it does not read and normalise the
    input again: sending it costs a tenth of that."""

    task: FileTask
    read: ReadInput


def _with_kept_inputs(read_ahead: ReadAhead, tasks: list[FileTask]) -> list[FileTask | _WithInput]:
    """`tasks`, each whose input `read_ahead` keeps taken out of it and sent along (`_WithInput`)."""
    items: list[FileTask | _WithInput] = []
    for task in tasks:
        kept = read_ahead.take(task.input.path)
        items.append(task if kept is None else _WithInput(task, kept))
    return items


def _carries_first_input(items: list[FileTask | _WithInput]) -> bool:
    """Whether a queued chunk's first task carries its input (this process read the chunk's
    inputs, which its template chunks key together, in the template pass)."""
    return isinstance(items[0], _WithInput)


def _run_head(head: Pipeline, item: FileTask | _WithInput, strict_encoding: bool, read_ahead: ReadAhead | None = None) -> FileOutcome:
    """The head's outcome for a task: of the input that came with it, or that `read_ahead`
    keeps, or else that it reads."""
    if isinstance(item, _WithInput):
        task, kept = item
    else:
        task, kept = item, None if read_ahead is None else read_ahead.take(item.input.path)
    normalised = None
    if kept is not None:
        document, warning, size, sha256, normalised = kept.document, None, kept.size, kept.sha256, kept.normalised
    else:
        try:
            # Hashing as it reads costs less than a second read, so the fingerprint is always taken.
            document, warning, size, sha256 = read_document_and_hash(task.input.path, strict=strict_encoding)
        except InputError as error:
            return FileOutcome(task, None, error=error)
    fingerprint = FileFingerprint(size, sha256) if task.fingerprint else None
    result = head.run(document) if normalised is None else head.run_normalised(document, *normalised)
    return FileOutcome(task, result, warning=warning, fingerprint=fingerprint)


def _paths_to_keep(tasks: Sequence[FileTask], template_inputs: Sequence[InputFile]) -> set[Path] | None:
    """The inputs a ReadAhead should keep: those the cleaning pass will clean, or None (all it
    reads) when that is every template input, as in any run without --resume: then no set of
    every path goes to each worker, which for a million inputs would be hundreds of MB each."""
    if len(tasks) == len(template_inputs) and all(task.input is item for task, item in zip(tasks, template_inputs)):
        return None  # the same inputs (a run without --resume): no Path hashed
    cleaned = {task.input.path for task in tasks}
    if all(item.path in cleaned for item in template_inputs):
        return None
    return cleaned


def _lines_of(outcome: FileOutcome) -> int:
    return 0 if outcome.result is None else len(outcome.result.lines)


def _finish(tail: Pipeline, outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """Run the tail over a batch of head outcomes; errors keep their place."""
    finished = iter(tail.resume_many([outcome.result for outcome in outcomes if outcome.result is not None]))
    return [outcome if outcome.result is None else replace(outcome, result=next(finished)) for outcome in outcomes]


_worker_head: Pipeline | None = None
_worker_strict_encoding = False
_worker_read_ahead: ReadAhead | None = None
_worker_sends: Callable[[Result], Result] | None = None  # None: the result as it is


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


def _start_worker(
    head: Pipeline,
    strict_encoding: bool,
    keep: bool = False,
    paths: Collection[Path] | None = None,
    jobs: int = 1,
    sends: Callable[[Result], Result] | None = None,
) -> None:
    """Keep the head pipeline for this worker's tasks (and leave Ctrl-C to the main process);
    with `keep`, a ReadAhead for the inputs its template chunks read (those at `paths`, or all
    when None), one of `jobs` processes' (`ReadAhead`'s `processes`); with `sends`, send what
    it makes of each result rather than the result (`_what_workers_send`)."""
    global _worker_head, _worker_strict_encoding, _worker_read_ahead, _worker_sends
    _prepare_worker()
    _worker_head = head
    _worker_strict_encoding = strict_encoding
    _worker_read_ahead = ReadAhead(paths=paths, processes=jobs) if keep else None
    _worker_sends = sends


def _run_heads(head: Pipeline, strict_encoding: bool, read_ahead: ReadAhead | None, tasks: list[FileTask | _WithInput]) -> list[FileOutcome]:
    return [_run_head(head, task, strict_encoding, read_ahead) for task in tasks]


#: A FileOutcome as a worker sends it (`_run_head_chunk`): without its task, which the main
#: process has (`_received_outcomes`). The result, the warning, the error, the fingerprint.
_SentOutcome = tuple[Result | None, str | None, InputError | None, FileFingerprint | None]


def _run_head_chunk(tasks: list[FileTask | _WithInput]) -> list[_SentOutcome]:
    """A worker's head outcomes of a chunk, each sent without its task (the main process has
    the chunk: `_received_outcomes`): loading the tasks' paths again cost the main process 11
    us a task. Each result as `_worker_sends` makes it, if set (`_what_workers_send`)."""
    assert _worker_head is not None, "worker started without _start_worker"
    # A worker takes chunks in the order they were queued: any template chunks it ran are
    # done with, so their keys' memo is emptied (a new, empty one: cheap).
    forget_template_keys()
    outcomes = _run_heads(_worker_head, _worker_strict_encoding, _worker_read_ahead, tasks)
    sent = _result_as_is if _worker_sends is None else _worker_sends
    return [(None if outcome.result is None else sent(outcome.result), outcome.warning, outcome.error, outcome.fingerprint) for outcome in outcomes]


def _result_as_is(result: Result) -> Result:
    return result


def _what_workers_send(tail: Pipeline, removals: bool) -> Callable[[Result], Result] | None:
    """What a worker makes of each result it sends (None: the result as it is): without
    `removals`, the removed line numbers alone (`with_removed_lines_only`), and if the tail's
    filters read kept paragraphs only, the kept lines alone too (`with_kept_lines_only`)."""
    if removals:
        return None
    if all(item.reads_kept_paragraphs_only for item in tail.filters):
        return with_kept_lines_only
    return with_removed_lines_only


def _received_outcomes(chunk: list[FileTask | _WithInput], sent: list[_SentOutcome]) -> list[FileOutcome]:
    """The FileOutcomes of a chunk's tasks, from what the worker sent for them (`_run_head_chunk`)."""
    return [FileOutcome(item.task if isinstance(item, _WithInput) else item, *values) for item, values in zip(chunk, sent, strict=True)]


def _read_lenient(path: Path) -> Document:
    return read_document(path)[0]


def _template_keys_of_file(path: Path, read_ahead: ReadAhead | None = None) -> tuple[str, Collection[int]] | None:
    """The input's document id and template-line keys, None if it cannot be read. Through
    `read_ahead`, if given, which keeps the input, and with it the normalisation found with
    its keys, for the cleaning pass."""
    try:
        document = _read_lenient(path) if read_ahead is None else read_ahead.read(path)
    except InputError:
        return None
    if read_ahead is None or not read_ahead.keeps(path):
        return document.id, template_line_keys(document.lines)
    keys, normalised = template_line_keys_and_normalisation(document.lines)
    read_ahead.keep_normalisation(path, *normalised)
    return document.id, keys


def _template_keys_of_paths(read_ahead: ReadAhead | None, paths: list[Path]) -> list[tuple[str, Collection[int]] | None]:
    """The template-line keys of each input at `paths` (None if unreadable), through
    `read_ahead`, if given, which keeps the inputs for this process's head chunks."""
    return [_template_keys_of_file(path, read_ahead) for path in paths]


#: A document's template-line keys as a worker sends them (`_template_keys_of_chunk`): its id
#: and its keys as signed 64-bit machine integers.
_SentKeys = tuple[str, bytes]


def _template_keys_of_chunk(paths: list[Path]) -> list[_SentKeys | None]:
    """A worker's template-line keys of the inputs at `paths`, each document's keys packed into
    one `bytes` (`_received_keys` unpacks them): pickling them one int at a time, and loading
    them so, cost 2-3 times as much."""
    return [None if keyed is None else (keyed[0], np.fromiter(keyed[1], np.int64, len(keyed[1])).tobytes()) for keyed in _template_keys_of_paths(_worker_read_ahead, paths)]


def _received_keys(paths: list[Path], sent: list[_SentKeys | None]) -> list[tuple[str, Collection[int]] | None]:
    """The (document id, template-line keys) of each input of a chunk, from what the worker
    sent (`_template_keys_of_chunk`)."""
    return [None if keyed is None else (keyed[0], np.frombuffer(keyed[1], np.int64).tolist()) for keyed in sent]
