"""The benchmark entry point: `python -m benchmarks [--quick]` from the project root.

Builds the corpus (benchmarks/corpus.py), then measures, each in a fresh fork of this process
so that no row warms a cache for the next and peak RSS is the row's own:

- each stage of the whole pipeline (normalisation, then every filter in order, timed inside
  one document-by-document run: the marginal cost of the stage in the pipeline);
- the whole pipeline in-process, with near-duplicate removal when `newsclean.dedup` exists,
  with Python's default garbage-collector settings and with those the CLI sets for itself
  (`newsclean.runtime.tune_garbage_collector`);
- the CLI over the corpus directory with --jobs 1 and --jobs N (reading and writing included);
- the baselines on the same text: jusText (also with the CLI's garbage-collector settings,
  for a like-for-like ratio), ftfy's default fix_text on every line, and langdetect.detect on
  every line of a sample (too slow for the whole corpus).

MB/s is the corpus's UTF-8 input bytes over the row's wall-clock time (for the langdetect
sample, the sample's bytes); paragraphs/s counts non-empty input lines the same way. MB/CPU-s
divides by CPU time instead (all processes of the row): the throughput per core, which other
load on the machine disturbs less than wall-clock time, so the ratios against the baselines
use it. The --jobs N speed-up is wall-clock time, meaningful only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import importlib.util
import io
import multiprocessing
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from newsclean.document import Document, Removal, Result
from newsclean.filters import Filter, PageView
from newsclean.normalise import normalise_lines
from newsclean.parallel import available_cores
from newsclean.pipeline import Pipeline, bounded_batches, default_pipeline
from newsclean.runtime import tune_garbage_collector

from .corpus import CorpusFile, build_corpus, write_corpus

MB = 1_000_000


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    name: str
    seconds: float
    cpu_seconds: float
    bytes: int
    paragraphs: int
    peak_rss_kb: int
    note: str = ""

    @property
    def mb_per_s(self) -> float:
        return self.bytes / MB / self.seconds

    @property
    def mb_per_cpu_s(self) -> float:
        return self.bytes / MB / self.cpu_seconds

    @property
    def paragraphs_per_s(self) -> float:
        return self.paragraphs / self.seconds


def count_paragraphs(texts: Iterable[str]) -> int:
    return sum(1 for text in texts for line in text.splitlines() if line.strip())


def peak_rss_kb() -> int:
    """This process's peak resident set size in KB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def in_fork(measure: Callable[[], list[Row]]) -> list[Row]:
    """Run `measure` in a forked child (it shares the corpus already in memory) and return its rows."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        sender.send(measure())
        sender.close()

    process = context.Process(target=child)
    process.start()
    rows = receiver.recv()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"benchmarks: a measurement failed (exit code {process.exitcode})")
    return rows


def whole_pipeline() -> tuple[Pipeline, str]:
    """The default pipeline with near-duplicate removal when this checkout has it."""
    if importlib.util.find_spec("newsclean.dedup") is not None:
        return default_pipeline(dedup=True), "dedup on"  # type: ignore[call-arg]
    return default_pipeline(), "no dedup stage in this checkout"


class TimedFilter(Filter):
    """Wraps a filter and adds up the time spent in its find_removals (and, for the
    near-duplicate filter, find_removals_batch, which the pipeline calls once per batch)."""

    def __init__(self, inner: Filter) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.stateful = inner.stateful  # type: ignore[misc]
        self.context_free = inner.context_free  # type: ignore[misc]
        if hasattr(inner, "find_removals_batch"):
            self.find_removals_batch = self._find_removals_batch
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.paragraphs_seen = 0

    def find_removals(self, page: PageView) -> list[Removal]:
        start, start_cpu = time.perf_counter(), time.process_time()
        removals = list(self.inner.find_removals(page))
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - start_cpu
        self.paragraphs_seen += len(page.paragraphs)
        return removals

    def _find_removals_batch(self, pages: list[PageView]) -> list[list[Removal]]:
        start, start_cpu = time.perf_counter(), time.process_time()
        removals = self.inner.find_removals_batch(pages)  # type: ignore[attr-defined]
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - start_cpu
        self.paragraphs_seen += sum(len(page.paragraphs) for page in pages)
        return removals

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def measure_stages(documents: list[Document], total_bytes: int, paragraphs: int) -> list[Row]:
    pipeline, note = whole_pipeline()
    timed = [TimedFilter(item) for item in pipeline.filters]
    filters_only = Pipeline(timed, normalise=False)
    normalise_seconds = normalise_cpu_seconds = 0.0

    def normalised(document: Document) -> Result:
        nonlocal normalise_seconds, normalise_cpu_seconds
        start, start_cpu = time.perf_counter(), time.process_time()
        lines, normalisations = normalise_lines(document.lines)
        normalise_seconds += time.perf_counter() - start
        normalise_cpu_seconds += time.process_time() - start_cpu
        return Result(document, lines, (), normalisations)

    # As Pipeline.run_all runs: the stateful tail (near-duplicates) on batches of documents.
    head, tail = filters_only.split()
    for batch in bounded_batches(map(head.resume, map(normalised, documents)), lambda result: len(result.lines)):
        tail.resume_many(batch)
    filters_only.close()
    rss = peak_rss_kb()
    rows = [Row("stage: normalise", normalise_seconds, normalise_cpu_seconds, total_bytes, paragraphs, rss, "in the pipeline run")]
    rows += [
        Row(f"stage: {item.name}", item.seconds, item.cpu_seconds, total_bytes, paragraphs, rss, f"sees {item.paragraphs_seen} paragraphs")
        for item in timed
    ]
    return rows


#: Appended to the names of rows measured with the CLI's garbage-collector settings.
GC_TUNED = ", GC tuned"


def measure_pipeline(documents: list[Document], total_bytes: int, paragraphs: int, tuned: bool = False) -> list[Row]:
    pipeline, note = whole_pipeline()
    if tuned:
        tune_garbage_collector()
    start, start_cpu = time.perf_counter(), time.process_time()
    with pipeline:
        kept = sum(len(result.kept()) for result in pipeline.run_all(documents))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    return [Row("whole pipeline, in-process" + (GC_TUNED if tuned else ""), seconds, cpu_seconds, total_bytes, paragraphs, peak_rss_kb(), f"{note}; kept {kept / paragraphs:.0%}")]


def cli_environment(bytecode_cache: Path) -> dict[str, str]:
    """The environment of the CLI rows' subprocesses: Python's compiled-bytecode cache on (in
    `bytecode_cache`, out of the checkout), as for an installed package, whose modules pip
    compiles at install time. With PYTHONDONTWRITEBYTECODE set, every run would compile
    newsclean's modules from source again (about 0.1 s a run here), which no user pays."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return environment


