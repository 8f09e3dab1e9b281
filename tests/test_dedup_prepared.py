"""The near-duplicate tail's stateless half prepared ahead (`dedup/prepared.py`): a batch built
from pieces prepared in chunks, some pages with pieces and some without, equals the batch
computed directly as before, through pickling too; pieces made with other settings are not
used, pieces of other paragraphs are refused; and with several jobs the workers' pieces reach
the tail."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest

from newsclean.dedup import NearDuplicateFilter
from newsclean.dedup.filter import _Batch
from newsclean.dedup.index import key_order
from newsclean.dedup.minhash import band_hashes
from newsclean.dedup.prepared import PagePreparer, PreparedPage
from newsclean.dedup.shingles import word_batch
from newsclean.document import Document, Result, remember_prepared, take_prepared
from newsclean.filters.base import PageView
from newsclean.io import find_inputs
from newsclean.parallel import FileTask, process_file_batches
from newsclean.pipeline import Pipeline, boilerplate_filters

from .test_dedup_batch import PAGES
from .test_parallel import write_corpus


def reference_arrays(pages: list[PageView], dedup: NearDuplicateFilter) -> dict[str, list]:
    """What `_Batch` computed before pieces could be prepared: words, keys, long positions,
    signatures, band hashes and their order, each in one pass over the batch's paragraphs."""
    texts = [paragraph.text for page in pages for paragraph in page.paragraphs]
    words = word_batch(texts)
    long_positions = np.flatnonzero(np.diff(words.offsets) >= dedup.min_words)
    signatures = dedup.batch_signatures(words, long_positions, texts)
    bands = band_hashes(signatures, dedup.settings.bands, dedup.settings.rows)
    return {
        "keys": words.keys,
        "long_positions": long_positions.tolist(),
        "signatures": signatures.tolist(),
        "bands": bands.tolist(),
        "band_order": key_order(bands.reshape(-1)).tolist(),
    }


def batch_arrays(batch: _Batch) -> dict[str, list]:
    return {
        "keys": batch.keys,
        "long_positions": batch.long_positions.tolist(),
        "signatures": batch.signatures.tolist(),
        "bands": batch.bands.tolist(),
        "band_order": batch.band_order.tolist(),
    }


def article_pages() -> list[PageView]:
    """Pages of seeds/ and the dev sample (with the planted copies of test_dedup_batch), a
    page without paragraphs among them."""
    if not PAGES:
        pytest.skip("../shared/devset is not available")
    return PAGES[:60] + [PageView("empty", (), [])] + PAGES[60:400]


def prepared_in_chunks(preparer: PagePreparer, pages: list[PageView], chunk: int = 16, skip_every: int = 0) -> list[PreparedPage | None]:
    """Each chunk of `pages` prepared as a worker prepares its head chunk; with `skip_every`,
    every such chunk left unprepared (as the chunks the main process runs itself)."""
    prepared: list[PreparedPage | None] = []
    for number, start in enumerate(range(0, len(pages), chunk)):
        part = pages[start : start + chunk]
        prepared.extend([None] * len(part) if skip_every and number % skip_every == 1 else preparer(part))
    return prepared


@pytest.mark.parametrize("skip_every", [0, 2, 3])
@pytest.mark.parametrize("shingle", ["word", "char"])
def test_a_batch_of_prepared_pieces_equals_the_batch_computed_directly(skip_every: int, shingle: str) -> None:
    dedup = NearDuplicateFilter(shingle=shingle, batch_size=100)
    pages = article_pages()
    prepared = prepared_in_chunks(dedup.page_preparer(), pages, skip_every=skip_every)
    assert sum(item is None for item in prepared) > 0 if skip_every else all(prepared)
    for start, stop in ((0, 256), (40, 300), (250, 401), (60, 61)):  # batches that cut chunks; an empty page alone
        expected = reference_arrays(pages[start:stop], dedup)
        assert batch_arrays(_Batch(pages[start:stop], dedup)) == expected
        assert batch_arrays(_Batch(pages[start:stop], dedup, prepared[start:stop])) == expected
    assert len(expected["keys"]) == 0 and len(reference_arrays(pages[:256], dedup)["long_positions"]) > 1000


