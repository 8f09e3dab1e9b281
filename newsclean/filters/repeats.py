"""Filter for lines a page repeats: section labels on every teaser ("Business"), a headline
shown twice (in the teaser list and as its link), a standfirst echoed under the byline,
"Previous Post" / "Next Post" at top and bottom.

An article does not say the same short line twice, so every copy goes. Long repeated
paragraphs are left alone here: they are the near-duplicate filter's business.
"""

from __future__ import annotations

from collections import defaultdict

from ..document import Removal
from ..memo import line_memo_per_settings
from ..options import whole_number
from ..wordlists import count_words
from .base import Filter, PageView
from .markers import line_key
from .prose import line_shape

_MAX_REPEATED_WORDS = 30


@line_memo_per_settings
def _repeat_key(text: str, max_words: int) -> str:
    """The key two lines share when they count as the same line (`line_key`), or "" for a line
    that is blank or longer than `max_words` words. `_repeat_key(max_words)` is the memo of the
    text for that setting."""
    if count_words(text, max_words + 1) > max_words:
        return ""
    return line_key(text)


class RepeatedLineFilter(Filter):
    """Drops every copy of a line (of at most `max_words` words) that occurs two or more times
    on the page, compared case-insensitively and ignoring punctuation. Lines earlier filters
    dropped count as occurrences too, so a label repeated in a dropped menu still counts.

    A repeated line that reads as prose (a sentence: see prose.LineShape.is_prose) keeps its
    first kept copy: an article sentence echoed as a pull quote or a teaser must not be lost."""

    name = "repeated-line"

    def __init__(self, max_words: int = _MAX_REPEATED_WORDS) -> None:
        self.max_words = whole_number("RepeatedLineFilter", "max_words", max_words, 1)
        self._last_page: tuple[tuple[str, ...], int, list[str], dict[str, list[int]]] | None = None

    def find_removals(self, page: PageView) -> list[Removal]:
        keys, occurrences = self._occurrences(page.lines)
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

    def _occurrences(self, lines: tuple[str, ...]) -> tuple[list[str], dict[str, list[int]]]:
        """Each line's key and the lines each key occurs on. They depend only on all of the
        page's lines, which every round of the pipeline passes again (the same tuple), so the
        last page's answer is kept and reused when the very same lines come back."""
        last = self._last_page
        if last is not None and last[0] is lines and last[1] == self.max_words:
            return last[2], last[3]
        keys = list(map(_repeat_key(self.max_words), lines))
        found: defaultdict[str, list[int]] = defaultdict(list)
        for number, key in enumerate(keys, start=1):
            if key:
                found[key].append(number)
        occurrences = dict(found)
        self._last_page = (lines, self.max_words, keys, occurrences)
        return keys, occurrences
