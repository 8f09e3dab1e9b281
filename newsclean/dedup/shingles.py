"""Normalised shingling: turn paragraphs into 32-bit shingle hashes for MinHash, and into an
exact normalised form for short paragraphs and exact copies.

Shingles are built from a normalised form in which case, punctuation, quote style and
whitespace do not matter (NFKC, case-folded, words only), so a copy with curly quotes or an
extra space is the same text. Hashing is vectorised with numpy over a whole batch: words are
hashed once each (CRC-32 of their UTF-8, cached), n-grams are combined and avalanched with
64-bit integer arithmetic, which wraps identically on every machine.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from itertools import chain
from typing import Literal, Sequence

import numpy as np
import regex

#: A word: a run of letters, digits, marks or connector punctuation. Everything else
#: (punctuation, quotes, symbols, whitespace) separates words and is otherwise ignored.
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}_]+")
#: bytes.translate table for the same split on ASCII: letters lowered, word bytes kept, every
#: other ASCII byte a space. Bytes >= 0x80 (UTF-8 of non-ASCII word characters) are kept.
_ASCII_WORD_BYTES = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if byte >= 128 or chr(byte).isalnum() or byte == 95 else 32 for byte in range(256)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Non-ASCII character -> whether it is a word character (decided by _WORD, cached).
_IS_WORD_CHARACTER: dict[str, bool] = {}


def _is_plain_separator(character: str) -> bool:
    """Whether a character only ever separates words, whatever surrounds it: not a word
    character, and neither it nor its NFKC + casefold form holds a word character or a
    combining character (so NFKC cannot compose it with a neighbour, nor it a neighbour)."""
    if _WORD.fullmatch(character) or unicodedata.combining(character):
        return False
    folded = unicodedata.normalize("NFKC", character).casefold()
    return _WORD.search(folded) is None and not any(map(unicodedata.combining, folded))


#: The non-ASCII punctuation, spaces and symbols of Latin-1, General Punctuation and CJK
#: punctuation that are plain separators: curly quotes, dashes, ellipsis, no-break and
#: zero-width spaces, guillemets... (199 characters).
_PLAIN_SEPARATORS = "".join(
    character
    for character in map(chr, [*range(0x80, 0x100), *range(0x2000, 0x2070), *range(0x3000, 0x3040)])
    if _is_plain_separator(character)
)
#: A character outside ASCII and the plain separators: the text needs NFKC and casefold.
_NEEDS_UNICODE_WORDS = re.compile(f"[^\\x00-\\x7f{re.escape(_PLAIN_SEPARATORS)}]")

_MASK32 = np.uint64(0xFFFFFFFF)
_NGRAM_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio odd constant: spreads each position
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))

ShingleKind = Literal["word", "char"]


def words(text: str) -> list[str]:
    """The words of a paragraph, NFKC-normalised and case-folded, punctuation dropped."""
    return [word.decode("utf-8") for word in word_bytes(text)]


def word_bytes(text: str) -> list[bytes]:
    """`words(text)` as UTF-8 bytes: the form hashed for shingles and exact keys.

    The same split as `_WORD.findall(NFKC(text).casefold())`, done with `bytes.translate` and
    `bytes.split` (several times faster than the regular expression): non-ASCII characters
    that are not word characters (curly quotes, dashes) become spaces first, each decided
    once by `_WORD` itself, so the two definitions cannot drift apart. Text of ASCII and
    plain separators only (most English paragraphs with curly quotes or dashes) skips NFKC,
    casefold and the replacing: about 3x faster on such paragraphs.
    """
    if text.isascii():
        # NFKC is the identity on ASCII and casefold is lower, so ASCII text skips both.
        return text.encode("utf-8").translate(_ASCII_WORD_BYTES).split()
    if _NEEDS_UNICODE_WORDS.search(text) is None:
        # ASCII and plain separators only: NFKC and casefold leave the ASCII as the ASCII path
        # sees it and turn each separator into separators, so each separator can be any
        # non-word byte ("?" from the encoder's replacement) instead.
        return text.encode("ascii", "replace").translate(_ASCII_WORD_BYTES).split()
    text = unicodedata.normalize("NFKC", text).casefold()
    for character in set(_NON_ASCII.findall(text)):
        is_word = _IS_WORD_CHARACTER.get(character)
        if is_word is None:
            is_word = _IS_WORD_CHARACTER[character] = _WORD.fullmatch(character) is not None
        if not is_word:
            text = text.replace(character, " ")
    return text.encode("utf-8").translate(_ASCII_WORD_BYTES).split()


def normalised_form(text: str) -> str:
    """The text two copies share when they differ only in case, punctuation, quotes or spacing.

    A line with no words at all (a rule of asterisks, a lone dash) keeps its case-folded,
    space-collapsed characters, so that such lines are still only equal to themselves.
    """
    found = words(text)
    if found:
        return " ".join(found)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def exact_key(form: str) -> int:
    """A stable signed 64-bit key of a normalised form (BLAKE2b), as SQLite stores integers."""
    return _form_bytes_key(form.encode("utf-8"))


def paragraph_key(text: str, paragraph_words: list[bytes]) -> int:
    """`exact_key(normalised_form(text))`, from the paragraph's `word_bytes` already at hand."""
    if paragraph_words:
        return _form_bytes_key(b" ".join(paragraph_words))
    return exact_key(normalised_form(text))


