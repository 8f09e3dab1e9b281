"""`newsclean clean --jobs 1` against `--jobs N` alone, in interleaved rounds (run by hand):

    python -m benchmarks.cli_ratio [--rounds 6] [--jobs N] [--size-mb 20] [--ceiling] [--fork-ceiling] [CHECKOUT ...]

The benchmark's two CLI rows (`python -m benchmarks`: the same corpus, environment, warm-up
and outputs kept until the end) without its other rows, for judging a change to `--jobs N`
in about a minute and a half instead of the whole benchmark's three. On this project's VMs a
run's speed moves by 10-15% with the machine's phases, so one pair of runs says little
(docs/performance.md, "Thirteenth round"): every round runs both job counts, in alternating
order, and the summary gives each row's fastest run, their ratio (the benchmark's figure), and
the median and range of the rounds' own ratios.

Each round also says where the `--jobs N` run's core-seconds (N x wall) went beyond
`--jobs 1`'s work: the CPU its processes spent beyond `--jobs 1`'s ("extra CPU"), and the
core-seconds none of them used (N x wall - CPU, "idle": the serial start before the workers
exist, the serial end, waits; also CPU the kernel spends outside the run's processes, such as
writing its outputs back to disk). With `--jobs 1` busy all along, the speed-up is about
N x (--jobs 1 CPU) / (--jobs N CPU + idle); the summary gives the medians of both
(docs/performance.md, "Fourteenth round").

With `--ceiling`, every round also runs N `--jobs 1` processes at once, each over its own
N-th of the corpus (every N-th page), which share nothing: no pool, no pipe, no shared
near-duplicate order, each its own start-up. Their speed-up over `--jobs 1` on the whole corpus
is what N processes could reach on this machine in that minute with no coordination at all
(their outputs differ: each share keeps its own duplicates). The summary gives that ceiling and
each checkout's ratio as a share of it, round by round: a slow phase of the machine lowers the
ceiling as it lowers the ratio, while a cost of the code's own lowers the share alone
(docs/performance.md, "Sixteenth round").

With `--fork-ceiling`, every round also runs the N shares in N processes forked from one that
has imported newsclean and loaded langdetect's profiles, as `--jobs N` forks its workers: the
same split with one start-up instead of N. Where `--ceiling`'s processes spend more CPU than
`--jobs 1` (each its own imports and profile load), these spend what `--jobs 1` does, so the
CPU that `--jobs N` spends beyond this ceiling's is its own coordination's: sending chunks and
results, the pool's threads, the single near-duplicate order (docs/performance.md,
"Eighteenth round").

Given CHECKOUT directories (other newsclean checkouts, e.g. `git worktree add /tmp/wt-x`),
every round runs each of them in turn, in alternating order, so a slow phase of the machine
hits every variant: an A/B comparison of code on the same corpus and in the same minutes.
Without any, it measures this checkout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from newsclean.parallel import available_cores

from .corpus import build_corpus, write_corpus
from .run import MB, Row, cli_environment, measure_cli, wait_cli, warm_up_cli

ROOT = Path(__file__).resolve().parent.parent

Returned = TypeVar("Returned")


def checkout_environment(checkout: Path, bytecode_cache: Path) -> dict[str, str]:
    """The CLI rows' environment (`run.cli_environment`) with `checkout`'s package first on the
    path; refuses a directory whose `newsclean` is not the one Python would import there."""
    environment = cli_environment(bytecode_cache)
    environment["PYTHONPATH"] = str(checkout)
    found = subprocess.run(
        [sys.executable, "-c", "import newsclean; print(newsclean.__file__)"],
        cwd=checkout, env=environment, capture_output=True, text=True, check=False,
    )
    imported = Path(found.stdout.strip()).resolve() if found.returncode == 0 else None
    if imported is None or checkout.resolve() not in imported.parents:
        raise SystemExit(f"benchmarks.cli_ratio: {checkout} is not a newsclean checkout (Python imports {imported or 'nothing'} there)")
    return environment


def summary(name: str, runs: dict[int, list[Row]], jobs: int) -> str:
    """One Markdown table row: the fastest run of each job count, their ratio, and the median
    and range of the rounds' ratios."""
    one, many = runs[1], runs[jobs]
    fastest_one, fastest_many = min(row.seconds for row in one), min(row.seconds for row in many)
    ratios = sorted(a.seconds / b.seconds for a, b in zip(one, many))
    extra = statistics.median(extra_cpu(a, b) for a, b in zip(one, many))
    idle = statistics.median(idle_core_seconds(b, jobs) for b in many)
    return (
        f"| {name} | {fastest_one:.2f} ({one[0].bytes / MB / fastest_one:.2f} MB/s) | {fastest_many:.2f} | "
        f"{fastest_one / fastest_many:.2f}x | {statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) | "
        f"{extra:+.1%} | {idle:.2f} |"
    )


