"""The plain tokeniser's joiner check by byte values and `str` searches (`wordlists._plain_words`)
against its former check by `bytes in bytes`, on every line of seeds/ and the devset and on
generated text: the same words, whichever path a line takes."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from newsclean import wordlists

from .test_filters_memo import real_lines
from .test_first_sight_third_round import PLAIN_LOWERED_ALPHABET


def former_plain_words(lowered: str) -> tuple[str, ...]:
    """`_plain_words` before the joiner check avoided `bytes in bytes`."""
    kept = lowered.encode("ascii", "replace").translate(wordlists._WORD_BYTES)
    if b"'" in kept or b"-" in kept:
        shape = kept.translate(wordlists._SEPARATOR_BYTES)
        if b"- " in shape or b" -" in shape or b"--" in shape or shape.startswith(b"-") or shape.endswith(b"-"):
            return tuple(wordlists._PLAIN_WORD.findall(lowered))
    return tuple(kept.decode("ascii").split())


def test_plain_words_equal_former_on_real_lines() -> None:
    straightened = [
        lowered.replace("’", "'") for lowered in map(wordlists.plain_lowered, real_lines()) if lowered is not None
    ]
    assert [wordlists._plain_words(line) for line in straightened] == [former_plain_words(line) for line in straightened]
    # Every branch ran: no joiner, joiners inside words only, and a joiner beside a space.
    assert any("-" not in line and "'" not in line for line in straightened)
    assert any("-" in line and " -" not in line and "- " not in line for line in straightened)
    assert any(" - " in line or " '" in line for line in straightened)


@given(st.text(alphabet=st.sampled_from(PLAIN_LOWERED_ALPHABET)))
@example("don't cease-fire")
@example("'tis")
@example("ends-")
@example("rock 'n' roll")
@example("well--known")
@example("a -b")
@example("a- b")
@example("-")
@example("'")
@example("")
def test_plain_words_equal_former(text: str) -> None:
    straightened = text.replace("’", "'")
    assert wordlists._plain_words(straightened) == former_plain_words(straightened)
