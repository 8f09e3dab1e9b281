"""Benchmarks run by hand (`python -m benchmarks`), never part of the test run: they build a
corpus from seeds/ and the devset, time each stage, the whole pipeline and the baselines, and
print a table. See docs/performance.md."""
