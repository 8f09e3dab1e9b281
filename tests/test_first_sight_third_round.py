"""The exact shortcuts of the third round on a line's first sight (the plain tokeniser by
bytes, ...), each against the computation it replaces, on every line of seeds/ and the devset
and on generated text."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from newsclean import wordlists

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
