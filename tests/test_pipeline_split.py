"""Pipeline.run after its optimisation, and Pipeline.split/resume, against a straightforward
reference run on seeds/ and the devset."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pytest

from newsclean.document import Document, Removal, Result, kept_paragraphs
from newsclean.filters import AdMarkerFilter, Filter, NavigationFilter, PageView, ShareButtonFilter
from newsclean.io import read_document
from newsclean.normalise import normalise_lines
from newsclean.pipeline import Pipeline, default_pipeline
from newsclean.wordlists import words

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "scraped"


def real_documents() -> list[Document]:
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEVSET.glob("*.txt"))
    return [read_document(path)[0] for path in files]


class SeenBeforeFilter(Filter):
    """A small stateful filter for these tests: drops paragraphs seen in an earlier document."""

    name = "seen-before"
    stateful = True

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def find_removals(self, page: PageView) -> list[Removal]:
        removals = [self.removal(p, "seen in an earlier document") for p in page.paragraphs if p.text in self._seen]
        self._seen.update(p.text for p in page.paragraphs)
        return removals


def reference_run(filters: Iterable[Filter], document: Document) -> Result:
    """Pipeline.run as first written: kept paragraphs rebuilt from all lines for every filter."""
    lines, normalisations = normalise_lines(document.lines)
    removed: dict[int, Removal] = {}
    for item in filters:
        page = PageView(document.id, lines, kept_paragraphs(lines, set(removed)))
        kept_lines = {paragraph.line for paragraph in page.paragraphs}
        for removal in item.find_removals(page):
            assert removal.line in kept_lines
            removed[removal.line] = removal
    return Result(document, lines, tuple(removed[line] for line in sorted(removed)), normalisations)


def snapshot(result: Result) -> tuple:
    """Everything a user can see of a Result, details included (Removal equality skips them)."""
    return (
        result.id,
        result.lines,
        [removal.to_dict() for removal in result.removals],
        result.normalisations,
        result.text,
    )


def with_stateful_filter() -> Pipeline:
    return Pipeline([AdMarkerFilter(), ShareButtonFilter(), SeenBeforeFilter(), NavigationFilter()])


def test_default_pipeline_matches_the_reference_run() -> None:
    documents = real_documents()
    assert len(documents) >= 20
    pipeline = default_pipeline()
    for document in documents:
        assert snapshot(pipeline.run(document)) == snapshot(reference_run(pipeline.filters, document))


def test_split_at_the_first_stateful_filter() -> None:
    pipeline = with_stateful_filter()
    head, tail = pipeline.split()
    assert [item.name for item in head.filters] == ["ad-marker", "share-button"]
    assert [item.name for item in tail.filters] == ["seen-before", "navigation"]
    assert tail.filters[0] is pipeline.filters[2], "the tail must share the stateful filter's index"
    assert head.normalise and not tail.normalise


def test_head_then_tail_equals_a_whole_run_in_order() -> None:
    documents = real_documents()
    whole = with_stateful_filter()
    head, tail = with_stateful_filter().split()
    whole_results = [snapshot(whole.run(document)) for document in documents]
    split_results = [snapshot(tail.resume(head.run(document))) for document in documents]
    assert split_results == whole_results
    assert any(removal["filter"] == "seen-before" for _, _, removals, _, _ in whole_results for removal in removals)


def test_split_without_a_stateful_filter_leaves_an_empty_tail() -> None:
    document = real_documents()[0]
    head, tail = default_pipeline().split()
    assert tail.filters == ()
    partial = head.run(document)
    assert tail.resume(partial) is partial
    assert snapshot(partial) == snapshot(default_pipeline().run(document))


def test_resume_takes_a_result() -> None:
    with pytest.raises(TypeError, match="takes a Result"):
        default_pipeline().resume(Document.from_text("Share"))  # type: ignore[arg-type]


def test_a_filter_removing_a_line_that_is_not_kept_is_an_error() -> None:
    class RemovesTheFirstLineAgain(Filter):
        name = "again"

        def find_removals(self, page: PageView) -> list[Removal]:
            return [Removal(1, self.name, "again")]

    pipeline = Pipeline([ShareButtonFilter(), RemovesTheFirstLineAgain()])
    with pytest.raises(ValueError, match="removed line 1, which was not a kept paragraph"):
        pipeline.run("Share\nThe minister resigned on Monday after a week of protests.\n")


def test_a_removal_of_a_blank_line_among_valid_ones_is_named_in_the_error() -> None:
    class RemovesABlankLine(Filter):
        name = "blank"

        def find_removals(self, page: PageView) -> list[Removal]:
            return [Removal(1, self.name, "first"), Removal(2, self.name, "the blank line")]

    with pytest.raises(ValueError, match="removed line 2, which was not a kept paragraph"):
        Pipeline([RemovesABlankLine()]).run("The minister resigned.\n\nShe had served two years.\n")


def test_a_line_a_filter_removes_twice_keeps_the_last_removal() -> None:
    class RemovesTwice(Filter):
        name = "twice"

        def find_removals(self, page: PageView) -> list[Removal]:
            if not page.paragraphs:
                return []
            first = page.paragraphs[0].line
            return [Removal(first, self.name, "first reason"), Removal(first, self.name, "second reason")]

    result = Pipeline([RemovesTwice()]).run("The minister resigned.\nShe had served two years.\n")
    assert [(removal.line, removal.reason) for removal in result.removals] == [(1, "second reason"), (2, "second reason")]


def test_words_hands_out_a_fresh_list_each_time() -> None:
    first = words("Share this with Facebook")
    first.append("mutated")
    assert words("Share this with Facebook") == ["share", "this", "with", "facebook"]
