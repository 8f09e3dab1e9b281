"""The near-duplicate filter: drops paragraphs seen before in other documents, and site
template lines, naming the original of each duplicate.

It is a stateful Filter: documents go through it in order, and its index (in memory or an
SQLite file) remembers the kept paragraphs. Processing order defines the original: the first
occurrence is kept, later copies are dropped. A document's paragraphs are compared only with
documents that came before it, never with each other. `find_removals_batch` takes many
documents at once for speed and decides exactly as one at a time; all of a batch's checks
and inserts happen in one index transaction.
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import accumulate, chain, repeat
from typing import Collection, Iterable, Sequence

import numpy as np

from ..document import Document, Paragraph, Removal, new_removal, require_str_id
from ..filters.base import Filter, PageView
from ..options import flag, number_in, whole_number
from .index import FormEntry, IndexSettings, NewDocument, NewParagraphs, ParagraphIndex, key_order, open_index, sorted_unique
from .minhash import band_hashes, lsh_bands, minhash_signatures
from .shingles import Shingling, ShingleKind, WordBatch, word_batch, word_bytes
from .template_keys import template_line_keys

#: Candidate pairs compared per numpy step (pairs x num_perm values: 8 MiB at 128 permutations).
_PAIRS_PER_CHUNK = 1 << 14


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
    - `replay_known`: True treats a document already in the index (by its id) as the same
      document seen again (`newsclean clean --index`: a re-run, or `--resume` after an
      interrupted one): it is checked against the other documents only, so it is never a
      duplicate of itself, and only the paragraphs it adds are recorded (none when it is
      unchanged, so a re-run writes what the first run wrote). False (the default) drops a
      document seen in an earlier run as a copy of that run: a stream that meets the same
      article twice (the same URL scraped again) keeps it once.
    """

    name = "near-duplicate"
    stateful = True
    reads_kept_paragraphs_only = True

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
        replay_known: bool = False,
    ) -> None:
        owner = "NearDuplicateFilter"
        self.threshold = number_in(owner, "threshold", threshold, 0, 1, low_open=True)
        self.min_words = whole_number(owner, "min_words", min_words, 1)
        self.template_documents = whole_number(owner, "template_documents", template_documents, 2)
        self.batch_size = whole_number(owner, "batch_size", batch_size, 1)
        self.record = flag(owner, "record", record)
        # A run mode, not an option: it makes a resumed run write what an uninterrupted one
        # would, so it stays out of the settings a --resume manifest compares.
        self._replay_known = flag(owner, "replay_known", replay_known)
        if isinstance(index, ParagraphIndex):
            self._index, self._owns_index = index, False
        else:
            _check_index_path(index)
            number_in(owner, "candidate_threshold", candidate_threshold, 0, 1, low_open=True, high_open=True)
            num_perm = whole_number(owner, "num_perm", num_perm, 2)
            seed = whole_number(owner, "seed", seed, 0, (1 << 32) - 1)
            shingle_size = whole_number(owner, "shingle_size", shingle_size, 1)
            timeout = number_in(owner, "timeout", timeout, 0, None)
            bands, rows = lsh_bands(candidate_threshold, num_perm)
            settings = IndexSettings(num_perm=num_perm, seed=seed, bands=bands, rows=rows, shingling=Shingling(shingle, shingle_size))
            self._index, self._owns_index = open_index(index, settings, timeout=timeout), True
        self.settings = self._index.settings
        self._corpus_forms: Counter[int] = Counter()
        self._word_cache: dict[str, int] = {}
        self._similarity_texts: dict[int | None, tuple[str, float]] = {}

    @property
    def index(self) -> ParagraphIndex:
        return self._index

    def count_template_lines(self, documents: Iterable[Document]) -> None:
        """First pass over a corpus: count in how many documents each line occurs, so that a
        site template line is dropped in every document, the first included."""
        self.count_template_keys((document.id, template_line_keys(document.lines)) for document in documents)

    def count_template_keys(self, documents: Iterable[tuple[str, Iterable[int]]]) -> None:
        """`count_template_lines` from precomputed keys: (document id, `template_line_keys` of
        its lines) for each document, e.g. computed in worker processes. A document id seen
        before is not counted again."""
        seen: set[str] = set()
        for document_id, keys in documents:
            if document_id in seen:
                continue
            seen.add(document_id)
            # A set is counted as it is: `template_line_keys` gives one, which needs no copy.
            self._corpus_forms.update(keys if isinstance(keys, (set, frozenset)) else set(keys))

    def signatures(self, paragraph_words: Sequence[Sequence[str | bytes]]) -> np.ndarray:
        """MinHash signatures of paragraphs given as word lists (`words` or `word_bytes`),
        computed `batch_size` paragraphs at a time."""
        settings = self.settings
        parts = [np.zeros((0, settings.num_perm), dtype=np.uint32)]
        for start in range(0, len(paragraph_words), self.batch_size):
            hashes, offsets = settings.shingling.hashes(paragraph_words[start : start + self.batch_size], self._word_cache)
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

    def find_removals(self, page: PageView) -> list[Removal]:
        return self.find_removals_batch([page])[0]

    def find_removals_batch(self, pages: Sequence[PageView]) -> list[list[Removal]]:
        """The removals of several documents: exactly what `find_removals` on each in turn
        would return, and leaving the index in the same state.

        Each paragraph is still checked against every earlier document, including the earlier
        documents of this batch. What batching changes is the cost: words, signatures and index
        look-ups are computed once for the whole batch, and the batch is checked and recorded
        in one index transaction with bulk writes (hundreds of documents per call is a good size).
        """
        pages = list(pages)
        for page in pages:
            require_str_id(page.document_id, "NearDuplicateFilter")
        batch = _Batch(pages, self)
        if not batch.pages:
            return [[] for _ in pages]
        removals: list[list[Removal]] = []
        with self._index.transaction():
            known_before = {name: self._index.has_document(name) for name in dict.fromkeys(page.document_id for page in batch.pages)}
            stored_forms = self._index.forms(batch.keys)
            if len(batch.long_positions):
                candidate_rows, candidates = self._index.band_candidate_pairs(batch.bands, batch.band_order)
            else:
                candidate_rows = candidates = np.zeros(0, dtype=np.int64)
            own: dict[int, set[int]] = {}
            if not self.record or self._replay_known:
                own, keep = self._forget_own_paragraphs(batch, known_before, stored_forms, candidate_rows, candidates)
                candidate_rows, candidates = candidate_rows[keep], candidates[keep]
            stored_match, stored_count = self._best_stored_matches(batch.signatures, candidate_rows, candidates)
            state = _BatchState(batch, stored_forms)
            unmatched = self._unmatched(batch, state, stored_forms, stored_count)
            new_documents: list[NewDocument] = []
            recorded_rows: list[int] = []
            keys, paragraphs, long_row = batch.keys, batch.paragraphs, batch.long_row
            stored_match_of, stored_count_of = stored_match.tolist(), stored_count.tolist()
            for number, page in enumerate(batch.pages):
                counted_before = known_before[page.document_id] or page.document_id in state.recorded
                own_paragraphs = own.get(number, ())
                # Rows of this page with a kept candidate in an earlier page of the batch,
                # found for the whole page at once: most rows have none.
                looking = state.rows_with_candidates(batch, number)
                page_removals: list[Removal] = []
                kept: list[int] = []
                for position in batch.positions(number):
                    if unmatched[position]:
                        kept.append(position)
                        continue
                    key = keys[position]
                    form = state.form(key)
                    if form is not None and form.paragraph in own_paragraphs:
                        form = form._replace(paragraph=None)
                    removal = self._form_removal(batch, paragraphs[position], key, form, counted_before)
                    row = long_row.get(position)
                    if removal is None and row is not None:
                        # Only now is the near-duplicate match needed (an exact copy or a
                        # template line is dropped as such, whatever its candidates).
                        earlier_rows = state.candidate_rows(batch, row) if row in looking else []
                        match = self._best_match(batch, row, stored_match_of[row], stored_count_of[row], earlier_rows)
                        if match is not None:
                            removal = self._duplicate(batch, paragraphs[position], *match)
                    if removal is None:
                        kept.append(position)
                    else:
                        page_removals.append(removal)
                removals.append(page_removals)
                replayed = self._replay_known and known_before[page.document_id]
                if replayed:
                    # A document the index holds, seen again: record only what it adds (its
                    # kept paragraphs whose form it has not stored), nothing when it is unchanged.
                    kept = [position for position in kept if not _stored_as_own(stored_forms.get(keys[position]), own_paragraphs)]
                if self.record and (kept or not replayed):
                    state.record(batch, number, kept, counted_before)
                    rows = [long_row.get(position) for position in kept]
                    long_rows = [row for row in rows if row is not None]
                    new_documents.append(NewDocument(page.document_id, batch.keys_of(number), batch.new_paragraphs(kept, rows, long_rows)))
                    recorded_rows.extend(long_rows)
            if self.record:
                self._index.add_documents(new_documents, batch.band_order_of(recorded_rows))
        checked = iter(removals)
        return [next(checked) if page.paragraphs else [] for page in pages]

    def _forget_own_paragraphs(
        self, batch: _Batch, known_before: dict[str, bool], forms: dict[int, FormEntry], candidate_rows: np.ndarray, candidates: np.ndarray
    ) -> tuple[dict[int, set[int]], np.ndarray]:
        """For record=False or replay_known: the stored paragraphs of each page already in the
        index, and which (row, candidate) pairs to keep: those pairing a page's rows with its
        own paragraphs are dropped (the page's own forms are ignored by the caller), so that
        explaining a document shows what its own run decided, not that it copies itself."""
        own_by_page: dict[int, set[int]] = {}
        keep = np.ones(len(candidates), dtype=bool)
        bounds = np.searchsorted(candidate_rows, batch.row_starts).tolist()
        for number, page in enumerate(batch.pages):
            if not known_before[page.document_id]:
                continue
            first, stop = bounds[number], bounds[number + 1]
            stored = {forms[key].paragraph for key in batch.keys_of(number) if key in forms and forms[key].paragraph is not None}
            stored.update(candidates[first:stop].tolist())
            own = {paragraph for paragraph in stored if self._index.location(paragraph)[0] == page.document_id}
            if own:
                own_by_page[number] = own
                keep[first:stop] = ~np.isin(candidates[first:stop], sorted(own))
        return own_by_page, keep

    def _best_stored_matches(self, signatures: np.ndarray, candidate_rows: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each long paragraph, its most similar stored candidate (the earliest on a tie) and
        how many signature values they share, or -1 and -1: one vectorised pass for the batch.
        `candidate_rows` and `candidates` are `band_candidate_pairs` (rows increasing, each
        row's candidates sorted)."""
        count = len(signatures)
        best = np.full(count, -1, dtype=np.int64)
        best_count = np.full(count, -1, dtype=np.int64)
        total = len(candidates)
        if total == 0:
            return best, best_count
        unique = sorted_unique(candidates)
        stored = self._index.signatures(unique.tolist())
        columns = np.searchsorted(unique, candidates)
        counts = np.empty(total, dtype=np.int64)
        for start in range(0, total, _PAIRS_PER_CHUNK):
            chunk = slice(start, start + _PAIRS_PER_CHUNK)
            counts[chunk] = np.count_nonzero(signatures[candidate_rows[chunk]] == stored[columns[chunk]], axis=1)
        # Candidates are sorted by id (earliest first): a score ordering by count, then by an
        # earlier rank within the row, makes one max-reduction per row pick the match.
        lengths = np.bincount(candidate_rows, minlength=count)
        firsts = np.cumsum(lengths) - lengths
        ranks = np.arange(total) - np.repeat(firsts, lengths)
        stride = int(lengths.max())
        non_empty = np.flatnonzero(lengths)
        top = np.maximum.reduceat(counts * stride + (stride - 1 - ranks), firsts[non_empty])
        best_count[non_empty] = top // stride
        best[non_empty] = candidates[firsts[non_empty] + stride - 1 - top % stride]
        return best, best_count

    def _unmatched(self, batch: _Batch, state: _BatchState, stored_forms: dict[int, FormEntry], stored_count: np.ndarray) -> list[bool]:
        """Which paragraphs of the batch nothing can match: an exact form that neither the
        index, nor the corpus count, nor another page of the batch has, and (if long) no LSH
        candidate stored or in the batch. The decision keeps every one of them (at most one
        document counted, under `template_documents`), so they skip it: most paragraphs of a
        large corpus are new."""
        without_candidates = np.ones(len(batch.paragraphs), dtype=bool)
        if len(batch.long_positions):
            without_candidates[batch.long_positions] = (stored_count < 0) & ~state.rows_looking_up
        shared_keys, corpus_forms, template_documents = state.shared_keys, self._corpus_forms, self.template_documents
        return [
            alone and key not in stored_forms and key not in shared_keys and corpus_forms.get(key, 0) < template_documents
            for key, alone in zip(batch.keys, without_candidates.tolist())
        ]

    def _best_match(self, batch: _Batch, row: int, stored: int, stored_count: int, earlier_rows: list[int]) -> tuple[int, int] | None:
        """The most similar verified candidate of a long paragraph (the earliest on a tie):
        the best stored one (smaller ids are earlier; `stored_count` < 0 if none) against
        `earlier_rows`, its candidates among the earlier documents of the batch.

        Returns `(original, equal signature values)`, where original is a stored paragraph
        id, or `-1 - position` for a paragraph of this batch.
        """
        best, best_count = (None, -1) if stored_count < 0 else (stored, stored_count)
        if earlier_rows:
            counts = np.count_nonzero(batch.signatures[earlier_rows] == batch.signatures[row], axis=1)
            index = int(np.argmax(counts))
            if counts[index] > best_count:
                best, best_count = -1 - int(batch.long_positions[earlier_rows[index]]), int(counts[index])
        if best is None:
            return None
        return (best, best_count) if best_count / self.settings.num_perm >= self.threshold else None

    def _form_removal(self, batch: _Batch, paragraph: Paragraph, key: int, form: FormEntry | None, counted_before: bool) -> Removal | None:
        """The removal a paragraph's exact form decides, if any: a site template line, then an
        exact copy of a kept paragraph. Otherwise only a near-duplicate match can drop it."""
        documents = (form.documents if form else 0) + (0 if counted_before else 1)
        documents = max(documents, self._corpus_forms.get(key, 0))
        if documents >= self.template_documents:
            return self.removal(
                paragraph,
                f"site template line: occurs in {documents} documents (template threshold {self.template_documents})",
                documents=documents,
            )
        if form is not None and form.paragraph is not None:
            return self._duplicate(batch, paragraph, form.paragraph)
        return None

    def _duplicate(self, batch: _Batch, paragraph: Paragraph, original: int, equal_values: int | None = None) -> Removal:
        """The removal of a copy of `original` (a stored id, or `-1 - position` in the batch):
        an exact copy, or a near one sharing `equal_values` signature values."""
        document, line = self._index.location(original) if original >= 0 else batch.location(-1 - original)
        how, similarity = self._similarity_text(equal_values)
        return new_removal(
            paragraph.line,
            self.name,
            f"duplicate of line {line} of {document} ({how})",
            {"original_document": document, "original_line": line, "similarity": similarity},
        )

    def _similarity_text(self, equal_values: int | None) -> tuple[str, float]:
        """How a removal names its similarity, and the rounded value in its details (the same
        few values recur, so each is formatted once)."""
        known = self._similarity_texts.get(equal_values)
        if known is None:
            if equal_values is None:
                known = ("same text after normalisation", 1.0)
            else:
                similarity = equal_values / self.settings.num_perm
                known = (f"estimated similarity {similarity:.2f}", round(similarity, 3))
            self._similarity_texts[equal_values] = known
        return known

    def close(self) -> None:
        """Close the index if this filter opened it."""
        if self._owns_index:
            self._index.close()


def _stored_as_own(form: FormEntry | None, own_paragraphs: Collection[int]) -> bool:
    """Whether an exact form's first stored paragraph is one of the document's own."""
    return form is not None and form.paragraph is not None and form.paragraph in own_paragraphs


def _check_index_path(index: object) -> None:
    """Refuse an `index` that is neither None (in memory), a ParagraphIndex nor a file path."""
    if index is None:
        return
    if not isinstance(index, (str, os.PathLike)):
        raise TypeError(
            f"NearDuplicateFilter: index must be None (in memory), a file path or a ParagraphIndex, "
            f"not {type(index).__name__} {index!r}"
        )
    if not os.fspath(index):
        raise ValueError("NearDuplicateFilter: index is an empty path; pass a file path, or None for an in-memory index")


class _Batch:
    """Several documents' kept paragraphs prepared together: words, exact-form keys, MinHash
    signatures and band hashes of all of them, each computed in one pass."""

    def __init__(self, pages: Sequence[PageView], dedup: NearDuplicateFilter) -> None:
        # A document without paragraphs is neither checked nor recorded (as one at a time).
        self.pages = [page for page in pages if page.paragraphs]
        self.paragraphs = [paragraph for page in self.pages for paragraph in page.paragraphs]
        self.starts = [0, *accumulate(len(page.paragraphs) for page in self.pages)]
        self.page_of = [number for number, page in enumerate(self.pages) for _ in page.paragraphs]
        texts = [paragraph.text for paragraph in self.paragraphs]
        words = word_batch(texts)
        self.keys = words.keys
        self.long_positions = np.flatnonzero(np.diff(words.offsets) >= dedup.min_words)
        self.long_row = dict(zip(self.long_positions.tolist(), range(len(self.long_positions))))
        # Page `number`'s long paragraphs are rows row_starts[number]:row_starts[number + 1].
        self.row_starts = np.searchsorted(self.long_positions, self.starts).tolist()
        self.signatures = dedup.batch_signatures(words, self.long_positions, texts)
        self.bands = band_hashes(self.signatures, dedup.settings.bands, dedup.settings.rows)
        # One sort of the batch's band hashes serves the shared-band search, the index's
        # look-up and its insert (each would otherwise sort them again).
        self.band_order = key_order(self.bands.reshape(-1))

    def positions(self, number: int) -> range:
        """Positions (in `paragraphs`) of page `number`'s paragraphs."""
        return range(self.starts[number], self.starts[number + 1])

    def keys_of(self, number: int) -> list[int]:
        return self.keys[self.starts[number] : self.starts[number + 1]]

    def location(self, position: int) -> tuple[str, int]:
        return self.pages[self.page_of[position]].document_id, self.paragraphs[position].line

    def new_paragraphs(self, positions: list[int], rows: list[int | None], long_rows: list[int]) -> NewParagraphs:
        """The paragraphs at `positions` to record, with their `long_row`s (None for short
        ones) and those that are not None."""
        return NewParagraphs(
            [self.paragraphs[position].line for position in positions],
            [self.keys[position] for position in positions],
            [row is not None for row in rows],
            self.signatures[long_rows],
            self.bands[long_rows],
        )

    def band_order_of(self, rows: Sequence[int]) -> np.ndarray:
        """`np.argsort(bands[rows].reshape(-1))` for increasing `rows`, read off the batch's
        sort: the order of the band hashes the batch records."""
        selected = np.zeros(len(self.bands), dtype=bool)
        selected[np.asarray(rows, dtype=np.int64)] = True
        flat_selected = np.repeat(selected, self.bands.shape[1])
        return (np.cumsum(flat_selected) - 1)[self.band_order[flat_selected[self.band_order]]]

    def shared_keys(self) -> set[int]:
        """The exact-form keys that occur in more than one page of the batch: only their state
        is ever read back by a later page (a page never reads its own), so only they go
        through the Python dict of `_BatchState`."""
        if len(self.pages) < 2:
            return set()
        keys = np.array(self.keys, dtype=np.int64)
        pages = np.array(self.page_of, dtype=np.int64)
        order = np.lexsort((pages, keys))
        sorted_keys, sorted_pages = keys[order], pages[order]
        # Sorted by key, then page: a key is shared when a neighbour has the same key and
        # another page.
        shared = (sorted_keys[1:] == sorted_keys[:-1]) & (sorted_pages[1:] != sorted_pages[:-1])
        return set(sorted_keys[1:][shared].tolist())

    def shared_bands(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which (long paragraph, band) hashes also occur in an earlier page of the batch (worth
        looking up) and in a later one (worth remembering), all False for one page; and each
        entry's group, a number shared by exactly the entries with the same band hash.

        Only these few entries go through the Python dict of `_BatchState`, so a batch of
        unrelated paragraphs costs nothing there.
        """
        count, bands = self.bands.shape
        if count == 0 or len(self.pages) < 2:
            empty = np.zeros((count, bands), dtype=bool)
            return empty, empty, np.zeros((count, bands), dtype=np.int64)
        keys = self.bands.reshape(-1)
        pages = np.repeat(np.array(self.page_of, dtype=np.int64)[self.long_positions], bands)
        order = self.band_order
        sorted_keys, sorted_pages = keys[order], pages[order]
        first = np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]])
        starts = np.flatnonzero(first)
        group = np.cumsum(first) - 1
        lookup = np.empty(len(keys), dtype=bool)
        remember = np.empty(len(keys), dtype=bool)
        groups = np.empty(len(keys), dtype=np.int64)
        lookup[order] = np.minimum.reduceat(sorted_pages, starts)[group] < sorted_pages
        remember[order] = np.maximum.reduceat(sorted_pages, starts)[group] > sorted_pages
        groups[order] = group
        return lookup.reshape(count, bands), remember.reshape(count, bands), groups.reshape(count, bands)


class _BatchState:
    """What the batch's earlier documents have recorded so far, seen on top of the index's
    state before the batch: exact forms, document ids, and band hashes of kept paragraphs.
    Paragraphs of the batch are named `-1 - position`."""

    def __init__(self, batch: _Batch, stored_forms: dict[int, FormEntry]) -> None:
        self._stored_forms = stored_forms
        self._forms: dict[int, list] = {}  # key -> [original, documents], once changed by the batch
        self.recorded: set[str] = set()
        self._lookup, self._remember, self._groups = batch.shared_bands()
        self.rows_looking_up = self._lookup.any(axis=1)  # rows with a band shared with an earlier page
        self._rows_to_remember = set(np.flatnonzero(self._remember.any(axis=1)).tolist())
        self._rows_by_band: dict[int, list[int]] = {}
        # Whether a kept row of the batch has an entry in each group (band hash) so far.
        self._group_kept = np.zeros(int(self._groups.max(initial=-1)) + 1, dtype=bool)
        self.shared_keys = batch.shared_keys()

    def form(self, key: int) -> FormEntry | None:
        entry = self._forms.get(key)
        return self._stored_forms.get(key) if entry is None else FormEntry(*entry)

    def rows_with_candidates(self, batch: _Batch, number: int) -> set[int]:
        """The long rows of page `number` that share a band with a kept row of an earlier
        page: those whose `candidate_rows` are not empty, found in one pass for the page."""
        first, stop = batch.row_starts[number], batch.row_starts[number + 1]
        if first == stop or not self._rows_by_band:
            return set()
        shared = self._lookup[first:stop] & self._group_kept[self._groups[first:stop]]
        return set((np.flatnonzero(shared.any(axis=1)) + first).tolist())

    def candidate_rows(self, batch: _Batch, row: int) -> list[int]:
        """Long rows of earlier pages in the batch, kept, sharing a band with `row` (sorted)."""
        band_hashes = batch.bands[row][self._lookup[row]].tolist()
        # The rows of every band, gathered without a Python loop step per band.
        return sorted(set(chain.from_iterable(map(self._rows_by_band.get, band_hashes, repeat(())))))

    def record(self, batch: _Batch, number: int, kept: list[int], counted_before: bool) -> None:
        """What `add_document` does to the index, for page `number` with `kept` paragraphs."""
        self.recorded.add(batch.pages[number].document_id)
        shared_keys = self.shared_keys
        for position in kept:
            key = batch.keys[position]
            if key in shared_keys:
                entry = self._entry(key)
                if entry[0] is None:
                    entry[0] = -1 - position
            row = batch.long_row.get(position)
            if row in self._rows_to_remember:
                remembered = self._remember[row]
                for band_hash in batch.bands[row][remembered].tolist():
                    self._rows_by_band.setdefault(band_hash, []).append(row)
                self._group_kept[self._groups[row][remembered]] = True
        if not counted_before:
            for key in shared_keys.intersection(batch.keys_of(number)):
                self._entry(key)[1] += 1

    def _entry(self, key: int) -> list:
        entry = self._forms.get(key)
        if entry is None:
            stored = self._stored_forms.get(key)
            entry = self._forms[key] = [None, 0] if stored is None else [stored.paragraph, stored.documents]
        return entry
