"""The exact-form keys the template-line pass counts: for each document, the keys of its
distinct lines after normalisation.

The pass sees every line of a corpus, but few distinct ones: a site's template lines recur on
every page of it (433,818 lines, 59,503 distinct, in the 20 MB benchmark corpus). So keys are
memoised by raw line in a plain dict, and a document costs a few set operations done in C (its
distinct lines, those the memo lacks, the memo's keys of the others) plus the key of each line
seen for the first time. A per-line memoised function call, and a scan of every document for
the lines needing normalisation's general path, cost more than that.
"""

from __future__ import annotations

from itertools import islice
from typing import Sequence

from ..memo import LONG_LINE_CHARACTERS, forget_long_lines
from ..normalise import lines_needing_general_path, normalise_line
from .shingles import paragraph_key, word_bytes

#: About the bytes of lines and keys remembered (a document's new lines are added whole); the
#: oldest half is forgotten when it is full. The benchmark corpus's 59,503 distinct lines
#: take about 17 MB.
KEY_MEMO_BYTES = 32 << 20
#: What remembering a line costs in bytes beyond its characters, about: a str's header, a
#: dict slot and an int.
_ENTRY_BYTES = 100


class _KeyMemo:
    """Raw line -> key, for lines up to LONG_LINE_CHARACTERS long, within KEY_MEMO_BYTES."""

    def __init__(self) -> None:
        self.keys: dict[str, int | None] = {}
        self.size = 0

    def remember(self, new_keys: dict[str, int | None]) -> None:
        """Add new lines' keys, forgetting the oldest half of the memo first (again, until they
        fit or the memo is empty) if they do not fit."""
        new_keys = {line: key for line, key in new_keys.items() if len(line) <= LONG_LINE_CHARACTERS}
        added = sum(map(len, new_keys)) + _ENTRY_BYTES * len(new_keys)
        while self.keys and self.size + added > KEY_MEMO_BYTES:
            oldest = list(islice(self.keys, len(self.keys) // 2 + 1))
            for line in oldest:
                del self.keys[line]
            self.size -= sum(map(len, oldest)) + _ENTRY_BYTES * len(oldest)
        self.keys.update(new_keys)
        self.size += added


_memo = _KeyMemo()


def template_line_keys(lines: Sequence[str]) -> set[int]:
    """The exact-form keys of a document's distinct non-empty lines, after normalisation: what
    the template-line pass counts (one per line per document).

    Lines longer than LONG_LINE_CHARACTERS are keyed but not remembered, and, as after any
    document, every per-line memo is emptied when the document has one (`forget_long_lines`:
    normalisation memoises too)."""
    memo = _memo
    distinct = set(lines)
    new = distinct.difference(memo.keys)
    distinct -= new
    keys = set(map(memo.keys.__getitem__, distinct))
    if new:
        new_keys = _keys_of(list(new))
        keys.update(new_keys.values())
        memo.remember(new_keys)
    keys.discard(None)
    forget_long_lines(lines)
    return keys  # type: ignore[return-value]  # None was discarded


def forget_template_keys() -> None:
    """Empty the memo, e.g. once the template-line pass over a corpus is done, so its lines do
    not stay in memory through the cleaning pass."""
    global _memo
    _memo = _KeyMemo()


def _keys_of(lines: list[str]) -> dict[str, int | None]:
    """The keys of lines the memo lacks. A line on the normalisation fast path (found with one
    scan of them all, `lines_needing_general_path`) is keyed from its own `word_bytes`, as
    normalisation only collapses its whitespace and the words ignore whitespace; the others,
    and lines without words, are normalised first."""
    general = lines_needing_general_path(lines)
    keys = {}
    for index, line in enumerate(lines):
        paragraph_words = None if index in general else word_bytes(line)
        keys[line] = paragraph_key(line, paragraph_words) if paragraph_words else _normalised_line_key(line)
    return keys


def _normalised_line_key(line: str) -> int | None:
    """The exact-form key of a raw line once normalised, None if it normalises to nothing.

    `paragraph_key` with the line's `word_bytes` equals `exact_key(normalised_form(line))`
    without decoding and re-encoding the words."""
    text = normalise_line(line)[0]
    if not text.strip():
        return None
    return paragraph_key(text, word_bytes(text))
