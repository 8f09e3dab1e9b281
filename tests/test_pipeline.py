"""The Pipeline's public API takes what docs/usage.md says it takes, and refuses the rest with
an error that says what to pass."""

from __future__ import annotations

import pytest

import newsclean
from newsclean import AdMarkerFilter, Pipeline, ShareButtonFilter

SCRAPED = "Advertisement\n\nShare this article\n\nThe minister resigned on Monday after a week of protests.\n"


def test_a_generator_of_filters_builds_the_pipeline_it_yields() -> None:
    pipeline = Pipeline(item for item in newsclean.default_pipeline().filters)
    assert [item.name for item in pipeline.filters] == [item.name for item in newsclean.default_pipeline().filters]
    assert pipeline.clean(SCRAPED) == "The minister resigned on Monday after a week of protests.\n"


@pytest.mark.parametrize("filters", [AdMarkerFilter(), "ad-marker", None], ids=["one filter", "a name", "None"])
def test_something_other_than_a_list_of_filters_is_refused_with_what_to_pass(filters: object) -> None:
    with pytest.raises(TypeError, match=r"Pipeline takes a list of filters, not .*in a list"):
        Pipeline(filters)  # type: ignore[arg-type]


def test_a_list_of_filters_runs_them_in_order() -> None:
    result = Pipeline([AdMarkerFilter(), ShareButtonFilter()]).run(SCRAPED)
    assert [(removal.line, removal.filter) for removal in result.removals] == [(1, "ad-marker"), (3, "share-button")]


# Three front pages of one site: each story is new, the masthead line is the site's template.
MASTHEAD = "Daily Example News is an independent newspaper that has been read by millions of people every week since 1901."
STORIES = [
    "The council voted on Monday to approve a new budget for the town's schools and roads, officials said.",
    "Residents of the northern district said the flooding had damaged dozens of homes and closed two bridges.",
    "The company reported a sharp rise in profits for the third quarter, driven by strong sales in Asia.",
]
PAGES = [f"{story}\n\n{MASTHEAD}\n" for story in STORIES] + [f"{STORIES[0]}\n"]


def near_duplicate_removals(results) -> list[list[tuple[int, str]]]:
    return [[(removal.line, removal.reason) for removal in result.removals if removal.filter == "near-duplicate"] for result in results]


EXPECTED_BY_TEXT = [
    [],
    [(3, "duplicate of line 3 of <text 1> (same text after normalisation)")],
    [(3, "site template line: occurs in 3 documents (template threshold 3)")],
    [(1, "duplicate of line 1 of <text 1> (same text after normalisation)")],
]


def test_plain_texts_in_a_dedup_pipeline_are_distinct_documents_numbered_in_call_order() -> None:
    with newsclean.default_pipeline(dedup=True) as pipeline:
        results = [pipeline.run(page) for page in PAGES]
    assert [result.document.id for result in results] == ["<text 1>", "<text 2>", "<text 3>", "<text 4>"]
    assert near_duplicate_removals(results) == EXPECTED_BY_TEXT


def test_run_all_numbers_plain_texts_as_run_does_and_goes_on_counting() -> None:
    with newsclean.default_pipeline(dedup=True) as pipeline:
        results = list(pipeline.run_all(PAGES))
        assert near_duplicate_removals(results) == EXPECTED_BY_TEXT
        assert pipeline.run(PAGES[1]).document.id == "<text 5>"


def test_plain_texts_keep_the_id_text_where_no_filter_reads_ids() -> None:
    assert newsclean.default_pipeline().run(PAGES[0]).document.id == "<text>"
    assert [newsclean.clean(page) for page in PAGES] == [f"{story}\n\n{MASTHEAD}\n" for story in STORIES] + [f"{STORIES[0]}\n"]


@pytest.mark.parametrize("single", [PAGES[0], PAGES[0].encode(), newsclean.Document.from_text(PAGES[0], "a.txt")], ids=["str", "bytes", "Document"])
def test_run_all_refuses_one_document_at_the_call_and_points_to_run(single: object) -> None:
    pipeline = newsclean.default_pipeline()
    with pytest.raises(TypeError, match=r"run_all takes an iterable of documents or texts, not one .*use Pipeline.run for one document"):
        pipeline.run_all(single)  # type: ignore[arg-type]  # refused before any result is asked for
    assert [result.text for result in pipeline.run_all([PAGES[0]])] == [PAGES[0]]


class LastParagraphFilter(newsclean.Filter):
    """The mistake docs/usage.md warns about: a filter that judges a line by its position."""

    name = "last-paragraph"

    def find_removals(self, page: newsclean.PageView) -> list[newsclean.Removal]:
        return [self.removal(page.paragraphs[-1], "last paragraph")] if page.paragraphs else []


def test_a_filter_that_judges_by_position_runs_in_every_round_as_documented() -> None:
    from newsclean.pipeline import MAX_ROUNDS

    text = "".join(f"{story}\n\n" for story in STORIES * 3)  # nine paragraphs
    result = Pipeline([LastParagraphFilter()]).run(text)
    assert MAX_ROUNDS == 5  # the number docs/usage.md gives
    assert [removal.line for removal in result.removals] == [9, 11, 13, 15, 17]
