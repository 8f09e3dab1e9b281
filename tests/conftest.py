"""Shared fixtures: paths to the seed articles and the dev sample, and a pipeline factory."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# The tests judge outputs, not time (speed is measured in benchmarks/), so no example has a
# deadline: hypothesis's default 200 ms fails a test as flaky when a loaded CI machine, or a
# first example that loads langdetect's profiles, overruns it once and not on the replay.
settings.register_profile("newsclean-tests", deadline=None)
settings.load_profile("newsclean-tests")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEVSET = ROOT.parent / "shared" / "devset"

# The tests (and the CLI runs they start, which inherit the environment) keep langdetect's
# profile cache in a directory of their own, never in the user's ~/.cache.
_CACHE = tempfile.mkdtemp(prefix="newsclean-test-cache-")
os.environ["NEWSCLEAN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def devset_lines(page_prefix: str) -> list[str]:
    """The scraped lines of one dev page (skips the test when the dev sample is not beside us)."""
    matches = sorted((DEVSET / "scraped").glob(f"{page_prefix}*.txt"))
    if not matches:
        pytest.skip("../shared/devset is not available")
    return matches[0].read_text(encoding="utf-8").splitlines()
