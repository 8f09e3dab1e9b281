"""The filter protocol: a filter looks at a whole document and returns removals with reasons.

Filters see the paragraphs that are still kept (earlier filters' removals are already gone),
so context rules such as "a run of short lines" judge what a reader would still see.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Sequence

from ..document import Paragraph, Removal, new_removal


@dataclass(frozen=True)
class PageView:
    """What a filter sees: the document id, all normalised lines, and the kept paragraphs."""

    document_id: str
    lines: tuple[str, ...]
    paragraphs: Sequence[Paragraph]


class Filter(ABC):
    """A named rule that drops paragraphs, each with a reason a person can read.

    Subclasses set `name` and implement `find_removals`; options are keyword arguments of
    `__init__`. A filter must only return removals for paragraphs in `page.paragraphs`.
    """

    name: ClassVar[str]
    #: True for filters whose decisions depend on documents seen before (the near-duplicate
    #: filter): they must see documents one at a time, in order, in one process.
    stateful: ClassVar[bool] = False
    #: True for filters that judge each paragraph on its own text alone (LineFilter): a line
    #: they kept once they keep again, so the pipeline's later rounds skip them.
    context_free: ClassVar[bool] = False
    #: True for filters that read nothing of a page but its id and kept paragraphs (never its
    #: `lines`): a removed line's text need not travel to the process that runs them (the main
    #: process of `newsclean clean --jobs N`, which runs the near-duplicate filter).
    reads_kept_paragraphs_only: ClassVar[bool] = False

    @abstractmethod
    def find_removals(self, page: PageView) -> Iterable[Removal]:
        """Return the removals for the kept paragraphs this filter drops."""

    def prepare(self) -> None:
        """Load now what this filter would load on first use (data files, models). `newsclean
        clean` calls it in a thread of the main process while it lists its inputs
        (`Pipeline.prepare_in_background`), and forks its workers once it is done, so they share
        what was loaded: it may run in another thread than the one that later runs the filter.
        The default loads nothing."""

    def removal(self, paragraph: Paragraph, reason: str, **details: Any) -> Removal:
        """Build a Removal for a paragraph, named after this filter."""
        return new_removal(paragraph.line, self.name, reason, details)

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in sorted(vars(self).items()) if not key.startswith("_"))
        return f"{type(self).__name__}({options})"


class LineFilter(Filter):
    """A filter that judges each paragraph on its own text, without context (an ad marker, a
    share button): subclasses implement `judge_line` only, and its answer must depend on the
    paragraph's text alone.

    The pipeline relies on that contract: consecutive line filters run as one pass
    (`line_runs.LineFilterRun`) that asks `judge_line` about each distinct text once, in
    filter order, and memoises the first removal's filter name, reason and details; every
    other paragraph with that text gets a removal rebuilt with its own line number and a copy
    of the details. So `judge_line` must return None or `self.removal(paragraph, ...)` for the
    paragraph it is given, with a reason and details that do not depend on its line number or
    on earlier calls. A subclass that overrides `find_removals` runs on its own instead.

    Public attributes are the filter's options: set once, in `__init__`, then read-only (see
    `__setattr__`); state of the filter's own goes in attributes whose names start with "_".
    """

    context_free = True

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute, refusing to change an option (a public attribute already set): the
        pipeline remembers each line text's verdict (`LineFilterRun`), and filters derive state
        from their options when built, so a change would be ignored for lines already judged.
        Context filters (`Filter`) read their options on every page, so they stay settable."""
        if not name.startswith("_") and name in self.__dict__:
            kind = type(self).__name__
            raise AttributeError(
                f"{kind}.{name} cannot change once the filter is built (the pipeline remembers its verdicts "
                f"per line): build a new filter, {kind}({name}=...), and a new pipeline with it"
            )
        super().__setattr__(name, value)

    def find_removals(self, page: PageView) -> list[Removal]:
        removals = []
        for paragraph in page.paragraphs:
            removal = self.judge_line(paragraph)
            if removal is not None:
                removals.append(removal)
        return removals

    @abstractmethod
    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        """The removal for this paragraph, or None to keep it."""
