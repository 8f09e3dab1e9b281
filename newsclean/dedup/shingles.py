"""Normalised shingling: turn paragraphs into 32-bit shingle hashes for MinHash, and into an
exact normalised form for short paragraphs and exact copies.

Shingles are built from a normalised form in which case, punctuation, quote style and
whitespace do not matter (NFKC, case-folded, words only), so a copy with curly quotes or an
extra space is the same text. Hashing is vectorised with numpy over a whole batch: words are
hashed by CRC-32 of their UTF-8 (all of a batch's words at once, `word_batch`; or cached per
word, given word lists), n-grams are combined and avalanched with 64-bit integer arithmetic,
which wraps identically on every machine.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from itertools import chain
from typing import Literal, NamedTuple, Sequence

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
#: The same table for the UTF-8 of a text whose non-ASCII characters are all plain separators
#: (`_PLAIN_SEPARATORS`): every byte of their UTF-8 becomes a space too.
_PLAIN_TEXT_WORD_BYTES = _ASCII_WORD_BYTES[:128] + b" " * 128
#: The ASCII bytes, deleted from a text's UTF-8 to leave its non-ASCII characters' UTF-8.
_ASCII_BYTES = bytes(range(128))
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
    `bytes.split` (several times faster than the regular expression): see `_word_text`.
    """
    return _word_text(text).split()


def _word_text(text: str) -> bytes:
    """The UTF-8 of NFKC(text).casefold() with every byte outside a word turned into a space
    (so its `split()` is the words). Non-ASCII characters that are not word characters
    (curly quotes, dashes) become spaces first, each decided once by `_WORD` itself, so the
    two definitions cannot drift apart. Text of ASCII and plain separators only (most English
    paragraphs with curly quotes or dashes) skips NFKC, casefold and the replacing.
    """
    if text.isascii():
        # NFKC is the identity on ASCII and casefold is lower, so ASCII text skips both.
        return text.encode("utf-8").translate(_ASCII_WORD_BYTES)
    # The non-ASCII characters alone (a few in a long paragraph) are scanned for one that
    # needs NFKC: the UTF-8 with its ASCII bytes deleted, in two C passes over the text
    # (surrogatepass: a lone surrogate goes on to the NFKC path, as before, not to an error).
    encoded = text.encode("utf-8", "surrogatepass")
    if _NEEDS_UNICODE_WORDS.search(encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")) is None:
        # ASCII and plain separators only: NFKC and casefold leave the ASCII as the ASCII path
        # sees it and turn each separator into separators, so each byte of a separator's UTF-8
        # can be a space instead.
        return encoded.translate(_PLAIN_TEXT_WORD_BYTES)
    text = unicodedata.normalize("NFKC", text).casefold()
    for character in set(_NON_ASCII.findall(text)):
        is_word = _IS_WORD_CHARACTER.get(character)
        if is_word is None:
            is_word = _IS_WORD_CHARACTER[character] = _WORD.fullmatch(character) is not None
        if not is_word:
            text = text.replace(character, " ")
    return text.encode("utf-8").translate(_ASCII_WORD_BYTES)


class WordBatch(NamedTuple):
    """The words of many paragraphs, hashed without a Python object per word (`word_batch`).

    `units[offsets[i]:offsets[i + 1]]` are paragraph i's words as word shingling hashes them
    (CRC-32 of the UTF-8, plus one); `keys[i]` is its `paragraph_key`."""

    units: np.ndarray
    offsets: np.ndarray
    keys: list[int]


def word_batch(texts: Sequence[str]) -> WordBatch:
    """`word_bytes`, the word units and `paragraph_key` of many paragraphs in a few numpy passes.

    The paragraphs' `_word_text`s are joined by spaces into one byte array; words are its runs
    of non-space bytes, hashed by a vectorised table-driven CRC-32 (zlib's, tested equal); each
    paragraph's normalised form (its words joined by one space) is one slice of the array with
    space runs collapsed, so only the BLAKE2b key is computed per paragraph.
    """
    translated = [_word_text(text) for text in texts]
    joined = b" ".join(translated)
    buffer = np.frombuffer(joined, dtype=np.uint8)
    in_word = np.zeros(len(buffer) + 2, dtype=np.int8)
    in_word[1:-1] = buffer != 32
    edges = np.diff(in_word)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    paragraph_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(text) + 1 for text in translated], out=paragraph_starts[1:])
    offsets = np.searchsorted(starts, paragraph_starts).astype(np.int64)
    lengths = ends - starts
    units = _crc32_of_runs(buffer, joined, starts, lengths).astype(np.uint64) + np.uint64(1)
    # Collapse each run of spaces to one: a byte is kept if it is in a word or follows one, so
    # each word is followed by one space and starts after the earlier words and their spaces.
    kept = buffer != 32
    kept[1:] |= kept[:-1].copy()
    compact = buffer[kept].tobytes()
    compact_starts = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=compact_starts[1:])
    with_words = np.flatnonzero(np.diff(offsets))
    last_words = offsets[with_words + 1] - 1
    form_starts = np.zeros(len(texts), dtype=np.int64)
    form_ends = np.zeros(len(texts), dtype=np.int64)
    form_starts[with_words] = compact_starts[offsets[with_words]]
    form_ends[with_words] = compact_starts[last_words] + lengths[last_words]
    # `_form_bytes_key` of each form, the 8-byte digests read as big-endian signed integers in
    # one numpy call rather than one `int.from_bytes` each.
    blake2b = hashlib.blake2b
    digests = b"".join(
        [
            blake2b(compact[start:end] if end else normalised_form(text).encode("utf-8"), digest_size=8).digest()
            for text, start, end in zip(texts, form_starts.tolist(), form_ends.tolist())
        ]
    )
    return WordBatch(units, offsets, np.frombuffer(digests, dtype=">i8").tolist())


