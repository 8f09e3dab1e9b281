"""Filter for non-English fragments.

Cheap evidence decides first: the script of the letters (regex `\\p{Script=...}`), then the
share of English versus other languages' function words. langdetect (seeded, so results are
deterministic) is asked only about blocks of consecutive Latin-script lines those checks cannot
decide, once per block. Lines too short to judge alone (and title-case lines, which are mostly
names) follow the judged lines around them. Names and quoted foreign words inside English
sentences stay, because the sentence's function words are English.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from operator import itemgetter
from typing import Callable, Sequence

import regex
from langdetect.lang_detect_exception import LangDetectException

from ..document import Paragraph, Removal
from ..memo import line_memo_per_settings
from ..options import number_in, whole_number
from ..wordlists import (
    OTHER_LANGUAGES,
    cached_words,
    distinctly_english_stopwords,
    foreign_stopwords,
    function_word_counts,
    plain_lowered,
)
from .base import Filter, PageView
from .detection import FastDetectorFactory, load_factory

_LETTER = regex.compile(r"\p{L}")
_LATIN = regex.compile(r"\p{Script=Latin}")
_LETTER_RUN = regex.compile(r"\p{L}+")
#: A character that `_LETTER` and `_LATIN` count differently: a letter of another script, or
#: a Latin character that is not a letter (Roman numerals such as "Ⅻ"). A line without any has
#: as many Latin characters as letters, so only whether it has a letter matters.
_LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER = regex.compile(r"[\p{L}--\p{Script=Latin}]|[\p{Script=Latin}--\p{L}]", regex.V1)
#: The ASCII bytes, which `translate` deletes from a line's UTF-8 to leave its other characters.
_ASCII_BYTES = bytes(range(128))
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


#: A verdict as one byte, so that a page's verdicts are one `bytes` that regexes scan.
_ENGLISH, _FOREIGN, _UNDECIDED, _UNCERTAIN = _CODES = b"EFDU"
_CODE_OF_VERDICT = dict(zip(Verdict, _CODES))
_VERDICT_OF_CODE = dict(zip(_CODES, Verdict))
_ENGLISH_BYTE, _FOREIGN_BYTE = bytes([_ENGLISH]), bytes([_FOREIGN])
_FOREIGN_LINE = re.compile(re.escape(_FOREIGN_BYTE))
_UNCERTAIN_RUN = re.compile(re.escape(bytes([_UNCERTAIN])) + b"+")
#: A run of undecided codes with a foreign code or the page's edge on each side.
_UNDECIDED_AMONG_FOREIGN = re.compile(rb"(?:(?<=%s)|\A)%s+(?=%s|\Z)" % (_FOREIGN_BYTE, bytes([_UNDECIDED]), _FOREIGN_BYTE))
_SHORT_LINE_IN_FOREIGN_BLOCK = "non-English fragment: short line inside a non-English block"
#: A paragraph's text, and a judgement's code and reason, for `map`.
_text_of = itemgetter(1)
_code_of = itemgetter(0)
_reason_of = itemgetter(1)


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
        self.min_latin_share = number_in("LanguageFilter", "min_latin_share", min_latin_share, 0, 1)
        self.min_words = whole_number("LanguageFilter", "min_words", min_words, 0)
        self.english_share = number_in("LanguageFilter", "english_share", english_share, 0, 1)
        self.foreign_share = number_in("LanguageFilter", "foreign_share", foreign_share, 0, 1)
        self.min_langdetect_probability = number_in("LanguageFilter", "min_langdetect_probability", min_langdetect_probability, 0, 1)

    def prepare(self) -> None:
        """Load langdetect's profiles (0.2 s, a 38 MB matrix) and the function-word lists."""
        _detector_factory()
        distinctly_english_stopwords()
        _foreign_stopword_languages()

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        codes, reasons = self._final_codes(paragraphs)
        if _FOREIGN not in codes:
            return []
        return [self.removal(paragraphs[line.start()], reasons[line.start()]) for line in _FOREIGN_LINE.finditer(codes)]

    def verdicts(self, paragraphs: Sequence[Paragraph]) -> list[tuple[Verdict, str]]:
        """The final verdict on each paragraph of a page, with the reason for FOREIGN ones:
        ENGLISH or FOREIGN where evidence (cheap, or langdetect's for its block) decided, and
        UNDECIDED for a line that had too little evidence and was not inside a foreign block."""
        codes, reasons = self._final_codes(paragraphs)
        return [(_VERDICT_OF_CODE[code], reasons[index] if code == _FOREIGN else "") for index, code in enumerate(codes)]

    def judge(self, text: str) -> tuple[Verdict, str]:
        """Judge one line on cheap evidence alone (its first JUDGE_CHARACTERS characters)."""
        code, reason = self._judgement()(text)
        return _VERDICT_OF_CODE[code], reason

    def _judgement(self) -> Callable[[str], tuple[int, str]]:
        """`_judgement`'s memo by line for this filter's settings."""
        return _judgement(self.min_latin_share, self.min_words, self.english_share, self.foreign_share)

    def _final_codes(self, paragraphs: Sequence[Paragraph]) -> tuple[bytes, list[str]]:
        """Each paragraph's final verdict as a code (a byte of _VERDICT_OF_CODE), and the
        reasons by paragraph (read only for FOREIGN codes). One memo look-up per paragraph, the
        loop in C; a page without a foreign or uncertain line (most pages) is done then, as its
        undecided lines stay undecided, and the runs of uncertain and undecided lines are found
        with regexes over the codes."""
        judgements = list(map(self._judgement(), map(_text_of, paragraphs)))
        codes = bytes(map(_code_of, judgements))
        if _FOREIGN not in codes and _UNCERTAIN not in codes:
            return codes, []
        reasons = list(map(_reason_of, judgements))
        if _UNCERTAIN in codes:
            codes = self._resolve_uncertain_blocks(paragraphs, codes, reasons)
        if _UNDECIDED in codes and _FOREIGN in codes:
            codes = _resolve_undecided(codes, reasons)
        return codes, reasons

    def _resolve_uncertain_blocks(self, paragraphs: Sequence[Paragraph], codes: bytes, reasons: list[str]) -> bytes:
        """One langdetect call per run of consecutive uncertain paragraphs: all of it becomes
        FOREIGN (its reasons set to langdetect's answer) or ENGLISH. Returns the new codes."""
        resolved = bytearray(codes)
        for run in _UNCERTAIN_RUN.finditer(codes):
            start, end = run.span()
            block = " ".join(map(_text_of, paragraphs[start:end]))
            answer = _foreign_language(block[:BLOCK_CHARACTERS], self.min_langdetect_probability)
            if answer is None:
                resolved[start:end] = _ENGLISH_BYTE * (end - start)
            else:
                language, probability = answer
                resolved[start:end] = _FOREIGN_BYTE * (end - start)
                reasons[start:end] = [f"non-English fragment: langdetect says {language!r} (p={probability:.2f})"] * (end - start)
        return bytes(resolved)


