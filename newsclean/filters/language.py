"""Filter for non-English fragments.

Cheap evidence decides first: the script of the letters (regex `\\p{Script=...}`), then the
share of English versus other languages' function words. langdetect (seeded, so results are
deterministic) is asked only about blocks of consecutive Latin-script lines those checks cannot
decide, once per block. Lines too short to judge alone (and title-case lines, which are mostly
names) follow the judged lines around them. Names and quoted foreign words inside English
sentences stay, because the sentence's function words are English.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from typing import Sequence

import regex
from langdetect.lang_detect_exception import LangDetectException

from ..document import Paragraph, Removal
from ..memo import line_memo
from ..wordlists import OTHER_LANGUAGES, cached_words, english_stopwords, foreign_stopwords, is_plain, load_word_list
from .base import Filter, PageView
from .detection import FastDetectorFactory, load_factory

_LETTER = regex.compile(r"\p{L}")
_LATIN = regex.compile(r"\p{Script=Latin}")
_LETTER_RUN = regex.compile(r"\p{L}+")
#: On a plain line (`is_plain`) the letters (`\p{L}`) are exactly A-Z and a-z, all Latin.
_ASCII_LETTER = regex.compile(r"[A-Za-z]")
#: A character that `_LETTER` and `_LATIN` count differently: a letter of another script, or
#: a Latin character that is not a letter (Roman numerals such as "Ⅻ"). A line without any has
#: as many Latin characters as letters, so only whether it has a letter matters.
_LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER = regex.compile(r"[\p{L}--\p{Script=Latin}]|[\p{Script=Latin}--\p{L}]", regex.V1)
#: Scripts named in reasons; any other non-Latin letters are reported as "non-Latin".
SCRIPTS = (
    "Arabic", "Cyrillic", "Han", "Hiragana", "Katakana", "Hangul", "Devanagari", "Greek",
    "Hebrew", "Thai", "Bengali", "Tamil", "Georgian", "Armenian", "Ethiopic",
)
_SCRIPT_PATTERNS = tuple((name, regex.compile(rf"\p{{Script={name}}}")) for name in SCRIPTS)

LANGDETECT_SEED = 0
#: langdetect is asked about a block's first this-many characters: its answer is settled long
#: before, and its cost stays bounded.
BLOCK_CHARACTERS = 2000
#: A line is judged on its first this-many characters: plenty of evidence for its language,
#: and the work per line stays bounded however long the line is.
JUDGE_CHARACTERS = 10_000


class Verdict(Enum):
    ENGLISH = "en"
    FOREIGN = "foreign"
    UNDECIDED = "undecided"  # too short, or mostly names: follows its neighbours
    UNCERTAIN = "uncertain"  # long enough but cheap checks disagree: ask langdetect


@lru_cache(maxsize=1)
def distinctly_english_stopwords() -> frozenset[str]:
    """English function words that are not also function words of another listed language:
    "a", "as", "do", "in" are Portuguese, Italian or Dutch too, so they prove nothing."""
    shared = frozenset().union(*(load_word_list(f"stopwords_{code}") for code in sorted(OTHER_LANGUAGES)))
    return english_stopwords() - shared


@lru_cache(maxsize=1)
def _foreign_stopword_languages() -> dict[str, tuple[str, ...]]:
    """Each foreign function word and the languages (of `foreign_stopwords`) it belongs to."""
    languages: dict[str, list[str]] = {}
    for code, stopwords in foreign_stopwords().items():
        for word in stopwords:
            languages.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in languages.items()}


def dominant_script(text: str) -> str:
    counts = [(len(pattern.findall(text)), name) for name, pattern in _SCRIPT_PATTERNS]
    count, name = max(counts)
    return name if count else "non-Latin"


@lru_cache(maxsize=1)
def _detector_factory() -> FastDetectorFactory:
    """Our own langdetect factory (profiles loaded once) with a fixed seed: langdetect samples
    at random, and results must not vary between runs or depend on global state."""
    return load_factory(LANGDETECT_SEED)


class LanguageFilter(Filter):
    """Drops paragraphs that are not English, each with the evidence: the script, the function
    words, or langdetect's answer for its block."""

    name = "non-english"

    def __init__(
        self,
        min_latin_share: float = 0.5,
        min_words: int = 4,
        english_share: float = 0.15,
        foreign_share: float = 0.2,
        min_langdetect_probability: float = 0.9,
    ) -> None:
        self.min_latin_share = min_latin_share
        self.min_words = min_words
        self.english_share = english_share
        self.foreign_share = foreign_share
        self.min_langdetect_probability = min_langdetect_probability

    def prepare(self) -> None:
        """Load langdetect's profiles (0.2 s, a 38 MB matrix) and the function-word lists."""
        _detector_factory()
        distinctly_english_stopwords()
        _foreign_stopword_languages()

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        return [
            self.removal(paragraph, reason)
            for paragraph, (verdict, reason) in zip(paragraphs, self.verdicts(paragraphs))
            if verdict is Verdict.FOREIGN
        ]

    def verdicts(self, paragraphs: Sequence[Paragraph]) -> list[tuple[Verdict, str]]:
        """The final verdict on each paragraph of a page, with the reason for FOREIGN ones:
        ENGLISH or FOREIGN where evidence (cheap, or langdetect's for its block) decided, and
        UNDECIDED for a line that had too little evidence and was not inside a foreign block."""
        verdicts: list[Verdict] = []
        reasons: list[str] = []
        for paragraph in paragraphs:
            verdict, reason = self.judge(paragraph.text)
            verdicts.append(verdict)
            reasons.append(reason)
        self._resolve_uncertain_blocks(paragraphs, verdicts, reasons)
        self._resolve_undecided(verdicts, reasons)
        return list(zip(verdicts, reasons))

    def judge(self, text: str) -> tuple[Verdict, str]:
        """Judge one line on cheap evidence alone (its first JUDGE_CHARACTERS characters)."""
        return _judge(
            text[:JUDGE_CHARACTERS], self.min_latin_share, self.min_words, self.english_share, self.foreign_share
        )

    def _resolve_uncertain_blocks(self, paragraphs: Sequence[Paragraph], verdicts: list[Verdict], reasons: list[str]) -> None:
        """One langdetect call per run of consecutive uncertain paragraphs."""
        index = 0
        while index < len(verdicts):
            if verdicts[index] is not Verdict.UNCERTAIN:
                index += 1
                continue
            end = index
            while end < len(verdicts) and verdicts[end] is Verdict.UNCERTAIN:
                end += 1
            block = " ".join(paragraph.text for paragraph in paragraphs[index:end])
            answer = _foreign_language(block[:BLOCK_CHARACTERS], self.min_langdetect_probability)
            for member in range(index, end):
                if answer is not None:
                    language, probability = answer
                    verdicts[member] = Verdict.FOREIGN
                    reasons[member] = f"non-English fragment: langdetect says {language!r} (p={probability:.2f})"
                else:
                    verdicts[member] = Verdict.ENGLISH
            index = end

    @staticmethod
    def _resolve_undecided(verdicts: list[Verdict], reasons: list[str]) -> None:
        """An undecided line is foreign when the nearest judged lines on both sides (or the only
        side there is) are foreign."""
        judged = [i for i, verdict in enumerate(verdicts) if verdict in (Verdict.ENGLISH, Verdict.FOREIGN)]
        if not judged:
            return
        position = 0
        for index, verdict in enumerate(list(verdicts)):
            if verdict is not Verdict.UNDECIDED:
                continue
            while position < len(judged) and judged[position] < index:
                position += 1
            before = judged[position - 1] if position > 0 else None
            after = judged[position] if position < len(judged) else None
            neighbours = [verdicts[n] for n in (before, after) if n is not None]
            if all(neighbour is Verdict.FOREIGN for neighbour in neighbours):
                verdicts[index] = Verdict.FOREIGN
                reasons[index] = "non-English fragment: short line inside a non-English block"


