"""The exact pre-checks that spare a line's first sight work (the ad-marker, prompt and
language filters), each against the computation it skips, on every line of seeds/ and the
devset and on generated text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.document import Paragraph
from newsclean.filters.language import (
    _LATIN,
    _LETTER,
    _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER,
    LanguageFilter,
)
from newsclean.filters.markers import AdMarkerFilter, line_key
from newsclean.filters.prompts import _COMPILED, PROMPT_ANCHORS
from newsclean.wordlists import is_plain

from .test_filters_memo import (
    MIXED_ALPHABET,
    PROMPT_WORDS,
    PROMPTS_ONE_PER_PATTERN,
    real_lines,
    reference_judge,
)

#: Custom markers: a phrase with a non-ASCII letter (never a plain line's key), digits, one
#: of punctuation only (the empty key).
CUSTOM_MARKERS = ["Publicité", "Anzeige", "ad 2", "Sponsored: content", "***"]
MARKER_LINES = [
    "Advertisement", "ADVERTISEMENT -", "— Advertisement —", "Story continues below advertisement",
    "Sponsored  content", "Ad", "ad2", "ad 2", "Publicité", "* * *", "", "Advertisements are everywhere.",
]


def test_each_real_line_has_the_same_ad_marker_verdict() -> None:
    for markers in (None, CUSTOM_MARKERS):
        marker_filter = AdMarkerFilter(markers)
        for number, line in enumerate(real_lines() + MARKER_LINES):
            removal = marker_filter.judge_line(Paragraph(number, line))
            expected = len(line) <= 200 and line_key(line) in marker_filter.markers
            assert (removal is not None) == expected, line
            if is_plain(line):  # the pattern is exact on plain lines, not only a pre-check
                assert (marker_filter._plain_markers.fullmatch(line) is not None) == (line_key(line) in marker_filter.markers)


MARKER_WORDS = ["Advertisement", "advert", "AD", "ad", "Sponsored", "content", "story", "continues", "below",
                "2", "Publicité", "-", ":", "—", "…", "*", " ", "  ", "’", "the"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(MARKER_WORDS), max_size=6).map("".join), st.sampled_from([None, CUSTOM_MARKERS]))
def test_plain_marker_pattern_matches_exactly_the_marker_keys(text: str, markers: list[str] | None) -> None:
    marker_filter = AdMarkerFilter(markers)
    if is_plain(text):
        assert (marker_filter._plain_markers.fullmatch(text) is not None) == (line_key(text) in marker_filter.markers)
    assert (marker_filter.judge_line(Paragraph(0, text)) is not None) == (line_key(text) in marker_filter.markers)


def test_union_of_anchors_holds_each_patterns_anchors() -> None:
    assert all(set(anchors) <= set(PROMPT_ANCHORS) for _, _, anchors in _COMPILED)


def assert_matches_hold_their_anchors(text: str) -> None:
    """Each prompt pattern's match on a plain line holds one of that pattern's own anchors."""
    if not is_plain(text):
        return
    lowered = text.lower()
    for _, pattern, anchors in _COMPILED:
        if pattern.search(text):
            assert any(anchor in lowered for anchor in anchors), (text, pattern.pattern)


@pytest.mark.parametrize("text", PROMPTS_ONE_PER_PATTERN + [
    "Subscribe to get e-mail updates", "By clicking subscribe you agree to our privacy policy",
    "You've reached your free article limit", "Share this story with your friends", "Liked this post?",
    "This website uses cookies", "Reject all cookies", "By using our website you accept",
])
def test_each_prompt_example_matches_with_its_anchor(text: str) -> None:
    assert any(pattern.search(text) for _, pattern, _ in _COMPILED)
    assert_matches_hold_their_anchors(text)


def test_prompt_matches_on_real_lines_hold_their_anchors() -> None:
    for line in real_lines():
        assert_matches_hold_their_anchors(line)


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PROMPT_WORDS + ["clicking", "subscribing", "this post?", "by continuing", "share it"]),
                max_size=12).map(" ".join))
def test_prompt_matches_on_generated_lines_hold_their_anchors(text: str) -> None:
    assert_matches_hold_their_anchors(text)


def test_letter_or_latin_difference_is_exactly_where_the_counts_differ() -> None:
    """A line without a `_LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER` character has as many Latin
    characters as letters: checked on every code point."""
    for start in range(0, 0x110000, 0x1000):
        block = "".join(chr(point) for point in range(start, start + 0x1000) if not 0xD800 <= point < 0xE000)
        differ = {match.group() for match in _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.finditer(block)}
        letters, latin = set(_LETTER.findall(block)), set(_LATIN.findall(block))
        assert differ == letters ^ latin, hex(start)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(["the", "of", "and", "de", "la", "café", "Éire", "ΑΒΓ", "δεζ", "Москва", "Ⅻ", "ª",
                                 "council", "voted", "über", "die", "und", "1", ",", "’"]), max_size=14).map(" ".join))
def test_judge_equals_the_reference_on_mixed_scripts(text: str) -> None:
    judge_filter = LanguageFilter(min_words=2)
    verdict, reason = judge_filter.judge(text)
    assert (verdict.value, reason) == reference_judge(judge_filter, text)


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "ΑδⅫª")))
def test_judge_equals_the_reference_on_mixed_text(text: str) -> None:
    judge_filter = LanguageFilter(min_words=1)
    verdict, reason = judge_filter.judge(text)
    assert (verdict.value, reason) == reference_judge(judge_filter, text)
