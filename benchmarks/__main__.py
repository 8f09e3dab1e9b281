"""python -m benchmarks [--quick] [...]: see benchmarks/run.py."""

from .run import main

raise SystemExit(main())
