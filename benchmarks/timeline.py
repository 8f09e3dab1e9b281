"""When each process of a `newsclean clean --jobs N` run is busy, and on what: a timeline that
shows the run's serial stretches and idle cores. Run by hand (Linux, fork start method):

    python benchmarks/timeline.py /tmp/c20 --jobs 2 [--events FILE] [--width 100]

It runs the CLI in a child process (`clean INPUT -o TMPDIR -q --jobs N`) with the functions of
`newsclean.parallel`, `newsclean.batch` and `newsclean.cli` that mark a stretch of work wrapped
to record, in every process (the forked workers inherit the wrappers), the wall-clock interval
and the thread CPU of each: start-up (interpreter and imports), the template pass, `prepare`,
template chunks, head chunks, near-duplicate tail batches, writes and commits, waits for a
worker's results, pool shut-downs. The product's code is not changed. An untimed run over one
input first compiles the modules to bytecode (in a cache of the run's own), as an installed
package's are.

It prints one lane per process (a letter per time slice: its main activity), each activity's
count, wall and CPU seconds per process, and the idle core-seconds: the integral over the run
of (N - processes busy), by the main process's phase. On a loaded machine wall-clock stretches
grow, CPU much less: "main CPU while no worker works" is the serial CPU, the part of the run
that more cores cannot shorten, and holds up better under load than the wall figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Activity -> the letter its stretches get in the lanes.
LETTERS = {
    "start-up": "s", "template pass": "p", "prepare": "P", "template chunk": "t", "head chunk": "h",
    "tail": "D", "write": "w", "commit": "c", "wait": ".", "pool shutdown": "_", "worker start": "i",
    "send": "x", "starved": ",",
}
#: Activities in which a process does not use its core. A worker's "send" is mostly waiting for
#: room in the pipe to the main process (its pickling CPU is shown in the table).
IDLE = {"wait", "pool shutdown", "starved", "send"}


class _Recorder:
    """Appends one JSON line per finished stretch to the events file, from any process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.depth = 0

    def add(self, label: str, start: float, end: float, cpu: float) -> None:
        line = json.dumps({"pid": os.getpid(), "label": label, "start": start, "end": end, "cpu": cpu, "depth": self.depth})
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def wrap(self, owner: object, name: str, label: str) -> None:
        function = getattr(owner, name, None)
        if function is None:  # not in this checkout (the timeline also runs older ones)
            return

        @wraps(function)
        def recorded(*args, **kwargs):
            start, cpu = time.perf_counter(), time.thread_time()
            self.depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                self.add(label, start, time.perf_counter(), time.thread_time() - cpu)

        setattr(owner, name, recorded)


def _child(arguments: list[str]) -> int:
    """Run the CLI in this process with the stretches recorded."""
    recorder = _Recorder(os.environ["TIMELINE_EVENTS"])
    started = float(os.environ["TIMELINE_T0"])
    sys.path.insert(0, os.environ.get("TIMELINE_CHECKOUT", str(ROOT)))
    from newsclean import batch, cli, parallel, pipeline, worker_pool

    recorder.add("start-up", started, time.perf_counter(), time.process_time())
    recorder.wrap(cli, "_count_template_lines", "template pass")
    recorder.wrap(parallel, "_count_template_keys", "template pass")
    recorder.wrap(pipeline.Pipeline, "prepare", "prepare")
    recorder.wrap(parallel, "_template_keys_of_paths", "template chunk")
    recorder.wrap(parallel, "_run_heads", "head chunk")
    recorder.wrap(parallel, "_finish", "tail")
    recorder.wrap(parallel, "_start_worker", "worker start")
    recorder.wrap(parallel, "_prepare_worker", "worker start")
    recorder.wrap(batch._OutputWriter, "write", "write")
    recorder.wrap(batch._OutputWriter, "commit", "commit")
    recorder.wrap(worker_pool.WorkerPool, "let_go", "pool shutdown")
    recorder.wrap(worker_pool.WorkerPool, "close", "pool shutdown")
    outcomes = parallel._QueuedChunk.outcomes

    def outcomes_after_wait(self):
        if not self.ready():
            start, cpu = time.perf_counter(), time.thread_time()
            self.future.exception()  # waits until the worker is done, raises nothing
            recorder.add("wait", start, time.perf_counter(), time.thread_time() - cpu)
        return outcomes(self)

    parallel._QueuedChunk.outcomes = outcomes_after_wait
    recorder.wrap(worker_pool, "_next_call", "starved")
    recorder.wrap(worker_pool, "_send_result", "send")
    # As the program does (`cli.main` tunes it only when given no arguments): the collector of a
    # batch run, so the main process's stretches cost what they cost in a real run.
    from newsclean.runtime import tune_garbage_collector

    tune_garbage_collector()
    code = cli.main(arguments)
    recorder.add("exit", time.perf_counter(), time.perf_counter(), time.process_time())
    return code


