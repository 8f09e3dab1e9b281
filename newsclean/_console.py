"""The `newsclean` program's entry point (the console script and `python -m newsclean`).

numpy's OpenBLAS starts a pool of threads as numpy is imported, one per core, and they spin
while waiting: about 0.1-0.2 CPU-s per run on a 2-core machine, for nothing, as newsclean's only
matrix product (the LSH parameter choice) is tiny. The program therefore asks for one BLAS
thread before anything imports numpy, unless the user set OPENBLAS_NUM_THREADS themselves. Only
the program does this: `import newsclean` leaves a library user's environment alone. Worker
processes inherit the setting (forked or spawned).

The program also gives the garbage collector its batch thresholds (`runtime`) before the imports
rather than after them: with Python's defaults the imports ran 75 collections over objects that
all stay alive (and that `gc.freeze` takes out of the collector's way as the work begins), 32M
of the 1.49G instructions of cleaning one page (docs/performance.md, "Eighteenth round").
"""

from __future__ import annotations

import gc
import os
from typing import NoReturn

from .runtime import BATCH_THRESHOLDS


def run() -> NoReturn:
    """Limit numpy's BLAS to one thread (a user's own setting wins) and collect garbage rarely
    from the start, then run the command line."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.set_threshold(*BATCH_THRESHOLDS)
    from .cli import run as run_command_line

    run_command_line()
