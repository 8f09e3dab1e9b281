"""The exact shortcuts that spare a line's first sight in the context filters (the navigation,
comment, credit and legal pre-checks, one count of function words for the prose measure and
the language judge, the repeated-line key), each against the computation it replaces, on every
line of seeds/ and the devset, on examples of each pattern's branches and on generated text."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import wordlists
from newsclean.filters import credits, legal, sections
from newsclean.filters.markers import line_key
from newsclean.filters.prose import SENTENCE_END, line_shape
from newsclean.wordlists import (
    WORD,
    cached_words,
    count_words,
    distinctly_english_stopwords,
    english_stopwords,
    foreign_stopwords,
    function_word_counts,
)

from .test_filters_memo import MIXED_ALPHABET, real_lines

#: A line for each branch of the navigation, comment-heading, credit and legal patterns, so
#: that a pre-check that lost a start word or an anchor turns one of them away.
NAVIGATION_LINES = [
    "Skip to content", "Skip to main navigation", "Related", "Related stories", "More on this story",
    "More from the section", "More stories", "Read more", "Read next", "Up next", "See also",
    "You may also like", "You might also be interested in", "Recommended for you", "Most read", "Top stories",
    "Trending now", "Latest news", "Editor's picks", "Popular posts", "Also read", "Further reading",
    "What to read next", "Around the web", "In case you missed it", "More like this", "Elsewhere on the site",
    "Read more: the mayor resigns", "Also read - budget", "See also | budget", "Related: budget",
    "Recommended » budget", "More: budget", "Watch: the mayor", "Listen — the podcast",
    "Also on example.com Council votes", "More on example.co.uk Council votes",
]
COMMENT_HEADINGS = [
    "Comments", "3 Comments", "Reader comments (12)", "Responses", "Replies", "Discussion:", "comment (4)",
    "Be the first to comment", "Write a comment", "Leave a Reply", "Leave your comment", "Post a comment",
    "Add new comment", "Submit a response", "Show all comments", "View 12 comments", "Hide replies",
    "Load comments", "See all replies", "Read comments", "Comments are closed.", "Join the conversation",
    "One thought on “Budget”", "2 responses to Budget", "12 thoughts on Budget",
]
CREDIT_LINES = [
    "Photo: John Smith", "Photograph by Jane Doe", "Images: Getty", "Picture: AP", "Pic: Reuters",
    "Illustration by Jo", "Video credit: BBC", "Graphics courtesy of the city", "Credit: iStock",
    "(Credit: iStock)", "[Courtesy of the family]", "Copyright 2019", "© Reuters", "Reuters / David Mercado",
    "AP Photo, File", "Michael Conroy, AP", "Jo Smith via Getty Images", "Jo Smith for The Times - Reuters",
    "Jo Smith – AFP", "Getty Images", "(AP)", "Reuters.", "Enlarge image", "View gallery",
    "Open image in gallery", "View image in full screen", "Image copyright Getty Images",
]
LEGAL_LINES = [
    "Terms of Use | Privacy Policy", "Privacy · Terms", "About Us / Contact / Privacy Policy",
    "  Cookie policy, Terms and conditions", "Site map | Terms of service | Careers", "© 2019 Example. All rights reserved.",
    "Copyright 2020 Example", "Help • RSS • Privacy notice",
]
#: Words that start the patterns' branches and ordinary ones, for generated lines.
PATTERN_WORDS = [
    "skip", "to", "content", "related", "stories", "more", "on", "read", "next", "up", "see", "also", "you",
    "may", "like", "most", "top", "latest", "news", "in", "case", "watch", "listen", "comments", "3",
    "reader", "one", "thoughts", "leave", "a", "reply", "photo", "credit", "courtesy", "image", "by", "AP",
    "Reuters", "Getty", "Images", "via", "/", ",", ":", "-", "|", "(", ")", ".", "©", "terms", "privacy",
    "policy", "about", "us", "the", "mayor", "Skip", "\u212aelvin", "é",
]


def navigation_reference(text: str, max_related_words: int = 25) -> sections._NavigationLine | None:
    if sections.SKIP_LINK.match(text):
        return sections._NavigationLine.SKIP_LINK
    if count_words(text, max_related_words + 1) <= max_related_words and sections.RELATED_INLINE.match(text):
        return sections._NavigationLine.INLINE_LINK
    if sections.RELATED_HEADING.match(text):
        return sections._NavigationLine.LIST_HEADING
    return None


def comment_mark_reference(text: str) -> int:
    heading = count_words(text, 21) <= 20 and bool(sections.COMMENT_HEADING.match(text))
    notice = bool(sections.COMMENT_NOTICE.search(text))
    return sections._NOTICE * notice | sections._HEADING * heading


def credit_reference(text: str) -> bool:
    return bool(credits.CREDIT_LINE.match(text) or credits._AGENCY_ALONE.match(text))


def credit_kind_reference(text: str) -> str | None:
    count = count_words(text, 61)
    if count <= 60 and credits.CAPTION_LINE.search(text):
        return "photo caption"
    if count <= 10 and credit_reference(text):
        if count <= 3 or not SENTENCE_END.search(text.rstrip(").]")):
            return "photo credit"
    return None


def notice_kind_reference(text: str) -> str | None:
    if count_words(text, 61) > 60:
        return None
    if legal.COPYRIGHT.search(text):
        return "copyright notice"
    if legal.LEGAL_LINKS.match(text) and legal._PRIVACY_OR_TERMS.search(text):
        return "legal links"
    return None


def function_word_counts_reference(text: str) -> tuple[int, int, int]:
    tokens = cached_words(text)
    foreign = frozenset().union(*foreign_stopwords().values())
    return (
        sum(token in english_stopwords() for token in tokens),
        sum(token in distinctly_english_stopwords() for token in tokens),
        sum(token in foreign for token in tokens),
    )


def assert_shortcuts_equal_their_references(text: str) -> None:
    assert sections._navigation_line(text, 25) == navigation_reference(text)
    assert sections._comment_mark(text) == comment_mark_reference(text)
    assert credits.credit_kind(text) == credit_kind_reference(text)
    assert legal._notice_kind(text, 60) == notice_kind_reference(text)
    assert function_word_counts(text) == function_word_counts_reference(text)
    tokens = [word.casefold().replace("’", "'") for word in WORD.findall(text)]
    hits = sum(token in english_stopwords() for token in tokens)
    shape = line_shape(text)
    assert shape == (len(tokens), hits / len(tokens) if tokens else 0.0, bool(SENTENCE_END.search(text)))


def test_shortcuts_equal_their_references_on_real_lines() -> None:
    lines = real_lines()
    for line in lines:
        assert_shortcuts_equal_their_references(line)
    assert any(navigation_reference(line) for line in lines) and any(comment_mark_reference(line) for line in lines)
    assert any(credit_reference(line) for line in lines) and any(notice_kind_reference(line) == "legal links" for line in lines)


@pytest.mark.parametrize("text", NAVIGATION_LINES)
def test_each_navigation_branch_passes_the_pre_check(text: str) -> None:
    assert navigation_reference(text) is not None
    assert sections._navigation_line(text, 25) == navigation_reference(text)


@pytest.mark.parametrize("text", COMMENT_HEADINGS)
def test_each_comment_heading_passes_the_pre_check(text: str) -> None:
    assert sections._comment_mark(text) == comment_mark_reference(text) == sections._HEADING


@pytest.mark.parametrize("text", CREDIT_LINES)
def test_each_credit_branch_passes_the_pre_check(text: str) -> None:
    assert credit_reference(text)
    assert credits._CREDIT_START.match(text) or credits._ENDS_WITH_AGENCY.search(text)
    assert credits.credit_kind(text) == credit_kind_reference(text) is not None


@pytest.mark.parametrize("text", LEGAL_LINES)
def test_each_legal_line_is_a_notice(text: str) -> None:
    assert legal._notice_kind(text, 60) == notice_kind_reference(text) is not None


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PATTERN_WORDS), max_size=8).map(" ".join))
def test_shortcuts_equal_their_references_on_pattern_words(text: str) -> None:
    assert_shortcuts_equal_their_references(text)


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "THE of and de la ©(AP)/:\t")))
def test_shortcuts_equal_their_references_on_mixed_text(text: str) -> None:
    assert_shortcuts_equal_their_references(text)


_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")


@given(st.text(alphabet=st.characters(max_codepoint=127) | st.sampled_from(wordlists.TYPOGRAPHIC)))
def test_line_key_equals_its_definition_on_any_plain_line(text: str) -> None:
    assert line_key(text) == _NOT_WORD.sub(" ", text.casefold()).strip()


def test_function_word_counts_of_a_line_too_long_to_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The three sums taken one by one (a line of a million words and more) equal the packed
    count: here with fields of two bits, so lines of more than three words take that path."""
    monkeypatch.setattr(wordlists, "_FIELD_MASK", 3)
    function_word_counts.cache_clear()
    try:
        for text in ["the de of", "The mayor of the town and de la Rey", "het een und der the the the"]:
            assert function_word_counts(text) == function_word_counts_reference(text)
    finally:
        function_word_counts.cache_clear()