def _resolve_undecided(codes: bytes, reasons: list[str]) -> bytes:
    """An undecided line is foreign when the nearest judged lines on both sides (or the only
    side there is) are foreign: a run of undecided codes between two foreign ones, or between
    a foreign one and the page's edge (`codes` has a foreign one, so a run is never the whole
    page). Returns the new codes; their reasons are set in `reasons`."""
    resolved = bytearray(codes)
    for run in _UNDECIDED_AMONG_FOREIGN.finditer(codes):
        start, end = run.span()
        resolved[start:end] = _FOREIGN_BYTE * (end - start)
        reasons[start:end] = [_SHORT_LINE_IN_FOREIGN_BLOCK] * (end - start)
    return bytes(resolved)


@line_memo_per_settings
def _judgement(
    text: str, min_latin_share: float, min_words: int, english_share: float, foreign_share: float
) -> tuple[int, str]:
    """`_judge` of a line's first JUDGE_CHARACTERS characters, its verdict as a code (a byte
    of _VERDICT_OF_CODE), memoised by line for each combination of settings
    (`_judgement(*settings)` is the memo of the text): the pipeline's rounds judge the same
    lines again, and a page's codes are one `bytes` that C scans."""
    verdict, reason = _judge(text[:JUDGE_CHARACTERS], min_latin_share, min_words, english_share, foreign_share)
    return _CODE_OF_VERDICT[verdict], reason


def _beyond_ascii(text: str) -> str:
    """The characters of `text` that are not ASCII, in order: an ASCII character is never a
    `_LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER` (A-Z and a-z are Latin letters, the rest neither),
    so searching these few finds one exactly when searching the line does, without the
    pattern's per-character property tests on every ASCII character (most of an accented
    line). Deleting the ASCII bytes from UTF-8 leaves whole sequences, so it decodes back."""
    return text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")


def _judge(
    text: str, min_latin_share: float, min_words: int, english_share: float, foreign_share: float
) -> tuple[Verdict, str]:
    """`LanguageFilter.judge` (memoised through `_judgement`)."""
    tokens: tuple[str, ...] | None = None
    if plain_lowered(text) is not None:
        # Every letter is Latin, so only whether there is one matters: the share is then 1.
        # Every letter of a plain line is one of a-z once lower-cased, and inside a word.
        tokens = cached_words(text)
        letters = latin = 1 if tokens else 0
    elif _LETTER_NOT_LATIN_OR_LATIN_NOT_LETTER.search(_beyond_ascii(text)) is None:
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
    if tokens is None:
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
