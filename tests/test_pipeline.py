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
