"""`plain_lowered`, the one memoised answer to "is this line plain, and what is it lower-cased"
that the tokeniser, the ad-marker key and the anchor checks share, against computing each of
those from the line itself, on every line of seeds/ and the devset and on generated text."""

from __future__ import annotations

import regex
from hypothesis import given
from hypothesis import strategies as st

from newsclean.filters.markers import line_key
from newsclean.wordlists import WORD, cached_words, is_plain, may_contain_any, plain_lowered

from .test_filters_memo import MIXED_ALPHABET, real_lines

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
ANCHORS = ("cookie", "all rights reserved", "(c)", "photo", "’s", "-up")


def assert_shared_answers_equal_their_definitions(text: str) -> None:
    assert plain_lowered(text) == (text.lower() if is_plain(text) else None)
    assert cached_words(text) == tuple(word.casefold().replace("’", "'") for word in WORD.findall(text))
    assert line_key(text) == _NOT_WORD.sub(" ", text.casefold()).strip()
    assert may_contain_any(text, ANCHORS) == (not is_plain(text) or any(anchor in text.lower() for anchor in ANCHORS))


def test_shared_answers_equal_their_definitions_on_real_lines() -> None:
    lines = real_lines()
    assert any(plain_lowered(line) is None for line in lines) and any(plain_lowered(line) != line for line in lines)
    for line in lines:
        assert_shared_answers_equal_their_definitions(line)


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "Cookie(C)PHOTO")))
def test_shared_answers_equal_their_definitions(text: str) -> None:
    assert_shared_answers_equal_their_definitions(text)