def ceiling_summary(shares: list[Row], runs: list[dict[int, list[Row]]], names: list[str], jobs: int, kind: str = "independent") -> str:
    """The `--ceiling` (or `--fork-ceiling`) lines: the rounds' ceilings (the first checkout's
    `--jobs 1` over N processes sharing nothing), their extra CPU, and each checkout's rounds'
    ratios as shares of them and its extra CPU beyond theirs."""
    one = runs[0][1]
    ceilings = sorted(a.seconds / b.seconds for a, b in zip(one, shares))
    ceiling_extra = statistics.median(extra_cpu(a, b) for a, b in zip(one, shares))
    lines = [
        f"ceiling, {jobs} {kind} --jobs 1 processes on {jobs} shares: median {statistics.median(ceilings):.2f}x "
        f"({ceilings[0]:.2f}-{ceilings[-1]:.2f}); extra CPU, median {ceiling_extra:+.1%}"
    ]
    for name, checkout_runs in zip(names, runs):
        of_ceiling = sorted(
            (a.seconds / b.seconds) / (c.seconds / d.seconds)
            for a, b, c, d in zip(checkout_runs[1], checkout_runs[jobs], one, shares)
        )
        beyond = statistics.median(b.cpu_seconds / d.cpu_seconds - 1 for b, d in zip(checkout_runs[jobs], shares))
        lines.append(
            f"{name}: --jobs {jobs} reached a median {statistics.median(of_ceiling):.1%} of the round's ceiling "
            f"({of_ceiling[0]:.1%}-{of_ceiling[-1]:.1%}), with {beyond:+.1%} CPU beyond the ceiling's (median)"
        )
    return "\n".join(lines)


def measure_shares(share_dirs: list[Path], total_bytes: int, environment: dict[str, str], out: Path) -> Row:
    """`newsclean clean SHARE -o OUT/SHARE --jobs 1` for every share at once, each in its own
    subprocess: the wall time until the last one ends, the CPU time of all of them, the
    largest peak RSS."""
    commands = [
        [sys.executable, "-m", "newsclean", "clean", str(share), "-o", str(out / share.name), "-q", "--jobs", "1"]
        for share in share_dirs
    ]
    start = time.perf_counter()
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, env=environment) for command in commands]
    cpu_seconds, peak = 0.0, 0
    for process, command in zip(processes, commands):
        cpu, process_peak = wait_cli(process, command)
        cpu_seconds, peak = cpu_seconds + cpu, max(peak, process_peak)
    seconds = time.perf_counter() - start
    return Row(f"{len(share_dirs)} x newsclean clean --jobs 1, one share each", seconds, cpu_seconds, total_bytes, 0, peak, "independent processes")


#: Run as `python -c FORK_SHARES OUT SHARE...` in a checkout: imports newsclean and loads what
#: the default pipeline loads (langdetect's profiles, kept by the process), tunes the garbage
#: collector as the program does, then forks a process for every share but the first and runs
#: `newsclean clean SHARE -o OUT/NAME -q --jobs 1` in each (through `cli.main`, whose own
#: pipeline finds the profiles loaded); exits non-zero if any of them failed.
FORK_SHARES = """\
import os, sys
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from newsclean import cli, runtime
from newsclean.pipeline import default_pipeline
default_pipeline().prepare()
runtime.tune_garbage_collector()
out, shares = sys.argv[1], sys.argv[2:]
children = []
for share in shares[1:]:
    pid = os.fork()
    if pid == 0:
        os._exit(cli.main(["clean", share, "-o", os.path.join(out, os.path.basename(share)), "-q", "--jobs", "1"]))
    children.append(pid)
code = cli.main(["clean", shares[0], "-o", os.path.join(out, os.path.basename(shares[0])), "-q", "--jobs", "1"])
for pid in children:
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    code = code or status
sys.stdout.flush()
os._exit(code)
"""


