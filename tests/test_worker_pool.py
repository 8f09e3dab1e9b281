"""WorkerPool: calls run in worker processes, cancelled while queued here, failed when a worker
dies, and never a hang: not on calls and results larger than a pipe, not when let go, not when
left with an exception."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from newsclean.worker_pool import WorkerLost, WorkerPool


def _square(number: int) -> int:
    return number * number


def _square_or_fail(number: int) -> int:
    if number == 3:
        raise ValueError("three is not welcome")
    return number * number


def _sleep_then_echo(argument: tuple[float, Any]) -> Any:
    seconds, value = argument
    time.sleep(seconds)
    return value


def _reply_at_length(data: bytes) -> bytes:
    """After a while, `data` reversed and 1 MB more: a result larger than a 64 KiB pipe."""
    time.sleep(0.1)
    return data[::-1] + bytes(1_000_000)


def _unpicklable(_: object) -> Callable[[], None]:
    return lambda: None


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """`work()`, failing the test if it has not returned after `seconds` (a hang)."""
    outcome: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001 -- re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s: a hang"
    if failure:
        raise failure[0]
    return outcome[0]


def test_calls_return_what_the_worker_returned_or_raise_what_it_raised() -> None:
    with WorkerPool(2) as pool:
        calls = [pool.submit(_square_or_fail, number) for number in range(8)]
        assert [call.result() for call in calls[:3]] == [0, 1, 4]
        with pytest.raises(ValueError, match="three is not welcome"):
            calls[3].result()
        assert isinstance(calls[3].exception(), ValueError)
        assert [call.result() for call in calls[4:]] == [16, 25, 36, 49]
        assert all(call.done() for call in calls)


def test_calls_beyond_a_workers_hand_wait_here_and_can_be_cancelled() -> None:
    with WorkerPool(1, calls_ahead=2) as pool:
        calls = [pool.submit(_sleep_then_echo, (0.3, index)) for index in range(5)]
        assert [call.running() for call in calls] == [True, True, False, False, False]
        assert [call.cancel() for call in calls] == [False, False, True, True, True]
        assert [call.done() for call in calls[2:]] == [True, True, True]
        assert [call.result() for call in calls[:2]] == [0, 1]
        with pytest.raises(RuntimeError, match="cancelled"):
            calls[2].result()


def test_calls_and_results_larger_than_the_pipes_do_not_deadlock() -> None:
    """With pipes left at 64 KiB, 1 MB results and 1 MB calls: when the first result comes, the
    pool's thread here hands the worker its third call while the worker runs its second and
    then writes that result. The worker reads its calls in a thread of its own, so neither
    waits for the other to read (reading them between its calls, it deadlocked here)."""
    data = [b"small 1", b"small 2", *(bytes([index]) * 1_000_000 + os.urandom(16) for index in range(4))]

    def run() -> list[bytes]:
        with WorkerPool(1, calls_ahead=2) as pool:
            calls = [pool.submit(_reply_at_length, item) for item in data]
            return [call.result() for call in calls]

    assert _within(60, run) == [item[::-1] + bytes(1_000_000) for item in data]


def test_a_worker_killed_with_calls_in_hand_fails_them_and_the_rest_with_worker_lost() -> None:
    pool = WorkerPool(1, calls_ahead=2)
    try:
        calls = [pool.submit(_sleep_then_echo, (30, index)) for index in range(4)]
        os.kill(pool.processes[0].pid, signal.SIGKILL)
        for call in calls:
            with pytest.raises(WorkerLost, match="died"):
                _within(10, call.result)
        with pytest.raises(WorkerLost):
            pool.submit(_square, 2).result()
    finally:
        _within(10, pool.close)


def test_let_go_workers_finish_their_calls_then_exit_and_closing_joins_them() -> None:
    """Each worker's pipe of calls ends when this process lets it go, though the workers forked
    later had copies of it: they close theirs, or the first would wait for calls forever."""
    pool = WorkerPool(3, calls_ahead=2)
    try:
        calls = [pool.submit(_sleep_then_echo, (0.1, index)) for index in range(6)]
        pool.let_go()
        with pytest.raises(RuntimeError, match="let go"):
            pool.submit(_square, 2)
        assert [_within(10, call.result) for call in calls] == list(range(6))
        for process in pool.processes:
            process.join(10)
        assert [process.exitcode for process in pool.processes] == [0, 0, 0]
    finally:
        _within(10, pool.close)


class _SlowToTakeInAThread:
    """A lock that the pool's threads (not the test's) take 0.3 s late: it widens the moment
    between handing a worker a call and writing it."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.3)
        return self.lock.acquire(*args, **kwargs)

    def release(self) -> None:
        self.lock.release()

    def __enter__(self) -> _SlowToTakeInAThread:
        self.acquire()
        return self

    def __exit__(self, *exception: object) -> None:
        self.release()


