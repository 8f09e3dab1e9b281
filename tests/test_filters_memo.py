"""The filters' shortcuts (ASCII letter counting, memoised per-line answers) against the
straightforward computations they replace, on every line of seeds/ and the devset and on
generated text."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.filters.language import _LATIN, _LETTER, LanguageFilter, _foreign_language
from newsclean.filters.prompts import PromptFilter
from newsclean.io import read_document

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "scraped"
#: On a plain line (`is_plain`) the letters (`\p{L}`) are exactly A-Z and a-z, all Latin.
ASCII_LETTER = regex.compile(r"[A-Za-z]")

def real_lines() -> list[str]:
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEVSET.glob("*.txt"))
    lines = [line for path in files for line in read_document(path)[0].lines if line.strip()]
    assert len(lines) > 1000
    return lines


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_letters_are_the_letters_and_all_latin(text: str) -> None:
    assert ASCII_LETTER.findall(text) == _LETTER.findall(text) == _LATIN.findall(text)


def test_memoised_verdicts_follow_the_filter_settings() -> None:
    line = "Le gouvernement a annoncé une nouvelle loi pour les écoles de la région"
    assert LanguageFilter().judge(line)[0].value == "foreign"
    assert LanguageFilter(min_words=50).judge(line)[0].value == "undecided"
    assert LanguageFilter().judge(line)[0].value == "foreign"


def test_memoised_langdetect_answer_equals_a_fresh_detection() -> None:
    text = "Die Regierung hat heute ein neues Gesetz für die Schulen des Landes beschlossen"
    first = _foreign_language(text, 0.9)
    _foreign_language.cache_clear()
    assert _foreign_language(text, 0.9) == first
    assert first is not None and first[0] == "de"


def reference_judge(judge_filter: LanguageFilter, text: str) -> tuple[str, str]:
    """LanguageFilter.judge as it was before the shortcuts: a list of every letter, every
    lookup in the loop, no memo."""
    from newsclean.filters.language import JUDGE_CHARACTERS, _LATIN, distinctly_english_stopwords, dominant_script
    from newsclean.wordlists import OTHER_LANGUAGES, foreign_stopwords, words

    text = text[:JUDGE_CHARACTERS]
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return "undecided", ""
    latin = len(_LATIN.findall(text))
    if latin / letters < judge_filter.min_latin_share:
        script = dominant_script(text)
        return "foreign", f"non-English fragment: written in {script} script ({1 - latin / letters:.0%} of letters non-Latin)"
    tokens = words(text)
    if len(tokens) < judge_filter.min_words:
        return "undecided", ""
    english = sum(token in distinctly_english_stopwords() for token in tokens)
    foreign_hits = {code: [t for t in tokens if t in stopwords] for code, stopwords in foreign_stopwords().items()}
    code, hits = max(foreign_hits.items(), key=lambda item: (len(item[1]), item[0]))
    if english / len(tokens) >= judge_filter.english_share and english >= len(hits):
        return "en", ""
    if len(hits) >= 2 and len(hits) / len(tokens) >= judge_filter.foreign_share and len(hits) > 2 * english:
        sample = ", ".join(dict.fromkeys(hits[:5]))
        return "foreign", f"non-English fragment: {OTHER_LANGUAGES[code]} function words ({sample})"
    capitalised = sum(1 for word in regex.findall(r"\p{L}+", text) if word[0].isupper())
    if capitalised / len(tokens) >= 0.6:
        return "undecided", ""
    return "uncertain", ""


def test_judge_equals_the_reference_on_real_lines() -> None:
    judge_filter = LanguageFilter()
    lines = real_lines() + ["", "123 456", "Hello", "ΑΒΓ δεζ", "Москва сегодня объявила о новых мерах"]
    verdicts = [judge_filter.judge(line) for line in lines]
    assert [(verdict.value, reason) for verdict, reason in verdicts] == [reference_judge(judge_filter, line) for line in lines]
    assert {verdict.value for verdict, _ in verdicts} == {"en", "foreign", "undecided", "uncertain"}


#: English function words and other languages' (some in several), and content words, so that
#: generated lines fall on every side of the English and foreign thresholds.
FUNCTION_AND_CONTENT_WORDS = [
    "the", "of", "and", "which", "would", "de", "la", "el", "und", "der", "het", "een", "que", "não",
    "les", "des", "mayor", "council", "Lisbon", "market", "voted", "on", "Tuesday",
]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(FUNCTION_AND_CONTENT_WORDS), max_size=14).map(" ".join))
def test_judge_equals_the_reference_on_mixed_function_words(text: str) -> None:
    judge_filter = LanguageFilter()
    verdict, reason = judge_filter.judge(text)
    assert (verdict.value, reason) == reference_judge(judge_filter, text)


@given(st.text(alphabet=st.sampled_from("ab’'- .é1\n")), st.integers(min_value=0, max_value=300))
def test_count_words_equals_counting_matches_up_to_the_limit(text: str, limit: int) -> None:
    from newsclean.wordlists import WORD, count_words

    assert count_words(text, limit) == min(sum(1 for _ in WORD.finditer(text)), limit)


#: ASCII letters and punctuation, the typographic marks `is_plain` allows, and letters it does
#: not ("é", dotted capital I, long s, Kelvin sign), so generated lines take both paths.
MIXED_ALPHABET = "aBz ’'‘“”–—…-.,1é\u0130\u017f\u212a"


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET)))
def test_words_equal_case_folding_each_word(text: str) -> None:
    from newsclean.wordlists import WORD, words

    assert words(text) == [word.casefold().replace("’", "'") for word in WORD.findall(text)]


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "THE of and")))
def test_line_shape_equals_measuring_word_by_word(text: str) -> None:
    from newsclean.filters.prose import SENTENCE_END, line_shape
    from newsclean.wordlists import WORD, english_stopwords

    tokens = [word.casefold().replace("’", "'") for word in WORD.findall(text)]
    hits = sum(token in english_stopwords() for token in tokens)
    shape = line_shape(text)
    assert (shape.word_count, shape.stopword_share) == (len(tokens), hits / len(tokens) if tokens else 0.0)
    assert shape.ends_like_sentence == bool(SENTENCE_END.search(text))


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET)))
def test_plain_letters_are_the_ascii_letters_and_all_latin(text: str) -> None:
    """`_judge` only asks whether a plain line has a letter (a word): its share of Latin letters is 1."""
    from newsclean.wordlists import is_plain

    if is_plain(text):
        assert ASCII_LETTER.findall(text) == _LETTER.findall(text) == _LATIN.findall(text)
    else:
        assert not text.isascii()


PROMPT_WORDS = [
    "sign up", "subscribe", "newsletter", "our", "weekly", "in", "to", "your inbox", "enter", "your",
    "email", "e-mail address", "required", "by", "signing up", "agree", "already a subscriber",
    "you've", "reached", "5", "free", "articles", "share this story", "with", "a friend", "liked",
    "this", "article?", "we", "use cookies", "cookie", "policy", "accept all", "continuing",
    "using", "site", "the", "council", "said", ",", ".", "Cookies", "NEWSLETTER", "’", "“",
    "become a member", "already a member", "unlimited access", "start your free trial",
    "support our journalism", "you have read", "limit", "stories", "share it with", "others",
    "enjoyed this story?", "reject all", "allow all", "manage", "by using our website",
    "enter a valid email", "alerts", "updates", "get", "terms", "privacy", "post",
]


def searched_prompt_kind(text: str) -> str | None:
    """The prompt kind by the searches alone, without the anchor pre-check (a line reporting
    speech is none: `prose.reports_speech`)."""
    from newsclean.filters.prompts import _COMPILED
    from newsclean.filters.prose import reports_speech

    kind = next((kind for kind, pattern, _ in _COMPILED if pattern.search(text)), None)
    return None if reports_speech(text) else kind


def test_prompt_anchor_check_never_skips_a_prompt_on_real_lines() -> None:
    prompt_filter = PromptFilter(max_words=10_000)  # no line is too long to be asked about
    lines = real_lines()
    kinds = [prompt_filter.prompt_kind(line) for line in lines]
    assert kinds == [searched_prompt_kind(line) for line in lines]
    assert {"newsletter prompt", "cookie notice", "subscription prompt"} <= set(kinds)


#: One prompt for each pattern, each found only through its own anchor word.
PROMPTS_ONE_PER_PATTERN = [
    "Sign up for our daily alerts", "Read our weekly newsletter", "Newsletter: sign up today",
    "Get the best stories in your inbox", "Enter your e-mail", "By signing up you agree to our terms",
    "Become a member", "Start your free trial", "You have read the limit for this month",
    "Share it with others", "Enjoyed this story?", "We use cookies", "Cookie settings",
    "Manage", "By continuing to use this site", "Already a member? Log in",
]


@pytest.mark.parametrize("text", PROMPTS_ONE_PER_PATTERN)
def test_each_prompt_pattern_passes_the_anchor_check(text: str) -> None:
    assert searched_prompt_kind(text) is not None
    assert PromptFilter().prompt_kind(text) == searched_prompt_kind(text)


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PROMPT_WORDS), max_size=12).map(" ".join))
def test_prompt_anchor_check_never_skips_a_prompt(text: str) -> None:
    assert PromptFilter(max_words=100).prompt_kind(text) == searched_prompt_kind(text)


def assert_anchors_cover_matches(text: str) -> None:
    """A line the anchor check lets skip a search is one the search would not have matched."""
    from newsclean.filters.credits import CAPTION_ANCHORS, CAPTION_LINE
    from newsclean.filters.legal import COPYRIGHT, COPYRIGHT_ANCHORS
    from newsclean.wordlists import may_contain_any

    from newsclean.filters.sections import COMMENT_NOTICE, COMMENT_NOTICE_ANCHORS

    assert may_contain_any(text, CAPTION_ANCHORS) or not CAPTION_LINE.search(text), text
    assert may_contain_any(text, COPYRIGHT_ANCHORS) or not COPYRIGHT.search(text), text
    assert may_contain_any(text, COMMENT_NOTICE_ANCHORS) or not COMMENT_NOTICE.search(text), text


CREDIT_WORDS = [
    "Image", "caption", "(Photo:", "Photo", "credit:", "Credits:", "courtesy", "(Courtesy:", "Picture",
    "Illustration", "by", "AP", "Reuters", ")", "[", "]", "John", "Smith", "©", "(c)", "(C)", "2019",
    "All", "rights", "reserved", "Copyright", "COPYRIGHT", "the", "council", ".", "’",
    "Akismet", "comment", "Comments", "data", "is", "processed", "are", "moderated", "Your", "email", "E-mail",
    "address", "will", "not", "be", "published", "Required", "fields", "marked", "*",
]
#: One line for each alternative of CAPTION_LINE and COPYRIGHT.
CAPTIONS_AND_NOTICES = [
    "Image caption Scooter Braun has managed Justin Bieber", "The mayor at the rally (Photo credit: John Smith)",
    "The mayor at the rally (Picture by John Smith)", "Photo credit: John Smith",
    "The mayor at the rally (Courtesy: City Hall)", "A map of the route (Illustration by Jane Doe)",
    "The mayor at the rally (Photo: John Smith)",
    "© 2019 Example News", "(c) 2019 Example News", "Example News. All rights reserved.", "Copyright 2019 Example News",
]
#: One line for each alternative of COMMENT_NOTICE.
COMMENT_NOTICES = [
    "This site uses Akismet to reduce spam.", "Learn how your comment data is processed.",
    "Comments are moderated before they appear.", "Your email address will not be published.",
    "Required fields are marked *",
]


def test_caption_and_copyright_anchor_checks_never_skip_a_match_on_real_lines() -> None:
    for line in real_lines() + CAPTIONS_AND_NOTICES + COMMENT_NOTICES:
        assert_anchors_cover_matches(line)


@pytest.mark.parametrize("text", COMMENT_NOTICES)
def test_each_comment_notice_alternative_is_still_found(text: str) -> None:
    from newsclean.filters.sections import _NOTICE, _comment_mark

    assert _comment_mark(text) & _NOTICE


def forward_search(pattern: regex.Pattern) -> regex.Pattern:
    """The same pattern searched from the start of the text, as regex searches by default."""
    return regex.compile(pattern.pattern, pattern.flags & ~regex.REVERSE)


def test_end_anchored_patterns_searched_from_the_end_match_the_same_real_lines() -> None:
    from newsclean.filters.prose import SENTENCE_END
    from newsclean.filters.sections import COMMENT_METADATA

    lines = real_lines() + ["Posted March 3, 2019 at 9:12 am", "jsmith 5 hours ago", "He said: “Yes.” ", "(AP)."]
    for pattern in (SENTENCE_END, COMMENT_METADATA):
        assert pattern.flags & regex.REVERSE
        forward = forward_search(pattern)
        found = [bool(pattern.search(line)) for line in lines]
        assert found == [bool(forward.search(line)) for line in lines]
        assert any(found) and not all(found)


@given(st.text(alphabet=st.sampled_from(".!?;:…\"”’')] \t\u00a0\u2003aZ09/-,")))
def test_end_anchored_patterns_searched_from_the_end_match_the_same_text(text: str) -> None:
    from newsclean.filters.prose import SENTENCE_END
    from newsclean.filters.sections import COMMENT_METADATA

    for pattern in (SENTENCE_END, COMMENT_METADATA):
        assert bool(pattern.search(text)) == bool(forward_search(pattern).search(text))


@pytest.mark.parametrize("text", CAPTIONS_AND_NOTICES)
def test_each_caption_and_copyright_alternative_is_still_found(text: str) -> None:
    from newsclean.filters.credits import credit_kind
    from newsclean.filters.legal import LegalNoticeFilter

    assert credit_kind(text) == "photo caption" or LegalNoticeFilter().notice_kind(text) == "copyright notice"


@settings(max_examples=300)
@given(st.lists(st.sampled_from(CREDIT_WORDS), max_size=10).map(" ".join))
def test_caption_and_copyright_anchor_checks_never_skip_a_match(text: str) -> None:
    assert_anchors_cover_matches(text)


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "09²")))
def test_line_key_equals_its_definition(text: str) -> None:
    from newsclean.filters.markers import line_key

    assert line_key(text) == regex.sub(r"[^\p{L}\p{N}]+", " ", text.casefold()).strip()


def test_words_and_line_keys_equal_their_definitions_on_real_lines() -> None:
    from newsclean.filters.markers import line_key
    from newsclean.wordlists import WORD, words

    for line in real_lines():
        assert words(line) == [word.casefold().replace("’", "'") for word in WORD.findall(line)]
        assert line_key(line) == regex.sub(r"[^\p{L}\p{N}]+", " ", line.casefold()).strip()
