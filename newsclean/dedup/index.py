"""Where the near-duplicate filter remembers paragraphs: one small interface, two storages.

`MemoryIndex` lives for one process; `SQLiteIndex` is a file that the next run opens again, so
tomorrow's paragraphs are checked against today's. Both store the same things:

- documents by id (a document seen before does not count again towards template lines);
- kept paragraphs: document, line and MinHash signature (None for short paragraphs);
- exact normalised forms: the kept paragraph with that form, and in how many documents it
  occurred (for site template lines);
- LSH band hashes, one entry per (band hash, paragraph); a band hash identifies its band too.

An index records the parameters that change signatures; opening it with other parameters,
another format version, or a file that is not an index raises IndexFileError and never
touches the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import numpy as np

from ..errors import IndexBusyError, IndexFileError, IndexUsageError
from ..normalise import NORMALISATION_VERSION
from .minhash import SCHEME
from .shingles import Shingling

#: Bump when the SQLite layout or the meaning of a stored value changes. Version 2 dropped the
#: band number column (band hashes already differ between bands), shrinking the file.
FORMAT_VERSION = 2
_SQLITE_HEADER = b"SQLite format 3\x00"
#: Band hashes per SQLite probe statement.
#: Values per `IN (...)` query, well under SQLite's bound-parameter limit.
_IN_CHUNK = 500
_PROBE_CHUNK = 50_000


@dataclass(frozen=True)
class IndexSettings:
    """Every parameter that changes stored signatures, band hashes or exact forms."""

    num_perm: int = 128
    seed: int = 1
    bands: int = 37
    rows: int = 3
    shingling: Shingling = field(default_factory=Shingling)
    normalisation_version: int = NORMALISATION_VERSION

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"{self.bands} bands x {self.rows} rows need more than num_perm={self.num_perm} permutations")

    def parameters(self) -> dict[str, str]:
        """The parameters as the meta table stores them (text, sorted by name)."""
        return {
            "bands": str(self.bands),
            "format_version": str(FORMAT_VERSION),
            "normalisation_version": str(self.normalisation_version),
            "num_perm": str(self.num_perm),
            "rows": str(self.rows),
            "scheme": SCHEME,
            "seed": str(self.seed),
            "shingling": self.shingling.describe(),
        }


class NewParagraph(NamedTuple):
    """A kept paragraph to remember: its line, exact-form key, and MinHash data if long."""

    line: int
    form_key: int
    signature: np.ndarray | None
    band_hashes: np.ndarray | None


class NewParagraphs(Sequence[NewParagraph]):
    """A document's kept paragraphs to remember, as columns: what the filter hands over for a
    batch, so that no NewParagraph (nor numpy row) is built per paragraph; a sequence of
    NewParagraph for any storage that wants them one by one.

    `long[i]` says whether paragraph i has MinHash data; `signatures` and `band_hashes` hold
    one row per long paragraph, in order.
    """

    def __init__(self, lines: list[int], form_keys: list[int], long: list[bool], signatures: np.ndarray, band_hashes: np.ndarray) -> None:
        self.lines, self.form_keys, self.long = lines, form_keys, long
        self.signatures, self.band_hashes = signatures, band_hashes

    @classmethod
    def of(cls, paragraphs: Sequence[NewParagraph], num_perm: int, bands: int) -> NewParagraphs:
        """The columns of NewParagraphs given one by one."""
        if isinstance(paragraphs, NewParagraphs):
            return paragraphs
        long = [paragraph.signature is not None for paragraph in paragraphs]
        chosen = [paragraph for paragraph, is_long in zip(paragraphs, long) if is_long]
        return cls(
            [paragraph.line for paragraph in paragraphs],
            [paragraph.form_key for paragraph in paragraphs],
            long,
            np.array([paragraph.signature for paragraph in chosen], dtype=np.uint32).reshape(len(chosen), num_perm),
            np.array([paragraph.band_hashes for paragraph in chosen], dtype=np.int64).reshape(len(chosen), bands),
        )

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, position):  # type: ignore[override]
        if isinstance(position, slice):
            return [self[item] for item in range(len(self))[position]]
        if not self.long[position]:
            return NewParagraph(self.lines[position], self.form_keys[position], None, None)
        row = sum(self.long[:position])
        return NewParagraph(self.lines[position], self.form_keys[position], self.signatures[row], self.band_hashes[row])

    def __iter__(self) -> Iterator[NewParagraph]:
        rows = iter(range(len(self.signatures)))
        for line, form_key, is_long in zip(self.lines, self.form_keys, self.long):
            if is_long:
                row = next(rows)
                yield NewParagraph(line, form_key, self.signatures[row], self.band_hashes[row])
            else:
                yield NewParagraph(line, form_key, None, None)


class NewDocument(NamedTuple):
    """A checked document to remember: its id, the exact-form keys of all its paragraphs (kept
    or not, for template counts), and its kept paragraphs in line order."""

    name: str
    form_keys: Sequence[int]
    paragraphs: Sequence[NewParagraph]


class FormEntry(NamedTuple):
    """What the index knows of an exact form: the kept paragraph with it (or None), and the
    number of documents it occurred in."""

    paragraph: int | None
    documents: int


class ParagraphIndex(ABC):
    """The storage interface the near-duplicate filter uses. Paragraph ids grow in insertion
    order, so a smaller id is an earlier paragraph."""

    settings: IndexSettings

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Hold the write lock for one check-then-insert (a no-op in memory)."""

    @abstractmethod
    def has_document(self, name: str) -> bool:
        """Whether a document with this id was added before."""

    @abstractmethod
    def forms(self, keys: Sequence[int]) -> dict[int, FormEntry]:
        """The known exact forms among `keys`."""

    @abstractmethod
    def band_candidates(self, band_hashes: np.ndarray, order: np.ndarray | None = None) -> list[list[int]]:
        """For each row of band hashes (paragraphs x bands), the ids sharing any band, sorted.

        `order`, if the caller has it, is `np.argsort(band_hashes.reshape(-1))` (a storage
        that sorts may reuse it instead of sorting again)."""

    def band_candidate_pairs(self, band_hashes: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`band_candidates` as two flat int64 arrays `(rows, ids)`: one entry per (row,
        candidate), rows increasing and each row's ids sorted (no Python list per row)."""
        candidates = self.band_candidates(band_hashes, order)
        lengths = np.array([len(items) for items in candidates], dtype=np.int64)
        total = int(lengths.sum())
        rows = np.repeat(np.arange(len(candidates), dtype=np.int64), lengths)
        return rows, np.fromiter(chain.from_iterable(candidates), dtype=np.int64, count=total)

    @abstractmethod
    def signatures(self, paragraph_ids: Sequence[int]) -> np.ndarray:
        """The stored signatures (len x num_perm) of long paragraphs, in the given order."""

    @abstractmethod
    def location(self, paragraph_id: int) -> tuple[str, int]:
        """The document id and line of a stored paragraph."""

    @abstractmethod
    def add_documents(self, documents: Sequence[NewDocument], band_order: np.ndarray | None = None) -> None:
        """Remember documents in order, exactly as `add_document` on each in turn would, but
        with bulk writes.

        `band_order`, if the caller has it, is the argsort of the band hashes of all the
        documents' long paragraphs, concatenated in order (a storage that sorts may reuse it)."""

    def add_document(self, name: str, form_keys: Sequence[int], paragraphs: Sequence[NewParagraph]) -> None:
        """Remember a document: count each of its distinct exact forms once (unless the document
        was added before), and store its kept paragraphs (their ids follow in line order)."""
        self.add_documents([NewDocument(name, form_keys, paragraphs)])

    def close(self) -> None:
        """Release the storage (the SQLite connection)."""

    def __enter__(self) -> ParagraphIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _SortedRuns:
    """A multimap from signed 64-bit keys to paragraph ids in sorted numpy runs (a small LSM
    tree per shard of the key space).

    A Python dict would cost ~100 bytes per band entry (3.7 GB for a million paragraphs at 37
    bands); sorted int64 runs cost 16 bytes. Keys are split into shards by their top bits, and
    within a shard runs are merged while the newer one is at least half the size of the older,
    so there are O(log n) runs per shard and each lookup is a vectorised binary search per run.
    Sharding keeps each searched or merged run small: at a million paragraphs, 64 shards cut
    the CPU time of look-ups from 17 to 13 s and of merges from 14.5 to 8 s, and 8 shards did
    as well overall (57.9 vs 56.5 s in all) while costing one-document calls far less (64
    shards made them 2.5x slower).

    A bit-set over the keys' top bits (about 8 bits per stored key, so about one bit in eight
    set) rejects most needles whose key is not stored before any binary search: a batch of new
    paragraphs searches the runs only with the few needles that may match.
    """

    _SHARD_BITS = 3
    #: A run with this many times fewer keys than the needles of its shard is searched the
    #: other way round: its keys among the needles.
    _FEW_KEYS_FACTOR = 4

    #: Bits of the bit-set per stored key (at least): about 88% of absent keys are rejected.
    _FILTER_BITS_PER_KEY = 8
    _SMALLEST_FILTER_BITS = 16
    #: Keys marked per numpy step when the bit-set is rebuilt larger (bounds the temporaries).
    _KEYS_PER_MARK = 1 << 20

    def __init__(self) -> None:
        self._shards: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(1 << self._SHARD_BITS)]
        self._stored = 0
        self._filter_bits = self._SMALLEST_FILTER_BITS
        self._filter = np.zeros(1 << (self._filter_bits - 6), dtype=np.uint64)

    def _filter_slots(self, sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's word of the bit-set and its bit in it, from the key's top bits (so sorted
        keys give increasing words, and the bit-set is read and written in order)."""
        slots = (sorted_keys.view(np.uint64) ^ np.uint64(1 << 63)) >> np.uint64(64 - self._filter_bits)
        return slots >> np.uint64(6), np.uint64(1) << (slots & np.uint64(63))

    def _mark(self, sorted_keys: np.ndarray) -> None:
        """Set the bit-set's bits of sorted keys (each word once, its bits or-ed together)."""
        for start in range(0, len(sorted_keys), self._KEYS_PER_MARK):
            words, bits = self._filter_slots(sorted_keys[start : start + self._KEYS_PER_MARK])
            firsts = np.flatnonzero(np.concatenate([[True], words[1:] != words[:-1]]))
            self._filter[words[firsts]] |= np.bitwise_or.reduceat(bits, firsts)

    def _may_be_stored(self, sorted_keys: np.ndarray) -> np.ndarray:
        """False for keys certainly not stored (their bit is not set), True for the others."""
        words, bits = self._filter_slots(sorted_keys)
        return (self._filter[words] & bits) != 0

    def _shard_bounds(self, sorted_keys: np.ndarray) -> list[int]:
        """Where each shard's keys start in sorted keys (the top bits, shifted arithmetically,
        grow with the signed key)."""
        shards = (sorted_keys >> (64 - self._SHARD_BITS)) + (1 << (self._SHARD_BITS - 1))
        return np.searchsorted(shards, np.arange(len(self._shards) + 1)).tolist()

    def add(self, keys: np.ndarray, ids: np.ndarray, order: np.ndarray | None = None) -> None:
        """Add an entry per (key, id); `order` is `np.argsort(keys)` if the caller has it."""
        if order is None:
            order = key_order(keys)  # the order of equal keys never matters: look-ups sort ids
        keys, ids = keys[order], ids[order]
        self._stored += len(keys)
        if self._stored * self._FILTER_BITS_PER_KEY > 1 << self._filter_bits:
            # Too full to reject well: a bit-set twice as large (or more), from every stored key.
            self._filter_bits = max(self._filter_bits + 1, (self._stored * self._FILTER_BITS_PER_KEY - 1).bit_length())
            self._filter = np.zeros(1 << (self._filter_bits - 6), dtype=np.uint64)
            for runs in self._shards:
                for run_keys, _ in runs:
                    self._mark(run_keys)
        self._mark(keys)
        bounds = self._shard_bounds(keys)
        for shard, runs in enumerate(self._shards):
            if bounds[shard] == bounds[shard + 1]:
                continue
            runs.append((keys[bounds[shard] : bounds[shard + 1]], ids[bounds[shard] : bounds[shard + 1]]))
            while len(runs) > 1 and 2 * len(runs[-1][0]) >= len(runs[-2][0]):
                newer_keys, newer_ids = runs.pop()
                older_keys, older_ids = runs.pop()
                # A linear merge of two sorted runs (newer entries after equal older ones).
                newer_at = np.searchsorted(older_keys, newer_keys, side="right") + np.arange(len(newer_keys))
                older_at = np.ones(len(older_keys) + len(newer_keys), dtype=bool)
                older_at[newer_at] = False
                merged_keys = np.empty(len(older_at), dtype=older_keys.dtype)
                merged_ids = np.empty(len(older_at), dtype=older_ids.dtype)
                merged_keys[newer_at], merged_ids[newer_at] = newer_keys, newer_ids
                merged_keys[older_at], merged_ids[older_at] = older_keys, older_ids
                runs.append((merged_keys, merged_ids))

    def lookup(self, keys: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`(positions, ids)`: every stored id whose key equals `keys[position]`, as pairs in
        no particular order; `order` is `np.argsort(keys)` if the caller has it."""
        if order is None:
            order = key_order(keys)
        needles = keys[order]  # sorted needles: each binary search starts where the last ended
        if self._stored >= len(needles) // self._FEW_KEYS_FACTOR:
            # Needles will be searched for in the runs: first drop those certainly absent.
            # (With far fewer stored keys, the runs are searched among the needles instead,
            # which the bit-set would not make cheaper.)
            maybe = np.flatnonzero(self._may_be_stored(needles))
            needles, order = needles[maybe], order[maybe]
        bounds = self._shard_bounds(needles)
        positions: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        for shard, runs in enumerate(self._shards):
            first, stop = bounds[shard], bounds[shard + 1]
            shard_needles = needles[first:stop]
            for run_keys, run_ids in runs if first < stop else ():
                if len(run_keys) * self._FEW_KEYS_FACTOR < len(shard_needles):
                    # Far fewer stored keys than needles (a small index, a large batch): search
                    # the stored keys among the sorted needles instead.
                    left = np.searchsorted(shard_needles, run_keys, side="left")
                    counts = np.searchsorted(shard_needles, run_keys, side="right") - left
                    hits = np.flatnonzero(counts)
                    if len(hits):
                        positions.append(order[first + _ranges(left[hits], counts[hits])])
                        ids.append(np.repeat(run_ids[hits], counts[hits]))
                    continue
                left = np.searchsorted(run_keys, shard_needles, side="left")
                hits = np.flatnonzero(run_keys[np.minimum(left, len(run_keys) - 1)] == shard_needles)
                if not len(hits):
                    continue
                counts = np.searchsorted(run_keys, shard_needles[hits], side="right") - left[hits]
                positions.append(np.repeat(order[first + hits], counts))
                ids.append(run_ids[_ranges(left[hits], counts)])
        if not positions:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(positions), np.concatenate(ids)


def key_order(keys: np.ndarray) -> np.ndarray:
    """A stable `np.argsort` of signed 64-bit keys, by four radix passes of 16 bits (numpy's
    stable sort of 16-bit integers is a counting sort): on a batch's ~150,000 band hashes
    about 1.2-1.6x faster than `np.argsort`. Equal keys keep their order."""
    unsigned = keys.view(np.uint64) ^ np.uint64(1 << 63)  # the signed order as unsigned
    order = np.argsort(unsigned.astype(np.uint16), kind="stable")
    for shift in (16, 32, 48):
        order = order[np.argsort((unsigned[order] >> np.uint64(shift)).astype(np.uint16), kind="stable")]
    return order


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-D array: its distinct values, sorted. Sorting and dropping equal
    neighbours directly spares every run the 10-17 ms import of `numpy.ma`, which numpy 2's
    `np.unique` makes on its first call."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    distinct = np.empty(len(ordered), dtype=bool)
    distinct[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
    return ordered[distinct]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`starts[i], starts[i] + 1, ..., starts[i] + counts[i] - 1` for every i, concatenated."""
    firsts = np.cumsum(counts) - counts
    return np.repeat(starts - firsts, counts) + np.arange(int(counts.sum()))


class MemoryIndex(ParagraphIndex):
    """An index that lives as long as the process: fast, nothing written anywhere."""

    def __init__(self, settings: IndexSettings | None = None) -> None:
        self.settings = settings or IndexSettings()
        self._documents: dict[str, int] = {}
        self._document_names: list[str] = []
        self._paragraph_documents: list[int] = []
        self._paragraph_lines: list[int] = []
        # Row in _signatures of each paragraph, -1 for short ones (the first len(_paragraph_lines)
        # entries are used; numpy, so that a batch's candidates are looked up at once).
        self._signature_rows = np.zeros(1024, dtype=np.int64)
        self._signatures = np.zeros((1024, self.settings.num_perm), dtype=np.uint32)
        self._signature_count = 0
        # key -> documents * _FORM_DOCUMENT + (paragraph id + 1, or 0 for none): one int per
        # form, not a list, so the garbage collector has no object per form to visit.
        self._forms: dict[int, int] = {}
        self._bands = _SortedRuns()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    def has_document(self, name: str) -> bool:
        return name in self._documents

    def forms(self, keys: Sequence[int]) -> dict[int, FormEntry]:
        found = self._forms
        return {key: _form_entry(packed) for key in keys if (packed := found.get(key)) is not None}

    def band_candidates(self, band_hashes: np.ndarray, order: np.ndarray | None = None) -> list[list[int]]:
        rows, paragraphs = self.band_candidate_pairs(band_hashes, order)
        bounds = np.searchsorted(rows, np.arange(len(band_hashes) + 1)).tolist()
        paragraph_list = paragraphs.tolist()
        return [paragraph_list[bounds[row] : bounds[row + 1]] for row in range(len(band_hashes))]

    def band_candidate_pairs(self, band_hashes: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        bands = band_hashes.shape[1]
        positions, ids = self._bands.lookup(band_hashes.reshape(-1), order)
        # Distinct (row, paragraph) pairs in order, as one sorted array of row * stride + id.
        stride = len(self._paragraph_lines) + 1
        return np.divmod(sorted_unique(positions // bands * stride + ids), stride)

    def signatures(self, paragraph_ids: Sequence[int]) -> np.ndarray:
        return self._signatures[self._signature_rows[np.asarray(paragraph_ids, dtype=np.int64)]]

    def location(self, paragraph_id: int) -> tuple[str, int]:
        return self._document_names[self._paragraph_documents[paragraph_id]], self._paragraph_lines[paragraph_id]

    def add_documents(self, documents: Sequence[NewDocument], band_order: np.ndarray | None = None) -> None:
        num_perm, bands = self.settings.num_perm, self.settings.bands
        signatures: list[np.ndarray] = []
        band_keys: list[np.ndarray] = []
        band_ids: list[np.ndarray] = []
        forms = self._forms
        paragraphs_before = len(self._paragraph_lines)
        signature_rows: list[int] = []
        next_row = self._signature_count
        for name, form_keys, paragraphs in documents:
            paragraphs = NewParagraphs.of(paragraphs, num_perm, bands)
            known = name in self._documents
            if not known:
                self._documents[name] = len(self._document_names)
                self._document_names.append(name)
            first_id = len(self._paragraph_lines)
            self._paragraph_documents.extend([self._documents[name]] * len(paragraphs))
            self._paragraph_lines.extend(paragraphs.lines)
            for paragraph_id, form_key in enumerate(paragraphs.form_keys, start=first_id):
                packed = forms.get(form_key, 0)
                if packed % _FORM_DOCUMENT == 0:  # no paragraph with this form yet
                    forms[form_key] = packed + paragraph_id + 1
            rows = iter(range(next_row, next_row + len(paragraphs.signatures)))
            signature_rows.extend([next(rows) if is_long else -1 for is_long in paragraphs.long])
            next_row += len(paragraphs.signatures)
            if len(paragraphs.signatures):
                signatures.append(paragraphs.signatures)
                band_keys.append(paragraphs.band_hashes.reshape(-1))
                ids = np.flatnonzero(np.array(paragraphs.long, dtype=bool)) + first_id
                band_ids.append(np.repeat(ids, bands))
            if not known:
                for key in dict.fromkeys(form_keys):
                    forms[key] = forms.get(key, 0) + _FORM_DOCUMENT
        self._signature_rows = _appended(self._signature_rows, paragraphs_before, np.array(signature_rows, dtype=np.int64))
        if signatures:
            new_signatures = np.concatenate(signatures)
            self._signatures = _appended(self._signatures, self._signature_count, new_signatures)
            self._signature_count += len(new_signatures)
            self._bands.add(np.concatenate(band_keys), np.concatenate(band_ids), band_order)


#: A MemoryIndex form entry is one int: documents * _FORM_DOCUMENT + paragraph id + 1 (0 for
#: no paragraph); paragraph ids stay far below 2^40.
_FORM_DOCUMENT = 1 << 40


def _form_entry(packed: int) -> FormEntry:
    documents, paragraph = divmod(packed, _FORM_DOCUMENT)
    return FormEntry(paragraph - 1 if paragraph else None, documents)


def _appended(array: np.ndarray, used: int, new: np.ndarray) -> np.ndarray:
    """`array`, whose first `used` rows hold data, with `new` rows after them: in place, or in
    a copy twice as long when it is full (amortised constant time per row)."""
    needed = used + len(new)
    if needed > len(array):
        grown = np.zeros((max(needed, 2 * len(array)), *array.shape[1:]), dtype=array.dtype)
        grown[:used] = array[:used]
        array = grown
    array[used:needed] = new
    return array


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE paragraphs (
    id INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents(id),
    line INTEGER NOT NULL,
    signature BLOB
);
CREATE TABLE forms (key INTEGER PRIMARY KEY, paragraph INTEGER, documents INTEGER NOT NULL);
CREATE TABLE bands (
    band_hash INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    PRIMARY KEY (band_hash, paragraph)
) WITHOUT ROWID;
"""


class SQLiteIndex(ParagraphIndex):
    """An index in one SQLite file (standard library, no server) that later runs reopen.

    Each document is checked and inserted inside one `BEGIN IMMEDIATE` transaction, so two
    runs sharing a file stay correct: the first writer wins, the second waits for the lock up
    to `timeout` seconds and then fails with IndexBusyError.
    """

    def __init__(self, path: str | os.PathLike, settings: IndexSettings | None = None, timeout: float = 30.0) -> None:
        self.settings = settings or IndexSettings()
        self.path = Path(path)
        self.timeout = timeout
        # A directory first: its size is not 0, so it would be read as an existing index.
        if self.path.is_dir():
            raise IndexFileError(f"index path {self.path} is a directory; pass a file path for --index")
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists:
            _check_sqlite_file(self.path)
        # sqlite3 refuses a connection's use from another thread; `_guard` says so first.
        self._thread = threading.get_ident()
        try:
            self._connection = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as error:
            raise IndexFileError(f"cannot open index {self.path}: {error}") from error
        try:
            if exists:
                self._check_meta()
            else:
                self._create()
            self._connection.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            self._connection.close()
            raise

    def _create(self) -> None:
        with self._guard("create"):
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                if self._connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise IndexFileError(f"{self.path} is not a newsclean index (it has other tables); pass a new --index path")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._connection.execute(statement)
                self._connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(self.settings.parameters().items()))
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    def _check_meta(self) -> None:
        with self._guard("read"):
            tables = {row[0] for row in self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                raise IndexFileError(f"{self.path} is an SQLite file but not a newsclean index; pass a new --index path")
            stored = dict(self._connection.execute("SELECT key, value FROM meta"))
        version = stored.get("format_version")
        if version != str(FORMAT_VERSION):
            raise IndexFileError(
                f"index {self.path} has format version {version}, this newsclean reads version {FORMAT_VERSION}: "
                "use the newsclean version that wrote it, or pass a new --index path"
            )
        wanted = self.settings.parameters()
        differences = [f"{key}={stored.get(key)} (now {value})" for key, value in wanted.items() if stored.get(key) != value]
        if differences:
            raise IndexFileError(
                f"index {self.path} was built with other parameters: {', '.join(differences)}; "
                "run with the parameters it was built with, or pass a new --index path"
            )

    @contextlib.contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Refuse a closed index or another thread (IndexUsageError), and turn SQLite errors
        into IndexFileError / IndexBusyError messages that say what is wrong and what to do."""
        if self._connection is None:
            raise IndexUsageError(
                f"index {self.path} was closed (by close() or the end of a with block); "
                "build a new pipeline to go on with it"
            )
        if threading.get_ident() != self._thread:
            raise IndexUsageError(
                f"the SQLite index {self.path} can only be used from the thread that opened it: "
                "open one pipeline per thread, or use the in-memory index"
            )
        try:
            yield
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise IndexBusyError(
                    f"index {self.path} is locked by another run (waited {self.timeout:g} s); "
                    "wait for it to finish, or use another --index path"
                ) from error
            raise IndexFileError(f"cannot {doing} index {self.path}: {error}") from error
        except sqlite3.Error as error:
            raise _sqlite_failure(self.path, doing, error) from error

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._guard("write"):
            self._connection.execute("BEGIN IMMEDIATE")
        try:
            with self._guard("write"):
                yield
                self._connection.execute("COMMIT")
        except BaseException:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise

    def has_document(self, name: str) -> bool:
        with self._guard("read"):
            return self._connection.execute("SELECT 1 FROM documents WHERE name = ?", (name,)).fetchone() is not None

    def forms(self, keys: Sequence[int]) -> dict[int, FormEntry]:
        with self._guard("read"):
            rows = self._rows_where_in("SELECT key, paragraph, documents FROM forms", "key", keys)
            return {key: FormEntry(paragraph, documents) for key, paragraph, documents in rows}

    def _rows_where_in(self, select: str, column: str, values: Sequence[int]) -> Iterator[tuple]:
        """The rows of `select WHERE column IN (values)`, asked in chunks that stay within
        SQLite's limit on bound parameters."""
        unique = list(dict.fromkeys(values))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            yield from self._connection.execute(f"{select} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)

    def band_candidates(self, band_hashes: np.ndarray, order: np.ndarray | None = None) -> list[list[int]]:
        count, bands = band_hashes.shape
        found: list[set[int]] = [set() for _ in range(count)]
        flat = band_hashes.reshape(-1).tolist()
        # The probe is one JSON array per chunk, joined in SQL (json_each is parsed in C): one
        # statement instead of one row insert or bound parameter per band hash.
        query = "SELECT probe.key, bands.paragraph FROM json_each(?) AS probe JOIN bands ON bands.band_hash = probe.value"
        with self._guard("read"):
            for start in range(0, len(flat), _PROBE_CHUNK):
                for position, paragraph in self._connection.execute(query, (json.dumps(flat[start : start + _PROBE_CHUNK]),)):
                    found[(start + position) // bands].add(paragraph)
        return [sorted(items) for items in found]

    def signatures(self, paragraph_ids: Sequence[int]) -> np.ndarray:
        with self._guard("read"):
            blobs = dict(self._rows_where_in("SELECT id, signature FROM paragraphs", "id", paragraph_ids))
        rows = [np.frombuffer(blobs[paragraph], dtype="<u4") for paragraph in paragraph_ids]
        return np.array(rows, dtype=np.uint32).reshape(len(rows), self.settings.num_perm)

    def location(self, paragraph_id: int) -> tuple[str, int]:
        with self._guard("read"):
            row = self._connection.execute(
                "SELECT documents.name, paragraphs.line FROM paragraphs JOIN documents ON documents.id = paragraphs.document "
                "WHERE paragraphs.id = ?",
                (paragraph_id,),
            ).fetchone()
        if row is None:
            raise IndexFileError(f"index {self.path} is inconsistent (paragraph {paragraph_id} is missing); pass a new --index path")
        return row[0], row[1]

    def add_documents(self, documents: Sequence[NewDocument], band_order: np.ndarray | None = None) -> None:
        with self._guard("write"):
            connection = self._connection
            # Ids are given explicitly (the next free ones, under the caller's write lock) so
            # that all rows go in with a few executemany calls.
            next_paragraph = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM paragraphs").fetchone()[0]
            paragraph_rows: list[tuple[int, int, int, bytes | None]] = []
            kept_forms: list[tuple[int, int]] = []
            counted_forms: list[tuple[int]] = []
            band_rows: list[tuple[int, int]] = []
            for name, form_keys, paragraphs in documents:
                row = connection.execute("SELECT id FROM documents WHERE name = ?", (name,)).fetchone()
                known = row is not None
                document = row[0] if known else connection.execute("INSERT INTO documents (name) VALUES (?)", (name,)).lastrowid
                for paragraph in paragraphs:
                    signature = None if paragraph.signature is None else paragraph.signature.astype("<u4").tobytes()
                    paragraph_rows.append((next_paragraph, document, paragraph.line, signature))
                    kept_forms.append((paragraph.form_key, next_paragraph))
                    if paragraph.band_hashes is not None:
                        band_rows.extend(zip(paragraph.band_hashes.tolist(), [next_paragraph] * len(paragraph.band_hashes)))
                    next_paragraph += 1
                if not known:
                    counted_forms.extend((key,) for key in dict.fromkeys(form_keys))
            connection.executemany("INSERT INTO paragraphs (id, document, line, signature) VALUES (?, ?, ?, ?)", paragraph_rows)
            # The first kept paragraph of a form stays its original (rows go in id order), and
            # document counts add up; the two statements touch different columns, so commute.
            connection.executemany(
                "INSERT INTO forms (key, paragraph, documents) VALUES (?, ?, 0) "
                "ON CONFLICT (key) DO UPDATE SET paragraph = coalesce(paragraph, excluded.paragraph)",
                kept_forms,
            )
            connection.executemany(
                "INSERT INTO forms (key, paragraph, documents) VALUES (?, NULL, 1) ON CONFLICT (key) DO UPDATE SET documents = documents + 1",
                counted_forms,
            )
            band_rows.sort()
            connection.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", band_rows)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


#: SQLite's result codes for a damaged file (extended codes add a suffix: SQLITE_CORRUPT_INDEX).
_CORRUPTION_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
#: Their messages, for Pythons before 3.11 (no `sqlite_errorname`).
_CORRUPTION_MESSAGES = ("malformed", "not a database")


def _is_corruption(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file is damaged, not that it was misused or refused a value."""
    name = getattr(error, "sqlite_errorname", None)
    if name is not None:
        return name.startswith(_CORRUPTION_CODES)
    return any(message in str(error) for message in _CORRUPTION_MESSAGES)


def _sqlite_failure(path: Path, doing: str, error: sqlite3.Error) -> IndexFileError:
    """The error to raise for an SQLite error other than a busy lock: only a damaged file is
    called corrupt; a value SQLite cannot store is the caller's (document ids are str)."""
    if _is_corruption(error):
        return IndexFileError(f"index {path} is corrupt ({error}); restore it from a backup or pass a new --index path")
    if isinstance(error, (sqlite3.IntegrityError, sqlite3.InterfaceError)) or "binding parameter" in str(error):
        return IndexFileError(
            f"cannot {doing} index {path}: SQLite refused a value ({error}); document ids must be str, "
            "give each Document a str id"
        )
    return IndexFileError(f"cannot {doing} index {path}: {error}")


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not SQLite, or shorter than its header says (truncated)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise IndexFileError(f"cannot read index {path}: {error.strerror or error}") from error
    if not header.startswith(_SQLITE_HEADER):
        raise IndexFileError(f"{path} is not a newsclean index (not an SQLite database); pass a new --index path")
    if len(header) < 100:
        raise IndexFileError(f"index {path} is truncated; restore it from a backup or pass a new --index path")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    wal = path.with_name(path.name + "-wal")
    if counter_valid and page_count and path.stat().st_size < page_size * page_count and not wal.exists():
        raise IndexFileError(
            f"index {path} is truncated ({path.stat().st_size} bytes, its header says {page_size * page_count}); "
            "restore it from a backup or pass a new --index path"
        )


def open_index(path: str | os.PathLike | None, settings: IndexSettings | None = None, timeout: float = 30.0) -> ParagraphIndex:
    """An in-memory index for None, else the SQLite index at `path` (created if missing)."""
    if path is None:
        return MemoryIndex(settings)
    return SQLiteIndex(path, settings, timeout=timeout)
