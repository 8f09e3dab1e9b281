"""Every ```python block of the README runs as written (each in a fresh namespace, in a
temporary directory), so the copy-paste examples stay true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{index}" for index in range(len(BLOCKS))])
def test_readme_example_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("datasets", "pandas"):
        if re.search(rf"^(?:from|import) {module}\b", block, re.MULTILINE):
            pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})


def test_testing_guide_examples_pass() -> None:
    """docs/testing.md's property tests, run as a user would run them."""
    guide = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    tests = []
    for block in re.findall(r"```python\n(.*?)```", guide, re.DOTALL):
        namespace: dict = {"__name__": "testing_guide"}
        exec(compile(block, "docs/testing.md", "exec"), namespace)
        tests += [function for name, function in namespace.items() if name.startswith("test_")]
    assert len(tests) == 3
    for test in tests:
        test()


def test_readme_explain_excerpts_are_real_output() -> None:
    """The README's `explain` excerpts are copies of what `explain` prints at its default width."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The seeds, cleaned", 1)[1].split("\n## ", 1)[0]
    excerpts = re.findall(r"((?:\n    .*)+)", section)
    assert len(excerpts) == 2
    for excerpt, seed in zip(excerpts, ("001_093badba0021ab0b.txt", "003_f62884ef3a0fed5e.txt")):
        shown = [line[4:] for line in excerpt.strip("\n").split("\n")]
        done = subprocess.run([sys.executable, "-m", "newsclean", "explain", f"seeds/{seed}"], capture_output=True, text=True, cwd=ROOT, timeout=60)
        real = done.stdout.splitlines()
        assert done.returncode == 0 and len(shown) >= 5
        assert [line for line in shown if line not in real] == []
