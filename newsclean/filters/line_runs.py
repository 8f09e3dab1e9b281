"""Consecutive line filters applied as one pass: one memo look-up per paragraph instead of a
method call per paragraph and filter, and one kept-paragraph list instead of one per filter.

The default pipeline starts with three `LineFilter`s that every paragraph of every document
goes through. Their answers depend on a paragraph's text alone (LineFilter's contract), so the
answer of the whole run, "the first filter that drops this text, with its reason and details,
or none", is computed once per distinct text and looked up for every other paragraph with it.
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Mapping, Sequence

from ..document import Paragraph, Removal, new_removal
from ..memo import LONG_LINE_CHARACTERS, MEMO_SIZE
from .base import Filter, LineFilter

#: What a run decided for a text: (filter name, reason, details) of the removal the first
#: dropping filter made, or None when every filter keeps it.
Verdict = tuple[str, str, Mapping[str, Any]] | None

_UNJUDGED = object()

#: Texts whose verdicts a run remembers: twice a per-line memo's size, since a verdict is small
#: (None, or a removal's filter, reason and details, shared by every line it drops) and a hit
#: here saves every memo look-up of the run's filters; the oldest half goes when it is full, so
#: it keeps between 32,768 and 65,536 (docs/performance.md, Ninth round).
VERDICTS_SIZE = 2 * MEMO_SIZE


def fusable(item: Filter) -> bool:
    """Whether `item` may run inside a LineFilterRun: a stateless LineFilter that decides with
    `judge_line` (a subclass that overrides `find_removals` runs on its own)."""
    return isinstance(item, LineFilter) and not item.stateful and type(item).find_removals is LineFilter.find_removals


class LineFilterRun:
    """Consecutive line filters applied as one pass over the kept paragraphs, with exactly the
    removals they make one after another: a paragraph goes to the first filter that drops it
    and no further, as the later filters would not see it.

    The answer for each distinct text is memoised (`verdicts`): at most VERDICTS_SIZE texts,
    the oldest half forgotten when it is full, and texts longer than LONG_LINE_CHARACTERS never
    kept, so the memo holds no huge line beyond its document. Each removal is rebuilt with its
    paragraph's own line number and its own copy of the details. The memo is not pickled: a
    run sent to another process starts with an empty one.
    """

    context_free = True
    stateful = False

    def __init__(self, filters: Sequence[Filter]) -> None:
        if not filters or not all(map(fusable, filters)):
            raise ValueError(f"a LineFilterRun takes one or more LineFilters that keep LineFilter.find_removals, got {list(filters)!r}")
        self.filters = tuple(filters)
        self.verdicts: dict[str, Verdict] = {}

    def apply(self, paragraphs: Sequence[Paragraph], removed: dict[int, Removal]) -> Sequence[Paragraph]:
        """Record in `removed` the removals the filters make on `paragraphs` (kept paragraphs,
        in order), and return the paragraphs still kept (`paragraphs` itself when none went)."""
        verdicts = self.verdicts
        kept: list[Paragraph] = []
        keep = kept.append
        for paragraph in paragraphs:
            verdict = verdicts.get(paragraph[1], _UNJUDGED)
            if verdict is _UNJUDGED:
                verdict = self._judge(paragraph)
            if verdict is None:
                keep(paragraph)
            else:
                line = paragraph[0]
                removed[line] = new_removal(line, verdict[0], verdict[1], dict(verdict[2]))
        return paragraphs if len(kept) == len(paragraphs) else kept

    def _judge(self, paragraph: Paragraph) -> Verdict:
        """Ask the filters in order about a text not in the memo, and remember the answer."""
        verdict: Verdict = None
        for item in self.filters:
            removal = item.judge_line(paragraph)  # type: ignore[attr-defined]
            if removal is not None:
                if removal.line != paragraph.line:
                    raise ValueError(
                        f"filter {item.name!r} removed line {removal.line}, which was not the paragraph it judged "
                        f"(line {paragraph.line}); a LineFilter's judge_line returns a removal for its paragraph or None"
                    )
                verdict = (removal.filter, removal.reason, removal.details)
                break
        if len(paragraph.text) <= LONG_LINE_CHARACTERS:
            verdicts = self.verdicts
            if len(verdicts) >= VERDICTS_SIZE:
                for text in list(islice(verdicts, VERDICTS_SIZE // 2)):
                    del verdicts[text]
            verdicts[paragraph.text] = verdict
        return verdict

    def __getstate__(self) -> dict[str, Any]:
        return {"filters": self.filters}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.filters = state["filters"]
        self.verdicts = {}

    def __repr__(self) -> str:
        return f"LineFilterRun({list(self.filters)!r})"
