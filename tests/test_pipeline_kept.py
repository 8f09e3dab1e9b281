"""A pipeline stage leaves its kept paragraphs on the Result it makes, and the next stage in
the same process (`resume`, `resume_many`) takes them instead of rebuilding them from every
line: they must be exactly what `kept_paragraphs` rebuilds, never compared, shown or pickled."""

from __future__ import annotations

import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.document import Document, kept_of, kept_paragraphs
from newsclean.pipeline import default_pipeline

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
        assert list(kept_of(result)) == rebuilt(result)


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
    assert kept_of(plain) == rebuilt(result) == list(kept_of(result))
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
        assert list(kept_of(result)) == rebuilt(result)


def former_text(lines: tuple[str, ...], removed: set[int]) -> str:
    """`Result.text` as it was written before it took the kept paragraphs: a walk over every line."""
    out: list[str] = []
    started = saw_blank = False
    for number, text in enumerate(lines, start=1):
        if not text:
            saw_blank = True
            continue
        if number in removed:
            continue
        if started:
            out.append("\n\n" if saw_blank else "\n")
        out.append(text)
        started, saw_blank = True, False
    if started:
        out.append("\n")
    return "".join(out)


def test_text_from_kept_paragraphs_is_the_former_text_on_real_pages() -> None:
    pipeline = default_pipeline(dedup=True)
    results = list(pipeline.run_all(replicated_documents(2, seed=7)))
    assert any("\n\n" in result.text for result in results)
    for result in results:
        assert result.text == former_text(result.lines, result.removed_lines())
        assert len(result.kept()) == len(kept_paragraphs(result.lines, result.removed_lines()))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "", "a line", "another line", "x"]), max_size=30), st.sets(st.integers(0, 32)))
def test_text_of_any_lines_and_removals_is_the_former_text(lines: list[str], removed: set[int]) -> None:
    from newsclean.document import Result, new_removal

    document = Document("d", tuple(lines))
    removals = tuple(new_removal(line, "f", "r", {}) for line in sorted(removed))
    result = Result(document, tuple(lines), removals)
    assert result.text == former_text(tuple(lines), removed)
