"""A line's words made and looked up once on its first sight: `count_words` straight from the
memoised words, the share-button check from the words alone. Each against the code it replaces,
on every line of seeds/ and the devset and on generated text."""

from __future__ import annotations

from itertools import islice

from hypothesis import example, given
from hypothesis import strategies as st

from newsclean import wordlists
from newsclean.filters import markers
from newsclean.filters.markers import _FOLLOW, _MAX_FOLLOW_WORDS, SHARE_ACTIONS, SHARE_FILLER, _share_drop_reason
from newsclean.wordlists import WORD, cached_words, count_words

from .test_filters_memo import real_lines


def former_count_words(text: str, limit: int) -> int:
    """`count_words` as it was: a count of up to 256 words per line, then the limit."""
    if limit <= 256:
        if len(text) <= 12 * 256:
            count = min(len(wordlists.words(text)), 256)
        else:
            count = sum(1 for _ in islice(WORD.finditer(text), 256))
        return min(count, limit)
    return sum(1 for _ in islice(WORD.finditer(text), limit))


def former_share_drop_reason(text: str, max_words: int) -> str | None:
    """`_share_drop_reason` as it was: a word count first, then loops over the words."""
    longest = max(max_words, _MAX_FOLLOW_WORDS)
    if former_count_words(text, longest + 1) > longest:
        return None
    tokens = cached_words(text)
    if not tokens:
        return None
    if len(tokens) <= max_words and all(t in SHARE_ACTIONS or t in SHARE_FILLER for t in tokens):
        if any(t in SHARE_ACTIONS for t in tokens):
            return f"share button {text!r}"
    if len(tokens) <= _MAX_FOLLOW_WORDS and _FOLLOW.search(text):
        return f"follow button {text!r}"
    return None


LIMITS = (1, 2, 4, 11, 13, 21, 31, 46, 61, 256, 300)


def test_counts_equal_the_former_counts_on_real_lines() -> None:
    lines = real_lines()
    for limit in LIMITS:
        assert [count_words(line, limit) for line in lines] == [former_count_words(line, limit) for line in lines]


def test_share_reasons_equal_the_former_reasons_on_real_lines() -> None:
    lines = real_lines()
    for max_words in (12, 2, 25):
        reasons = [_share_drop_reason(line, max_words) for line in lines]
        assert reasons == [former_share_drop_reason(line, max_words) for line in lines]
        assert any(reason and reason.startswith("share button") for reason in reasons)


#: Words of button rows and of prose, separators, and a long word that makes a line long.
ROW_PIECES = st.sampled_from(
    ["Share", "share", "Tweet", "email", "this", "the", "story", "Follow us on", "Twitter", "facebook",
     "weather", "shares fell", "’s", "-", " ", ", ", " | ", "12", "x" * 700]
)


@given(st.lists(ROW_PIECES, max_size=30).map(" ".join), st.sampled_from((12, 1, 3, 25, 300)))
@example("Share this with Facebook", 12)
@example("Share " * 13, 12)
@example("Follow us on Twitter " + "x" * 3100, 12)
@example("the this with", 12)
@example("Follow us on Twitter" + " for the latest news" * 4, 12)  # 20 words: a follow button
@example("Follow us on Twitter" + " for the latest news" * 4 + " now", 12)  # 21: not one
@example(" ".join(["share"] * 21), 30)
def test_share_reasons_and_counts_equal_the_former_ones(text: str, max_words: int) -> None:
    assert _share_drop_reason(text, max_words) == former_share_drop_reason(text, max_words)
    for limit in LIMITS:
        assert count_words(text, limit) == former_count_words(text, limit)


def test_a_long_line_is_counted_not_tokenised() -> None:
    line = "word " * 1000
    assert len(line) > markers.COUNT_FROM_LIST_CHARACTERS
    cached_words.cache_clear()
    assert _share_drop_reason(line, 12) is None
    assert cached_words.cache_info().currsize == 0
