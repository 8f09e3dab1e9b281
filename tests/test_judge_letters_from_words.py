"""The language judge's letter check on a plain line read from its words (a plain line has a
letter exactly when it has a word) instead of a search for an ASCII letter: the judge against
its former code on every line of seeds/ and the devset and on generated text."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from newsclean.filters.language import (
    _LATIN,
    _LETTER,
    _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER,
    _LETTER_RUN,
    OTHER_LANGUAGES,
    Verdict,
    _foreign_stopword_languages,
    _judge,
    dominant_script,
)
from newsclean.wordlists import cached_words, function_word_counts, plain_lowered

from .test_filters_memo import ASCII_LETTER, MIXED_ALPHABET, real_lines

#: The settings of the default filter, ones that judge more lines on their words, and ones
#: under which a line without a letter would reach the word counts.
SETTINGS = ((0.5, 4, 0.15, 0.2), (0.5, 1, 0.5, 0.1), (0.5, 0, 0.15, 0.2))


def former_judge(
    text: str, min_latin_share: float, min_words: int, english_share: float, foreign_share: float
) -> tuple[Verdict, str]:
    """`_judge` as it was: a search for an ASCII letter on a plain line."""
    if plain_lowered(text) is not None:
        # Every letter is Latin, so only whether there is one matters: the share is then 1.
        letters = latin = 1 if ASCII_LETTER.search(text) else 0
    elif _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.search(text) is None:
        # The letters are the Latin characters (accented Latin text): the share is 1 again.
        letters = latin = 1 if _LETTER.search(text) else 0
    else:
        letters = len(_LETTER.findall(text))
        latin = len(_LATIN.findall(text))
    if letters == 0:
        return Verdict.UNDECIDED, ""
    if latin / letters < min_latin_share:
        script = dominant_script(text)
        return Verdict.FOREIGN, f"non-English fragment: written in {script} script ({1 - latin / letters:.0%} of letters non-Latin)"
    tokens = cached_words(text)
    if len(tokens) < min_words:
        return Verdict.UNDECIDED, ""
    _, english, foreign = function_word_counts(text)
    if english / len(tokens) >= english_share and english >= foreign:
        return Verdict.ENGLISH, ""  # no language can have more function words than all of them
    languages_of = _foreign_stopword_languages()
    # One look-up per word for all languages; the few function words found are then sorted
    # into each language's list, in the line's order. The language with the most wins (ties:
    # the last code alphabetically); with none found, no language has any.
    foreign_hits: dict[str, list[str]] = {}
    for token in filter(languages_of.__contains__, tokens):
        for code in languages_of[token]:
            foreign_hits.setdefault(code, []).append(token)
    code, hits = max(foreign_hits.items(), key=lambda item: (len(item[1]), item[0]), default=("", []))
    if english / len(tokens) >= english_share and english >= len(hits):
        return Verdict.ENGLISH, ""
    if len(hits) >= 2 and len(hits) / len(tokens) >= foreign_share and len(hits) > 2 * english:
        sample = ", ".join(dict.fromkeys(hits[:5]))
        return Verdict.FOREIGN, f"non-English fragment: {OTHER_LANGUAGES[code]} function words ({sample})"
    capitalised = sum(1 for word in _LETTER_RUN.findall(text) if word[0].isupper())
    if capitalised / len(tokens) >= 0.6:
        return Verdict.UNDECIDED, ""
    return Verdict.UNCERTAIN, ""


def test_judgements_equal_the_former_ones_on_real_lines() -> None:
    lines = real_lines()
    for settings in SETTINGS:
        judgements = [_judge(line, *settings) for line in lines]
        assert judgements == [former_judge(line, *settings) for line in lines]
        assert {verdict for verdict, _ in judgements} == set(Verdict)


@given(st.text(alphabet=st.sampled_from(MIXED_ALPHABET + "Ωж")), st.sampled_from(SETTINGS))
@example("...", SETTINGS[2])
@example("1 - 2", SETTINGS[1])
@example("a", SETTINGS[2])
@example("’’ “”", SETTINGS[1])
def test_judgements_equal_the_former_ones(text: str, settings: tuple[float, int, float, float]) -> None:
    assert _judge(text, *settings) == former_judge(text, *settings)
    if plain_lowered(text) is not None:
        assert bool(cached_words(text)) == bool(ASCII_LETTER.search(text))