def warm_up_cli(corpus_dir: Path, environment: dict[str, str], out: Path) -> None:
    """One untimed `newsclean clean` over one file of the corpus into `out`, so that the timed
    runs find the modules they import compiled (`cli_environment`)."""
    first = min(corpus_dir.rglob("*.txt"))
    subprocess.run([sys.executable, "-m", "newsclean", "clean", str(first), "-o", str(out), "-q"], env=environment, check=True, capture_output=True)


def measure_cli(corpus_dir: Path, jobs: int, total_bytes: int, paragraphs: int, environment: dict[str, str], out: Path) -> Row:
    """`newsclean clean DIR -o OUT --jobs N` in a subprocess (with `environment`); peak RSS is
    its largest process, CPU time that of all its processes (the workers included). The
    outputs stay in `out`, a new directory, for the caller to remove once nothing is timed any
    more (`measure_all`)."""
    command = [sys.executable, "-m", "newsclean", "clean", str(corpus_dir), "-o", str(out), "-q", "--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, env=environment)
    cpu_seconds, peak = wait_cli(process, command)
    seconds = time.perf_counter() - start
    return Row(f"newsclean clean --jobs {jobs}", seconds, cpu_seconds, total_bytes, paragraphs, peak, "CLI on the corpus directory, reads and writes files")


def wait_cli(process: subprocess.Popen, command: list[str]) -> tuple[float, int]:
    """Wait for a CLI subprocess started with stderr piped; its CPU seconds (its workers'
    included) and peak RSS in KB. A failed run stops the benchmark with its errors."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"benchmarks: {' '.join(command)} failed: {errors}")
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return usage.ru_utime + usage.ru_stime, peak


def measure_justext(corpus: list[CorpusFile], total_bytes: int, paragraphs: int, tuned: bool = False) -> list[Row]:
    import justext

    stoplist = justext.get_stoplist("English")
    pages = [
        "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in page.text.splitlines() if line.strip()) + "</body></html>"
        for page in corpus
    ]
    if tuned:
        tune_garbage_collector()
    start, start_cpu = time.perf_counter(), time.process_time()
    kept = sum(sum(1 for paragraph in justext.justext(page, stoplist) if not paragraph.is_boilerplate) for page in pages)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    return [Row("baseline: jusText" + (GC_TUNED if tuned else ""), seconds, cpu_seconds, total_bytes, paragraphs, peak_rss_kb(), f"each line a <p>; kept {kept / paragraphs:.0%}")]


def measure_ftfy(corpus: list[CorpusFile], total_bytes: int, paragraphs: int) -> list[Row]:
    import ftfy

    lines = [line for page in corpus for line in page.text.splitlines()]
    start, start_cpu = time.perf_counter(), time.process_time()
    for line in lines:
        ftfy.fix_text(line)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    return [Row("baseline: ftfy.fix_text per line", seconds, cpu_seconds, total_bytes, paragraphs, peak_rss_kb(), "default config, every line")]


def langdetect_sample(corpus: list[CorpusFile], size: int) -> list[str]:
    """`size` non-empty lines spread evenly over the corpus (deterministic)."""
    lines = [line for page in corpus for line in page.text.splitlines() if line.strip()]
    step = max(1, len(lines) // size)
    return lines[::step][:size]


def measure_langdetect(sample: list[str]) -> list[Row]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for line in sample:
        try:
            detect(line)
        except LangDetectException:
            pass
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    sample_bytes = sum(len(line.encode("utf-8")) + 1 for line in sample)
    return [Row("baseline: langdetect.detect per line", seconds, cpu_seconds, sample_bytes, len(sample), peak_rss_kb(), f"sample of {len(sample)} lines")]


def format_table(rows: list[Row]) -> str:
    """A Markdown table with the ratios (per CPU-second) against the baselines and, for
    --jobs N, the wall-clock speed-up over --jobs 1."""
    by_name = {row.name: row for row in rows}
    baselines = [
        ("x jusText", by_name.get("baseline: jusText")),
        ("x ftfy", by_name.get("baseline: ftfy.fix_text per line")),
        ("x per-line langdetect", by_name.get("baseline: langdetect.detect per line")),
    ]
    one_job = by_name.get("newsclean clean --jobs 1")
    tuned_justext = by_name.get("baseline: jusText" + GC_TUNED)
    header = ["row", "MB/s", "MB/CPU-s", "paragraphs/s", "peak RSS MB", *(label for label, base in baselines if base), "notes"]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        ratios = [f"{row.mb_per_cpu_s / base.mb_per_cpu_s:.2f}" for _, base in baselines if base]
        note = row.note
        if one_job is not None and row.name.startswith("newsclean clean --jobs") and row is not one_job:
            note += f"; {one_job.seconds / row.seconds:.2f}x --jobs 1"
        if tuned_justext is not None and row.name == "whole pipeline, in-process" + GC_TUNED:
            note += f"; {row.mb_per_cpu_s / tuned_justext.mb_per_cpu_s:.2f}x jusText with the same tuning"
        out.append(
            f"| {row.name} | {row.mb_per_s:.2f} | {row.mb_per_cpu_s:.2f} | {row.paragraphs_per_s:,.0f} | {row.peak_rss_kb / 1024:.0f} | "
            + "".join(f"{ratio} | " for ratio in ratios)
            + f"{note} |"
        )
    return "\n".join(out)


def print_profile(documents: list[Document], top: int) -> None:
    """cProfile of the whole pipeline over the documents: top entries by own and by total time."""
    pipeline, note = whole_pipeline()
    profile = cProfile.Profile()
    with pipeline:
        profile.enable()
        for _ in pipeline.run_all(documents):
            pass
        profile.disable()
    for order in ("tottime", "cumulative"):
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).strip_dirs().sort_stats(order).print_stats(top)
        print(f"\ncProfile of the whole pipeline ({note}), top {top} by {order}:")
        print("\n".join(line for line in stream.getvalue().splitlines() if line.strip() and "function calls" not in line and "Ordered by" not in line and "List reduced" not in line))


def measure_all(
    corpus: list[CorpusFile], documents: list[Document], total_bytes: int, paragraphs: int, jobs: int, sample_size: int,
    scratch: Path, round_index: int = 0,
) -> list[Row]:
    """One round of every row, each in a fresh fork (the CLI rows in subprocesses). The CLI rows
    run one after the other on the corpus written once in `scratch`, `--jobs 1` first in even
    rounds: `--repeat` alternates their order from round to round, so that neither row always
    follows the other (a run is faster right after another one has warmed the machine's memory
    and filesystem, docs/performance.md).

    Their outputs stay in `scratch` until the whole benchmark is done: nothing is deleted while
    runs are timed. On an ext4 filesystem without a journal (this project's VMs), creating a
    file right after others were deleted costs up to 4x more (the allocator skips inodes freed
    in the last seconds: 3,150 files took 0.82 s to create just after a deletion, 0.23 s 15 s
    later), so deleting one run's outputs would bill the next run for the benchmark's own clean-up
    (docs/performance.md, "Tenth round")."""
    rows: list[Row] = []
    rows += in_fork(lambda: measure_stages(documents, total_bytes, paragraphs))
    rows += in_fork(lambda: measure_pipeline(documents, total_bytes, paragraphs))
    rows += in_fork(lambda: measure_pipeline(documents, total_bytes, paragraphs, tuned=True))
    corpus_dir, cache = scratch / "corpus", scratch / "pycache"
    if not corpus_dir.exists():
        write_corpus(corpus, corpus_dir)
    environment = cli_environment(cache)
    warm_up_cli(corpus_dir, environment, scratch / f"out-{round_index}-warm-up")
    counts = sorted({1, jobs}, reverse=bool(round_index % 2))
    cli_rows = {
        count: measure_cli(corpus_dir, count, total_bytes, paragraphs, environment, out=scratch / f"out-{round_index}-jobs-{count}") for count in counts
    }
    rows += [cli_rows[count] for count in sorted(cli_rows)]
    if importlib.util.find_spec("justext") is None:
        print("benchmarks: jusText is not installed (pip install -e '.[bench]'); its row is skipped", file=sys.stderr)
    else:
        rows += in_fork(lambda: measure_justext(corpus, total_bytes, paragraphs))
        rows += in_fork(lambda: measure_justext(corpus, total_bytes, paragraphs, tuned=True))
    rows += in_fork(lambda: measure_ftfy(corpus, total_bytes, paragraphs))
    sample = langdetect_sample(corpus, sample_size)
    rows += in_fork(lambda: measure_langdetect(sample))
    return rows


def fastest(rounds: list[list[Row]]) -> list[Row]:
    """Each row's fastest run over the rounds, in the first round's order: other load on the
    machine only ever slows a run down, so the fastest is the least disturbed. CPU time decides,
    except for the CLI rows, whose --jobs speed-up is a wall-clock ratio."""
    runs: dict[str, list[Row]] = {}
    for rows in rounds:
        for row in rows:
            runs.setdefault(row.name, []).append(row)
    return [
        min(candidates, key=(lambda row: row.seconds) if name.startswith("newsclean clean") else (lambda row: row.cpu_seconds))
        for name, candidates in runs.items()
    ]


def round_ratios(rounds: list[list[Row]], jobs: int) -> list[float]:
    """Each round's `--jobs 1` wall-clock time over its `--jobs N` time: how much the speed-up
    moves from round to round, which the ratio of the fastest runs does not show."""
    ratios = []
    for rows in rounds:
        by_name = {row.name: row for row in rows}
        one, many = by_name.get("newsclean clean --jobs 1"), by_name.get(f"newsclean clean --jobs {jobs}")
        if one is not None and many is not None and many is not one:
            ratios.append(one.seconds / many.seconds)
    return ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 2 MB corpus and a 200-line langdetect sample (under a minute)")
    parser.add_argument("--size-mb", type=float, default=None, help="corpus size in MB (default: 20, or 2 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the copies' edits (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=available_cores(), help="N for the --jobs N row (default: all cores, %(default)s)")
    parser.add_argument("--langdetect-lines", type=int, default=None, help="per-line langdetect sample size (default: 1000, or 200 with --quick)")
    parser.add_argument("--profile", type=int, default=0, metavar="TOP", help="also print the cProfile TOP entries of the whole pipeline")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N",
        help="measure every row N times, in N interleaved rounds, and keep each row's fastest run (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    size_mb = args.size_mb or (2.0 if args.quick else 20.0)
    sample_size = args.langdetect_lines or (200 if args.quick else 1000)

    started = time.perf_counter()
    corpus = build_corpus(int(size_mb * MB), args.seed)
    documents = [Document.from_text(page.text, page.name) for page in corpus]
    total_bytes = sum(page.size for page in corpus)
    paragraphs = count_paragraphs(page.text for page in corpus)
    copies = len({page.name.split("/", 1)[0] for page in corpus})
    print(
        f"corpus: {len(corpus)} pages, {total_bytes / MB:.1f} MB, {paragraphs:,} paragraphs "
        f"({copies} copies of seeds/ + devset, seed {args.seed}); {available_cores()} cores; Python {sys.version.split()[0]}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="newsclean-bench-") as scratch:
        rounds = [
            measure_all(corpus, documents, total_bytes, paragraphs, args.jobs, sample_size, Path(scratch), round_index)
            for round_index in range(max(1, args.repeat))
        ]
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    print(format_table(fastest(rounds)))
    if args.repeat > 1:
        print(f"\n(each row: the fastest of {args.repeat} runs, by CPU time; the CLI rows by wall-clock time)")
        ratios = round_ratios(rounds, args.jobs)
        if ratios:
            print(f"(--jobs {args.jobs} / --jobs 1 in each round: {', '.join(f'{ratio:.2f}x' for ratio in ratios)}; median {statistics.median(ratios):.2f}x)")
    if args.profile:
        in_fork(lambda: print_profile(documents, args.profile) or [])
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    return 0