@line_memo
def _judge(
    text: str, min_latin_share: float, min_words: int, english_share: float, foreign_share: float
) -> tuple[Verdict, str]:
    """`LanguageFilter.judge`, memoised by line and settings: the pipeline's rounds judge the
    same lines again."""
    if is_plain(text):
        # Every letter is Latin, so only whether there is one matters: the share is then 1.
        letters = latin = 1 if _ASCII_LETTER.search(text) else 0
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
    english = sum(map(distinctly_english_stopwords().__contains__, tokens))
    languages_of = _foreign_stopword_languages()
    if english / len(tokens) >= english_share and english >= sum(map(languages_of.__contains__, tokens)):
        return Verdict.ENGLISH, ""  # no language can have more function words than all of them
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


@lru_cache(maxsize=4096)
def _foreign_language(text: str, min_probability: float) -> tuple[str, float] | None:
    """langdetect's best language and its probability when that language is not English and
    has at least `min_probability`; None otherwise (English, unsure, or no features).

    The same decision as asking langdetect for its probabilities, usually sooner: a block that
    is clearly English is settled after one of langdetect's seven trials (see
    `FastDetectorFactory.mean_unless_settled`). Memoised by text: the detector reseeds itself on
    every call, so the same text always gets the same answer, and the pipeline's rounds send
    the same blocks again."""
    try:
        probabilities = _detector_factory().probabilities_unless_settled(text, min_probability, "en")
    except LangDetectException:
        return None
    if not probabilities:
        return None
    best = probabilities[0]
    return (best.lang, best.prob) if best.lang != "en" and best.prob >= min_probability else None
