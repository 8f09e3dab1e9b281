"""The near-duplicate filter: drops paragraphs seen before in other documents, and site
template lines, naming the original of each duplicate.

It is a stateful Filter: documents go through it one at a time, in order, and its index (in
memory or an SQLite file) remembers the kept paragraphs. Processing order defines the
original: the first occurrence is kept, later copies are dropped. A document's paragraphs
are compared only with documents that came before it, never with each other, and all of
one document's checks and inserts happen in one index transaction.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Iterable

import numpy as np

from ..document import Document, Paragraph, Removal
from ..filters.base import Filter, PageView
from ..normalise import normalise_lines
from .index import IndexSettings, NewParagraph, ParagraphIndex, open_index
from .minhash import band_hashes, estimated_similarity, lsh_bands, minhash_signatures
from .shingles import Shingling, ShingleKind, exact_key, normalised_form, words


class NearDuplicateFilter(Filter):
    """Drop paragraphs that copy (exactly or nearly) a paragraph of an earlier document.

    Options (defaults chosen by measurement, see docs/dedup.md):

    - `index`: None for an in-memory index, a path for an SQLite index file (created if
      missing, reopened by later runs), or a ParagraphIndex (whose settings then apply).
    - `threshold`: estimated Jaccard similarity of word-bigram sets at or above which a
      candidate is a near-duplicate (0.4: a ~15%-edited copy is ~0.5-0.65, distinct
      paragraphs on the same topic stay below ~0.15).
    - `candidate_threshold`: the similarity the LSH bands are tuned for (datasketch chooses
      bands and rows for it); lower than `threshold` so few true copies escape the bands.
    - `num_perm`, `seed`, `shingle`, `shingle_size`: the MinHash and shingling parameters.
    - `min_words`: shorter paragraphs are matched on their exact normalised form only.
    - `template_documents`: a line occurring in this many different documents is a site
      template line, dropped in all of them (the first too, when `count_template_lines` saw
      the corpus beforehand; otherwise from the Nth document on).
    - `batch_size`: paragraphs per signature batch (changes speed and memory, never results).
    - `timeout`: seconds to wait for another run's lock on an SQLite index.
    - `record`: False checks documents against the index without adding them (`explain`);
      a document already in the index is then checked against the others only.
    """

    name = "near-duplicate"
    stateful = True

    def __init__(
        self,
        *,
        index: str | os.PathLike | ParagraphIndex | None = None,
        threshold: float = 0.4,
        candidate_threshold: float = 0.3,
        num_perm: int = 128,
        seed: int = 1,
        shingle: ShingleKind = "word",
        shingle_size: int = 2,
        min_words: int = 8,
        template_documents: int = 3,
        batch_size: int = 1024,
        timeout: float = 30.0,
        record: bool = True,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold!r}")
        if template_documents < 2:
            raise ValueError(f"template_documents must be at least 2, not {template_documents!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, not {batch_size!r}")
        self.threshold = threshold
        self.min_words = min_words
        self.template_documents = template_documents
        self.batch_size = batch_size
        self.record = record
        if isinstance(index, ParagraphIndex):
            self._index, self._owns_index = index, False
        else:
            bands, rows = lsh_bands(candidate_threshold, num_perm)
            settings = IndexSettings(num_perm=num_perm, seed=seed, bands=bands, rows=rows, shingling=Shingling(shingle, shingle_size))
            self._index, self._owns_index = open_index(index, settings, timeout=timeout), True
        self.settings = self._index.settings
        self._corpus_forms: Counter[int] = Counter()
        self._word_cache: dict[str, int] = {}

    @property
    def index(self) -> ParagraphIndex:
        return self._index

    def count_template_lines(self, documents: Iterable[Document]) -> None:
        """First pass over a corpus: count in how many documents each line occurs, so that a
        site template line is dropped in every document, the first included."""
        seen: set[str] = set()
        for document in documents:
            if document.id in seen:
                continue
            seen.add(document.id)
            lines, _ = normalise_lines(document.lines)
            self._corpus_forms.update({exact_key(normalised_form(line)) for line in lines if line})

    def signatures(self, paragraph_words: list[list[str]]) -> np.ndarray:
        """MinHash signatures of paragraphs given as word lists, computed batch by batch."""
        settings = self.settings
        parts = [np.zeros((0, settings.num_perm), dtype=np.uint32)]
        for start in range(0, len(paragraph_words), self.batch_size):
            hashes, offsets = settings.shingling.hashes(paragraph_words[start : start + self.batch_size], self._word_cache)
            parts.append(minhash_signatures(hashes, offsets, settings.num_perm, settings.seed))
        return np.concatenate(parts)

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = list(page.paragraphs)
        if not paragraphs:
            return []
        paragraph_words = [words(paragraph.text) for paragraph in paragraphs]
        keys = [
            exact_key(" ".join(items) if items else normalised_form(paragraph.text))
            for paragraph, items in zip(paragraphs, paragraph_words)
        ]
        long_positions = [position for position, items in enumerate(paragraph_words) if len(items) >= self.min_words]
        signatures = self.signatures([paragraph_words[position] for position in long_positions])
        bands = band_hashes(signatures, self.settings.bands, self.settings.rows)
        removals: list[Removal] = []
        with self._index.transaction():
            counted_before = self._index.has_document(page.document_id)
            forms = self._index.forms(keys)
            candidates = self._index.band_candidates(bands) if long_positions else []
            if not self.record and counted_before:
                forms, candidates = self._without_document(page.document_id, forms, candidates)
            best = self._best_matches(signatures, candidates)
            match_of = dict(zip(long_positions, best))
            new_paragraphs: list[NewParagraph] = []
            long_row = {position: row for row, position in enumerate(long_positions)}
            for position, (paragraph, key) in enumerate(zip(paragraphs, keys)):
                removal = self._decide(paragraph, key, forms.get(key), counted_before, match_of.get(position))
                if removal is not None:
                    removals.append(removal)
                    continue
                row = long_row.get(position)
                new_paragraphs.append(
                    NewParagraph(
                        paragraph.line,
                        key,
                        None if row is None else signatures[row],
                        None if row is None else bands[row],
                    )
                )
            if self.record:
                self._index.add_document(page.document_id, keys, new_paragraphs)
        return removals

    def _without_document(self, name: str, forms: dict, candidates: list[list[int]]) -> tuple[dict, list[list[int]]]:
        """Forget a document's own paragraphs, so that explaining a document that is already in
        the index shows what its own run decided, not that it copies itself."""
        own = {paragraph for paragraph in {p for items in candidates for p in items} if self._index.location(paragraph)[0] == name}
        own.update(
            entry.paragraph for entry in forms.values() if entry.paragraph is not None and self._index.location(entry.paragraph)[0] == name
        )
        forms = {key: entry._replace(paragraph=None) if entry.paragraph in own else entry for key, entry in forms.items()}
        return forms, [[paragraph for paragraph in items if paragraph not in own] for items in candidates]

    def _best_matches(self, signatures: np.ndarray, candidates: list[list[int]]) -> list[tuple[int, float] | None]:
        """For each long paragraph, the most similar verified candidate (earliest on a tie)."""
        unique = sorted({paragraph for items in candidates for paragraph in items})
        if not unique:
            return [None] * len(candidates)
        stored = dict(zip(unique, self._index.signatures(unique)))
        matches: list[tuple[int, float] | None] = []
        for row, items in enumerate(candidates):
            if not items:
                matches.append(None)
                continue
            similarities = estimated_similarity(signatures[row], np.array([stored[item] for item in items]))
            best = int(np.argmax(similarities))
            similarity = float(similarities[best])
            matches.append((items[best], similarity) if similarity >= self.threshold else None)
        return matches

    def _decide(self, paragraph: Paragraph, key: int, form, counted_before: bool, match: tuple[int, float] | None) -> Removal | None:
        documents = (form.documents if form else 0) + (0 if counted_before else 1)
        documents = max(documents, self._corpus_forms.get(key, 0))
        if documents >= self.template_documents:
            return self.removal(
                paragraph,
                f"site template line: occurs in {documents} documents (template threshold {self.template_documents})",
                documents=documents,
            )
        if form is not None and form.paragraph is not None:
            return self._duplicate(paragraph, form.paragraph, 1.0, exact=True)
        if match is not None:
            return self._duplicate(paragraph, *match, exact=False)
        return None

    def _duplicate(self, paragraph: Paragraph, original: int, similarity: float, *, exact: bool) -> Removal:
        document, line = self._index.location(original)
        how = "same text after normalisation" if exact else f"estimated similarity {similarity:.2f}"
        return self.removal(
            paragraph,
            f"duplicate of line {line} of {document} ({how})",
            original_document=document,
            original_line=line,
            similarity=round(similarity, 3),
        )

    def close(self) -> None:
        """Close the index if this filter opened it."""
        if self._owns_index:
            self._index.close()
