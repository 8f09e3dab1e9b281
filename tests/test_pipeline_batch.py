"""Pipeline.resume_many and run_all: the stateful tail on batches of documents decides exactly
as one document at a time, on real pages replicated with light edits."""

from __future__ import annotations

import random
from itertools import cycle, islice
from pathlib import Path
from typing import Iterator

import pytest

from newsclean.dedup import NearDuplicateFilter
from newsclean.document import Document, Result
from newsclean.filters import ArticleBodyFilter, NavigationFilter
from newsclean.pipeline import Pipeline, boilerplate_filters, bounded_batches, default_pipeline

from .test_pipeline_split import SeenBeforeFilter, real_documents, snapshot


def lightly_edited(line: str, rng: random.Random) -> str:
    """The line with one word dropped or doubled now and then, as a re-scraped copy differs."""
    found = line.split()
    if len(found) < 6 or rng.random() < 0.6:
        return line
    position = rng.randrange(len(found))
    if rng.random() < 0.5:
        del found[position]
    else:
        found.insert(position, found[position])
    return " ".join(found)


def replicated_documents(rounds: int, seed: int = 3) -> list[Document]:
    """The real pages, then `rounds - 1` more rounds of them with light edits (and now and then
    a line left out), each copy a document of its own: exact copies, near copies and site
    template lines for the near-duplicate filter, spread over many batches."""
    originals = real_documents()
    rng = random.Random(seed)
    documents = list(originals)
    for round_number in range(1, rounds):
        for document in originals:
            lines = [lightly_edited(line, rng) for line in document.lines if rng.random() > 0.05]
            documents.append(Document(f"r{round_number}/{document.id}", lines))
    return documents


def dedup_then_more_filters(index: Path | None) -> Pipeline:
    """The default filters, the near-duplicate filter, and context filters after it (whose
    rounds see what it removed)."""
    return Pipeline([*boilerplate_filters(), NearDuplicateFilter(index=index), NavigationFilter(), ArticleBodyFilter()])


def in_chunks(items: list[Result], sizes: Iterator[int]) -> Iterator[list[Result]]:
    position = 0
    while position < len(items):
        size = next(sizes)
        yield items[position : position + size]
        position += size


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "sqlite"])
def test_resume_many_equals_resume_one_at_a_time(tmp_path: Path, on_disk: bool) -> None:
    documents = replicated_documents(4)
    head, _ = dedup_then_more_filters(None).split()
    partials = [head.run(document) for document in documents]
    runs = []
    for name, batched in (("one", False), ("many", True)):
        with dedup_then_more_filters(tmp_path / f"{name}.db" if on_disk else None) as pipeline:
            _, tail = pipeline.split()
            if batched:
                # Uneven batches: a copy lands in the batch of its original, or in a later one.
                runs.append([snapshot(result) for batch in in_chunks(partials, cycle([1, 13, 40])) for result in tail.resume_many(batch)])
            else:
                runs.append([snapshot(tail.resume(partial)) for partial in partials])
    one_at_a_time, many = runs
    assert many == one_at_a_time
    reasons = [removal["reason"] for _, _, removals, _, _ in one_at_a_time for removal in removals if removal["filter"] == "near-duplicate"]
    assert any("same text after normalisation" in reason for reason in reasons)
    assert any("estimated similarity" in reason for reason in reasons)
    assert any(reason.startswith("site template line") for reason in reasons)


def test_resume_many_runs_a_stateful_filter_without_a_batch_method_one_at_a_time() -> None:
    documents = replicated_documents(2)
    head, tail = Pipeline([*boilerplate_filters(), SeenBeforeFilter(), NavigationFilter()]).split()
    _, reference_tail = Pipeline([SeenBeforeFilter(), NavigationFilter()]).split()
    partials = [head.run(document) for document in documents]
    expected = [snapshot(reference_tail.resume(partial)) for partial in partials]
    assert [snapshot(result) for result in tail.resume_many(partials)] == expected
    assert any(removal["filter"] == "seen-before" for _, _, removals, _, _ in expected for removal in removals)


def test_resume_many_takes_results() -> None:
    with pytest.raises(TypeError, match="takes Results"):
        default_pipeline(dedup=True).resume_many([Document.from_text("Share")])  # type: ignore[list-item]


def test_run_all_equals_run_one_at_a_time_and_yields_lazily() -> None:
    documents = replicated_documents(3)
    with default_pipeline(dedup=True) as pipeline:
        expected = [snapshot(pipeline.run(document)) for document in documents]
    with default_pipeline(dedup=True) as pipeline:
        read = []

        def reading() -> Iterator[Document]:
            for document in documents:
                read.append(document.id)
                yield document

        results = pipeline.run_all(reading())
        first = next(results)
        assert snapshot(first) == expected[0] and len(read) == 1, "the first batch is one document"
        assert [snapshot(result) for result in results] == expected[1:]


