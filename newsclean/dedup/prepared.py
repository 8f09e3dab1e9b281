"""The stateless half of the near-duplicate decision: each kept paragraph's exact-form key,
whether it is long enough for MinHash, and its signature.

They depend on nothing but the paragraph's text and the filter's settings, so with several
jobs the worker that ran a chunk's head computes them for the whole chunk in one batch
(`PagePreparer`), and they travel with its results to the main process, which then only
joins them (`join_prepared`) instead of computing them in the serial tail. Arrays only: a
chunk's pieces pickle as a few buffers, with no Python object per paragraph. The band hashes
are left to the tail: they cost it little (2% of its work) and would add 60% to the bytes a
chunk's pieces send (37 int64 per long paragraph, next to its 128 uint32).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np

from ..filters.base import PageView
from .index import IndexSettings
from .minhash import minhash_signatures
from .shingles import WordBatch, word_batch, word_bytes


class ParagraphPieces(NamedTuple):
    """The prepared pieces of consecutive paragraphs: `keys` (exact-form keys, as a list of
    ints for the batch or an int64 array for the trip), `long_positions` (increasing positions
    of the paragraphs with at least `min_words` words) and their `signatures`."""

    keys: list[int] | np.ndarray
    long_positions: np.ndarray
    signatures: np.ndarray


@dataclass(frozen=True)
class PagePreparer:
    """Computes `ParagraphPieces` for a near-duplicate filter's settings; picklable, so that a
    worker process can run it. Two preparers are equal when their pieces would be
    (`batch_size` changes only how many paragraphs are hashed at a time)."""

    settings: IndexSettings
    min_words: int
    batch_size: int = field(default=1024, compare=False)

    def signatures(self, paragraph_words: Sequence[Sequence[str | bytes]], word_cache: dict | None = None) -> np.ndarray:
        """MinHash signatures of paragraphs given as word lists (`words` or `word_bytes`),
        computed `batch_size` paragraphs at a time (`word_cache`: see `Shingling.hashes`)."""
        settings = self.settings
        parts = [np.zeros((0, settings.num_perm), dtype=np.uint32)]
        for start in range(0, len(paragraph_words), self.batch_size):
            hashes, offsets = settings.shingling.hashes(paragraph_words[start : start + self.batch_size], word_cache)
            parts.append(minhash_signatures(hashes, offsets, settings.num_perm, settings.seed))
        return np.concatenate(parts)

    def batch_signatures(self, words: WordBatch, positions: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """`signatures` of the paragraphs at `positions` of `texts`, whose `word_batch` is
        `words`: for word shingling from the batch's word units (no word lists), `batch_size`
        paragraphs at a time."""
        settings = self.settings
        if settings.shingling.kind != "word":
            return self.signatures([word_bytes(texts[position]) for position in positions.tolist()])
        parts = [np.zeros((0, settings.num_perm), dtype=np.uint32)]
        for start in range(0, len(positions), self.batch_size):
            chosen = positions[start : start + self.batch_size]
            lengths = words.offsets[chosen + 1] - words.offsets[chosen]
            unit_offsets = np.zeros(len(chosen) + 1, dtype=np.int64)
            np.cumsum(lengths, out=unit_offsets[1:])
            # Each chosen paragraph's units, one after another.
            units = words.units[np.repeat(words.offsets[chosen] - unit_offsets[:-1], lengths) + np.arange(unit_offsets[-1])]
            hashes, offsets = settings.shingling.hashes_of_units(units, unit_offsets)
            parts.append(minhash_signatures(hashes, offsets, settings.num_perm, settings.seed))
        return np.concatenate(parts)

    def pieces(self, texts: Sequence[str]) -> ParagraphPieces:
        """The pieces of paragraphs with these texts, each computed in one pass for all."""
        words = word_batch(texts)
        long_positions = np.flatnonzero(np.diff(words.offsets) >= self.min_words)
        return ParagraphPieces(words.keys, long_positions, self.batch_signatures(words, long_positions, texts))

    def __call__(self, pages: Sequence[PageView]) -> list[PreparedPage]:
        """Each page's prepared pieces, computed for all pages' paragraphs at once: what
        `NearDuplicateFilter.find_removals_batch` takes instead of computing them."""
        prepared = PreparedPages.of(self, pages)
        return [PreparedPage(prepared, number) for number in range(len(pages))]


class PreparedPages:
    """Several pages' pieces in one set of arrays: page `number`'s paragraphs are
    `paragraph_starts[number]:paragraph_starts[number + 1]` of `pieces.keys`, its long ones
    rows `row_starts[number]:row_starts[number + 1]` of the signatures; `preparer`
    says with which settings they were computed."""

    def __init__(self, preparer: PagePreparer, paragraph_starts: np.ndarray, pieces: ParagraphPieces) -> None:
        self.preparer = preparer
        self.paragraph_starts = paragraph_starts
        self.pieces = pieces
        self.row_starts = np.searchsorted(pieces.long_positions, paragraph_starts)

    @classmethod
    def of(cls, preparer: PagePreparer, pages: Sequence[PageView]) -> PreparedPages:
        """The pieces of `pages`' paragraphs, with the keys as an array (compact to pickle)."""
        paragraph_starts = np.zeros(len(pages) + 1, dtype=np.int64)
        np.cumsum([len(page.paragraphs) for page in pages], out=paragraph_starts[1:])
        pieces = preparer.pieces([paragraph.text for page in pages for paragraph in page.paragraphs])
        return cls(preparer, paragraph_starts, pieces._replace(keys=np.array(pieces.keys, dtype=np.int64)))

    def paragraph_count(self, number: int) -> int:
        return int(self.paragraph_starts[number + 1] - self.paragraph_starts[number])


