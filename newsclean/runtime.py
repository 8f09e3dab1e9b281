"""Process-wide settings for long batch runs: what the command line (and its worker processes)
sets for itself, and what a program that cleans many documents in its own process may call.
The library never changes them on import."""

from __future__ import annotations

import gc

#: Net new container objects between two young-generation collections (Python's default is
#: 700), and young collections between two middle-generation ones (default 10). Cleaning makes
#: almost no cyclic garbage (529 objects in a whole 20 MB run), so collecting rarely costs no
#: memory; at 50,000 the same run made 17 young collections costing 0.5-0.6 CPU-s (each walks
#: the batch's live results), at 1,000,000 none (docs/performance.md, "Fourth round").
YOUNG_GENERATION_THRESHOLD = 1_000_000
MIDDLE_GENERATION_THRESHOLD = 20
#: Middle-generation collections between two full ones, at most (default 10).
OLD_GENERATION_THRESHOLD = 100
#: The three thresholds, as `gc.set_threshold` takes them.
BATCH_THRESHOLDS = (YOUNG_GENERATION_THRESHOLD, MIDDLE_GENERATION_THRESHOLD, OLD_GENERATION_THRESHOLD)


def tune_garbage_collector() -> None:
    """Make Python's cyclic garbage collector cheaper for a batch run of this process.

    Cleaning allocates millions of short-lived objects that never form reference cycles
    (paragraphs, removals, lists of them), and Python starts a collection every 700 of them;
    every full collection also walks each entry of the per-line memos (`newsclean.memo`).
    This freezes what exists now (modules, the memos themselves: `gc.freeze`), so later
    collections skip it, and collects far less often. Garbage cycles are still collected,
    only later. Measured on the benchmark corpus: 10-14% less CPU time for the pipeline
    (docs/performance.md, "Third round of work"). Call it once, after imports and before the
    work; the CLI calls it when run as a program, and in its worker processes.
    """
    gc.freeze()
    gc.set_threshold(*BATCH_THRESHOLDS)
