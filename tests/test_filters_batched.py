"""The context filters look at a page's paragraphs in C-level passes (per-page byte codes,
`map` over memos, a page skipped when none of its lines has a filter's facts) instead of a
Python loop over every paragraph. Each is compared here, removal for removal, with the
per-paragraph code it replaced (kept below as reference subclasses): on every page of seeds/
and the dev sample as each round of the default pipeline shows it to the filter, on random
subsets of their paragraphs, and on generated pages of real lines."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, Pipeline
from newsclean.document import Paragraph, Removal, kept_paragraphs, new_removal
from newsclean.filters import (
    ArticleBodyFilter,
    CommentSectionFilter,
    Filter,
    NavigationFilter,
    PageView,
    PhotoCreditFilter,
    RepeatedLineFilter,
)
from newsclean.filters.credits import CREDIT_BEFORE_CAPTION, credit_kind
from newsclean.filters.prose import is_title_like, line_shape
from newsclean.filters.markers import line_key
from newsclean.filters.sections import (
    _ARTICLE_WORDS_BEFORE,
    _MAX_HEADING_WORDS,
    COMMENT_HEADING,
    COMMENT_NOTICE,
    _navigation_line,
    _NavigationLine,
    is_comment_metadata,
)
from newsclean.wordlists import count_words
from newsclean.io import read_document
from newsclean.normalise import normalise_lines
from newsclean.pipeline import boilerplate_filters

from .conftest import DEVSET, SEEDS


class ReferenceNavigationFilter(NavigationFilter):
    """NavigationFilter as it was: a fact tuple per paragraph, Python loops over all of them."""

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        facts = [(_navigation_line(p.text, self.max_related_words), is_title_like(p.text, self.max_words)) for p in paragraphs]
        dropped: dict[int, Removal] = {}
        self._reference_related_lists(paragraphs, [kind for kind, _ in facts], dropped)
        self._reference_menus(paragraphs, [title_like for _, title_like in facts], dropped)
        return [dropped[index] for index in sorted(dropped)]

    def _reference_related_lists(self, paragraphs: Sequence[Paragraph], kinds: list, dropped: dict[int, Removal]) -> None:
        list_end = 0
        for index in [index for index, kind in enumerate(kinds) if kind is not None]:
            if index < list_end:
                continue
            paragraph, kind = paragraphs[index], kinds[index]
            if kind is _NavigationLine.SKIP_LINK:
                dropped[index] = self.removal(paragraph, f"accessibility skip link {paragraph.text!r}")
            elif kind is _NavigationLine.INLINE_LINK:
                dropped[index] = self.removal(paragraph, f"related-article link {paragraph.text[:60]!r}")
            else:
                dropped[index] = self.removal(paragraph, f"related-articles heading {paragraph.text!r}")
                list_end = index + 1
                while list_end < len(paragraphs) and self._is_list_item(paragraphs[list_end].text):
                    dropped[list_end] = self.removal(
                        paragraphs[list_end],
                        f"in the related-articles list under {paragraph.text!r} (line {paragraph.line})",
                        list_start=paragraph.line,
                    )
                    list_end += 1

    def _reference_menus(self, paragraphs: Sequence[Paragraph], title_like: list[bool], dropped: dict[int, Removal]) -> None:
        for index in dropped:
            title_like[index] = False
        start = None
        for index, is_title in enumerate(title_like):
            if is_title:
                if start is None:
                    start = index
            elif start is not None:
                self._reference_drop_menu(range(start, index), paragraphs, dropped)
                start = None
        if start is not None:
            self._reference_drop_menu(range(start, len(paragraphs)), paragraphs, dropped)

    def _reference_drop_menu(self, run: range, paragraphs: Sequence[Paragraph], dropped: dict[int, Removal]) -> None:
        if len(run) < self.min_run:
            return
        reason = f"short title-like line in a run of {len(run)}: navigation list"
        start = paragraphs[run[0]].line
        for member in run:
            dropped[member] = new_removal(paragraphs[member].line, self.name, reason, {"run_start": start, "run_length": len(run)})


class ReferenceCommentSectionFilter(CommentSectionFilter):
    """CommentSectionFilter as it was: a fact record per paragraph, Python loops over all."""

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        lines = [self._facts(paragraph.text) for paragraph in paragraphs]
        removals: list[Removal] = []
        region_start = self._reference_region_start(paragraphs, lines)
        end = len(paragraphs) if region_start is None else region_start
        for paragraph, (notice, heading, _) in zip(paragraphs[:end], lines):
            if notice:
                removals.append(self.removal(paragraph, f"comment notice {paragraph.text[:60]!r}"))
            elif heading:
                removals.append(self.removal(paragraph, f"comment link {paragraph.text!r}"))
        if region_start is not None:
            heading = paragraphs[region_start]
            removals.append(self.removal(heading, f"comment section heading {heading.text[:60]!r}"))
            for paragraph, (notice, _, _) in zip(paragraphs[region_start + 1 :], lines[region_start + 1 :]):
                if notice:
                    kind = "comment notice"
                elif is_comment_metadata(paragraph.text):
                    kind = "comment metadata"
                else:
                    kind = "user comment"
                removals.append(
                    self.removal(paragraph, f"{kind} in the comment section from line {heading.line}", section_start=heading.line)
                )
        return removals

    @staticmethod
    def _facts(text: str) -> tuple[bool, bool, int]:
        heading = count_words(text, _MAX_HEADING_WORDS + 1) <= _MAX_HEADING_WORDS and bool(COMMENT_HEADING.match(text))
        count = count_words(text, _ARTICLE_WORDS_BEFORE)
        return bool(COMMENT_NOTICE.search(text)), heading, count if count >= _ARTICLE_WORDS_BEFORE else 0

    def _reference_region_start(self, paragraphs: Sequence[Paragraph], lines: list[tuple[bool, bool, int]]) -> int | None:
        prose_before = 0
        for index, (notice, heading, prose_words) in enumerate(lines):
            if (heading or notice) and prose_before >= _ARTICLE_WORDS_BEFORE:
                in_second_half = index >= len(paragraphs) / 2
                following = paragraphs[index + 1 : index + 1 + self.metadata_window]
                if in_second_half or any(is_comment_metadata(p.text) for p in following):
                    return index
            prose_before += prose_words
        return None


class ReferenceRepeatedLineFilter(RepeatedLineFilter):
    """RepeatedLineFilter as it was: every paragraph's key looked up, every line's counted."""

    def find_removals(self, page: PageView) -> list[Removal]:
        keys = ["" if count_words(text, self.max_words + 1) > self.max_words else line_key(text) for text in page.lines]
        occurrences: dict[str, list[int]] = {}
        for number, key in enumerate(keys, start=1):
            if key:
                occurrences.setdefault(key, []).append(number)
        removals = []
        kept_sentence: dict[str, int] = {}
        for paragraph in page.paragraphs:
            key = keys[paragraph.line - 1]
            if not key:
                continue
            where = occurrences[key]
            if len(where) >= 2 and line_shape(paragraph.text).is_prose:
                first = kept_sentence.setdefault(key, paragraph.line)
                if first != paragraph.line:
                    removals.append(self.removal(paragraph, f"repeats the sentence kept at line {first}", original_line=first))
                continue
            if len(where) >= 2:
                shown = ", ".join(map(str, where[:5])) + (", ..." if len(where) > 5 else "")
                removals.append(
                    self.removal(paragraph, f"line repeated {len(where)} times on the page (lines {shown})", lines=list(where))
                )
        return removals


class ReferenceArticleBodyFilter(ArticleBodyFilter):
    """ArticleBodyFilter as it was: Python loops over every line and paragraph."""

    def find_removals(self, page: PageView) -> list[Removal]:
        kept = {paragraph.line for paragraph in page.paragraphs}
        lines = [number for number, text in enumerate(page.lines, start=1) if text]
        shapes = {paragraph.line: line_shape(paragraph.text) for paragraph in page.paragraphs}
        weights = [self.weight(shapes[number]) if number in kept else -self.furniture_cost for number in lines]
        span = self.body_span(weights)
        if span is None:
            return []
        first, last = lines[span[0]], lines[span[1] - 1]
        before = [paragraph for paragraph in page.paragraphs if paragraph.line < first]
        after = [paragraph for paragraph in page.paragraphs if paragraph.line > last]
        removals = []
        if len(before) > 1:
            where = f"page header before the article body (which starts at line {first})"
            removals.extend(self._removal(paragraph, shapes[paragraph.line], where) for paragraph in before)
        where = f"page footer after the article body (which ends at line {last})"
        removals.extend(self._removal(paragraph, shapes[paragraph.line], where) for paragraph in after)
        return removals


class ReferencePhotoCreditFilter(PhotoCreditFilter):
    """PhotoCreditFilter as it was: dicts of every paragraph, a Python loop over all."""

    def find_removals(self, page: PageView) -> list[Removal]:
        kept = {paragraph.line: paragraph for paragraph in page.paragraphs}
        kinds = {paragraph.line: credit_kind(paragraph.text) for paragraph in page.paragraphs}
        dropped: dict[int, Removal] = {}
        for paragraph in page.paragraphs:
            kind = kinds[paragraph.line]
            if kind is None:
                continue
            dropped[paragraph.line] = self.removal(paragraph, f"{kind} {paragraph.text[:60]!r}")
            if kind == "photo credit" and not CREDIT_BEFORE_CAPTION.match(paragraph.text):
                caption = self._caption_above(page, kinds, paragraph.line)
                if caption is not None and caption in kept and caption not in dropped:
                    dropped[caption] = self.removal(
                        kept[caption], f"photo caption above the credit at line {paragraph.line}", credit_line=paragraph.line
                    )
        return [dropped[line] for line in sorted(dropped)]


#: (the filter as it is, the reference), with default and with other settings.
PAIRS = [
    (NavigationFilter(), ReferenceNavigationFilter()),
    (NavigationFilter(max_words=5, min_run=2, max_related_words=12), ReferenceNavigationFilter(max_words=5, min_run=2, max_related_words=12)),
    (NavigationFilter(min_run=1), ReferenceNavigationFilter(min_run=1)),
    (CommentSectionFilter(), ReferenceCommentSectionFilter()),
    (CommentSectionFilter(metadata_window=1), ReferenceCommentSectionFilter(metadata_window=1)),
    (RepeatedLineFilter(), ReferenceRepeatedLineFilter()),
    (RepeatedLineFilter(max_words=4), ReferenceRepeatedLineFilter(max_words=4)),
    (ArticleBodyFilter(), ReferenceArticleBodyFilter()),
    (ArticleBodyFilter(furniture_cost=3), ReferenceArticleBodyFilter(furniture_cost=3)),
    (PhotoCreditFilter(), ReferencePhotoCreditFilter()),
    (PhotoCreditFilter(max_caption_words=5), ReferencePhotoCreditFilter(max_caption_words=5)),
]


@lru_cache(maxsize=1)
def real_pages() -> list[tuple[str, tuple[str, ...]]]:
    """Every page of seeds/ and the dev sample (scraped and true text), normalised."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    if not (DEVSET / "scraped").is_dir():
        pytest.skip("../shared/devset is not available")
    return [(path.name, normalise_lines(read_document(path)[0].lines)[0]) for path in paths]


