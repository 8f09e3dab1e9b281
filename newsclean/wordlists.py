"""Word lists shipped as data (newsclean/data/*.txt), loaded once, and the word tokeniser
that every filter shares so they all count words the same way."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from itertools import islice, repeat

import regex

from .memo import line_memo

#: A word: letters (any script) with inner apostrophes or hyphens ("don't", "cease-fire").
WORD = regex.compile(r"\p{L}+(?:['’\-]\p{L}+)*")

#: Languages with a function-word list in data/ besides English.
OTHER_LANGUAGES = {
    "pt": "Portuguese",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
}


#: Typographic punctuation of English text: none of it is a letter, and case folding leaves it.
TYPOGRAPHIC = "‘’“”–—…"
#: A character that makes a line not plain. The standard library's `re`, not `regex`: for one
#: character class it scans about twice as fast, and nothing here needs `regex`'s classes.
_NOT_PLAIN = re.compile(f"[^\\x00-\\x7f{TYPOGRAPHIC}]")
#: WORD on a plain line, lower-cased and with straight apostrophes, where every letter is one
#: of a-z: the standard library's `re` finds these 2-3x faster than `regex` finds WORD.
_PLAIN_WORD = re.compile(r"[a-z]+(?:['\-][a-z]+)*")
#: `_plain_words`' byte tables: `_WORD_BYTES` keeps a-z, "'" and "-" and makes every other byte
#: a space; `_SEPARATOR_BYTES` then makes every letter "a" and both joiners "-", so that three
#: substring tests find a joiner next to something other than a letter.
_ASCII_LETTERS = b"abcdefghijklmnopqrstuvwxyz"
_WORD_BYTES = bytes(byte if byte in _ASCII_LETTERS or byte in b"'-" else 32 for byte in range(256))
_SEPARATOR_BYTES = bytes(97 if byte in _ASCII_LETTERS else 45 if byte in b"'-" else 32 for byte in range(256))
#: The joiners' byte values, for `in` on bytes.
_APOSTROPHE, _HYPHEN = b"'-"


def is_plain(text: str) -> bool:
    """Whether the text is ASCII apart from typographic punctuation (‘’“”–—…), as most English
    lines are: then every letter is an ASCII letter, and lower-casing the whole line gives the
    same words as case-folding each word, in one call instead of one per word."""
    return text.isascii() or _NOT_PLAIN.search(text) is None


@line_memo
def plain_lowered(text: str) -> str | None:
    """The line lower-cased when it is plain (`is_plain`), else None. Memoised: at its first
    sight a line is asked whether it is plain, and lower-cased, by most filters (to tokenise
    it, key it, look for anchors); one look-up answers both for all of them."""
    return text.lower() if is_plain(text) else None


def may_contain_any(text: str, anchors: tuple[str, ...]) -> bool:
    """False only when `text` is plain (`is_plain`: its letters are ASCII, so lower-casing is
    exact) and holds none of the lower-case `anchors`: then a case-insensitive pattern whose
    every match contains one of them cannot match, and its search can be skipped."""
    lowered = plain_lowered(text)
    if lowered is None:
        return True
    for anchor in anchors:  # a loop: a fifth faster than any() over a generator
        if anchor in lowered:
            return True
    return False


def words(text: str) -> list[str]:
    """The words of a text, case-folded, with curly apostrophes made straight."""
    return list(cached_words(text))


@line_memo
def cached_words(text: str) -> tuple[str, ...]:
    """`words` as a tuple, memoised: every filter tokenises every kept paragraph, so one
    document's lines are tokenised several times in a row, and remembering recent lines makes
    the repeats free. A tuple, so callers cannot change a cached entry; `words` hands out a
    fresh list."""
    lowered = plain_lowered(text)
    if lowered is not None:
        # "’" and "'" join words alike, so straightening finds the same words.
        return _plain_words(lowered.replace("’", "'"))
    return tuple(word.casefold().replace("’", "'") for word in WORD.findall(text))


def _plain_words(lowered: str) -> tuple[str, ...]:
    """`_PLAIN_WORD.findall(lowered)` for a lower-cased plain line with straight apostrophes,
    by bytes where that is exact: with every byte but a-z, "'" and "-" made a space, `split`
    gives the same words unless a joiner ("'", "-") stands next to a space, another joiner or
    an end of the line (a dash, a quote), which `findall` leaves out of its words. Splitting
    costs a third less than `findall`, which still serves the lines with such a joiner (one in
    ten at 20 MB).

    The joiners are looked for as byte values (`39 in kept`) and their neighbours in the shape
    decoded to `str`: `bytes in bytes` first tries its argument as an integer, and the
    TypeError it raises and clears costs more than the search itself."""
    kept = lowered.encode("ascii", "replace").translate(_WORD_BYTES)
    if _APOSTROPHE in kept or _HYPHEN in kept:
        shape = kept.translate(_SEPARATOR_BYTES).decode("ascii")
        if "- " in shape or " -" in shape or "--" in shape or shape[0] == "-" or shape[-1] == "-":
            return tuple(_PLAIN_WORD.findall(lowered))
    return tuple(kept.decode("ascii").split())


#: Words are counted once per line up to this many; `count_words` with a larger limit counts again.
_COUNT_CAP = 256
#: A line of at most this many characters is counted from its list of words (`words`), faster
#: than stepping through the matches in Python; a longer one is stepped through, up to the cap.
COUNT_FROM_LIST_CHARACTERS = 12 * _COUNT_CAP


def count_words(text: str, limit: int) -> int:
    """How many words `text` has, counting no further than `limit`: "is this line short?" stays
    cheap on a line of megabytes. Every filter asks about the same lines with its own limit,
    and the pipeline's rounds ask again: a line of at most COUNT_FROM_LIST_CHARACTERS is
    counted from its memoised words (nearly every line a filter counts, another tokenises),
    a longer one once (up to _COUNT_CAP) for all limits."""
    if limit <= _COUNT_CAP:
        if len(text) <= COUNT_FROM_LIST_CHARACTERS:
            count = len(cached_words(text))
        else:
            count = _capped_word_count(text)
        return count if count < limit else limit  # not min(): a builtin call on every look-up
    return sum(1 for _ in islice(WORD.finditer(text), limit))


@line_memo
def _capped_word_count(text: str) -> int:
    """The words of a line longer than COUNT_FROM_LIST_CHARACTERS, counted up to _COUNT_CAP."""
    return sum(1 for _ in islice(WORD.finditer(text), _COUNT_CAP))


@lru_cache(maxsize=None)
def load_word_list(name: str) -> frozenset[str]:
    """Read newsclean/data/<name>.txt: whitespace-separated entries, '#' starts a comment."""
    text = resources.files("newsclean.data").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    entries: list[str] = []
    for line in text.splitlines():
        entries.extend(line.split("#", 1)[0].split())
    return frozenset(entries)


@lru_cache(maxsize=None)
def load_phrase_list(name: str) -> tuple[str, ...]:
    """Read newsclean/data/<name>.txt: one phrase per line, '#' starts a comment."""
    text = resources.files("newsclean.data").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    phrases = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(phrase for phrase in phrases if phrase)


def english_stopwords() -> frozenset[str]:
    return load_word_list("stopwords_en")


@lru_cache(maxsize=None)
def foreign_stopwords() -> dict[str, frozenset[str]]:
    """Function words of other Latin-script languages, minus any that are English words too."""
    english = english_stopwords()
    return {code: load_word_list(f"stopwords_{code}") - english for code in sorted(OTHER_LANGUAGES)}


@lru_cache(maxsize=1)
def distinctly_english_stopwords() -> frozenset[str]:
    """English function words that are not also function words of another listed language:
    "a", "as", "do", "in" are Portuguese, Italian or Dutch too, so they prove nothing."""
    shared = frozenset().union(*(load_word_list(f"stopwords_{code}") for code in sorted(OTHER_LANGUAGES)))
    return english_stopwords() - shared


#: `function_word_counts` sums one number per word, each of its three counts in a field of
#: this many bits: a line with fewer than 2**_FIELD_BITS words cannot carry into the next field.
_FIELD_BITS = 20
_FIELD_MASK = (1 << _FIELD_BITS) - 1


@lru_cache(maxsize=1)
def _function_word_fields() -> dict[str, int]:
    """Each function word's number for `function_word_counts`: 1 for an English function word,
    plus 1 << _FIELD_BITS for a distinctly English one, plus 1 << 2 * _FIELD_BITS for a
    function word of another language (`foreign_stopwords`)."""
    fields: dict[str, int] = dict.fromkeys(english_stopwords(), 1)
    for word in distinctly_english_stopwords():
        fields[word] += 1 << _FIELD_BITS
    for word in frozenset().union(*foreign_stopwords().values()):
        fields[word] = fields.get(word, 0) + (1 << 2 * _FIELD_BITS)
    return fields


@line_memo
def function_word_counts(text: str) -> tuple[int, int, int]:
    """How many of a line's words (`cached_words`) are English function words, distinctly
    English ones (`distinctly_english_stopwords`), and other languages' (`foreign_stopwords`).
    Memoised, and counted in one pass: the prose measure and the language judge each need some
    of these counts for nearly every line, and a pass over the words per count cost more than
    the counting."""
    tokens = cached_words(text)
    if len(tokens) > _FIELD_MASK:
        english, distinct, foreign = english_stopwords(), distinctly_english_stopwords(), foreign_stopwords().values()
        return (
            sum(map(english.__contains__, tokens)),
            sum(map(distinct.__contains__, tokens)),
            sum(1 for token in tokens if any(token in words for words in foreign)),
        )
    packed = sum(map(_function_word_fields().get, tokens, repeat(0)))
    return packed & _FIELD_MASK, packed >> _FIELD_BITS & _FIELD_MASK, packed >> 2 * _FIELD_BITS
