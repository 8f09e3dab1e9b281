"""Shared fixtures: paths to the seed articles and the dev sample, and a pipeline factory."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEVSET = ROOT.parent / "shared" / "devset"


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
