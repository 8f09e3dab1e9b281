"""The `newsclean` program's entry point (the console script and `python -m newsclean`).

numpy's OpenBLAS starts a pool of threads as numpy is imported, one per core, and they spin
while waiting: about 0.1-0.2 CPU-s per run on a 2-core machine, for nothing, as newsclean's only
matrix product (the LSH parameter choice) is tiny. The program therefore asks for one BLAS
thread before anything imports numpy, unless the user set OPENBLAS_NUM_THREADS themselves. Only
the program does this: `import newsclean` leaves a library user's environment alone. Worker
processes inherit the setting (forked or spawned).
"""

from __future__ import annotations

import os
from typing import NoReturn


def run() -> NoReturn:
    """Limit numpy's BLAS to one thread (a user's own setting wins), then run the command line."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import run as run_command_line

    run_command_line()