class PreparedPage(NamedTuple):
    """Page `number` of `pages`: what travels with one head result."""

    pages: PreparedPages
    number: int


def join_prepared(preparer: PagePreparer, pages: Sequence[PageView], prepared: Sequence[PreparedPage | None]) -> ParagraphPieces:
    """The pieces of all `pages`' paragraphs in order, from each page's `prepared` pieces where
    it has some made with `preparer`'s settings, computing the others together in one batch.

    A page's prepared pieces must have been made from exactly its paragraphs: a different
    number of them is an error (pieces made with other settings are only left unused).
    """
    usable: list[PreparedPage | None] = []
    for page, item in zip(pages, prepared, strict=True):
        if item is None or item.pages.preparer != preparer:
            usable.append(None)
            continue
        if item.pages.paragraph_count(item.number) != len(page.paragraphs):
            raise ValueError(
                f"pieces prepared for {item.pages.paragraph_count(item.number)} paragraphs of {page.document_id!r}, which has {len(page.paragraphs)}"
            )
        usable.append(item)
    missing = [page for page, item in zip(pages, usable) if item is None]
    if len(missing) == len(pages):
        return preparer.pieces([paragraph.text for page in pages for paragraph in page.paragraphs])
    if missing:
        computed = iter(preparer(missing))
        usable = [item if item is not None else next(computed) for item in usable]
    return _joined([item for item in usable if item is not None])


def _joined(prepared: list[PreparedPage]) -> ParagraphPieces:
    """The pieces of consecutive pages joined, one slice per run of pages that are consecutive
    in the same `PreparedPages` (a worker's chunk)."""
    runs: list[list] = []  # [PreparedPages, first page, stop]
    for item in prepared:
        if runs and runs[-1][0] is item.pages and runs[-1][2] == item.number:
            runs[-1][2] += 1
        else:
            runs.append([item.pages, item.number, item.number + 1])
    keys, long_positions, signatures = [], [], []
    paragraphs = 0  # paragraphs of the runs before
    for pages, first, stop in runs:
        paragraph_first, paragraph_stop = int(pages.paragraph_starts[first]), int(pages.paragraph_starts[stop])
        row_first, row_stop = int(pages.row_starts[first]), int(pages.row_starts[stop])
        pieces = pages.pieces
        keys.append(pieces.keys[paragraph_first:paragraph_stop])
        long_positions.append(pieces.long_positions[row_first:row_stop] + (paragraphs - paragraph_first))
        signatures.append(pieces.signatures[row_first:row_stop])
        paragraphs += paragraph_stop - paragraph_first
    return ParagraphPieces(np.concatenate(keys).tolist(), np.concatenate(long_positions), np.concatenate(signatures))
