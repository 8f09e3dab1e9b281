"""The ASCII fast path of normalisation must give exactly what the general path gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.document import split_lines
from newsclean.normalise import normalise_line, normalise_line_general, normalise_lines

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "scraped"


def real_lines() -> list[str]:
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEVSET.glob("*.txt"))
    lines: list[str] = []
    for path in files:
        lines.extend(split_lines(path.read_text(encoding="utf-8")))
    return lines


def test_fast_path_matches_general_path_on_real_text() -> None:
    lines = real_lines()
    assert len(lines) > 1000, "expected seeds/ and the devset"
    # Real lines as scraped, and with the whitespace damage scrapers add.
    variants = [variant for line in lines for variant in (line, f"  {line}\t", line.replace(" ", "  \t "))]
    mismatches = [line for line in variants if normalise_line(line) != normalise_line_general(line)]
    assert mismatches == []


def test_fast_path_collapses_whitespace_and_names_the_step() -> None:
    assert normalise_line("  The minister\t resigned. ") == ("The minister resigned.", ("whitespace collapsed",))
    assert normalise_line("The minister resigned.") == ("The minister resigned.", ())


@pytest.mark.parametrize("line", ["Fish &amp; chips", "cafe\u0301", "a\x00b", "x\x1c y", "\x1b[1mBold\x1b[0m"])
def test_lines_outside_the_fast_path_still_get_every_step(line: str) -> None:
    text, steps = normalise_line(line)
    assert steps and (text, steps) == normalise_line_general(line)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F) | st.sampled_from("‘’“”–—…"), max_size=60))
def test_fast_path_matches_general_path_on_ascii_and_typographic_punctuation(line: str) -> None:
    assert normalise_line(line) == normalise_line_general(line)


@pytest.mark.parametrize("line", ["It’s “fine” – or… not—‘quite’", "’’’", "“…”", "  don’t\t stop  "])
def test_typographic_punctuation_takes_the_fast_path_with_the_same_result(line: str) -> None:
    assert normalise_line(line) == normalise_line_general(line)


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x3FF, blacklist_categories=("Cs",)), max_size=30), max_size=8))
def test_normalise_lines_records_each_changed_line(lines: list[str]) -> None:
    normalised, changes = normalise_lines(lines)
    expected = [normalise_line_general(line) for line in lines]
    assert list(normalised) == [text for text, _ in expected]
    assert [(change.line, change.original, change.steps) for change in changes] == [
        (number, line, steps) for number, (line, (_, steps)) in enumerate(zip(lines, expected), start=1) if steps
    ]


@settings(max_examples=500)
@given(st.lists(st.text(alphabet=st.sampled_from(" \t\x0c\r\n\x0b\x1cab’&é"), max_size=12), max_size=8))
def test_normalise_lines_finds_every_line_with_whitespace_to_collapse(lines: list[str]) -> None:
    normalised, changes = normalise_lines(lines)
    assert list(normalised) == [normalise_line_general(line)[0] for line in lines]
    assert [change.line for change in changes] == [number for number, line in enumerate(lines, start=1) if normalise_line_general(line)[1]]


def test_lines_with_newlines_of_their_own_are_normalised() -> None:
    # Document(lines=...) built by hand can hold lines split_lines would have cut.
    lines = ["The minister\nresigned.", "Plain line.", "Another\r\nline ", ""]
    normalised, changes = normalise_lines(lines)
    assert normalised == ("The minister resigned.", "Plain line.", "Another line", "")
    assert [change.line for change in changes] == [1, 3]


def test_consecutive_lines_with_spaces_at_their_ends_are_all_found() -> None:
    lines = ["", " ", " a", "b ", " c ", "d"]
    normalised, changes = normalise_lines(lines)
    assert normalised == ("", "", "a", "b", "c", "d")
    assert [change.line for change in changes] == [2, 3, 4, 5]


def test_a_document_needing_no_normalisation_comes_back_as_is() -> None:
    lines = ["The minister resigned on Monday.", "", "“It’s over,” she said – and left…"]
    assert normalise_lines(lines) == (tuple(lines), ())
