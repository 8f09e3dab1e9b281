"""The data that flows through newsclean: a Document in, a Result out, Removals in between.

Everything here is plain data so that removals can be reported, explained and serialised
without knowing which filter made them. Line numbers are 1-based input lines throughout.
"""

from __future__ import annotations

import pickle
from array import array
from collections import deque
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter
from typing import AbstractSet, Any, Callable, Iterator, Mapping, NamedTuple, Sequence


def split_lines(text: str) -> list[str]:
    """Split text into input lines the way an editor numbers them (\\n, \\r\\n or \\r)."""
    if not text:
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


@dataclass(frozen=True)
class Document:
    """A document to clean: an id (a file path, a URL, a record id) and its input lines.

    A paragraph is a non-empty line; blank lines only separate paragraphs.
    """

    id: str
    lines: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_text(cls, text: str, id: str = "<text>", metadata: Mapping[str, Any] | None = None) -> Document:
        """Build a Document from text, one line per input line."""
        if not isinstance(text, str):
            raise TypeError(
                f"Document text must be str, not {type(text).__name__}; decode bytes first "
                "(for example with newsclean.io.decode_bytes)"
            )
        return cls(id=id, lines=tuple(split_lines(text)), metadata=dict(metadata or {}))


def require_str_id(document_id: object, taker: str) -> None:
    """Raise a TypeError unless a document id is a str: ids name originals in removals and are
    stored in the near-duplicate index, where another type would fail late or be misread."""
    if not isinstance(document_id, str):
        raise TypeError(
            f"{taker} needs each Document's id as a str (a file path, a URL, a record id), not "
            f"{type(document_id).__name__} {document_id!r}; build it with Document.from_text(text, id=str(...))"
        )


class Paragraph(NamedTuple):
    """A non-empty line as filters see it: its 1-based input line number and normalised text."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Removal:
    """Why one line was dropped: the line, the filter's name, a reason a person can read.

    `details` holds machine-readable extras, e.g. the matched marker, or the original of a
    duplicate and its similarity.
    """

    line: int
    filter: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __reduce__(self) -> tuple[Callable[..., Removal], tuple[int, str, str, Mapping[str, Any]]]:
        """Pickled as a `new_removal` call: a third smaller and faster to load than the default
        (worker processes send every removal of every document back to the main process)."""
        return (new_removal, (self.line, self.filter, self.reason, self.details))

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"line": self.line, "filter": self.filter, "reason": self.reason}
        if self.details:
            record["details"] = dict(self.details)
        return record


_new_object = object.__new__
_set_line, _set_filter, _set_reason, _set_details = (
    Removal.line.__set__, Removal.filter.__set__, Removal.reason.__set__, Removal.details.__set__  # type: ignore[attr-defined]
)
_drain = deque(maxlen=0).extend  # runs an iterator to its end in C, keeping nothing


def new_removal(line: int, filter: str, reason: str, details: Mapping[str, Any]) -> Removal:
    """`Removal(line, filter, reason, details)`, about twice as fast: the frozen dataclass's
    `__init__` sets each field through `object.__setattr__`, this sets the slots directly.
    Filters build one per dropped line, hundreds of thousands in a corpus."""
    removal = _new_object(Removal)
    _set_line(removal, line)
    _set_filter(removal, filter)
    _set_reason(removal, reason)
    _set_details(removal, details)
    return removal


def new_removals(lines: Sequence[int], filter: str, reason: str, details: Mapping[str, Any]) -> list[Removal]:
    """`[new_removal(line, filter, reason, dict(details)) for line in lines]` with every loop
    in C (one `map` per field, no Python call per removal): a navigation menu's members share
    all but their line. Each removal gets its own copy of `details`, as one built alone would."""
    removals = list(map(_new_object, repeat(Removal, len(lines))))
    _drain(map(_set_line, removals, lines))
    _drain(map(_set_filter, removals, repeat(filter)))
    _drain(map(_set_reason, removals, repeat(reason)))
    _drain(map(_set_details, removals, map(dict, repeat(details))))
    return removals


@dataclass(frozen=True)
class Normalisation:
    """A line that normalisation changed: the original text and the steps applied, in order."""

    line: int
    original: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class LineDecision:
    """One input line's fate, for `explain`: KEEP, DROP (with its removal) or BLANK."""

    line: int
    action: str
    text: str
    removal: Removal | None = None
    normalisation: Normalisation | None = None

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"line": self.line, "action": self.action, "text": self.text}
        if self.removal is not None:
            record.update(filter=self.removal.filter, reason=self.removal.reason)
            if self.removal.details:
                record["details"] = dict(self.removal.details)
        if self.normalisation is not None:
            record["normalised"] = list(self.normalisation.steps)
        return record