def test_prepared_pieces_survive_pickling_with_their_result() -> None:
    dedup = NearDuplicateFilter()
    pages = article_pages()[:40]
    results = [Result(Document(page.document_id, page.lines), page.lines, ()) for page in pages]
    before = [repr(result) for result in results]
    for result, item in zip(results, dedup.page_preparer()(pages)):
        remember_prepared(result, item)
    assert [repr(result) for result in results] == before  # not a field: not shown, not compared
    loaded = pickle.loads(pickle.dumps(results))
    assert loaded == results
    prepared = [take_prepared(result) for result in loaded]
    assert prepared[0].pages is prepared[-1].pages  # one set of arrays for the chunk
    assert take_prepared(loaded[0]) is None  # taken once
    assert batch_arrays(_Batch(pages, dedup, prepared)) == reference_arrays(pages, dedup)


def test_pieces_prepared_with_other_settings_are_computed_again() -> None:
    pages = article_pages()[:80]
    dedup = NearDuplicateFilter()
    for other in (NearDuplicateFilter(seed=2), NearDuplicateFilter(min_words=5), NearDuplicateFilter(num_perm=64), NearDuplicateFilter(shingle_size=3)):
        prepared = other.page_preparer()(pages)
        assert batch_arrays(_Batch(pages, dedup, prepared)) == reference_arrays(pages, dedup)
    # batch_size changes how many paragraphs are hashed at a time, not the pieces: they are used.
    assert NearDuplicateFilter(batch_size=7).page_preparer() == dedup.page_preparer()


def test_pieces_of_other_paragraphs_are_refused() -> None:
    pages = article_pages()[:20]
    dedup = NearDuplicateFilter()
    prepared = dedup.page_preparer()(pages)
    shifted = [None, *prepared[:-1]]
    with pytest.raises(ValueError, match="pieces prepared for"):
        _Batch(pages, dedup, shifted)


def test_decisions_with_prepared_pieces_equal_those_without() -> None:
    pages = article_pages()
    preparer = NearDuplicateFilter().page_preparer()
    prepared = prepared_in_chunks(preparer, pages, skip_every=3)
    rng = random.Random(11)
    plain, with_pieces = NearDuplicateFilter(), NearDuplicateFilter()
    start = 0
    while start < len(pages):
        stop = start + rng.randrange(1, 120)
        expected = [[removal.to_dict() for removal in found] for found in plain.find_removals_batch(pages[start:stop])]
        assert [[removal.to_dict() for removal in found] for found in with_pieces.find_removals_batch(pages[start:stop], prepared[start:stop])] == expected
        start = stop


class CountingPieces(NearDuplicateFilter):
    """Counts the pages that came with prepared pieces."""

    def __init__(self) -> None:
        super().__init__()
        self.with_pieces = 0
        self.pages = 0

    def find_removals_batch(self, pages, prepared=None):  # type: ignore[no-untyped-def]
        self.pages += len(pages)
        self.with_pieces += sum(item is not None for item in prepared or ())
        return super().find_removals_batch(pages, prepared)


def test_with_several_jobs_the_workers_prepare_pieces_and_the_results_are_the_same(tmp_path: Path) -> None:
    write_corpus(tmp_path, 2)
    inputs, missing = find_inputs([str(tmp_path)])
    assert not missing
    runs = {}
    for jobs in (1, 2, 3):
        counting = CountingPieces()
        pipeline = Pipeline([*boilerplate_filters(), counting])
        batches = list(process_file_batches(pipeline, [FileTask(item) for item in inputs], jobs))
        runs[jobs] = [(outcome.result.text, outcome.result.removals) for batch in batches for outcome in batch]
        assert counting.pages == len(inputs)
        # Chunks the main process ran itself came without pieces; the workers' with them.
        assert (counting.with_pieces == 0) if jobs == 1 else (0 < counting.with_pieces <= len(inputs))
    assert runs[1] == runs[2] == runs[3]
    assert sum(removal.filter == "near-duplicate" for _, removals in runs[1] for removal in removals) > 100


def test_only_a_stateful_batched_first_filter_offers_a_preparer() -> None:
    dedup = NearDuplicateFilter()
    assert Pipeline([dedup]).page_preparer().prepare == dedup.page_preparer()
    assert Pipeline(boilerplate_filters()).page_preparer() is None
    assert Pipeline([*boilerplate_filters(), dedup]).split()[1].page_preparer() is not None
    assert Pipeline([]).page_preparer() is None


def test_the_preparer_survives_pickling_for_spawned_workers(tmp_path: Path) -> None:
    dedup = NearDuplicateFilter(index=tmp_path / "index.sqlite")
    preparer = Pipeline([dedup]).page_preparer()
    assert pickle.loads(pickle.dumps(preparer)) == preparer
    dedup.close()
