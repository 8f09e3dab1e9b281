"""The worker processes of `--jobs N` and the one thread per worker that talks to each.

`parallel._in_workers` submits chunks of tasks, takes back those no worker has started, and
takes the outcomes in order. `concurrent.futures.ProcessPoolExecutor` did this with two
threads in the main process (its manager and its call queue's feeder) that woke several times
per chunk, each time taking the GIL from the busy main thread. Here one thread per worker
reads the worker's results as raw bytes and hands it its next calls; the main thread pickles
the calls and loads the results itself. On the benchmark corpus `clean --jobs 2` was faster in
11 of 16 paired runs, by a median of 0.6%, with less extra CPU and idle time in three A/B runs;
and nothing reaches into an executor's private attributes (docs/performance.md, "Sixteenth
round").

A worker reads its calls in a thread of its own too, so neither side ever waits to write to a
pipe the other is not reading: a call or a result larger than its pipe cannot deadlock the two.
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

_PENDING, _SENT, _RECEIVED, _FAILED, _CANCELLED = range(5)
#: A call's and a result's message start with the call's number: the thread here files a
#: result without loading it, and a worker answers a call it cannot load.
_ID_BYTES = 8


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) with calls in hand."""


class Call:
    """A submitted call: what `concurrent.futures.Future` offers `parallel._in_workers`
    (`cancel`, `running`, `done`, `result`), the result loaded in the thread that asks for it."""

    __slots__ = ("_message", "_number", "_pool", "_state", "_value")

    def __init__(self, pool: WorkerPool, number: int, message: bytes) -> None:
        self._pool = pool
        self._number = number
        self._state = _PENDING
        self._message: bytes | None = message  # the call, then the result as the worker sent it
        self._value: Any = None

    def cancel(self) -> bool:
        """Drop the call if no worker has it yet; whether it is dropped."""
        with self._pool._lock:
            if self._state == _PENDING:
                self._state, self._message = _CANCELLED, None
            return self._state == _CANCELLED

    def running(self) -> bool:
        """Whether a worker has the call (running it, or next in its hand)."""
        return self._state == _SENT

    def done(self) -> bool:
        """Whether the call's outcome is here (or it failed, or was cancelled)."""
        return self._state not in (_PENDING, _SENT)

    def exception(self) -> BaseException | None:
        """Wait for the call; the exception its result would raise, if any."""
        try:
            self.result()
        except Exception as error:  # noqa: BLE001 -- what the call raised; Ctrl-C while waiting still propagates
            return error
        return None

    def result(self) -> Any:
        """Wait for the call and return what the function returned in the worker, or raise what
        it raised there (WorkerLost if its worker died first)."""
        pool = self._pool
        with pool._lock:
            while self._state in (_PENDING, _SENT):
                if self._state == _PENDING and pool._closed:
                    raise RuntimeError("a call no worker will take: the pool was let go with calls pending")
                pool._changed.wait()
            if self._state == _RECEIVED and self._message is not None:
                message, self._message = self._message, None
            else:
                message = None
        if message is not None:
            try:
                succeeded, value = pickle.loads(memoryview(message)[_ID_BYTES:])
            except Exception as error:  # noqa: BLE001 -- a result this process cannot load fails its call, every time it is asked
                succeeded, value = False, error
            self._state, self._value = (_RECEIVED, value) if succeeded else (_FAILED, value)
        if self._state == _CANCELLED:
            raise RuntimeError("the call was cancelled")
        if self._state == _FAILED:
            raise self._value
        return self._value


class _Worker:
    """The main process's side of one worker: its process, its pipes, its calls in hand."""

    def __init__(self, process: multiprocessing.process.BaseProcess, calls: Any, results: Any) -> None:
        self.process = process
        self.calls = calls
        self.results = results
        self.sending = threading.Lock()  # one writer at a time on `calls`
        self.in_hand: dict[int, Call] = {}
        self.thread: threading.Thread | None = None