@dataclass(frozen=True)
class Result:
    """The outcome of cleaning one document: normalised lines, what was removed and why."""

    document: Document
    lines: tuple[str, ...]
    removals: tuple[Removal, ...]
    normalisations: tuple[Normalisation, ...] = ()

    @property
    def id(self) -> str:
        return self.document.id

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the kept paragraphs a pipeline may have left on it for the next
        stage (`pipeline._remember_kept`): a receiving process rebuilds them if it needs them.
        The removals travel packed (`PackedRemovals`), or as they came if never unpacked: a
        receiving process builds them only if it reads them."""
        state = dict(self.__dict__)
        state.pop("_kept", None)
        removals = state.get("removals")
        if removals:
            del state["removals"]
            state["_packed_removals"] = PackedRemovals.pack(removals)
        return state

    def removed_lines(self) -> set[int]:
        packed = self.__dict__.get("_packed_removals")
        if packed is not None:
            return packed.lines()
        return {removal.line for removal in self.removals}

    def kept(self) -> list[Paragraph]:
        """The kept paragraphs, in input order."""
        return list(kept_of(self))

    @property
    def text(self) -> str:
        """The kept paragraphs joined with the input's separation.

        Two kept paragraphs are separated by a blank line when the input had one or more blank
        lines between them, else by a single newline; removed lines leave no gap behind.
        """
        return "".join(self.text_chunks())

    def text_chunks(self) -> Iterator[str]:
        """`text` piece by piece, so a huge result can be written without a second copy."""
        lines = self.lines
        previous = 0  # the line of the last kept paragraph, 0 before the first
        for number, text in kept_of(self):
            if previous:
                # A blank line between two kept paragraphs (removed ones in between are not).
                yield "\n\n" if "" in lines[previous : number - 1] else "\n"
            yield text
            previous = number
        if previous:
            yield "\n"

    def decisions(self) -> Iterator[LineDecision]:
        """Every input line with its action and, for dropped lines, the removal."""
        by_line = {removal.line: removal for removal in self.removals}
        normalised = {n.line: n for n in self.normalisations}
        for number, text in enumerate(self.lines, start=1):
            removal = by_line.get(number)
            if removal is not None:
                action = "DROP"
            elif text:
                action = "KEEP"
            else:
                action = "BLANK"
            yield LineDecision(number, action, text, removal, normalised.get(number))


class _RemovalsOnFirstAccess:
    """`Result.removals` of a result unpickled or merged with them still packed: unpacked on
    first access and kept in the instance (the data model stays a tuple of Removal; only the
    building waits). A non-data descriptor, like `functools.cached_property`: once the tuple is
    in the instance's `__dict__`, reading it costs what reading any field does (a `__getattr__`
    would slow down every attribute of every Result)."""

    def __get__(self, result: Result | None, owner: type | None = None) -> Any:
        if result is None:
            return self
        state = result.__dict__
        packed = state.get("_packed_removals")
        if packed is None:
            raise AttributeError(f"{type(result).__name__!r} object has no attribute 'removals'")
        removals = state["removals"] = packed.unpack()
        state.pop("_packed_removals", None)  # another thread may have built them too
        return removals


# Set after the dataclass is made, so that it is not taken for the field's default.
Result.removals = _RemovalsOnFirstAccess()  # type: ignore[assignment]


def kept_paragraphs(lines: Sequence[str], removed: AbstractSet[int]) -> list[Paragraph]:
    """Non-empty lines not in `removed`, as Paragraphs (shared by the pipeline and Result).

    Built from `enumerate`'s (number, text) pairs with `tuple.__new__`, a third of the cost of
    calling Paragraph(number, text) for each of the millions of paragraphs a corpus has; with
    nothing removed (every page's first build), by `map` alone: no bytecode per paragraph."""
    numbered = enumerate(lines, start=1)
    if not removed:
        return list(map(_new_tuple, repeat(Paragraph), compress(numbered, lines)))
    return [_new_tuple(Paragraph, pair) for pair in numbered if pair[1] and pair[0] not in removed]


_new_tuple = tuple.__new__


def remember_kept(result: Result, paragraphs: Sequence[Paragraph]) -> Result:
    """Leave on `result` its kept paragraphs (not a field: not compared, shown or pickled), so
    that what comes next in this process (the near-duplicate tail's `resume_many`, `text`, the
    CLI's counts) takes them instead of rebuilding them from every line of the document. A
    pipeline stage calls it with the paragraphs it kept; `paragraphs` must not be changed after."""
    object.__setattr__(result, "_kept", paragraphs)
    return result


def kept_of(result: Result) -> Sequence[Paragraph]:
    """`kept_paragraphs(result.lines, result.removed_lines())`, taken from the result when it
    remembers them, else built once and remembered (results are immutable)."""
    kept = result.__dict__.get("_kept")
    if kept is None:
        kept = kept_paragraphs(result.lines, result.removed_lines())
        remember_kept(result, kept)
    return kept


_line_of, _filter_of, _reason_of, _details_of = attrgetter("line"), attrgetter("filter"), attrgetter("reason"), attrgetter("details")
_PLAIN_REMOVAL = {Removal}


class PackedRemovals:
    """A result's removals as they travel from a worker process (`Result.__getstate__`): one
    pickled blob and their line numbers as machine integers, plus removals added since
    (`with_added`: the near-duplicate tail's). The main process of `newsclean clean --jobs N`
    then builds a Removal (and its details dict) only for results whose removals something
    reads (a report, statistics): a plain run needs only the removed line numbers."""

    __slots__ = ("blob", "numbers", "added")

    def __init__(self, blob: bytes | None, numbers: bytes, added: tuple[Removal, ...] = ()) -> None:
        self.blob = blob  # None: only the line numbers were packed (`numbers_only`)
        self.numbers = numbers
        self.added = added

    @classmethod
    def pack(cls, removals: Sequence[Removal]) -> PackedRemovals:
        """Pack `removals` (in line order). Plain Removals go as four columns, taken by C-level
        `map`s and pickled as lists: half the cost of pickling each Removal through its Python
        `__reduce__`, which the worker paid for every removal of every document; a subclass of
        Removal (a user's filter may make one) goes as it is."""
        lines = list(map(_line_of, removals))
        if set(map(type, removals)) <= _PLAIN_REMOVAL:
            columns = (True, lines, list(map(_filter_of, removals)), list(map(_reason_of, removals)), list(map(_details_of, removals)))
            return cls(pickle.dumps(columns, pickle.HIGHEST_PROTOCOL), array("q", lines).tobytes())
        return cls(pickle.dumps((False, tuple(removals)), pickle.HIGHEST_PROTOCOL), array("q", lines).tobytes())

    @classmethod
    def numbers_only(cls, removals: Sequence[Removal]) -> PackedRemovals:
        """Only the removed lines' numbers, for a receiver that reads nothing else of them (the
        writer of a plain `newsclean clean --jobs N`): a tenth of `pack`'s cost, most of which is
        pickling each removal's details. Unpacking them raises."""
        return cls(None, array("q", map(_line_of, removals)).tobytes())

    def __reduce__(self) -> tuple[type[PackedRemovals], tuple[bytes | None, bytes, tuple[Removal, ...]]]:
        return (PackedRemovals, (self.blob, self.numbers, self.added))

    def lines(self) -> set[int]:
        """The removed line numbers, without building a Removal."""
        numbers = set(array("q", self.numbers))
        numbers.update(map(_line_of, self.added))
        return numbers

    def with_added(self, added: Sequence[Removal]) -> PackedRemovals:
        """These removals and `added` (of other lines), still packed."""
        return PackedRemovals(self.blob, self.numbers, merge_removals(self.added, added))

    def unpack(self) -> tuple[Removal, ...]:
        """The removals in line order, as the pipeline made them."""
        if self.blob is None:
            raise RuntimeError(
                "this result's removals were not sent by the worker process, only their line numbers "
                "(parallel.process_file_batches with removals=False): ask for removals=True to read them"
            )
        packed = pickle.loads(self.blob)
        removals: tuple[Removal, ...] = tuple(map(new_removal, *packed[1:])) if packed[0] else packed[1]
        return merge_removals(removals, self.added) if self.added else removals


def merge_removals(first: Sequence[Removal], second: Sequence[Removal]) -> tuple[Removal, ...]:
    """Removals of distinct lines, in line order (two runs already in order: one merge)."""
    return tuple(sorted((*first, *second), key=_line_of))


def built_removals(result: Result) -> tuple[Removal, ...] | None:
    """The result's removals if they are built, None while they are still packed."""
    return result.__dict__.get("removals")


def with_removed_lines_only(result: Result) -> Result:
    """`result` with its removals packed down to their line numbers (`PackedRemovals.numbers_only`):
    for a result that goes to a process which only writes its text and counts its paragraphs.
    Reading its removals there raises (unless it has none: then it is `result` itself)."""
    if not result.removals:
        return result
    only = _new_object(Result)
    only.__dict__.update(
        document=result.document, lines=result.lines, normalisations=result.normalisations,
        _packed_removals=PackedRemovals.numbers_only(result.removals),
    )
    return only


#: What a removed line's text reads as in a result sent with its kept lines only
#: (`with_kept_lines_only`): never written, as only kept lines are.
TEXT_NOT_SENT = "[a removed line: its text was not sent]"


def with_kept_lines_only(result: Result) -> Result:
    """`with_removed_lines_only(result)` without the text of its removed lines, which read as
    TEXT_NOT_SENT (blank lines stay blank), its normalisations and its document's own lines
    (which read as ()): for a result that goes to a process which only writes its text, counts
    its paragraphs and runs filters that read nothing but kept paragraphs (the main process of
    a plain `newsclean clean --jobs N`, where the near-duplicate filter is the only one left).
    Its text, kept paragraphs, removed line numbers and line count are the result's own. Most
    lines of a page are furniture: on the benchmark corpus 13% of the lines are kept (63% of
    the characters), and pickling and loading such a result costs a third of the whole one."""
    if not result.removals:
        return result
    lines = [line and TEXT_NOT_SENT for line in result.lines]
    for number, text in kept_of(result):
        lines[number - 1] = text
    only = with_removed_lines_only(result)
    only.__dict__.update(document=Document(result.id, (), result.document.metadata), lines=tuple(lines), normalisations=())
    return only


def with_added_removals(partial: Result, added: Sequence[Removal]) -> Result:
    """`partial` with the removals `added` (of lines it kept, in line order) merged into its own;
    still packed if its own are (the main process of `clean --jobs N` has no use for them)."""
    packed = partial.__dict__.get("_packed_removals")
    if packed is None:
        return Result(partial.document, partial.lines, merge_removals(partial.removals, added), partial.normalisations)
    result = _new_object(Result)
    result.__dict__.update(
        document=partial.document, lines=partial.lines, normalisations=partial.normalisations, _packed_removals=packed.with_added(added)
    )
    return result
