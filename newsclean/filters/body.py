"""Filter for what lies outside the article body: the page header above it (masthead,
headline, byline, dateline, lead photo credit) and the page footer below it (related links,
teasers, author boxes, legal notices).

A full news page is header, body, footer. The body is the longest stretch of the page where
prose outweighs furniture: every prose paragraph counts its words for the stretch, every other
line counts against it. The best stretch is found in one pass (maximum-sum segment, as in
Finn's Body Text Extraction); a later block of prose joins the body only if it outweighs the
furniture between them, so a short teaser after a related-links block stays outside while an
article interrupted by one embedded widget stays whole.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import compress, count, repeat
from operator import itemgetter
from typing import Sequence

from ..document import Paragraph, Removal
from ..options import whole_number
from .base import Filter, PageView
from .prose import LineShape, line_shape

#: What one furniture line costs the stretch, in words of prose (roughly one short paragraph).
FURNITURE_COST = 10

_line_of, _text_of = itemgetter(0), itemgetter(1)


class ArticleBodyFilter(Filter):
    """Drops the page header before the article body and the page footer after it.

    The body is the stretch of non-empty lines with the largest weight, where a kept prose
    paragraph (see `prose.LineShape.is_prose`) weighs its word count, a kept short sentence
    weighs nothing, and any other line, kept or already dropped, weighs `-furniture_cost`. A
    single kept paragraph before the body is the article's own headline and stays; two or more
    there form a page header (headline with byline, dateline, photo credits) and go.
    """

    name = "outside-body"

    def __init__(self, furniture_cost: int = FURNITURE_COST) -> None:
        self.furniture_cost = whole_number("ArticleBodyFilter", "furniture_cost", furniture_cost, 0)

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs  # in line order, as the pipeline passes them
        kept_lines = list(map(_line_of, paragraphs))
        shapes = list(map(line_shape, map(_text_of, paragraphs)))
        # The body is found over every non-empty line, including those earlier filters dropped:
        # a menu or share bar that is already gone still separates the body from a teaser. Lists
        # built by C loops: most of a page's lines are dropped ones, which weigh as furniture.
        lines = list(compress(count(1), page.lines))
        kept_weights = dict(zip(kept_lines, map(self.weight, shapes)))
        weights = list(map(kept_weights.get, lines, repeat(-self.furniture_cost)))
        span = self.body_span(weights)
        if span is None:
            return []
        first, last = lines[span[0]], lines[span[1] - 1]
        header_end, footer_start = bisect_left(kept_lines, first), bisect_right(kept_lines, last)
        removals = []
        if header_end > 1:
            where = f"page header before the article body (which starts at line {first})"
            removals.extend(map(self._removal, paragraphs[:header_end], shapes[:header_end], repeat(where)))
        where = f"page footer after the article body (which ends at line {last})"
        removals.extend(map(self._removal, paragraphs[footer_start:], shapes[footer_start:], repeat(where)))
        return removals

    def weight(self, shape: LineShape) -> int:
        """How much a line adds to (prose) or takes from (furniture) the body around it."""
        if shape.is_prose:
            return shape.word_count
        if shape.ends_like_sentence:
            return 0
        return -self.furniture_cost

    @staticmethod
    def body_span(weights: Sequence[int]) -> tuple[int, int] | None:
        """The [start, end) stretch with the largest positive total weight (earliest on ties),
        widened over the weightless lines (short sentences) that touch it: a one-line opening
        or closing sentence belongs to the article."""
        best_total, best = 0, None
        total, start = 0, 0
        for index, weight in enumerate(weights):
            if total <= 0:
                total, start = 0, index
            total += weight
            if total > best_total:
                best_total, best = total, (start, index + 1)
        if best is None:
            return None
        start, end = best
        while start > 0 and weights[start - 1] == 0:
            start -= 1
        while end < len(weights) and weights[end] == 0:
            end += 1
        return start, end

    def _removal(self, paragraph: Paragraph, shape: LineShape, where: str) -> Removal:
        kind = "prose" if shape.is_prose else "sentence" if shape.ends_like_sentence else "title-like line"
        return self.removal(paragraph, f"{kind} in the {where}")
