"""Instructions the whole default pipeline executes over the benchmark corpus, counted by
valgrind's cachegrind: unlike CPU time on a shared machine (10-15% from run to run), the
count of the same run repeats to about 0.1%, so two checkouts can be compared change by change.
Run by hand, from the checkout to measure (needs `valgrind`; about 30 s for 2 MB):

    python benchmarks/instructions.py [--megabytes 2]

It runs the pipeline (dedup on, the collector tuned as the CLI tunes it) in-process over the
corpus under cachegrind, then the same without the pipeline run (start-up and building the
documents), and prints both counts and their difference: the pipeline's instructions.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_pipeline(megabytes: float, with_pipeline: bool) -> None:
    from benchmarks.corpus import build_corpus
    from newsclean import Document, default_pipeline
    from newsclean.runtime import tune_garbage_collector

    documents = [Document.from_text(page.text, page.name) for page in build_corpus(int(megabytes * 1e6))]
    tune_garbage_collector()
    if with_pipeline:
        with default_pipeline(dedup=True) as pipeline:
            for _ in pipeline.run_all(documents):
                pass


def count_instructions(megabytes: float, with_pipeline: bool) -> int:
    """Instructions of this script run with `--child` under cachegrind."""
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, __file__, "--child", "run" if with_pipeline else "load", "--megabytes", str(megabytes),
    ]
    # One BLAS thread (numpy's spin-waiting threads add instructions that vary), a fixed hash seed.
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    finished = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT)
    match = re.search(r"I\s+refs:\s+([\d,]+)", finished.stderr)
    if finished.returncode != 0 or match is None:
        raise SystemExit(f"benchmarks/instructions.py: cachegrind failed:\n{finished.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=2.0, help="corpus size (default: %(default)s)")
    parser.add_argument("--child", choices=("run", "load"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        run_pipeline(options.megabytes, options.child == "run")
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("benchmarks/instructions.py needs valgrind (e.g. apt-get install valgrind)")
    total = count_instructions(options.megabytes, True)
    load = count_instructions(options.megabytes, False)
    print(f"{options.megabytes:g} MB corpus: {total / 1e9:.3f}G instructions with the pipeline, "
          f"{load / 1e9:.3f}G without, pipeline {(total - load) / 1e9:.3f}G")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