@lru_cache(maxsize=1)
def real_lines() -> tuple[str, ...]:
    return tuple(sorted({line for _, lines in real_pages() for line in lines if line}))


@lru_cache(maxsize=1)
def dropped_lines() -> tuple[str, ...]:
    """The real lines some reference filter drops on a whole page (headings, menu items,
    comment metadata, credits): drawn often, so generated pages have regions and runs."""
    found = set()
    for name, lines in real_pages():
        view = PageView(name, lines, kept_paragraphs(lines, set()))
        for _, reference in PAIRS:
            found.update(lines[removal.line - 1] for removal in reference.find_removals(view))
    return tuple(sorted(found))


class Recording(Filter):
    """A filter that runs another and keeps every page it was shown."""

    name = "recording"

    def __init__(self, inner: Filter) -> None:
        self.inner = inner
        self.views: list[PageView] = []

    def find_removals(self, page: PageView) -> list[Removal]:
        self.views.append(page)
        return list(self.inner.find_removals(page))


def round_views(name: str, lines: tuple[str, ...], target: Filter) -> list[PageView]:
    """The pages the default pipeline shows a filter in target's place, round by round."""
    recording = Recording(target)
    filters = [recording if isinstance(item, type(target)) else item for item in boilerplate_filters()]
    assert recording in filters
    Pipeline(filters, normalise=False).run(Document(name, lines))
    return recording.views


