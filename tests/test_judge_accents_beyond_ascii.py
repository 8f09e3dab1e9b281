"""The language judge's check for a character that letters and Latin characters count
differently, made on a line's characters beyond ASCII (`_beyond_ascii`) instead of the whole
line: the same answer on every code point, on every line of seeds/ and the devset and on
generated text."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from newsclean.filters.language import _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER, _beyond_ascii

from .test_filters_memo import real_lines

#: ASCII around letters of other scripts, accented and Latin non-letters, and a lone surrogate.
ALPHABET = "aZ 1-'.\x7féñßµαЖ中Ⅻªºŉ’“—…\ud800\U0001d400"


def former_search_finds(text: str) -> bool:
    """The check as it was: the pattern searched over the whole line."""
    return _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.search(text) is not None


def search_finds(text: str) -> bool:
    """The check as `_judge` makes it: over the characters beyond ASCII."""
    return _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.search(_beyond_ascii(text)) is not None


def test_no_ascii_character_is_counted_differently() -> None:
    assert _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.search("".join(map(chr, range(128)))) is None


def test_every_code_point_beyond_ascii_is_kept_in_order() -> None:
    every = "".join(map(chr, range(0x110000)))
    assert _beyond_ascii(every) == every[128:]
    assert _beyond_ascii("a\u00e9b\U0001f600c\ud800") == "\u00e9\U0001f600\ud800"


def test_each_code_point_among_ascii_gets_the_former_answer() -> None:
    found = [search_finds(f"ab {chr(point)}.") for point in range(0x110000)]
    assert found == [former_search_finds(f"ab {chr(point)}.") for point in range(0x110000)]
    assert any(found) and not all(found)


def test_real_lines_get_the_former_answer() -> None:
    lines = real_lines()
    found = [search_finds(line) for line in lines]
    assert found == [former_search_finds(line) for line in lines]
    assert any(found)


@given(st.text(alphabet=st.sampled_from(ALPHABET)))
@example("Ⅻ apóstolos")
@example("São Paulo — “Olá” µ")
@example("")
def test_generated_text_gets_the_former_answer(text: str) -> None:
    assert search_finds(text) == former_search_finds(text)