def _lanes(events: list[dict]) -> dict[int, list[dict]]:
    lanes: dict[int, list[dict]] = defaultdict(list)
    for event in events:
        lanes[event["pid"]].append(event)
    return lanes


def _state_at(events: list[dict], moment: float, default: str | None) -> str | None:
    """The innermost activity of one process at `moment` (`default` between activities)."""
    best = None
    for event in events:
        if event["start"] <= moment < event["end"] and (best is None or event["depth"] >= best["depth"]):
            best = event
    return best["label"] if best else default


def summarise(events: list[dict], jobs: int, started: float, ended: float, width: int, step: float = 0.01) -> str:
    lanes = _lanes(events)
    main_pid = next(event["pid"] for event in events if event["label"] == "start-up")
    pids = [main_pid] + sorted(pid for pid in lanes if pid != main_pid)
    spans = {pid: (min(e["start"] for e in lanes[pid]), max(e["end"] for e in lanes[pid])) for pid in pids}
    out = [f"run: {ended - started:.2f} s wall, {len(pids) - 1} worker(s), --jobs {jobs}"]

    # Sampled states: main is busy unless waiting; a worker is busy only inside its stretches.
    samples = int((ended - started) / step) + 1
    states: dict[int, list[str | None]] = {}
    for pid in pids:
        default = "other" if pid == main_pid else None
        ordered = sorted(lanes[pid], key=lambda e: e["start"])
        states[pid] = []
        for index in range(samples):
            moment = started + index * step
            if pid != main_pid and not spans[pid][0] <= moment < spans[pid][1]:
                states[pid].append(None)
                continue
            states[pid].append(_state_at([e for e in ordered if e["start"] <= moment < e["end"]], moment, default))
    idle_by_phase: dict[str, float] = defaultdict(float)
    for index in range(samples):
        busy = sum(1 for pid in pids if states[pid][index] not in (None, *IDLE))
        phase = _phase(states[main_pid][index], lanes[main_pid], started + index * step)
        idle_by_phase[phase] += max(0, jobs - busy) * step
    out.append(f"idle core-seconds: {sum(idle_by_phase.values()):.2f} (" + ", ".join(f"{k} {v:.2f}" for k, v in idle_by_phase.items()) + ")")

    # Main's CPU while no worker works: the serial part.
    serial_cpu = 0.0
    for event in lanes[main_pid]:
        if event["label"] in IDLE or event["label"] == "exit" or event["depth"]:
            continue
        first, last = int((event["start"] - started) / step), int((event["end"] - started) / step)
        if last <= first:
            continue
        alone = sum(
            1 for index in range(first, min(last, samples))
            if not any(states[pid][index] not in (None, *IDLE) for pid in pids if pid != main_pid)
        )
        serial_cpu += event["cpu"] * alone / (last - first)
    out.append(f"main-thread CPU of top-level stretches while no worker works: {serial_cpu:.2f} s")

    out.append("")
    out.append(f"{'activity':<16}" + "".join(f"{'main' if pid == main_pid else 'worker ' + str(i):>26}" for i, pid in enumerate(pids)))
    out.append(f"{'':<16}" + "".join(f"{'n / wall s / CPU s':>26}" for _ in pids))
    for label in LETTERS:
        cells = []
        for pid in pids:
            chosen = [e for e in lanes[pid] if e["label"] == label]
            cells.append(f"{len(chosen)} / {sum(e['end'] - e['start'] for e in chosen):.2f} / {sum(e['cpu'] for e in chosen):.2f}" if chosen else "-")
        if any(cell != "-" for cell in cells):
            out.append(f"{label:<16}" + "".join(f"{cell:>26}" for cell in cells))
    out.append("")
    per_column = max(1, samples // width)
    out.append(f"lanes, one letter per {per_column * step:.2f} s (" + ", ".join(f"{v} {k}" for k, v in LETTERS.items()) + ", o main's other work, space: no work)")
    for pid in pids:
        letters = []
        for column in range(0, samples, per_column):
            window = [s for s in states[pid][column : column + per_column]]
            common = max(set(window), key=lambda s: (window.count(s), str(s)))
            letters.append(" " if common is None else "o" if common == "other" else LETTERS.get(common, "?"))
        out.append(f"{'main' if pid == main_pid else 'worker':>6} |" + "".join(letters) + "|")
    return "\n".join(out)


def _phase(state: str | None, main_events: list[dict], moment: float) -> str:
    """The main process's phase at `moment`: start-up, template pass, prepare, main pass (or end)."""
    for label in ("start-up", "template pass", "prepare"):
        if any(e["label"] == label and e["start"] <= moment < e["end"] for e in main_events):
            return label
    prepared = [e["end"] for e in main_events if e["label"] == "prepare"]
    tails = [e["end"] for e in main_events if e["label"] == "head chunk" or e["label"] == "wait"]
    if tails and moment >= max(tails):
        return "after the last head"
    return "main pass" if prepared and moment >= prepared[0] else "between passes"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="input directory of text files")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--events", help="keep the raw events (JSON lines) in this file")
    parser.add_argument("--width", type=int, default=100, help="letters per lane (default: %(default)s)")
    parser.add_argument("--checkout", default=str(ROOT), help="the newsclean checkout to run (default: this one)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child is not None:
        # Ends as the program does (`newsclean.cli:run`): no interpreter teardown after main.
        code = _child(options.child)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    scratch = Path(tempfile.mkdtemp(prefix="timeline-"))
    events_path = Path(options.events) if options.events else scratch / "events.jsonl"
    events_path.unlink(missing_ok=True)
    arguments = ["clean", options.input, "-o", str(scratch / "out"), "-q", "--jobs", str(options.jobs)]
    # Bytecode compiled beforehand, as for an installed package (`benchmarks.run.cli_environment`).
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment.update(TIMELINE_EVENTS=str(events_path), TIMELINE_CHECKOUT=options.checkout, PYTHONPYCACHEPREFIX=str(scratch / "bytecode"))
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the program sets it (newsclean._console)
    # An untimed run over one input first compiles every module the run imports, the standard
    # library's included (the prefix holds them all).
    first_input = Path(options.input) if Path(options.input).is_file() else min(Path(options.input).rglob("*.txt"))
    warm_up = ["clean", str(first_input), "-o", str(scratch / "warm-up"), "-q", "--jobs", str(options.jobs)]
    warm_up_environment = {**environment, "TIMELINE_EVENTS": str(scratch / "warm-up.jsonl"), "TIMELINE_T0": repr(time.perf_counter())}
    subprocess.run([sys.executable, __file__, "x", "--child", *warm_up], env=warm_up_environment, cwd=tempfile.gettempdir(), check=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    environment["TIMELINE_T0"] = repr(started)
    code = subprocess.call([sys.executable, __file__, "x", "--child", *arguments], env=environment, cwd=tempfile.gettempdir())
    ended = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    events = [json.loads(line) for line in events_path.read_text().splitlines()]
    shutil.rmtree(scratch, ignore_errors=True)  # outputs, bytecode, the warm-up's files (events read already)
    if code:
        raise SystemExit(f"benchmarks/timeline.py: newsclean exited with {code}")
    print(f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}; CPU of all processes: {usage.ru_utime:.2f} user + {usage.ru_stime:.2f} sys s")
    print(summarise(events, options.jobs, started, ended, options.width))
    return 0


if __name__ == "__main__":
    sys.exit(main())
