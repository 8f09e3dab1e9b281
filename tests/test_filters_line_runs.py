"""Consecutive line filters run as one pass (LineFilterRun) and make exactly the removals they
make one filter at a time: same lines, filters, reasons and details, on real pages and on
generated ones; a non-line filter between them breaks the run; the memo stays bounded."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import Document
from newsclean.document import Paragraph, Removal
from newsclean.filters import AdMarkerFilter, Filter, LineFilter, PageView, PromptFilter, ShareButtonFilter
from newsclean.filters.line_runs import VERDICTS_SIZE, LineFilterRun
from newsclean.io import read_document
from newsclean.memo import LONG_LINE_CHARACTERS
from newsclean.pipeline import Pipeline, boilerplate_filters, default_pipeline
from newsclean.strategies import boilerplate_lines, scraped_documents

from .conftest import DEVSET, SEEDS

ARTICLE = "The council approved the new budget on Tuesday after a long debate about school funding."


class OneAtATime(Filter):
    """A line filter run on its own, as the pipeline ran every filter before line runs: its
    `find_removals` over the kept paragraphs, then the next filter."""

    name = "one-at-a-time"
    context_free = True

    def __init__(self, line_filter: LineFilter) -> None:
        self.line_filter = line_filter

    def find_removals(self, page: PageView) -> list[Removal]:
        return self.line_filter.find_removals(page)


def unfused(filters: list[Filter]) -> Pipeline:
    return Pipeline([OneAtATime(item) if isinstance(item, LineFilter) else item for item in filters])


def snapshot(result) -> tuple:
    """Everything a user sees of a Result, details included (Removal equality skips them)."""
    return result.id, result.lines, [removal.to_dict() for removal in result.removals], result.text


def real_documents() -> list[Document]:
    files = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    return [read_document(path)[0] for path in files]


class ShoutingFilter(LineFilter):
    """A custom line filter: drops lines written in capitals, with the judged text in details."""

    name = "shouting"

    def __init__(self) -> None:
        self.judged: list[str] = []

    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        self.judged.append(paragraph.text)
        if paragraph.text.isupper():
            return self.removal(paragraph, "written in capitals", words=paragraph.text.split())
        return None


class Recorder(Filter):
    """A context filter that drops nothing and records the texts it was shown."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def find_removals(self, page: PageView) -> list[Removal]:
        self.seen.extend(paragraph.text for paragraph in page.paragraphs)
        return []


def test_the_default_pipeline_fuses_its_leading_line_filters() -> None:
    pipeline = default_pipeline()
    first = pipeline._groups[0][0]
    assert isinstance(first, LineFilterRun)
    assert [item.name for item in first.filters] == ["ad-marker", "share-button", "prompt"]


def test_fused_line_filters_equal_one_filter_at_a_time_on_real_pages() -> None:
    documents = real_documents()
    assert len(documents) >= 20
    fused, reference = Pipeline(boilerplate_filters()), unfused(boilerplate_filters())
    # Twice over, so that the second pass is answered from the memo.
    for document in documents + documents:
        assert snapshot(fused.run(document)) == snapshot(reference.run(document))
    assert len(fused._groups[0][0].verdicts) > 100


@pytest.mark.parametrize("markers", [None, ("Share", "Print", "Subscribe", "Advertisement")])
def test_only_the_line_filters_run_fused_equal_one_at_a_time_with_details(markers) -> None:
    documents = real_documents()
    # With the second marker list the ad-marker filter takes lines the later filters would drop.
    filters = [AdMarkerFilter(markers), ShareButtonFilter(), PromptFilter()]
    fused, reference = Pipeline(filters), unfused(filters)
    dropped: dict[str, int] = {}
    for document in documents + documents:
        result = fused.run(document)
        assert snapshot(result) == snapshot(reference.run(document))
        for removal in result.removals:
            dropped[removal.filter] = dropped.get(removal.filter, 0) + 1
    assert sorted(dropped) == ["ad-marker", "prompt", "share-button"] and sum(dropped.values()) > 50


def test_every_removal_has_its_own_details_dict() -> None:
    pipeline = Pipeline([AdMarkerFilter(), PromptFilter()])
    text = "Advertisement\n\n" + ARTICLE + "\n\nAdvertisement\n\nSubscribe to our newsletter\n"
    first, second = pipeline.run(text), pipeline.run(text)
    markers = [removal for result in (first, second) for removal in result.removals if removal.filter == "ad-marker"]
    assert [removal.line for removal in markers] == [1, 5, 1, 5]
    assert all(removal.details == {"marker": "advertisement"} for removal in markers)
    assert len({id(removal.details) for removal in markers}) == 4
    markers[0].details["marker"] = "changed"  # type: ignore[index]
    assert pipeline.run(text).removals[0].details == {"marker": "advertisement"}


def test_a_custom_line_filter_in_the_middle_sees_what_the_earlier_ones_kept() -> None:
    shouting = ShoutingFilter()
    filters: list[Filter] = [AdMarkerFilter(), shouting, ShareButtonFilter()]
    pipeline = Pipeline(filters)
    assert [item.filters for item in pipeline._groups[0]] == [tuple(filters)]
    text = f"ADVERTISEMENT\n\nBREAKING NEWS\n\n{ARTICLE}\n\nSHARE\n\nBREAKING NEWS\n"
    result = pipeline.run(text)
    assert [(r.line, r.filter) for r in result.removals] == [(1, "ad-marker"), (3, "shouting"), (7, "shouting"), (9, "shouting")]
    assert result.removals[1].details == {"words": ["BREAKING", "NEWS"]}
    assert result.removals[1].details is not result.removals[3].details
    assert "ADVERTISEMENT" not in shouting.judged  # the ad-marker filter dropped it first
    assert shouting.judged.count("BREAKING NEWS") == 1  # asked once, then remembered
    assert snapshot(result) == snapshot(unfused(filters).run(text))


