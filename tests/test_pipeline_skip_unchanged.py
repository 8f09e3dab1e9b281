"""A later round skips a filter that found nothing while no line has been removed since: it
would see the same paragraphs and find nothing again. Compared with rounds that run every
stateless filter again, on every page of seeds/ and the dev sample."""

from __future__ import annotations

import random

import pytest

from newsclean import Document, Pipeline
from newsclean.document import Removal, kept_paragraphs
from newsclean.filters import NavigationFilter, RepeatedLineFilter
from newsclean.filters.base import Filter, PageView
from newsclean.io import read_document
from newsclean.pipeline import MAX_ROUNDS, boilerplate_filters

from .conftest import DEVSET, SEEDS


def every_filter_every_round(filters: list[Filter], document: Document) -> list[dict]:
    """The removals of rounds that show every stateless filter the page again (per-line
    filters only in the first round), each filter on its own: what the pipeline replaces."""
    removed: dict[int, Removal] = {}
    for round_number in range(MAX_ROUNDS):
        before = len(removed)
        for item in filters:
            if round_number and item.context_free:
                continue
            page = PageView(document.id, document.lines, kept_paragraphs(document.lines, removed.keys()))
            removed.update((removal.line, removal) for removal in item.find_removals(page))
        if len(removed) == before:
            break
    return [removed[line].to_dict() for line in sorted(removed)]


def real_documents() -> list[Document]:
    if not (DEVSET / "scraped").is_dir():
        pytest.skip("../shared/devset is not available")
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    return [read_document(path)[0] for path in paths]


def shuffled_lines(document: Document, rng: random.Random) -> Document:
    """The page's lines in another order: menus, headings and prose meet in new places, so
    later filters remove lines that change what earlier ones find in the next round."""
    lines = list(document.lines)
    rng.shuffle(lines)
    return Document(f"shuffled/{document.id}", tuple(lines))


def test_same_removals_as_every_filter_in_every_round_on_real_pages() -> None:
    rng = random.Random(7)
    documents = real_documents()
    documents += [shuffled_lines(document, rng) for document in documents]
    pipeline = Pipeline(boilerplate_filters(), normalise=False)
    for document in documents:
        expected = every_filter_every_round(boilerplate_filters(), document)
        assert [removal.to_dict() for removal in pipeline.run(document).removals] == expected, document.id


class CountingPages(Filter):
    """Runs another filter and counts the pages it is shown."""

    def __init__(self, inner: Filter, name: str) -> None:
        self.inner, self.name, self.pages_seen = inner, name, 0  # type: ignore[misc]

    def find_removals(self, page: PageView) -> list[Removal]:
        self.pages_seen += 1
        return list(self.inner.find_removals(page))


PAGE = "\n".join(
    [
        "The council approved the new budget on Tuesday after a long debate about schools and roads.",
        "Home",
        "World",
        "Share this article with your friends and family on social media",
        "Politics",
        "Sport",
        "Officials said the money would go to repairs first, then to new classrooms next year.",
        "Share this article with your friends and family on social media",
    ]
)


def test_a_filter_that_found_nothing_runs_again_only_after_a_removal() -> None:
    navigation = CountingPages(NavigationFilter(), "navigation")
    repeats = CountingPages(RepeatedLineFilter(), "repeated-line")
    result = Pipeline([navigation, repeats]).run(PAGE)
    # Round 1: the repeated share line splits the menu, navigation finds nothing, the
    # repeated-line filter drops both copies. Round 2: navigation sees the menu whole and drops
    # it; the repeated-line filter runs (it removed lines) and finds nothing. Round 3:
    # navigation runs (it removed lines) and finds nothing; the repeated-line filter is skipped,
    # as nothing was removed since it found nothing.
    assert [(removal.line, removal.filter) for removal in result.removals] == [
        (2, "navigation"), (3, "navigation"), (4, "repeated-line"), (5, "navigation"), (6, "navigation"), (8, "repeated-line")
    ]
    assert navigation.pages_seen == 3
    assert repeats.pages_seen == 2