def views_to_compare(name: str, lines: tuple[str, ...], target: Filter, rng: random.Random) -> list[PageView]:
    """`round_views` of a page, and three random subsets of its paragraphs (dropping about 10%,
    30% and 60% of them): what the filter sees in the pipeline and after other filters."""
    views = round_views(name, lines, target)
    paragraphs = kept_paragraphs(lines, set())
    for share in (0.1, 0.3, 0.6):
        views.append(PageView(name, lines, [p for p in paragraphs if rng.random() >= share]))
    return views


def decisions(item: Filter, page: PageView) -> list[dict]:
    return [removal.to_dict() for removal in item.find_removals(page)]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: repr(pair[0]))
def test_same_removals_on_real_pages_in_every_round_and_on_random_subsets(pair: tuple[Filter, Filter]) -> None:
    current, reference = pair
    rng = random.Random(7)
    removed_somewhere = 0
    for name, lines in real_pages():
        for view in views_to_compare(name, lines, current, rng):
            expected = decisions(reference, view)
            assert decisions(current, view) == expected, (name, len(view.paragraphs))
            removed_somewhere += bool(expected)
    assert removed_somewhere >= 20


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_same_removals_on_pages_of_real_lines(data: st.DataObject) -> None:
    real, dropped = st.sampled_from(real_lines()), st.sampled_from(dropped_lines())
    # Two real lines joined make long lines that end or start like furniture.
    line = st.one_of(st.just(""), real, dropped, st.builds("{} {}".format, real, dropped), st.builds("{} {}".format, dropped, real))
    lines = tuple(data.draw(st.lists(line, max_size=60), label="lines"))
    keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)), label="keep")
    paragraphs = [p for p in kept_paragraphs(lines, set()) if keep[p.line - 1]]
    view = PageView("generated", lines, paragraphs)
    for current, reference in PAIRS:
        assert decisions(current, view) == decisions(reference, view)


def test_a_long_notice_is_not_prose_before_itself() -> None:
    """The region starts after article prose: a notice long enough to count as prose does not
    come after itself, so on this page it is dropped alone."""
    notice = (
        "Your email address will not be published, and the comments below are moderated by the "
        "editors of this site before they appear, which can take a day or two on busy weekends."
    )
    lines = ("Politics", "Share this", notice, "Great article, thanks", "John 3 days ago")
    view = PageView("notice", lines, kept_paragraphs(lines, set()))
    expected = decisions(ReferenceCommentSectionFilter(), view)
    assert [removal["line"] for removal in expected] == [3]
    assert decisions(CommentSectionFilter(), view) == expected
