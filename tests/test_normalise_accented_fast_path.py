"""Lines with "&", "©" or lower-case accented Latin letters and no HTML entity
(`_ftfy_leaves_alone`) take the fast path of normalisation: it must give exactly what the
general path (ftfy and every other step) gives."""

from __future__ import annotations

import re
from itertools import product

import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.normalise import (
    _FTFY_LEAVES_ALONE,
    _NEEDS_GENERAL_PATH,
    _ftfy_leaves_alone,
    normalise_line,
    normalise_line_general,
)

from .test_normalise_fast_path import real_lines

#: Each of `_FTFY_LEAVES_ALONE`'s two sets, and the characters other than ASCII it accepts
#: (read from the pattern, so that widening it widens what is checked).
SETS = [re.compile(alternative) for alternative in _FTFY_LEAVES_ALONE.pattern.split("|")]
ALPHABETS = ["".join(chr(code) for code in range(0x80, 0x10000) if pattern.fullmatch(chr(code))) for pattern in SETS]
#: One ASCII character of each kind ftfy's heuristic tells apart (lower and upper case letters,
#: space and other whitespace, sentence punctuation, digits, other word and non-word characters).
ASCII_KINDS = "aZ \t.?!,1_-'#"
ASCII = "".join(map(chr, range(0x20, 0x7F))) + "\t\n\x0c\r"
#: What an HTML entity is made of, for generated lines that hold some and nearly hold others.
ENTITY_PIECES = ["&", "&amp;", "&#233;", "&EACUTE;", "&x", ";", "#", "&#", "amp", "e9"]


def test_the_sets_are_the_fast_path_with_copyright_or_with_lower_case_accents() -> None:
    with_accents = "’–—…\xa0·" + "".join(map(chr, [*range(0xDF, 0xF7), *range(0xF8, 0xFD)]))
    assert ALPHABETS == ["".join(sorted("‘’“”–—…©\xa0·")), "".join(sorted(with_accents))]
    assert all(pattern.fullmatch(ASCII) for pattern in SETS)
    assert not any(pattern.fullmatch(character) for pattern in SETS for character in "\x0b\x1b\x7f")


@pytest.mark.parametrize("alphabet", ALPHABETS)
def test_ftfy_heuristic_finds_no_mojibake_in_any_three_characters_of_a_set(alphabet: str) -> None:
    # Every pattern of `ftfy.badness` longer than three characters needs one of "ÃÂØÙ" or a
    # Cyrillic letter, which neither set holds: three characters decide every pattern.
    characters = ASCII_KINDS + alphabet
    flagged = ["".join(triple) for triple in product(characters, repeat=3) if is_bad("".join(triple))]
    assert flagged == []


@pytest.mark.parametrize("line", ["é©a", "é“a", "é”a", "ã”“", "é£", "÷é", "aÇ“", "aÃ ", "cœ."])
def test_what_the_sets_leave_out_can_look_like_mojibake(line: str) -> None:
    assert not _ftfy_leaves_alone(line)
    assert is_bad(line)


@pytest.mark.parametrize("line", ["Fish &amp; chips", "Caf&eacute; ©", "P&EACUTE;REZ – não", "&#169; 2024"])
def test_lines_with_an_html_entity_take_the_general_path(line: str) -> None:
    assert _FTFY_LEAVES_ALONE.fullmatch(line) and not _ftfy_leaves_alone(line)
    text, steps = normalise_line(line)
    assert "ftfy:unescape_html" in steps and (text, steps) == normalise_line_general(line)


@settings(max_examples=300)
@given(st.sampled_from(ALPHABETS).flatmap(lambda alphabet: st.text(alphabet=st.sampled_from(ASCII + alphabet), max_size=40)))
def test_lines_of_either_set_normalise_as_on_the_general_path(line: str) -> None:
    assert _FTFY_LEAVES_ALONE.fullmatch(line)
    assert normalise_line(line) == normalise_line_general(line)


@settings(max_examples=300)
@given(st.sampled_from(ALPHABETS).flatmap(lambda alphabet: st.lists(st.sampled_from([*ENTITY_PIECES, *alphabet, "e", " "]), max_size=12).map("".join)))
def test_lines_with_ampersands_normalise_as_on_the_general_path(line: str) -> None:
    assert normalise_line(line) == normalise_line_general(line)


def test_real_lines_of_the_sets_normalise_as_on_the_general_path() -> None:
    lines = [line for line in real_lines() if _NEEDS_GENERAL_PATH.search(line) and _ftfy_leaves_alone(line)]
    assert len(lines) > 20, "expected lines with '&', accents or '©' in seeds/ and the devset"
    assert any("&" in line for line in lines)
    variants = [variant for line in lines for variant in (line, f"  {line}\t", line.replace(" ", "  \t "))]
    assert [line for line in variants if normalise_line(line) != normalise_line_general(line)] == []


@pytest.mark.parametrize("line", ["Home · News · Sport", "Política · Economia · São Paulo", "10\xa0km from the coast\xa0", "Rua José\xa0Bonifácio · © 2024", "Fish & chips\xa0·\xa0£5"])
def test_middle_dots_and_no_break_spaces_normalise_as_on_the_general_path(line: str) -> None:
    assert normalise_line(line) == normalise_line_general(line)
    assert ("\xa0" in line) == (normalise_line(line)[1] == ("whitespace collapsed",))
