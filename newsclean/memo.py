"""Per-line memos: bounded LRU caches of answers that depend only on a line's text (and a
filter's settings), shared by the whole process.

Every memo holds its lines as keys, so after a document is cleaned its lines stay alive until
evicted. That is cheap for ordinary lines, but a corpus of documents with huge lines (a page
flattened into one line of megabytes) would keep thousands of them in memory. So the pipeline
calls `forget_long_lines(lines)` after each document: when one of its lines is longer than
LONG_LINE_CHARACTERS, every memo is emptied (the memos are pure, so only time is lost).
"""

from __future__ import annotations

from functools import _lru_cache_wrapper, lru_cache
from typing import Callable, Sequence, TypeVar

#: A line longer than this is not kept in the memos beyond the document it came in.
LONG_LINE_CHARACTERS = 10_000
#: Distinct lines (with their settings) a memo remembers: 32,768 rather than 16,384 cut the
#: lines met again after their eviction (each judged anew by every filter) from 9% to 3% on the
#: 20 MB benchmark corpus, -2.2% of a run's instructions, for about 67 MB more at the peak
#: (docs/performance.md, Ninth round).
MEMO_SIZE = 32768

_MEMOS: list[_lru_cache_wrapper] = []

Result = TypeVar("Result")


def line_memo(function: Callable[..., Result]) -> Callable[..., Result]:
    """Memoise a function whose first argument is a line's text (the others: settings), in an
    LRU of MEMO_SIZE entries that `forget_long_lines` can empty."""
    memo = lru_cache(maxsize=MEMO_SIZE)(function)
    _MEMOS.append(memo)
    return memo


def line_memo_per_settings(function: Callable[..., Result]) -> Callable[..., Callable[[str], Result]]:
    """For a function of a line's text and settings, `memo(*settings)` is a `line_memo` of the
    text alone for those settings (one memo per combination of settings a filter was built
    with). A look-up keyed by the text alone needs no key tuple, and compares one string
    instead of a tuple: a filter that asks about every paragraph pays that on each."""

    @lru_cache(maxsize=None)
    def memo(*settings: object) -> Callable[[str], Result]:
        return line_memo(lambda text: function(text, *settings))

    return memo


def forget_long_lines(lines: Sequence[str]) -> None:
    """Empty every per-line memo when one of `lines` is longer than LONG_LINE_CHARACTERS, so no
    memo keeps a huge line alive after its document is done."""
    if lines and max(map(len, lines)) > LONG_LINE_CHARACTERS:
        for memo in _MEMOS:
            memo.cache_clear()
