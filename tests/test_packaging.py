"""What the built package ships besides its modules: the data files and the PEP 561 marker."""

from __future__ import annotations

import fnmatch
import tomllib

from .conftest import ROOT


def package_data_patterns() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]["package-data"]["newsclean"]


def test_the_package_is_marked_typed_and_ships_the_marker() -> None:
    # PEP 561: without newsclean/py.typed in the wheel, type checkers ignore the inline hints.
    assert (ROOT / "newsclean" / "py.typed").is_file()
    assert any(fnmatch.fnmatch("py.typed", pattern) for pattern in package_data_patterns())


def test_the_word_lists_are_package_data() -> None:
    lists = sorted(path.relative_to(ROOT / "newsclean").as_posix() for path in (ROOT / "newsclean" / "data").glob("*.txt"))
    assert lists and all(any(fnmatch.fnmatch(name, pattern) for pattern in package_data_patterns()) for name in lists)
