"""`lines_needing_work` finds the characters beyond the fast path through the document's UTF-8
(`_beyond_printable_ascii`) and `str.find` instead of a regular expression's scan of every
character: it must find exactly the lines the scan found (`reference_lines_needing_work`, the
code it replaced)."""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.io import read_document
from newsclean.normalise import _NEEDS_GENERAL_PATH, SEGMENT_CHARACTERS, lines_needing_work

from .conftest import DEVSET, SEEDS
from .test_template_keys import cosmetic_copy


def reference_lines_needing_work(lines: list[str] | tuple[str, ...]) -> tuple[set[int], set[int]]:
    """`lines_needing_work` as it was: `_NEEDS_GENERAL_PATH` searched through the lines joined,
    and six `str.find`s for the loose whitespace."""
    joined = "\n".join(lines)
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    general = {index for index, line in enumerate(lines) if len(line) > SEGMENT_CHARACTERS}
    match = _NEEDS_GENERAL_PATH.search(joined)
    while match is not None:
        index = bisect_right(starts, match.start()) - 1
        general.add(index)
        match = _NEEDS_GENERAL_PATH.search(joined, starts[index + 1])
    if joined.count("\n") != max(len(lines) - 1, 0):
        loose = {index for index, line in enumerate(lines) if "\n" in line}
    else:
        loose = set()
    if joined.startswith(" "):
        loose.add(0)
    if joined.endswith(" "):
        loose.add(len(lines) - 1)
    for piece in ("  ", " \n", "\n ", "\t", "\x0c", "\r"):
        position = joined.find(piece)
        while position >= 0:
            index = bisect_right(starts, position + (piece == "\n ")) - 1
            loose.add(index)
            position = joined.find(piece, max(starts[index + 1] - 1, position + 1))
    return general, loose - general


def assert_same_as_reference(lines: list[str] | tuple[str, ...]) -> None:
    expected = reference_lines_needing_work(lines)
    assert lines_needing_work(lines) == expected
    assert lines_needing_work(lines)[0] == expected[0]


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, ...]]:
    """seeds/ and the dev sample's pages, each also as a cosmetic copy (spacing, entities,
    invisible characters, mojibake)."""
    if not (DEVSET / "scraped").is_dir():
        pytest.skip("../shared/devset is not available")
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    found = [read_document(path)[0].lines for path in paths]
    rng = random.Random(11)
    return found + [tuple(cosmetic_copy(line, rng) for line in lines) for lines in found]


def test_same_lines_as_the_scan_on_real_pages(pages: list[tuple[str, ...]]) -> None:
    for lines in pages:
        assert_same_as_reference(lines)


def test_same_lines_as_the_scan_on_many_pages_joined(pages: list[tuple[str, ...]]) -> None:
    # Hundreds of distinct characters beyond the fast path: the regular expression's scan.
    lines = [line for page in pages for line in page]
    assert_same_as_reference(lines)
    assert len(lines_needing_work(lines)[0]) > 100


@pytest.mark.parametrize(
    "lines",
    [
        ["Fish & chips", "It’s “fine” – or… not", "café", "plain"],  # a few characters, found one by one
        ["Москва — столица России.", "plain", "Новости дня"],  # mostly beyond ASCII: one scan
        ["lone \ud800 surrogate", "plain", "tab\there"],  # cannot be encoded: the scan
        ["a\x00b", "x\x1cy", "\x7f", "form\x0cfeed", "carriage\rreturn", "vertical\x0btab"],
        [" lead", "trail ", "in  side", "line\nbreak", "", " "],
        ["x" * (SEGMENT_CHARACTERS + 1), "plain"],
        [],
        [""],
    ],
)
def test_same_lines_as_the_scan(lines: list[str]) -> None:
    assert_same_as_reference(lines)


@settings(max_examples=400)
@given(st.lists(st.text(alphabet=st.sampled_from(" \t\x0c\r\n\x0b\x1c\x7fab.&’“…é©Жß\u200b\ud800"), max_size=12), max_size=10))
def test_same_lines_as_the_scan_on_generated_lines(lines: list[str]) -> None:
    assert_same_as_reference(lines)


@settings(max_examples=200)
@given(st.lists(st.text(max_size=20), max_size=10))
def test_same_lines_as_the_scan_on_any_text(lines: list[str]) -> None:
    assert_same_as_reference(lines)