def _form_bytes_key(form: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(form, digest_size=8).digest(), "big", signed=True)


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: a bijection that avalanches every input bit."""
    shift, first, second = _FMIX64
    values = values ^ (values >> shift)
    values = values * first
    values = values ^ (values >> shift)
    values = values * second
    return values ^ (values >> shift)


@dataclass(frozen=True)
class Shingling:
    """How paragraphs become shingles: word n-grams or character n-grams of the normalised form.

    `size` is n. A paragraph shorter than n units gives one shingle, the whole of it, so every
    paragraph with at least one word has a non-empty shingle set.
    """

    kind: ShingleKind = "word"
    size: int = 2

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char"):
            raise ValueError(f"shingle kind must be 'word' or 'char', not {self.kind!r}")
        if not isinstance(self.size, int) or self.size < 1:
            raise ValueError(f"shingle size must be a positive integer, not {self.size!r}")

    def describe(self) -> str:
        """A stable description recorded in an index's parameters, e.g. 'word-2'."""
        return f"{self.kind}-{self.size}"

    def hashes(self, paragraph_words: Sequence[Sequence[str | bytes]], word_cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Shingle hashes of a batch of paragraphs, given as their word lists (`words` or
        `word_bytes`: the same hashes either way).

        Returns `(hashes, offsets)`: uint32 hashes of every paragraph's shingles concatenated,
        and `offsets` (length n + 1) so paragraph i owns `hashes[offsets[i]:offsets[i + 1]]`.
        A paragraph's shingles may repeat; MinHash takes a minimum, so repeats do not matter.
        `word_cache` (word -> hash) may be shared between calls to hash each word only once.
        """
        units, unit_offsets = (
            _word_units(paragraph_words, word_cache if word_cache is not None else {})
            if self.kind == "word"
            else _char_units(paragraph_words)
        )
        lengths = np.diff(unit_offsets)
        counts = np.where(lengths > 0, np.maximum(lengths - self.size + 1, 1), 0)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = int(offsets[-1])
        if total == 0:
            return np.zeros(0, dtype=np.uint32), offsets
        # Start of each shingle in `units`, and how many units it spans (fewer than `size`
        # only for a paragraph shorter than `size`).
        paragraph_of = np.repeat(np.arange(len(lengths)), counts)
        starts = unit_offsets[:-1][paragraph_of] + (np.arange(total) - offsets[:-1][paragraph_of])
        spans = np.minimum(lengths[paragraph_of], self.size)
        padded = np.concatenate([units, np.zeros(self.size, dtype=np.uint64)])
        accumulator = np.zeros(total, dtype=np.uint64)
        for position in range(self.size):
            inside = position < spans
            unit = np.where(inside, padded[starts + position], np.uint64(0))
            accumulator = np.where(inside, fmix64(accumulator * _NGRAM_MULTIPLIER + unit), accumulator)
        return (fmix64(accumulator) & _MASK32).astype(np.uint32), offsets


def _word_units(paragraph_words: Sequence[Sequence[str | bytes]], cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """Each word as CRC-32 of its UTF-8 plus one (so no word hashes to the padding value 0)."""
    flat = list(chain.from_iterable(paragraph_words))
    try:
        values = np.fromiter(map(cache.__getitem__, flat), dtype=np.uint64, count=len(flat))
    except KeyError:
        for word in set(flat).difference(cache):
            cache[word] = zlib.crc32(word if isinstance(word, bytes) else word.encode("utf-8")) + 1
        values = np.fromiter(map(cache.__getitem__, flat), dtype=np.uint64, count=len(flat))
    lengths = np.zeros(len(paragraph_words) + 1, dtype=np.int64)
    lengths[1:] = [len(items) for items in paragraph_words]
    return values, np.cumsum(lengths)


def _char_units(paragraph_words: Sequence[Sequence[str | bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """Each character (code point plus one) of the words joined by single spaces."""
    texts = [" ".join(word.decode("utf-8") if isinstance(word, bytes) else word for word in items) for items in paragraph_words]
    code_points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    lengths = np.zeros(len(texts) + 1, dtype=np.int64)
    lengths[1:] = [len(text) for text in texts]
    return code_points, np.cumsum(lengths)
