"""The pipeline's rounds: stateless filters run again while a round removes something (that is
what makes cleaning idempotent), except per-line filters, which would only keep again what they
kept in the first round."""

from __future__ import annotations

from newsclean import Pipeline
from newsclean.document import Removal
from newsclean.filters import AdMarkerFilter, NavigationFilter
from newsclean.filters.base import PageView

PAGE = "\n".join(
    [
        "Home",
        "World",
        "Advertisement",
        "Politics",
        "Sport",
        "The council approved the new budget on Tuesday after a long debate about schools.",
    ]
)


class CountingPages:
    """Counts the pages a filter is shown (mixed in before the filter class)."""

    pages_seen = 0

    def find_removals(self, page: PageView) -> list[Removal]:
        self.pages_seen += 1
        return super().find_removals(page)  # type: ignore[misc]


class CountingAdMarkers(CountingPages, AdMarkerFilter):
    pass


class CountingNavigation(CountingPages, NavigationFilter):
    pass


def test_per_line_filters_run_in_the_first_round_only() -> None:
    ads, navigation = CountingAdMarkers(), CountingNavigation()
    result = Pipeline([ads, navigation]).run(PAGE)
    # Round 1 drops the ad marker and the menu it interrupted; round 2 finds nothing more.
    assert [removal.filter for removal in result.removals] == ["navigation", "navigation", "ad-marker", "navigation", "navigation"]
    assert navigation.pages_seen == 2
    assert ads.pages_seen == 1
    assert AdMarkerFilter.context_free and not NavigationFilter.context_free