def test_a_filter_that_is_not_a_line_filter_breaks_the_run() -> None:
    recorder = Recorder()
    pipeline = Pipeline([AdMarkerFilter(), recorder, ShareButtonFilter()])
    first, middle, last = pipeline._groups[0]
    assert isinstance(first, LineFilterRun) and isinstance(last, LineFilterRun) and middle is recorder
    result = pipeline.run(f"Advertisement\n\nShare\n\n{ARTICLE}\n")
    assert [(r.line, r.filter) for r in result.removals] == [(1, "ad-marker"), (3, "share-button")]
    assert recorder.seen[:2] == ["Share", ARTICLE]  # after the ad marker, before the share button


def test_a_line_filter_that_overrides_find_removals_runs_on_its_own() -> None:
    class FirstParagraphFilter(LineFilter):
        """Breaks the contract on purpose, through its own find_removals: drops the first paragraph."""

        name = "first-paragraph"

        def find_removals(self, page: PageView) -> list[Removal]:
            return [self.removal(page.paragraphs[0], "first")] if page.paragraphs else []

        def judge_line(self, paragraph: Paragraph) -> Removal | None:
            return None

    pipeline = Pipeline([AdMarkerFilter(), FirstParagraphFilter(), ShareButtonFilter()])
    assert [type(step).__name__ for step in pipeline._groups[0]] == ["LineFilterRun", "FirstParagraphFilter", "LineFilterRun"]
    result = pipeline.run(f"Advertisement\n\n{ARTICLE}\n\nShare\n")
    assert [(r.line, r.filter) for r in result.removals] == [(1, "ad-marker"), (3, "first-paragraph"), (5, "share-button")]


def test_a_judge_line_that_removes_another_line_is_an_error() -> None:
    class RemovesTheLineBefore(LineFilter):
        name = "line-before"

        def judge_line(self, paragraph: Paragraph) -> Removal | None:
            return Removal(paragraph.line - 1, self.name, "the line before") if paragraph.text == "Share" else None

    with pytest.raises(ValueError, match="removed line 2, which was not the paragraph it judged"):
        Pipeline([RemovesTheLineBefore()]).run(f"{ARTICLE}\n\nShare\n")


def test_a_line_filter_run_takes_only_line_filters() -> None:
    with pytest.raises(ValueError, match="takes one or more LineFilters"):
        LineFilterRun([AdMarkerFilter(), Recorder()])
    with pytest.raises(ValueError, match="takes one or more LineFilters"):
        LineFilterRun([])


def test_the_memo_is_bounded_and_keeps_no_long_line() -> None:
    shouting = ShoutingFilter()
    pipeline = Pipeline([AdMarkerFilter(), shouting])
    run = pipeline._groups[0][0]
    lines = [f"Line {number} of the council's long list of budget items." for number in range(VERDICTS_SIZE + 100)]
    pipeline.run("\n".join(lines))
    assert 0 < len(run.verdicts) <= VERDICTS_SIZE
    assert lines[-1] in run.verdicts and lines[0] not in run.verdicts  # the oldest went first
    long_line = "BREAKING " * (LONG_LINE_CHARACTERS // 9 + 1)
    assert len(long_line.strip()) > LONG_LINE_CHARACTERS
    result = pipeline.run(f"{long_line}\n\n{ARTICLE}\n\n{long_line}\n")
    assert [(r.line, r.filter) for r in result.removals] == [(1, "shouting"), (5, "shouting")]
    assert long_line.strip() not in run.verdicts
    assert shouting.judged.count(long_line.strip()) == 2  # judged each time, never remembered


def test_a_pickled_pipeline_starts_with_an_empty_memo_and_cleans_the_same() -> None:
    pipeline = default_pipeline()
    text = (SEEDS / min(path.name for path in SEEDS.glob("*.txt"))).read_text(encoding="utf-8")
    expected = snapshot(pipeline.run(text))
    assert pipeline._groups[0][0].verdicts
    copy = pickle.loads(pickle.dumps(pipeline))
    run = copy._groups[0][0]
    assert run.verdicts == {} and run.filters[0] is copy.filters[0]
    assert snapshot(copy.run(text)) == expected


FUSED = Pipeline(boilerplate_filters())
REFERENCE = unfused(boilerplate_filters())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pages=st.lists(scraped_documents(), min_size=1, max_size=3),
    extra=st.lists(st.one_of(boilerplate_lines().map(lambda line: line.text), st.text(min_size=1, max_size=40)), max_size=8),
)
def test_fused_line_filters_equal_one_at_a_time_on_generated_pages(pages, extra) -> None:
    for page in pages:
        text = page.text + "\n".join(extra) + "\n"
        document = Document.from_text(text, "<generated>")
        assert snapshot(FUSED.run(document)) == snapshot(REFERENCE.run(document))


def test_filters_set_after_construction_are_the_ones_that_run() -> None:
    from newsclean.filters import AdMarkerFilter, ShareButtonFilter
    from newsclean.pipeline import Pipeline

    pipeline = Pipeline([AdMarkerFilter()])
    text = "Advertisement\nShare\nThe minister resigned on Monday after a week of protests.\n"
    assert [removal.filter for removal in pipeline.run(text).removals] == ["ad-marker"]
    pipeline.filters = [AdMarkerFilter(), ShareButtonFilter()]
    assert isinstance(pipeline.filters, tuple)
    assert [removal.filter for removal in pipeline.run(text).removals] == ["ad-marker", "share-button"]
    with pytest.raises(TypeError, match="takes Filter instances"):
        pipeline.filters = ["not a filter"]  # type: ignore[list-item]