def test_a_call_handed_to_a_worker_just_before_the_pool_is_let_go_still_runs() -> None:
    """The pool's thread hands the worker its next call (the call counts as running from then
    on) and writes it a moment later; `let_go`, called in between, waits for the write before
    it closes the pipe, rather than losing the call (the run would then fail as if the worker
    had died)."""
    with WorkerPool(1, calls_ahead=1) as pool:
        worker = pool._workers[0]
        worker.sending = _SlowToTakeInAThread(worker.sending)
        first = pool.submit(_sleep_then_echo, (0.1, "first"))
        second = pool.submit(_sleep_then_echo, (0, "second"))
        assert not second.running()
        deadline = time.perf_counter() + 10
        while not second.running() and time.perf_counter() < deadline:
            time.sleep(0.001)
        assert second.running()
        pool.let_go()
        assert _within(10, first.result) == "first"
        assert _within(10, second.result) == "second"


def test_calls_pending_when_the_pool_is_let_go_fail_rather_than_wait_forever() -> None:
    with WorkerPool(1, calls_ahead=1) as pool:
        calls = [pool.submit(_sleep_then_echo, (0.1, index)) for index in range(3)]
        pool.let_go()
        assert calls[0].result() == 0
        with pytest.raises(RuntimeError, match="let go"):
            calls[1].result()


def test_leaving_the_pool_with_an_exception_stops_its_workers_at_once() -> None:
    started = time.perf_counter()

    def run() -> WorkerPool:
        with pytest.raises(KeyError), WorkerPool(2) as pool:
            pool.submit(_sleep_then_echo, (30, "late"))
            pool.submit(_sleep_then_echo, (30, "later"))
            raise KeyError("stop")
        return pool

    pool = _within(10, run)
    assert time.perf_counter() - started < 10
    assert all(process.exitcode is not None for process in pool.processes)


def test_an_outcome_that_cannot_be_pickled_is_an_error_not_a_lost_worker() -> None:
    with WorkerPool(1) as pool:
        with pytest.raises(RuntimeError, match="could not be sent"):
            pool.submit(_unpicklable, None).result()
        assert pool.submit(_square, 7).result() == 49  # the worker goes on


class _LoadsBadly:
    """Pickles, but cannot be loaded again (as a function a spawned worker cannot import)."""

    def __reduce__(self) -> tuple[Callable[[], object], tuple[()]]:
        return _cannot_load, ()


def _cannot_load() -> object:
    raise ImportError("no such module in the worker")


def test_a_call_the_worker_cannot_load_is_an_error_not_a_lost_worker() -> None:
    with WorkerPool(1) as pool:
        with pytest.raises(ImportError, match="no such module"):
            pool.submit(_square, _LoadsBadly()).result()
        assert pool.submit(_square, 5).result() == 25


def _returns_what_loads_badly(_: object) -> _LoadsBadly:
    return _LoadsBadly()


def test_a_result_this_process_cannot_load_fails_its_call_every_time_it_is_asked() -> None:
    with WorkerPool(1) as pool:
        call = pool.submit(_returns_what_loads_badly, None)
        for _ in range(2):
            with pytest.raises(ImportError, match="no such module"):
                call.result()
        assert isinstance(call.exception(), ImportError)
        assert pool.submit(_square, 4).result() == 16


def test_a_pool_needs_a_worker_and_room_for_a_call() -> None:
    with pytest.raises(ValueError):
        WorkerPool(0)
    with pytest.raises(ValueError):
        WorkerPool(1, calls_ahead=0)


def test_the_pipes_are_widened_where_the_system_allows() -> None:
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("pipe sizes are Linux's")
    with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as limit:
        if int(limit.read()) < 1 << 20:
            pytest.skip("this system lets an unprivileged process widen a pipe less")
    with WorkerPool(1, pipe_bytes=1 << 20) as pool:
        worker = pool._workers[0]
        assert fcntl.fcntl(worker.calls.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
        assert fcntl.fcntl(worker.results.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
        assert pool.submit(_square, 3).result() == 9