def test_run_all_yields_the_results_before_a_bad_document_then_raises() -> None:
    documents = real_documents()[:20]
    with default_pipeline(dedup=True) as pipeline:
        expected = [snapshot(pipeline.run(document)) for document in documents]
    with default_pipeline(dedup=True) as pipeline:
        results = pipeline.run_all([*documents, b"not a document"])  # type: ignore[list-item]
        assert [snapshot(result) for result in islice(results, len(documents))] == expected
        with pytest.raises(TypeError, match="takes a Document or str"):
            next(results)


def test_bounded_batches_double_up_to_the_document_and_line_limits() -> None:
    sizes = [len(batch) for batch in bounded_batches(range(100), lambda item: 1, documents=16, lines=1000)]
    assert sizes == [1, 2, 4, 8, 16, 16, 16, 16, 16, 5]
    lines = [3, 3, 3, 3, 9, 1, 1]
    assert list(bounded_batches(lines, lambda item: item, documents=4, lines=6)) == [[3], [3, 3], [3, 9], [1, 1]]


def test_bounded_batches_given_the_total_shrink_at_the_end_as_they_grew_at_the_start() -> None:
    batches = list(bounded_batches(range(100), lambda item: 1, documents=16, lines=1000, total=100))
    # Each batch also at most half of what is left, rounded up: 100 - 1 - 2 - 4 - 8 - 16 * 4 = 21
    # left after the fourth full batch, so 11, then 10 left: 5, then 3, 1 and 1.
    assert [len(batch) for batch in batches] == [1, 2, 4, 8, 16, 16, 16, 16, 11, 5, 3, 1, 1]
    assert [item for batch in batches for item in batch] == list(range(100))


def test_bounded_batches_hand_over_a_batch_early_at_a_pause_once_it_holds_enough() -> None:
    pause = object()
    items = [0, 1, pause, 2, 3, 4, pause, pause, 5, 6, 7, 8, 9, 10, 11, pause, 12]
    batches = list(bounded_batches(items, lambda item: 1, documents=8, lines=1000, pause=pause, early=3))
    # Batches of 1, 2, 4, 8 at most; a pause hands over a batch of 3 or more. The pause after 1
    # and the two after 3, 4 find fewer and are passed over; 3-6 fill their batch of 4; the pause
    # after 7-11 hands over five of the eight that batch could hold.
    assert [item for batch in batches for item in batch] == list(range(13))
    assert all(pause not in batch for batch in batches)
    assert [len(batch) for batch in batches] == [1, 2, 4, 5, 1]


def test_bounded_batches_ignore_pauses_without_an_early_size_or_a_pause_object() -> None:
    pause = object()
    items = [0, pause, 1, 2, pause, 3]
    assert list(bounded_batches([0, 1, 2, 3], lambda item: 1, documents=8)) == [[0], [1, 2], [3]]
    assert list(bounded_batches(items, lambda item: 1, documents=8, pause=pause)) == [[0], [1, 2], [3]]


def test_bounded_batches_given_an_early_share_wait_at_a_pause_for_that_share_of_what_is_left() -> None:
    pause = object()
    # 64 items in fours, each four followed by a pause.
    items = [element for start in range(0, 64, 4) for element in (*range(start, start + 4), pause)]
    plain = list(bounded_batches(items, lambda item: 1, documents=32, lines=1000, total=64, pause=pause, early=4))
    shared = list(bounded_batches(items, lambda item: 1, documents=32, lines=1000, total=64, pause=pause, early=4, early_share=4))
    assert [item for batch in shared for item in batch] == list(range(64))
    # With early=4 alone, nearly every pause hands over the 4 or 5 items it finds.
    assert [len(batch) for batch in plain] == [1, 2, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 1, 1]
    # With a quarter of what is left as well: 57 left wants 14 at a pause (the batch of 8 fills
    # first), 49 left wants 12 (13 at the next pause), 36 left wants 9 (12), 24 left wants 6
    # (8); from 16 left on, 4 as without the share.
    assert [len(batch) for batch in shared] == [1, 2, 4, 8, 13, 12, 8, 4, 4, 4, 2, 1, 1]
    # Without a total there is no share of what is left to wait for.
    assert list(bounded_batches(items, lambda item: 1, documents=32, lines=1000, pause=pause, early=4, early_share=4)) == list(
        bounded_batches(items, lambda item: 1, documents=32, lines=1000, pause=pause, early=4)
    )
