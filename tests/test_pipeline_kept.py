"""A pipeline stage leaves its kept paragraphs on the Result it makes, and the next stage in
the same process (`resume`, `resume_many`) takes them instead of rebuilding them from every
line: they must be exactly what `kept_paragraphs` rebuilds, never compared, shown or pickled."""

from __future__ import annotations

import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.document import Document, kept_paragraphs
from newsclean.pipeline import _kept_of, default_pipeline

from .test_pipeline_batch import replicated_documents
from .test_pipeline_split import real_documents


def rebuilt(result):
    return kept_paragraphs(result.lines, result.removed_lines())


def test_every_stage_leaves_the_paragraphs_it_kept_on_real_pages() -> None:
    documents = replicated_documents(3)
    pipeline = default_pipeline(dedup=True)
    head, tail = pipeline.split()
    heads = [head.run(document) for document in documents]
    tails = tail.resume_many(heads)
    assert sum(len(result.removals) for result in tails) > sum(len(result.removals) for result in heads)
    for result in [*heads, *tails]:
        assert "_kept" in vars(result)
        assert list(_kept_of(result)) == rebuilt(result)


def test_taken_paragraphs_give_the_same_results_as_rebuilt_ones() -> None:
    """The tail run on results that carry their kept paragraphs and on pickled copies that do
    not (as worker processes send them) decides the same, removal for removal."""
    documents = replicated_documents(2, seed=5)
    carried, shipped = default_pipeline(dedup=True), default_pipeline(dedup=True)
    heads = [carried.split()[0].run(document) for document in documents]
    copies = [pickle.loads(pickle.dumps(result)) for result in heads]
    assert all("_kept" not in vars(copy) for copy in copies)
    assert copies == heads
    one = carried.split()[1].resume_many(heads)
    other = shipped.split()[1].resume_many(copies)
    assert [(r.lines, r.removals) for r in one] == [(r.lines, r.removals) for r in other]
    assert [[removal.details for removal in r.removals] for r in one] == [[removal.details for removal in r.removals] for r in other]


def test_a_result_made_outside_a_pipeline_has_its_paragraphs_rebuilt() -> None:
    result = default_pipeline().run(real_documents()[0])
    plain = type(result)(result.document, result.lines, result.removals, result.normalisations)
    assert "_kept" not in vars(plain)
    assert _kept_of(plain) == rebuilt(result) == list(_kept_of(result))
    assert plain == result and repr(plain) == repr(result)
    assert pickle.dumps(plain) == pickle.dumps(result)


REAL_LINES = [line for document in real_documents() for line in document.lines]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, len(REAL_LINES) - 1), min_size=0, max_size=60), st.integers(0, 2**16))
def test_kept_paragraphs_on_pages_of_real_lines(picks: list[int], seed: int) -> None:
    rng = random.Random(seed)
    lines = [REAL_LINES[index] if rng.random() > 0.15 else "" for index in picks]
    pipeline = default_pipeline(dedup=True)
    for result in pipeline.run_all([Document("a", lines), Document("b", lines[::-1])]):
        assert list(_kept_of(result)) == rebuilt(result)
