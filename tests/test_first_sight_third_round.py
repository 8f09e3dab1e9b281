"""The exact shortcuts of the third round on a line's first sight (the plain tokeniser by
bytes, the sentence end by string methods), each against the computation it replaces, on every line of seeds/ and the devset
and on generated text."""

from __future__ import annotations

import sys

import regex
from hypothesis import example, given
from hypothesis import strategies as st

from newsclean import wordlists
from newsclean.filters import prose
from newsclean.filters.prose import SENTENCE_END, ends_like_sentence

from .test_filters_memo import real_lines

#: What a plain line holds once lower-cased: letters, both joiners, spaces, punctuation, digits
#: and the typographic characters, so every position of a joiner comes up.
PLAIN_LOWERED_ALPHABET = "abz'-’ .,;1“”–—…\t"


def plain_findall(lowered: str) -> tuple[str, ...]:
    return tuple(wordlists._PLAIN_WORD.findall(lowered))


def test_plain_words_by_bytes_equal_findall_on_real_lines() -> None:
    straightened = [
        lowered.replace("’", "'") for lowered in map(wordlists.plain_lowered, real_lines()) if lowered is not None
    ]
    by_bytes = [wordlists._plain_words(line) for line in straightened]
    assert by_bytes == [plain_findall(line) for line in straightened]
    # Both paths ran: lines split by bytes, and lines with a joiner beside a space left to findall.
    assert any("-" in line or "'" in line for line in straightened)
    assert any(" - " in line or " '" in line for line in straightened)


@given(st.text(alphabet=st.sampled_from(PLAIN_LOWERED_ALPHABET)))
@example("don't cease-fire")
@example("a--b a'-b a-'b a''b")
@example("'tis the season")
@example("'quoted' words")
@example("-dash- ends-")
@example("a - b ' c")
def test_plain_words_by_bytes_equal_findall(text: str) -> None:
    straightened = text.replace("’", "'")
    assert wordlists._plain_words(straightened) == plain_findall(straightened)


#: Sentence punctuation, closing quotes and brackets, spaces `\s` matches and characters it
#: does not ("\x1c", which `str.isspace` calls a space), letters.
SENTENCE_END_ALPHABET = ".!?;:…\"”’')]([“ \t\n\u3000\xa0\x1c\x1fab"


def test_sentence_end_spaces_are_the_pattern_spaces() -> None:
    every_character = map(chr, range(sys.maxunicode + 1))
    assert prose._SPACES == "".join(character for character in every_character if regex.match(r"\s", character))


def test_ends_like_sentence_equals_the_pattern_on_real_lines() -> None:
    lines = real_lines()
    assert [ends_like_sentence(line) for line in lines] == [bool(SENTENCE_END.search(line)) for line in lines]
    assert any(map(ends_like_sentence, lines)) and not all(map(ends_like_sentence, lines))


@given(st.text(alphabet=st.sampled_from(SENTENCE_END_ALPHABET)))
@example("He left.\u201d ")
@example("Photo (Reuters)")
@example("A label:\x1c")
@example("Really?)\u3000")
def test_ends_like_sentence_equals_the_pattern(text: str) -> None:
    assert ends_like_sentence(text) == bool(SENTENCE_END.search(text))
