"""The prompt anchors found through a line's words (`prompts.anchors_in`) against the 27
substring searches they replace, on every plain line of seeds/ and the devset and on generated
text; and the keys' property that makes it exact."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsclean.filters import prompts
from newsclean.filters.prompts import PROMPT_ANCHORS, anchors_in
from newsclean.wordlists import cached_words, plain_lowered

from .test_filters_memo import real_lines


def searched_anchors(lowered: str) -> set[str]:
    """What `_prompt_kind` did before: each anchor looked for in the lower-cased line."""
    return {anchor for anchor in PROMPT_ANCHORS if anchor in lowered}


@pytest.fixture(autouse=True)
def forget_words() -> None:
    """Each test starts with nothing learnt about words, so learning is tested too."""
    prompts._WORDS_WITHOUT_KEY.clear()
    prompts._ANCHOR_BITS_OF_WORD.clear()


def test_every_key_is_a_run_of_its_anchor_that_stays_inside_one_word() -> None:
    for bit, key in prompts._ANCHOR_KEYS:
        anchor = PROMPT_ANCHORS[bit.bit_length() - 1]
        assert key in anchor
        assert re.fullmatch(r"[a-z]+(?:'[a-z]+)*", key), key
        # Inside any plain line, the key is inside one of the line's words.
        line = f"x-{anchor}'s -{anchor}- ’{anchor}’ ({anchor})"
        assert any(key in word for word in cached_words(line))


def test_anchors_by_words_equal_the_searches_on_real_lines() -> None:
    plain = [(line, lowered) for line in real_lines() if (lowered := plain_lowered(line)) is not None]
    by_words = [anchors_in(line, lowered) for line, lowered in plain]
    assert by_words == [searched_anchors(lowered) for _, lowered in plain]
    # Real lines hold single-word and several-word anchors, and words with no key.
    found = set().union(*by_words)
    assert {"cookie", "newsletter"} <= found and any(" " in anchor for anchor in found)
    assert prompts._WORDS_WITHOUT_KEY
    # Asked again, with every word known, the answers are the same.
    assert [anchors_in(line, lowered) for line, lowered in plain] == by_words


#: Pieces of anchors and of their neighbours: joiners and quotes on either side, both apostrophes.
ANCHOR_PIECES = st.sampled_from(
    [*PROMPT_ANCHORS, "you", "have", "’ve", "'ve", "share", "this", "all", "by", "up", "story", "sign", "e", "-", "'", "’", " ", "?", ".", "x"]
)


@given(st.lists(ANCHOR_PIECES, max_size=12).map("".join))
@example("You’ve reached your limit")
@example("You've read 3 free articles")
@example("'by continuing' to--use")
@example("Liked this story? Share it with a friend")
@example("re-subscribe by-using e-mail")
def test_anchors_by_words_equal_the_searches(text: str) -> None:
    lowered = plain_lowered(text)
    assert lowered is not None
    assert anchors_in(text, lowered) == searched_anchors(lowered)


def test_forgotten_words_are_learnt_again() -> None:
    line = "Sign up for our newsletter"
    assert anchors_in(line, plain_lowered(line)) == {"newsletter"}
    for index in range(prompts._MAX_WORDS_REMEMBERED):
        prompts._anchor_bits(f"w{index}")
    assert len(prompts._WORDS_WITHOUT_KEY) + len(prompts._ANCHOR_BITS_OF_WORD) <= prompts._MAX_WORDS_REMEMBERED
    assert anchors_in(line, plain_lowered(line)) == {"newsletter"}
