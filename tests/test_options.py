"""Filter options are checked when a filter is built: a wrong type or an out-of-range value is
refused there with the option and its allowed values named, not deep in a run or never."""

from __future__ import annotations

import pytest

import newsclean
from newsclean import (
    AdMarkerFilter,
    ArticleBodyFilter,
    CommentSectionFilter,
    LanguageFilter,
    LegalNoticeFilter,
    NavigationFilter,
    NearDuplicateFilter,
    PhotoCreditFilter,
    Pipeline,
    PromptFilter,
    RepeatedLineFilter,
    ShareButtonFilter,
)

# (filter class, options, exception, what the message must say)
REFUSED = [
    (NearDuplicateFilter, {"num_perm": 0}, ValueError, r"num_perm must be a whole number of at least 2, not 0"),
    (NearDuplicateFilter, {"num_perm": 64.0}, TypeError, r"num_perm must be a whole number"),
    (NearDuplicateFilter, {"candidate_threshold": 0}, ValueError, r"candidate_threshold must be a number in \(0, 1\), not 0"),
    (NearDuplicateFilter, {"candidate_threshold": 1.5}, ValueError, r"candidate_threshold must be a number in \(0, 1\)"),
    (NearDuplicateFilter, {"threshold": "0.4"}, TypeError, r"threshold must be a number in \(0, 1\], not str '0.4'"),
    (NearDuplicateFilter, {"threshold": 0}, ValueError, r"threshold must be a number in \(0, 1\]"),
    (NearDuplicateFilter, {"template_documents": 2.5}, TypeError, r"template_documents must be a whole number of at least 2"),
    (NearDuplicateFilter, {"template_documents": 1}, ValueError, r"template_documents must be a whole number of at least 2"),
    (NearDuplicateFilter, {"min_words": -1}, ValueError, r"min_words must be a whole number of at least 1"),
    (NearDuplicateFilter, {"seed": -1}, ValueError, r"seed must be a whole number from 0 to 4294967295"),
    (NearDuplicateFilter, {"shingle_size": 0}, ValueError, r"shingle_size must be a whole number of at least 1"),
    (NearDuplicateFilter, {"batch_size": 0}, ValueError, r"batch_size must be a whole number of at least 1"),
    (NearDuplicateFilter, {"timeout": -1}, ValueError, r"timeout must be a number in \[0, ∞\)"),
    (NearDuplicateFilter, {"record": "no"}, TypeError, r"record must be True or False"),
    (NearDuplicateFilter, {"index": ""}, ValueError, r"index is an empty path; pass a file path, or None"),
    (NearDuplicateFilter, {"index": 123}, TypeError, r"index must be None \(in memory\), a file path or a ParagraphIndex"),
    (NavigationFilter, {"min_run": 0}, ValueError, r"NavigationFilter: min_run must be a whole number of at least 1, not 0"),
    (NavigationFilter, {"min_run": -1}, ValueError, r"min_run must be a whole number of at least 1"),
    (NavigationFilter, {"min_run": "5"}, TypeError, r"min_run must be a whole number of at least 1, not str '5'"),
    (NavigationFilter, {"max_words": 0}, ValueError, r"max_words must be a whole number of at least 1"),
    (AdMarkerFilter, {"markers": "Promoted by Acme"}, TypeError, r"markers takes a list of phrases, not one str: pass \['Promoted by Acme'\]"),
    (AdMarkerFilter, {"markers": ["Promoted by Acme", 3]}, TypeError, r"markers takes a list of phrases \(str\), and 3 is a int"),
    (LanguageFilter, {"english_share": 1.5}, ValueError, r"english_share must be a number in \[0, 1\]"),
    (LanguageFilter, {"min_words": "4"}, TypeError, r"min_words must be a whole number of at least 0"),
    (LegalNoticeFilter, {"max_words": 0}, ValueError, r"LegalNoticeFilter: max_words must be a whole number of at least 1"),
    (ShareButtonFilter, {"max_words": -2}, ValueError, r"ShareButtonFilter: max_words must be"),
    (PromptFilter, {"max_words": 12.5}, TypeError, r"PromptFilter: max_words must be a whole number"),
    (RepeatedLineFilter, {"max_words": 0}, ValueError, r"RepeatedLineFilter: max_words must be"),
    (CommentSectionFilter, {"metadata_window": -1}, ValueError, r"metadata_window must be a whole number of at least 0"),
    (PhotoCreditFilter, {"max_caption_words": None}, TypeError, r"max_caption_words must be a whole number"),
    (ArticleBodyFilter, {"furniture_cost": -10}, ValueError, r"furniture_cost must be a whole number of at least 0"),
]


@pytest.mark.parametrize(
    "filter_class, options, error, message", REFUSED, ids=[f"{case[0].__name__}-{next(iter(case[1]))}={next(iter(case[1].values()))!r}" for case in REFUSED]
)
def test_a_bad_option_is_refused_when_the_filter_is_built(filter_class, options, error, message) -> None:
    with pytest.raises(error, match=message):
        filter_class(**options)


def test_the_default_pipelines_options_pass_their_checks() -> None:
    with newsclean.default_pipeline(dedup=True) as pipeline:
        assert [item.name for item in pipeline.filters][-1] == "near-duplicate"


def test_a_list_of_one_marker_drops_that_marker_line_only() -> None:
    text = "Promoted by Acme\n\nThe minister resigned on Monday after a week of protests, Acme reported.\n\nP\n"
    result = Pipeline([AdMarkerFilter(markers=["Promoted by Acme"])]).run(text)
    assert [(removal.line, removal.filter) for removal in result.removals] == [(1, "ad-marker")]


NOTICE = "© 2024 Daily Example News. All rights reserved."
ARTICLE = f"The minister resigned on Monday after a week of protests in the capital.\n\n{NOTICE}\n"


def test_an_option_cannot_change_after_the_filter_is_built() -> None:
    legal = LegalNoticeFilter()
    pipeline = Pipeline([legal])
    assert [removal.line for removal in pipeline.run(ARTICLE).removals] == [3]
    # The pipeline remembers this line's verdict: a smaller max_words would be ignored for it.
    with pytest.raises(AttributeError, match=r"LegalNoticeFilter.max_words cannot change once the filter is built .*build a new filter"):
        legal.max_words = 2
    assert legal.max_words == LegalNoticeFilter().max_words
    assert Pipeline([LegalNoticeFilter(max_words=2)]).run(ARTICLE).removals == ()


def test_a_filter_keeps_its_own_state_in_private_attributes_and_survives_pickling() -> None:
    import pickle

    class CountingFilter(newsclean.Filter):
        name = "counting"

        def __init__(self) -> None:
            self._pages = 0

        def find_removals(self, page: newsclean.PageView) -> list[newsclean.Removal]:
            self._pages += 1
            return []

    counting = CountingFilter()
    Pipeline([counting]).run(ARTICLE)
    assert counting._pages == 1
    navigation = pickle.loads(pickle.dumps(NavigationFilter(min_run=5)))
    assert navigation.min_run == 5
