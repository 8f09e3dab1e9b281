"""The cost of `newsclean clean`'s own reading and writing, without the filters: every input
read, decoded and hashed, every output written atomically and recorded in the manifest, as
`batch.clean_files` does it, through a pipeline with no filters and no normalisation. Run by
hand, from the checkout to measure (the API it uses is the same before and after issue 7's
I/O work, so two checkouts can be compared):

    python benchmarks/io_layer.py [--megabytes 5] [--rounds 5]

It prints the best round's wall time and CPU time (user + system, this process and its
threads) and the fsync calls of a round.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_corpus, write_corpus  # noqa: E402
from newsclean import io as newsclean_io  # noqa: E402
from newsclean.batch import clean_files, plan_outputs  # noqa: E402
from newsclean.io import find_inputs  # noqa: E402
from newsclean.pipeline import Pipeline  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_round(corpus: Path, outdir: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and fsync calls of one clean_files run into a fresh outdir."""
    shutil.rmtree(outdir, ignore_errors=True)
    inputs, _ = find_inputs([str(corpus)])
    real_fsync = os.fsync
    calls = [0]

    def counting_fsync(handle: int) -> None:
        calls[0] += 1
        real_fsync(handle)

    newsclean_io.os.fsync = counting_fsync
    try:
        wall, cpu = time.perf_counter(), cpu_seconds()
        summary = clean_files(plan_outputs(inputs, outdir), Pipeline([], normalise=False), outdir=outdir, jobs=1)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    finally:
        newsclean_io.os.fsync = real_fsync
    if summary.written != len(inputs) or summary.output_error:
        raise SystemExit(f"the run did not write every output: {summary}")
    return wall, cpu, calls[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0, help="corpus size (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the fastest is kept (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsclean-io-layer-") as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        write_corpus(build_corpus(int(args.megabytes * 1_000_000)), corpus)
        files = sum(1 for _ in corpus.rglob("*.txt"))
        rounds = [one_round(corpus, Path(scratch) / "out") for _ in range(args.rounds)]
    wall, cpu, fsyncs = min(rounds, key=lambda measured: measured[1])
    print(f"{files} files, {args.megabytes:g} MB: best of {args.rounds}: {wall:.3f} s wall, {cpu:.3f} CPU-s, {fsyncs} fsync calls")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