class WorkerPool:
    """`workers` processes, each started with `initializer(*initargs)`, that run submitted
    calls (a module-level function and its argument, both pickled), each worker up to
    `calls_ahead` at once (the one it runs and those next in its hand); the rest wait here,
    in order, where `Call.cancel` can still take them back. `pipe_bytes` widens the pipes
    where the system allows (Linux), so a chunk's results go in one write.

    Use it as a context manager: leaving it normally lets the workers finish the calls they
    have and joins them; leaving it with an exception (Ctrl-C, a closed generator) stops them
    at once (they hold nothing but their calls). Once a worker dies with calls in hand, those
    calls and every one not yet done fail with WorkerLost."""

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple = (),
        calls_ahead: int = 3,
        pipe_bytes: int | None = None,
    ) -> None:
        if workers < 1 or calls_ahead < 1:
            raise ValueError("a pool needs at least one worker and one call per worker")
        context = multiprocessing.get_context()
        forked = context.get_start_method() == "fork"
        self._calls_ahead = calls_ahead
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pending: deque[Call] = deque()
        self._numbers = itertools.count(1)  # next() is atomic under the GIL
        self._closed = False  # no more calls are handed to workers
        self._lost: WorkerLost | None = None
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                call_reader, call_writer = context.Pipe(duplex=False)
                result_reader, result_writer = context.Pipe(duplex=False)
                for end in (call_writer, result_writer):
                    _widen(end, pipe_bytes)
                # A forked worker closes its copies of this process's ends (its own and the
                # earlier workers'), so that each pipe ends when the process at its other end does.
                inherited = [call_writer, result_reader, *(end for worker in self._workers for end in (worker.calls, worker.results))] if forked else []
                process = context.Process(
                    target=_serve, args=(call_reader, result_writer, inherited, initializer, initargs), name="newsclean-worker", daemon=True
                )
                process.start()
                call_reader.close()
                result_writer.close()
                self._workers.append(_Worker(process, call_writer, result_reader))
        except BaseException:
            self.close(early=True)
            raise
        for worker in self._workers:
            worker.thread = threading.Thread(target=self._read_results, args=(worker,), name="newsclean-results", daemon=True)
            worker.thread.start()

    @property
    def processes(self) -> list[multiprocessing.process.BaseProcess]:
        return [worker.process for worker in self._workers]

    def submit(self, function: Callable[[Any], Any], argument: Any) -> Call:
        """Queue `function(argument)` for the next worker with room; returns its Call."""
        number = next(self._numbers)
        call = Call(self, number, number.to_bytes(_ID_BYTES, "little") + pickle.dumps((function, argument), pickle.HIGHEST_PROTOCOL))
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool was let go: it takes no more calls")
            if self._lost is not None:
                call._state, call._message, call._value = _FAILED, None, self._lost
                return call
            self._pending.append(call)
            handed = [(worker, self._hand(worker)) for worker in self._workers]
        for worker, messages in handed:
            self._send(worker, messages)
        return call

    def let_go(self) -> None:
        """Take no more calls: each worker exits once it has sent the results of those it has,
        while this process goes on with the outcomes (`close` then joins them)."""
        with self._lock:
            self._closed = True
            for call in self._pending:
                if call._state == _PENDING:
                    call._state, call._message, call._value = _FAILED, None, RuntimeError("the pool was let go before a worker took the call")
            self._pending.clear()
            self._changed.notify_all()
        for worker in self._workers:
            with worker.sending:
                worker.calls.close()

    def close(self, early: bool = False) -> None:
        """Let go (see `let_go`), or with `early` stop the workers at once, then join them and
        their threads: no process of the pool outlives this call."""
        if early:
            with self._lock:
                self._closed = True
                self._changed.notify_all()
            for worker in self._workers:
                if worker.process.is_alive():
                    worker.process.terminate()
        if not all(worker.calls.closed for worker in self._workers):
            self.let_go()
        for worker in self._workers:
            worker.process.join()
            if worker.thread is not None:
                worker.thread.join()
            worker.results.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        self.close(early=kind is not None)

    def _hand(self, worker: _Worker) -> list[bytes]:
        """Under the lock: the pending calls `worker` has room for, marked as in its hand. If
        there are any, this also takes the worker's sending lock, which `_send` releases once
        they are written: `let_go`, which closes the pipe under that lock, cannot close it
        between the two (the calls would be lost, and the run fail as if the worker had died)."""
        messages = []
        while not self._closed and len(worker.in_hand) < self._calls_ahead and self._pending:
            call = self._pending.popleft()
            if call._state != _PENDING:
                continue
            call._state = _SENT
            worker.in_hand[call._number] = call
            message, call._message = call._message, None
            assert message is not None
            messages.append(message)
        if messages:
            worker.sending.acquire()
        return messages

    def _send(self, worker: _Worker, messages: list[bytes]) -> None:
        """Write the calls `_hand` gave (outside the pool's lock: a write may wait for the
        worker to read) and release the sending lock it took."""
        if not messages:
            return
        try:
            try:
                for message in messages:
                    worker.calls.send_bytes(message)
            finally:
                worker.sending.release()
        except (OSError, ValueError):  # the worker died (EPIPE), or it was stopped meanwhile
            with self._lock:
                if not self._closed:
                    self._lose(worker)

    def _read_results(self, worker: _Worker) -> None:
        """The thread of one worker: file each result it sends under its call and hand it the
        next calls, until its pipe ends (the worker exited, or died)."""
        while True:
            try:
                message = worker.results.recv_bytes()
            except (EOFError, OSError):
                with self._lock:
                    if worker.in_hand:
                        self._lose(worker)
                    self._changed.notify_all()
                return
            number = int.from_bytes(message[:_ID_BYTES], "little")
            with self._lock:
                call = worker.in_hand.pop(number, None)
                if call is not None and call._state == _SENT:
                    call._state, call._message = _RECEIVED, message
                messages = self._hand(worker)
                self._changed.notify_all()
            self._send(worker, messages)

    def _lose(self, worker: _Worker) -> None:
        """Under the lock: `worker` died; its calls and every call not yet done fail."""
        if self._lost is None:
            self._lost = WorkerLost(f"worker process {worker.process.pid} died (killed, or out of memory)")
        for call in [*self._pending, *(call for other in self._workers for call in other.in_hand.values())]:
            if call._state in (_PENDING, _SENT):
                call._state, call._message, call._value = _FAILED, None, self._lost
        worker.in_hand.clear()
        self._pending.clear()
        self._changed.notify_all()