def _crc32_table() -> np.ndarray:
    """zlib's CRC-32 (reflected polynomial 0xEDB88320) byte table."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_CRC32_TABLE = _crc32_table()
#: Runs longer than this are hashed with zlib one by one, so one huge "word" costs one call,
#: not one numpy pass per byte.
_LONGEST_VECTORISED_RUN = 64


def _crc32_of_runs(buffer: np.ndarray, data: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`zlib.crc32(data[start:start + length])` of each run, as uint32: byte position by byte
    position over all runs at once (runs sorted longest first, so the runs still going at a
    position are a prefix)."""
    # Longest first; lengths capped just above the vectorised limit fit int16, which numpy
    # sorts with a radix sort.
    descending = -np.minimum(lengths, _LONGEST_VECTORISED_RUN + 1).astype(np.int16)
    order = np.argsort(descending, kind="stable")
    sorted_starts, sorted_lengths, descending = starts[order], lengths[order], descending[order]
    crc = np.full(len(starts), 0xFFFFFFFF, dtype=np.uint32)
    long_runs = int(np.count_nonzero(sorted_lengths > _LONGEST_VECTORISED_RUN))
    for run in range(long_runs):
        start = int(sorted_starts[run])
        crc[run] = zlib.crc32(data[start : start + int(sorted_lengths[run])]) ^ 0xFFFFFFFF
    # going[k]: how many runs (a prefix of the sorted ones) have a byte at position k.
    going = np.searchsorted(descending, -np.arange(min(int(sorted_lengths.max(initial=0)), _LONGEST_VECTORISED_RUN)), side="left")
    eight = np.uint32(8)
    for position, count in enumerate(going.tolist()):
        current = crc[long_runs:count]
        crc[long_runs:count] = _CRC32_TABLE[(current ^ buffer[sorted_starts[long_runs:count] + position]) & 0xFF] ^ (current >> eight)
    result = np.empty_like(crc)
    result[order] = crc ^ np.uint32(0xFFFFFFFF)
    return result


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


def paragraph_keys(texts: Sequence[str]) -> list[int | None]:
    """`paragraph_key(text, word_bytes(text))` of each text with words, None for one without:
    the same steps in one loop, with ASCII text's words split from its translated bytes in
    place, for many paragraphs seen one at a time (the template-line pass's new lines), where
    the calls per paragraph cost as much as the work."""
    blake2b, from_bytes, table = hashlib.blake2b, int.from_bytes, _ASCII_WORD_BYTES
    keys: list[int | None] = []
    for text in texts:
        paragraph_words = text.encode("utf-8").translate(table).split() if text.isascii() else _word_text(text).split()
        keys.append(from_bytes(blake2b(b" ".join(paragraph_words), digest_size=8).digest(), "big", signed=True) if paragraph_words else None)
    return keys


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
        return self.hashes_of_units(units, unit_offsets)

    def hashes_of_units(self, units: np.ndarray, unit_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`hashes` from the paragraphs' units (uint64, non-zero) already computed: words
        (`WordBatch.units`) for word shingling, characters for char shingling."""
        lengths = np.diff(unit_offsets)
        counts = np.where(lengths > 0, np.maximum(lengths - self.size + 1, 1), 0)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = int(offsets[-1])
        if total == 0:
            return np.zeros(0, dtype=np.uint32), offsets
        if int(lengths.min()) >= self.size:
            return self._full_ngram_hashes(units, unit_offsets), offsets
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

    def _full_ngram_hashes(self, units: np.ndarray, unit_offsets: np.ndarray) -> np.ndarray:
        """`hashes_of_units`' hashes when every paragraph has at least `size` units (as every
        paragraph long enough for MinHash has): each n-gram is a window of `size` units, so
        all windows of the joined units are hashed at once, with no padding or masks, and those
        crossing into the next paragraph are dropped."""
        windows = len(units) - self.size + 1
        accumulator = np.zeros(windows, dtype=np.uint64)
        for position in range(self.size):
            accumulator = fmix64(accumulator * _NGRAM_MULTIPLIER + units[position : position + windows])
        if self.size > 1:
            # A window starting in a paragraph's last size - 1 units crosses its end.
            crossing = (unit_offsets[1:-1, None] - np.arange(1, self.size)).reshape(-1)
            keep = np.ones(windows, dtype=bool)
            keep[crossing] = False
            accumulator = accumulator[keep]
        return (fmix64(accumulator) & _MASK32).astype(np.uint32)


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
