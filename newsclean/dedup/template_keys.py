"""The exact-form keys the template-line pass counts: for each document, the keys of its
distinct lines after normalisation.

The pass sees every line of a corpus, but few distinct ones: a site's template lines recur on
every page of it (433,818 lines, 59,503 distinct, in the 20 MB benchmark corpus). So keys are
memoised by raw line in a plain dict, and a document costs a few set operations done in C (its
distinct lines, those the memo lacks, the memo's keys of the others) plus the key of each line
seen for the first time. A per-line memoised function call, and a scan of every document for
the lines needing normalisation's general path, cost more than that.

Normalisation is what the cleaning pass does first, and it is a function of each line alone, so
the memo also remembers it for the few distinct lines it changes (254 in that corpus):
`template_line_keys_and_normalisation` gives a document's `normalise_lines` answer with its
keys, for a set operation more, and with one job the cleaning pass takes it
(`read_ahead.ReadAhead`) instead of scanning every document again.
"""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Sequence

from ..document import Normalisation
from ..memo import LONG_LINE_CHARACTERS, forget_long_lines
from ..normalise import lines_needing_work, normalise_line
from .shingles import paragraph_key, paragraph_keys, word_bytes

#: About the bytes of lines, keys and changed normalised forms remembered (a document's new
#: lines are added whole); the oldest half is forgotten when it is full. The benchmark
#: corpus's 59,503 distinct lines take about 17 MB.
KEY_MEMO_BYTES = 32 << 20
#: What remembering a line costs in bytes beyond its characters, about: a str's header, a
#: dict slot and an int (or, for a line normalisation changes, its normalised form's header,
#: its steps and a second dict slot).
_ENTRY_BYTES = 100

#: A line's normalisation where it changes the line: (normalised text, steps), as
#: `normalise_line` gives them.
_Change = tuple[str, tuple[str, ...]]
#: `normalise_lines`' answer for a document: its normalised lines and what changed.
Normalised = tuple[tuple[str, ...], tuple[Normalisation, ...]]


class _KeyMemo:
    """Raw line -> key, and raw line -> its normalisation for the lines it changes, for lines
    up to LONG_LINE_CHARACTERS long, within KEY_MEMO_BYTES."""

    def __init__(self) -> None:
        self.keys: dict[str, int | None] = {}
        self.changes: dict[str, _Change] = {}
        self.size = 0

    def remember(self, new_keys: dict[str, int | None], new_changes: dict[str, _Change]) -> None:
        """Add new lines' keys and changes, forgetting the oldest half of the memo first (again,
        until they fit or the memo is empty) if they do not fit."""
        new_keys = {line: key for line, key in new_keys.items() if len(line) <= LONG_LINE_CHARACTERS}
        new_changes = {line: change for line, change in new_changes.items() if line in new_keys}
        added = _bytes_of(new_keys, new_changes)
        while self.keys and self.size + added > KEY_MEMO_BYTES:
            oldest = list(islice(self.keys, len(self.keys) // 2 + 1))
            forgotten = {line: self.changes.pop(line) for line in oldest if line in self.changes}
            for line in oldest:
                del self.keys[line]
            self.size -= _bytes_of(oldest, forgotten)
        self.keys.update(new_keys)
        self.changes.update(new_changes)
        self.size += added


def _bytes_of(lines: Iterable[str], changes: dict[str, _Change]) -> int:
    lines = list(lines)
    return sum(map(len, lines)) + _ENTRY_BYTES * len(lines) + sum(len(text) + _ENTRY_BYTES for text, _ in changes.values())


_memo = _KeyMemo()


def template_line_keys(lines: Sequence[str]) -> set[int]:
    """The exact-form keys of a document's distinct non-empty lines, after normalisation: what
    the template-line pass counts (one per line per document).

    Lines longer than LONG_LINE_CHARACTERS are keyed but not remembered, and, as after any
    document, every per-line memo is emptied when the document has one (`forget_long_lines`:
    normalisation memoises too)."""
    return _keys_and_changes(lines)[0]


def template_line_keys_and_normalisation(lines: Sequence[str]) -> tuple[set[int], Normalised]:
    """`template_line_keys(lines)` and `normalise_lines(lines)`, the second from the same memo:
    the cleaning pass can take it instead of scanning the document again.

    Every line's normalisation is a function of the line alone, so the memo remembers it for
    the few distinct lines it changes (`changes`); a document none of whose lines is among them
    normalises to itself, and the others have their changed lines replaced, in line order, as
    `normalise_lines` does."""
    keys, changes = _keys_and_changes(lines)
    if not changes:
        return keys, (tuple(lines), ())
    normalised = list(lines)
    records = []
    for index, line in enumerate(lines):
        change = changes.get(line)
        if change is not None:
            normalised[index], steps = change
            if steps:
                records.append(Normalisation(index + 1, line, steps))
    return keys, (tuple(normalised), tuple(records))


def _keys_and_changes(lines: Sequence[str]) -> tuple[set[int], dict[str, _Change]]:
    """The document's keys (`template_line_keys`) and the changes of those of its distinct
    lines that normalisation changes."""
    memo = _memo
    distinct = set(lines)
    new = distinct.difference(memo.keys)
    distinct -= new
    keys = set(map(memo.keys.__getitem__, distinct))
    # Iterates over the smaller of the two (a dict's keys view with a set).
    changes = {line: memo.changes[line] for line in memo.changes.keys() & distinct}
    if new:
        new_keys, new_changes = _keys_of(list(new))
        keys.update(new_keys.values())
        changes.update(new_changes)
        memo.remember(new_keys, new_changes)
    keys.discard(None)
    forget_long_lines(lines)
    return keys, changes  # type: ignore[return-value]  # None was discarded


def forget_template_keys() -> None:
    """Empty the memo, e.g. once the template-line pass over a corpus is done, so its lines do
    not stay in memory through the cleaning pass."""
    global _memo
    _memo = _KeyMemo()


def _keys_of(lines: list[str]) -> tuple[dict[str, int | None], dict[str, _Change]]:
    """The keys of lines the memo lacks, and the changes normalisation makes to them. One scan
    of them all (`lines_needing_work`, as `normalise_lines` scans a document) finds the lines
    beyond the normalisation fast path, normalised and keyed from their normalised form, and
    the plain lines whose whitespace it collapses. A plain line is keyed from its own
    `word_bytes`, as normalisation only collapses its whitespace and the words ignore
    whitespace; one without words is normalised first."""
    general, loose = lines_needing_work(lines)
    changes = {}
    for index in loose:
        changes[lines[index]] = normalise_line(lines[index])  # the fast path: its whitespace collapsed
    plain = [line for index, line in enumerate(lines) if index not in general] if general else lines
    keys = dict(zip(plain, paragraph_keys(plain)))
    for line in [line for line, key in keys.items() if key is None]:
        keys[line] = _normalised_key(normalise_line(line)[0])
    for index in general:
        line = lines[index]
        text, steps = normalise_line(line)
        if steps or text != line:
            changes[line] = (text, steps)
        keys[line] = _normalised_key(text)
    return keys, changes


def _normalised_key(text: str) -> int | None:
    """The exact-form key of a normalised line, None if it is empty.

    `paragraph_key` with the line's `word_bytes` equals `exact_key(normalised_form(text))`
    without decoding and re-encoding the words."""
    if not text.strip():
        return None
    return paragraph_key(text, word_bytes(text))