def _widen(end: Any, pipe_bytes: int | None) -> None:
    """Ask the system for `pipe_bytes` of room in the pipe of `end` (Linux: up to 1 MiB for an
    unprivileged process); where it cannot, the pipe stays as it is."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe_bytes is None or set_size is None:
        return
    try:
        fcntl.fcntl(end.fileno(), set_size, pipe_bytes)
    except (OSError, ValueError):
        pass


def _serve(calls: Any, results: Any, inherited: list, initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """A worker: run each call as it comes and send back its number and (succeeded, what the
    function returned or raised), until the calls end (the pool let go, or this process's
    parent died)."""
    for end in inherited:
        end.close()
    if initializer is not None:
        initializer(*initargs)
    received: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_receive_calls, args=(calls, received), name="newsclean-calls", daemon=True).start()
    while True:
        message = _next_call(received)
        if message is None:
            return
        number = int.from_bytes(message[:_ID_BYTES], "little")
        try:
            function, argument = pickle.loads(memoryview(message)[_ID_BYTES:])
            outcome: tuple[bool, Any] = (True, function(argument))
        except BaseException as error:  # noqa: BLE001 -- sent back, raised in the main process
            outcome = (False, error)
        if not _send_result(results, number, outcome):
            return


def _receive_calls(calls: Any, received: queue.SimpleQueue) -> None:
    """A worker's thread: read calls as they come, so that the main process never waits to
    write one while this worker waits to write a result."""
    while True:
        try:
            received.put(calls.recv_bytes())
        except (EOFError, OSError):
            received.put(None)
            return


def _next_call(received: queue.SimpleQueue) -> bytes | None:
    """The next call's message (None: no more), waiting for it."""
    return received.get()


def _send_result(results: Any, number: int, outcome: tuple[bool, Any]) -> bool:
    """Send a call's outcome; False when the main process no longer reads (the worker exits)."""
    try:
        data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # noqa: BLE001 -- what cannot be pickled is reported, not lost
        data = pickle.dumps((False, RuntimeError(f"a worker's outcome could not be sent: {error!r}")), pickle.HIGHEST_PROTOCOL)
    try:
        results.send_bytes(number.to_bytes(_ID_BYTES, "little") + data)
    except OSError:
        return False
    return True
