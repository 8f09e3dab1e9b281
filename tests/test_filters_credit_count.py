"""`credit_kind` counts a line's words once for both its limits: against the former two counts,
on every line of seeds/ and the devset and on generated credit-like lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.filters.credits import (
    _AGENCY_ALONE,
    _STATES,
    _MAX_CAPTION_WORDS,
    _MAX_CREDIT_WORDS,
    CAPTION_LINE,
    CREDIT_LINE,
    credit_kind,
)
from newsclean.filters.prose import SENTENCE_END
from newsclean.wordlists import count_words

from .test_filters_memo import CREDIT_WORDS, real_lines


def reference_credit_kind(text: str) -> str | None:
    """`credit_kind` as it was, with a count for each limit and no anchor pre-check (and, as
    now, no credit in a line that states something: `_STATES`)."""
    if count_words(text, _MAX_CAPTION_WORDS + 1) <= _MAX_CAPTION_WORDS and CAPTION_LINE.search(text):
        return "photo caption"
    count = count_words(text, _MAX_CREDIT_WORDS + 1)
    if count <= _MAX_CREDIT_WORDS and (CREDIT_LINE.match(text) or _AGENCY_ALONE.match(text)):
        if count <= 3 or not (SENTENCE_END.search(text.rstrip(").]")) or _STATES.search(text)):
            return "photo credit"
    return None


def test_credit_kind_equals_counting_for_each_limit_on_real_lines() -> None:
    lines = real_lines()
    kinds = [credit_kind(line) for line in lines]
    assert kinds == [reference_credit_kind(line) for line in lines]
    assert {"photo credit", "photo caption"} <= set(kinds)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(CREDIT_WORDS + ["the", "said", "."]), max_size=70).map(" ".join))
def test_credit_kind_equals_counting_for_each_limit(text: str) -> None:
    assert credit_kind(text) == reference_credit_kind(text)
