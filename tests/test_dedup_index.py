"""The index storages: one shared suite runs against memory and SQLite, then the SQLite file's
failure cases (corrupt, truncated, not an index, other version or parameters, a busy lock)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, NearDuplicateFilter, PageView, Pipeline, default_pipeline
from newsclean.dedup import IndexSettings, MemoryIndex, Shingling, SQLiteIndex, band_hashes, minhash_signatures, words
from newsclean.dedup.index import NewDocument, NewParagraph, NewParagraphs
from newsclean.dedup.shingles import word_bytes
from newsclean.errors import IndexBusyError, IndexFileError, IndexUsageError, NewscleanError

from .conftest import SEEDS, seed_text

STORAGES = ["memory", "sqlite"]


def make_index(storage: str, tmp_path: Path, settings: IndexSettings | None = None):
    return MemoryIndex(settings) if storage == "memory" else SQLiteIndex(tmp_path / "index.db", settings)


def signed(paragraph: str) -> tuple[np.ndarray, np.ndarray]:
    signature = minhash_signatures(*Shingling().hashes([words(paragraph)]))
    return signature[0], band_hashes(signature, 37, 3)[0]


SEED_PARAGRAPHS = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
PARAGRAPH = seed_text("002_1d7f724c3669c58c.txt").splitlines()[8]


@pytest.mark.parametrize("storage", STORAGES)
def test_stored_paragraph_is_found_by_its_bands_and_form(storage: str, tmp_path: Path) -> None:
    with make_index(storage, tmp_path) as index:
        signature, bands = signed(PARAGRAPH)
        with index.transaction():
            assert not index.has_document("a.txt")
            index.add_document("a.txt", [11, 12, 11], [NewParagraph(9, 11, signature, bands), NewParagraph(10, 12, None, None)])
        assert index.has_document("a.txt")
        forms = index.forms([11, 12, 13])
        assert sorted(forms) == [11, 12] and forms[11].documents == forms[12].documents == 1
        assert index.location(forms[11].paragraph) == ("a.txt", 9) and index.location(forms[12].paragraph) == ("a.txt", 10)
        (candidates,) = index.band_candidates(bands[None, :])
        assert len(candidates) == 1
        assert index.location(candidates[0]) == ("a.txt", 9)
        assert np.array_equal(index.signatures(candidates)[0], signature)
        other = signed(seed_text("004_16dd4417dd52c2cc.txt").splitlines()[4])[1]
        assert index.band_candidates(other[None, :]) == [[]]


@pytest.mark.parametrize("storage", STORAGES)
def test_form_counts_each_document_once_and_a_known_document_not_again(storage: str, tmp_path: Path) -> None:
    with make_index(storage, tmp_path) as index:
        for name in ("a", "b", "a"):
            with index.transaction():
                index.add_document(name, [5, 5], [])
        (entry,) = index.forms([5]).values()
        assert entry.documents == 2 and entry.paragraph is None


@pytest.mark.parametrize("storage", STORAGES)
def test_form_keeps_its_first_paragraph_and_its_document_count(storage: str, tmp_path: Path) -> None:
    with make_index(storage, tmp_path) as index:
        with index.transaction():
            index.add_document("a", [7, 8], [])
            index.add_document("b", [7], [NewParagraph(3, 7, None, None)])
            # "a" again: its forms are not counted again, its new paragraphs are still stored.
            index.add_document("a", [9, 7], [NewParagraph(4, 9, None, None), NewParagraph(5, 7, None, None)])
        forms = index.forms([7, 8, 9, 10])
        assert sorted(forms) == [7, 8, 9]
        assert index.location(forms[7].paragraph) == ("b", 3) and forms[7].documents == 2
        assert forms[8].paragraph is None and forms[8].documents == 1
        assert index.location(forms[9].paragraph) == ("a", 4) and forms[9].documents == 0


@pytest.mark.parametrize("storage", STORAGES)
def test_candidate_pairs_are_the_candidates_flattened(storage: str, tmp_path: Path) -> None:
    """Seed paragraphs stored, then looked up with edited copies: every row's candidates, as
    lists and as flat (row, id) pairs, in the same order."""
    paragraphs = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines() if len(words(line)) >= 8]
    with make_index(storage, tmp_path) as index:
        with index.transaction():
            for number, text in enumerate(paragraphs):
                signature, bands = signed(text)
                index.add_document(f"doc-{number % 40}", [number], [NewParagraph(number, number, signature, bands)])
        queries = [" ".join(text.split()[1:]) for text in paragraphs] + ["an unrelated sentence with quite enough words to have bands"]
        bands = np.array([signed(text)[1] for text in queries])
        candidates = index.band_candidates(bands)
        rows, ids = index.band_candidate_pairs(bands)
    assert rows.dtype == ids.dtype == np.int64
    assert list(zip(rows.tolist(), ids.tolist())) == [(row, paragraph) for row, items in enumerate(candidates) for paragraph in items]
    assert all(items == sorted(set(items)) for items in candidates)
    assert sum(map(bool, candidates)) > len(paragraphs) // 2 and candidates[-1] == []


@pytest.mark.parametrize(("stored", "needles"), [(30_000, 500), (300, 20_000), (5_000, 5_000)])
def test_band_runs_find_every_stored_id_of_each_key(stored: int, needles: int) -> None:
    """The sorted runs against a dict, with repeated keys on both sides, whether the runs or
    the needles are the larger (they are searched in either direction)."""
    from newsclean.dedup.index import _SortedRuns

    rng = np.random.default_rng(11)
    pool = rng.integers(-(2**63), 2**63 - 1, size=min(stored, needles) // 3, dtype=np.int64)
    runs, expected = _SortedRuns(), {}
    next_id = 0
    for size in (stored // 2, stored // 4, stored // 8, stored - stored // 2 - stored // 4 - stored // 8):
        keys = rng.choice(pool, size=size)
        ids = np.arange(next_id, next_id + size, dtype=np.int64)
        runs.add(keys, ids)
        for key, paragraph in zip(keys.tolist(), ids.tolist()):
            expected.setdefault(key, []).append(paragraph)
        next_id += size
    queries = np.concatenate([rng.choice(pool, size=needles - needles // 4), rng.integers(-(2**63), 2**63 - 1, size=needles // 4, dtype=np.int64)])
    positions, ids = runs.lookup(queries)
    found = sorted(zip(positions.tolist(), ids.tolist()))
    assert found == sorted((position, paragraph) for position, key in enumerate(queries.tolist()) for paragraph in expected.get(key, []))
    assert len(found) > needles // 2


def test_band_runs_find_every_key_while_their_bit_set_grows() -> None:
    """Distinct keys added batch by batch, the bit-set that rejects absent keys rebuilt larger
    on the way: after each batch every stored key finds its id and no absent key finds any."""
    from newsclean.dedup.index import _SortedRuns

    rng = np.random.default_rng(12)
    keys = rng.integers(-(2**63), 2**63 - 1, size=60_000, dtype=np.int64)
    stored, absent = keys[:40_000], keys[40_000:]
    runs = _SortedRuns()
    start = 0
    for stop in (500, 3_000, 9_000, 20_000, 40_000):
        runs.add(stored[start:stop], np.arange(start, stop, dtype=np.int64))
        start = stop
        positions, ids = runs.lookup(np.concatenate([absent, stored[:stop]]))
        assert sorted(zip(positions.tolist(), ids.tolist())) == [(len(absent) + id_, id_) for id_ in range(stop)]
    assert runs._filter_bits >= _SortedRuns._SMALLEST_FILTER_BITS + 3


@pytest.mark.parametrize("storage", STORAGES)
def test_both_storages_drop_the_same_lines(storage: str, tmp_path: Path) -> None:
    index = None if storage == "memory" else tmp_path / "index.db"
    with default_pipeline(dedup=True, index=index) as pipeline:
        dropped = [
            (result.id, removal.line, removal.reason)
            for path in sorted(SEEDS.glob("*.txt"))
            for result in [pipeline.run(Document.from_text(path.read_text(encoding="utf-8"), path.name))]
            for removal in result.removals
            if removal.filter == "near-duplicate"
        ]
    assert dropped == [
        ("004_16dd4417dd52c2cc.txt", 31, "duplicate of line 9 of 002_1d7f724c3669c58c.txt (same text after normalisation)")
    ]


def test_sqlite_index_persists_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "seen.db"
    first, second = (Document.from_text(seed_text(name), name) for name in ("002_1d7f724c3669c58c.txt", "004_16dd4417dd52c2cc.txt"))
    with default_pipeline(dedup=True, index=path) as pipeline:
        pipeline.run(first)
    with default_pipeline(dedup=True, index=path) as pipeline:
        removal = next(r for r in pipeline.run(second).removals if r.filter == "near-duplicate")
    assert removal.line == 31
    assert dict(removal.details) == {"original_document": first.id, "original_line": 9, "similarity": 1.0}


def write_index(path: Path) -> None:
    with default_pipeline(dedup=True, index=path) as pipeline:
        pipeline.run(Document.from_text(seed_text("002_1d7f724c3669c58c.txt"), "002"))


def assert_refused(path: Path, match: str, **options) -> None:
    before = path.read_bytes()
    with pytest.raises(IndexFileError, match=match) as raised:
        NearDuplicateFilter(index=path, **options)
    assert isinstance(raised.value, NewscleanError) and "--index" in str(raised.value)
    assert path.read_bytes() == before, "a refused index must never be changed"


def test_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("my notes, not an index\n")
    assert_refused(text, "not an SQLite database")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    connection.close()
    assert_refused(other, "not a newsclean index")


def test_other_parameters_and_format_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "seen.db"
    write_index(path)
    assert_refused(path, r"num_perm=128 \(now 64\)", num_perm=64, candidate_threshold=0.3)
    assert_refused(path, r"shingling=word-2 \(now char-5\)", shingle="char", shingle_size=5)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    connection.close()
    assert_refused(path, "format version 99")


def written_index_bytes(path: Path) -> bytes:
    """The bytes of an index written at `path`, its WAL checkpointed into the file."""
    write_index(path)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path.read_bytes()


def test_truncated_and_corrupt_files_are_refused(tmp_path: Path) -> None:
    data = written_index_bytes(tmp_path / "seen.db")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(data[: len(data) // 2])
    assert_refused(truncated, "truncated")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(data[:100] + b"\xff" * (len(data) - 100))
    assert_refused(corrupt, "corrupt|not a newsclean index")


def test_damaged_pages_are_called_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "seen.db"
    data = bytearray(written_index_bytes(path))
    page_size = int.from_bytes(data[16:18], "big")
    data[2 * page_size :] = b"\xff" * (len(data) - 2 * page_size)  # the header and schema stay readable
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match=r"is corrupt \(database disk image is malformed\); restore it from a backup"):
        with Pipeline([NearDuplicateFilter(index=path)]) as pipeline:
            pipeline.run(Document.from_text(seed_text("004_16dd4417dd52c2cc.txt"), "004"))


def test_a_value_sqlite_refuses_is_not_called_corruption(tmp_path: Path) -> None:
    with SQLiteIndex(tmp_path / "seen.db", NearDuplicateFilter().settings) as index:
        with pytest.raises(IndexFileError, match=r"SQLite refused a value \(NOT NULL constraint failed.*document ids must be str") as raised:
            with index.transaction():
                index.add_documents([NewDocument(None, [1], [])])  # type: ignore[arg-type]
    assert "corrupt" not in str(raised.value)


def test_an_sqlite_index_used_from_another_thread_says_so(tmp_path: Path) -> None:
    text = seed_text("004_16dd4417dd52c2cc.txt")
    with default_pipeline(dedup=True, index=tmp_path / "seen.db") as pipeline:
        pipeline.run(Document.from_text(text, "004"))
        raised: list[BaseException] = []

        def run_in_another_thread() -> None:
            try:
                pipeline.run(Document.from_text(text, "004 again"))
            except BaseException as error:  # noqa: BLE001 -- checked by the test's thread
                raised.append(error)

        thread = threading.Thread(target=run_in_another_thread)
        thread.start()
        thread.join()
        [error] = raised
        assert isinstance(error, IndexUsageError) and "corrupt" not in str(error)
        assert "can only be used from the thread that opened it: open one pipeline per thread" in str(error)
        # The thread that opened it still can: the refusal changed nothing.
        assert {removal.filter for removal in pipeline.run(Document.from_text(text, "004 copy")).removals} >= {"near-duplicate"}


def test_a_closed_sqlite_index_says_it_was_closed(tmp_path: Path) -> None:
    pipeline = default_pipeline(dedup=True, index=tmp_path / "seen.db")
    pipeline.run(Document.from_text(seed_text("004_16dd4417dd52c2cc.txt"), "004"))
    pipeline.close()
    pipeline.close()  # closing twice is harmless
    with pytest.raises(IndexUsageError, match=r"seen.db was closed .*build a new pipeline"):
        pipeline.run(Document.from_text(seed_text("002_1d7f724c3669c58c.txt"), "002"))


@pytest.mark.parametrize("document_id", [None, 5, ("a", "b")], ids=["None", "int", "tuple"])
def test_a_document_id_that_is_not_a_str_is_refused_before_the_index(document_id: object, tmp_path: Path) -> None:
    text = seed_text("004_16dd4417dd52c2cc.txt")
    with default_pipeline(dedup=True, index=tmp_path / "seen.db") as pipeline:
        with pytest.raises(TypeError, match=r"Pipeline.run needs each Document's id as a str"):
            pipeline.run(Document.from_text(text, document_id))  # type: ignore[arg-type]
        dedup = pipeline.filters[-1]
        head, _ = pipeline.split()
        page = head.run(Document.from_text(text, "004"))
        with pytest.raises(TypeError, match=r"NearDuplicateFilter needs each Document's id as a str"):
            dedup.find_removals(PageView(document_id, page.lines, page.kept()))  # type: ignore[arg-type]
        assert not dedup.index.has_document("004")


def test_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "seen.db"
    write_index(path)
    holder = SQLiteIndex(path, NearDuplicateFilter().settings)
    waiter = NearDuplicateFilter(index=path, timeout=0.2)
    page = Document.from_text(seed_text("004_16dd4417dd52c2cc.txt"), "004")
    try:
        with holder.transaction():
            with pytest.raises(IndexBusyError, match="locked by another run"):
                Pipeline([waiter]).run(page)
        assert [r.line for r in Pipeline([waiter]).run(page).removals] == [31]
    finally:
        holder.close()
        waiter.close()


def test_concurrent_writers_keep_one_original(tmp_path: Path) -> None:
    """Two runs insert the same document at once: exactly one keeps it, the other drops it all."""
    path = tmp_path / "seen.db"
    write_index(path)
    text = seed_text("004_16dd4417dd52c2cc.txt")
    kept_counts: list[int] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with default_pipeline(dedup=True, index=path) as pipeline:
                result = pipeline.run(Document.from_text(text, name))
            kept_counts.append(len(result.kept()))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"copy-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(kept_counts)[0] == 0 and sorted(kept_counts)[1] > 0


def test_paragraph_columns_are_the_paragraphs_they_stand_for() -> None:
    lines = seed_text("002_1d7f724c3669c58c.txt").splitlines()
    paragraphs = [NewParagraph(9, 11, *signed(lines[8])), NewParagraph(10, 12, None, None), NewParagraph(12, 13, *signed(lines[4]))]
    columns = NewParagraphs.of(paragraphs, 128, 37)
    assert isinstance(columns, NewParagraphs) and NewParagraphs.of(columns, 128, 37) is columns
    for one_by_one in (list(columns), [columns[position] for position in range(len(columns))], columns[:]):
        assert [(item.line, item.form_key) for item in one_by_one] == [(item.line, item.form_key) for item in paragraphs]
        for item, expected in zip(one_by_one, paragraphs):
            assert (item.signature is None) == (expected.signature is None)
            if expected.signature is not None:
                assert np.array_equal(item.signature, expected.signature) and np.array_equal(item.band_hashes, expected.band_hashes)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([-(2**63), -1, 0, 1, 2**63 - 1, 2**16, -(2**48)])), max_size=300))
def test_key_order_is_a_stable_argsort(keys: list[int]) -> None:
    from newsclean.dedup.index import key_order

    array = np.array(keys, dtype=np.int64)
    assert np.array_equal(key_order(array), np.argsort(array, kind="stable"))


def test_key_order_sorts_real_band_hashes_with_their_repeats() -> None:
    """On the band hashes of seed paragraphs and their copies (many equal keys), and on a
    strided view of them, as the index and the batch give it."""
    from newsclean.dedup.index import key_order

    dedup = NearDuplicateFilter()
    paragraphs = [line for line in SEED_PARAGRAPHS if len(line.split()) >= 8]
    signatures = dedup.signatures([word_bytes(text) for text in paragraphs + paragraphs[::3] + [text.upper() for text in paragraphs[::2]]])
    bands = band_hashes(signatures, dedup.settings.bands, dedup.settings.rows)
    flat = bands.reshape(-1)
    assert len(np.unique(flat)) < len(flat)
    for keys in (flat, bands[:, 1]):
        assert np.array_equal(key_order(keys), np.argsort(keys, kind="stable"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers(min_value=0, max_value=5), max_size=60))
def test_sorted_unique_is_np_unique(values: list[int]) -> None:
    from newsclean.dedup.index import sorted_unique

    array = np.array(values, dtype=np.int64)
    found = sorted_unique(array)
    assert found.dtype == np.int64 and np.array_equal(found, np.unique(array))


def test_sorted_unique_on_a_corpus_s_candidate_pairs_and_without_numpy_ma() -> None:
    """The index's candidate pairs (many repeats) are the same as with np.unique, and a
    near-duplicate run does not load numpy.ma (what sorted_unique is for)."""
    import subprocess
    import sys

    from newsclean.dedup.index import sorted_unique

    pairs = np.array([7, 3, 3, 9, -2, 7, 7, 0, 3], dtype=np.int64)
    assert sorted_unique(pairs).tolist() == np.unique(pairs).tolist() == [-2, 0, 3, 7, 9]
    script = (
        "import sys\n"
        "from newsclean import Document, default_pipeline\n"
        "text = ('The city council approved the new budget for the public library on Tuesday night '\n"
        "        'after a long debate about opening hours and staff.')\n"
        "with default_pipeline(dedup=True) as pipeline:\n"
        "    for number, copy in enumerate([text, text.replace('Tuesday', 'Wednesday'), text.replace('long', 'lengthy')]):\n"
        "        print(len(pipeline.run(Document.from_text(copy, f'd{number}')).removals))\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # The edited copies are near-duplicates (candidate pairs looked up and compared).
    assert loaded.stdout.split() == ["0", "1", "1", "False"], loaded.stderr