def measure_fork_shares(share_dirs: list[Path], total_bytes: int, environment: dict[str, str], out: Path) -> Row:
    """The shares at once in processes forked after the imports and the profile load
    (`FORK_SHARES`): the wall time until the last one ends, the CPU time of all of them (the
    forked ones are waited for, so theirs counts), the first process's peak RSS."""
    command = [sys.executable, "-c", FORK_SHARES, str(out), *map(str, share_dirs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, env=environment)
    cpu_seconds, peak = wait_cli(process, ["python -c FORK_SHARES", str(out), *map(str, share_dirs)])
    seconds = time.perf_counter() - start
    return Row(f"{len(share_dirs)} shares in forked --jobs 1 processes", seconds, cpu_seconds, total_bytes, 0, peak, "forked processes")


def extra_cpu(one: Row, many: Row) -> float:
    """The CPU time of the `--jobs N` run's processes beyond the `--jobs 1` run's, as a share of it."""
    return many.cpu_seconds / one.cpu_seconds - 1


def idle_core_seconds(many: Row, jobs: int) -> float:
    """The core-seconds of a `--jobs N` run that none of its processes used: N x wall - CPU."""
    return jobs * many.seconds - many.cpu_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cli_ratio", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", nargs="*", type=Path, metavar="CHECKOUT", help="newsclean checkouts to compare (default: this one)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of runs (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=available_cores(), help="N for --jobs N (default: all cores, %(default)s)")
    parser.add_argument("--size-mb", type=float, default=20.0, help="corpus size in MB (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the copies' edits (default: %(default)s)")
    parser.add_argument("--ceiling", action="store_true", help="each round, also time N independent --jobs 1 runs on N shares of the corpus at once")
    parser.add_argument(
        "--fork-ceiling", action="store_true",
        help="each round, also time N --jobs 1 runs on N shares of the corpus at once, forked from one process after its imports",
    )
    args = parser.parse_args(argv)
    if args.jobs < 2:
        parser.error("--jobs must be at least 2: the ratio is against --jobs 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    checkouts = [checkout.resolve() for checkout in args.checkouts] or [ROOT]
    corpus = build_corpus(int(args.size_mb * MB), args.seed)
    total_bytes = sum(page.size for page in corpus)
    with tempfile.TemporaryDirectory(prefix="newsclean-cli-ratio-") as scratch_name:
        scratch = Path(scratch_name)
        corpus_dir = scratch / "corpus"
        write_corpus(corpus, corpus_dir)
        share_dirs: list[Path] = []
        if args.ceiling or args.fork_ceiling:
            for index in range(args.jobs):
                share_dirs.append(scratch / f"share-{index}")
                write_corpus(corpus[index :: args.jobs], share_dirs[-1])
        shares: list[Row] = []
        forked_shares: list[Row] = []
        environments = [checkout_environment(checkout, scratch / f"pycache-{index}") for index, checkout in enumerate(checkouts)]
        runs: list[dict[int, list[Row]]] = [{1: [], args.jobs: []} for _ in checkouts]
        print(f"corpus: {len(corpus)} pages, {total_bytes / MB:.1f} MB; --jobs 1 against --jobs {args.jobs}; {args.rounds} rounds", flush=True)
        for round_index in range(args.rounds):
            order = list(range(len(checkouts)))
            if round_index % 2:
                order.reverse()
            for position, index in enumerate(order):
                out = scratch / f"out-{round_index}-{index}"
                _in_directory(checkouts[index], warm_up_cli, corpus_dir, environments[index], out / "warm-up")
                counts = sorted({1, args.jobs}, reverse=bool((round_index + position) % 2))
                for count in counts:
                    row = _in_directory(checkouts[index], measure_cli, corpus_dir, count, total_bytes, 0, environments[index], out / f"jobs-{count}")
                    runs[index][count].append(row)
                one, many = runs[index][1][-1], runs[index][args.jobs][-1]
                print(
                    f"round {round_index + 1} {checkouts[index]}: --jobs 1 {one.seconds:.2f} s ({one.cpu_seconds:.2f} CPU-s), "
                    f"--jobs {args.jobs} {many.seconds:.2f} s ({many.cpu_seconds:.2f} CPU-s): {one.seconds / many.seconds:.2f}x; "
                    f"extra CPU {extra_cpu(one, many):+.1%}, idle {idle_core_seconds(many, args.jobs):.2f} core-s",
                    flush=True,
                )
            if args.ceiling:
                # Each round's first --jobs 1 run (the first checkout's) is the ceiling's baseline.
                row = _in_directory(checkouts[0], measure_shares, share_dirs, total_bytes, environments[0], scratch / f"out-{round_index}-shares")
                shares.append(row)
                ceiling = runs[0][1][-1].seconds / row.seconds
                print(f"round {round_index + 1} ceiling: {args.jobs} shares at once {row.seconds:.2f} s ({row.cpu_seconds:.2f} CPU-s): {ceiling:.2f}x", flush=True)
            if args.fork_ceiling:
                row = _in_directory(checkouts[0], measure_fork_shares, share_dirs, total_bytes, environments[0], scratch / f"out-{round_index}-forked")
                forked_shares.append(row)
                ceiling = runs[0][1][-1].seconds / row.seconds
                print(f"round {round_index + 1} fork ceiling: {args.jobs} shares at once, forked, {row.seconds:.2f} s ({row.cpu_seconds:.2f} CPU-s): {ceiling:.2f}x", flush=True)
    print(
        f"\n| checkout | --jobs 1 s, fastest | --jobs {args.jobs} s, fastest | ratio of the fastest | rounds' ratios: median (range) "
        f"| extra CPU, median | idle core-s, median |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for checkout, checkout_runs in zip(checkouts, runs):
        print(summary(str(checkout), checkout_runs, args.jobs))
    if args.ceiling:
        print()
        print(ceiling_summary(shares, runs, [str(checkout) for checkout in checkouts], args.jobs))
    if args.fork_ceiling:
        print()
        print(ceiling_summary(forked_shares, runs, [str(checkout) for checkout in checkouts], args.jobs, kind="forked"))
    return 0


def _in_directory(directory: Path, function: Callable[..., Returned], *arguments: object) -> Returned:
    """`function(*arguments)` with `directory` as the working directory (`python -m newsclean`,
    as `run.measure_cli` and `run.warm_up_cli` start it, imports the package there first)."""
    previous = os.getcwd()
    os.chdir(directory)
    try:
        return function(*arguments)
    finally:
        os.chdir(previous)


if __name__ == "__main__":
    raise SystemExit(main())
