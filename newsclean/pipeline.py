"""The Pipeline runs normalisation and an ordered list of filters over documents and builds
Results. It holds no filter logic; `default_pipeline()` is the one place defaults live."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from .dedup import NearDuplicateFilter
from .document import Document, Normalisation, Paragraph, Removal, Result, built_removals, kept_of, remember_kept, require_str_id, with_added_removals
from .filters import (
    AdMarkerFilter,
    ArticleBodyFilter,
    CommentSectionFilter,
    Filter,
    LanguageFilter,
    LegalNoticeFilter,
    NavigationFilter,
    PageView,
    PhotoCreditFilter,
    PromptFilter,
    RepeatedLineFilter,
    ShareButtonFilter,
)
from .filters.line_runs import LineFilterRun, fusable
from .memo import forget_long_lines
from .normalise import normalise_lines


class Pipeline:
    """Normalise a document's lines, then let each filter in turn drop kept paragraphs.

    Filters see only what earlier filters kept. Stateful filters (the near-duplicate index)
    keep their state across `run` calls; `close()` releases it (or use `with`).
    """

    def __init__(self, filters: Iterable[Filter], normalise: bool = True) -> None:
        self.filters = filters  # type: ignore[assignment]  # stored as a tuple
        self.normalise = normalise
        self._texts_numbered = 0  # plain texts given an id "<text N>" so far (`_document_of`)

    @property
    def filters(self) -> tuple[Filter, ...]:
        """The filters, in the order they run."""
        return self._filters

    @filters.setter
    def filters(self, filters: Iterable[Filter]) -> None:
        filters = tuple(_filter_list(filters))  # read once: a generator cannot be read again
        for item in filters:
            if not isinstance(item, Filter):
                raise TypeError(f"Pipeline takes Filter instances, got {item!r}; build one from newsclean.filters")
        self._filters = filters
        # How they run (rounds, line-filter runs) is planned once per set of filters.
        self._groups = _filter_groups(self._filters)

    def run(self, document: Document | str) -> Result:
        """Clean one document (a Document, or text treated as one: see `_document_of` for its id)."""
        document = self._document_of(document)
        if self.normalise:
            lines, normalisations = normalise_lines(document.lines)
            forget_long_lines(document.lines)
        else:
            lines, normalisations = tuple(document.lines), ()
        return self._apply_filters(Result(document, lines, (), normalisations))

    def _document_of(self, document: Document | str) -> Document:
        """The Document to clean for what `run` or `run_all` was given.

        A plain text becomes a Document with id "<text>" in a pipeline without stateful
        filters, where ids matter to no filter. In a pipeline with one (the near-duplicate
        filter), ids tell documents apart, so each text gets its own id in call order:
        "<text 1>", "<text 2>", ... (a removal then reads "duplicate of line 3 of <text 1>").
        """
        if isinstance(document, str):
            if not any(item.stateful for item in self.filters):
                return Document.from_text(document)
            self._texts_numbered += 1
            return Document.from_text(document, f"<text {self._texts_numbered}>")
        if not isinstance(document, Document):
            raise TypeError(f"Pipeline.run takes a Document or str, not {type(document).__name__}")
        require_str_id(document.id, "Pipeline.run")
        return document

    def run_normalised(self, document: Document, lines: tuple[str, ...], normalisations: tuple[Normalisation, ...]) -> Result:
        """`run(document)` given `normalise_lines(document.lines)` (`lines`, `normalisations`),
        found elsewhere (the template-line pass), so as not to normalise again. A pipeline that
        does not normalise ignores them."""
        if not self.normalise:
            return self.run(document)
        forget_long_lines(document.lines)
        return self._apply_filters(Result(document, lines, (), normalisations))

    def resume(self, partial: Result) -> Result:
        """Run this pipeline's filters over a Result another pipeline produced, keeping its
        lines, normalisations and removals (this pipeline does not normalise again).

        With `split()`, `tail.resume(head.run(document))` equals `pipeline.run(document)`.
        """
        if not isinstance(partial, Result):
            raise TypeError(f"Pipeline.resume takes a Result (from another pipeline's run), not {type(partial).__name__}")
        return self._apply_filters(partial)

    def split(self) -> tuple[Pipeline, Pipeline]:
        """Split at the first stateful filter into (head, tail).

        The head normalises and runs the stateless filters before the first stateful one: it
        depends on nothing but the document, so it may run in any process, in any order. The
        tail holds the stateful filter and everything after it (the same filter objects, so the
        index is shared with this pipeline); it must see head results one at a time, in input
        order, through `tail.resume(result)`. Without a stateful filter the tail is empty.
        """
        first_stateful = next((i for i, item in enumerate(self.filters) if item.stateful), len(self.filters))
        head = Pipeline(self.filters[:first_stateful], normalise=self.normalise)
        tail = Pipeline(self.filters[first_stateful:], normalise=False)
        return head, tail

    def _apply_filters(self, partial: Result) -> Result:
        """Let the filters drop paragraphs from what is still kept; return the merged Result.

        Consecutive stateless filters run in rounds until a round removes nothing (at most
        MAX_ROUNDS): a removal can change another filter's context (a line that broke a menu
        run is gone), and repeating until nothing changes is what makes cleaning idempotent,
        `clean(clean(text)) == clean(text)`. Context-free filters only run in the first round.
        A stateful filter runs exactly once, in its place. Consecutive line filters run as one
        `LineFilterRun`: one memoised look-up per paragraph, the same removals. A filter that
        found nothing is not run again until another filter has removed something.
        The kept paragraphs are built once and shrunk after each filter that removed something.
        """
        if not self.filters:
            return partial
        document, lines = partial.document, partial.lines
        # Removals still packed (a worker's result) stay so: `removed` holds only new ones then
        # (only its length's changes matter below, and filters only add to it).
        built = built_removals(partial)
        removed: dict[int, Removal] = {} if built is None else {removal.line: removal for removal in built}
        paragraphs = kept_of(partial)
        view = PageView(document.id, lines, paragraphs)  # built again only when paragraphs go
        for group in self._groups:
            # Position in the group -> how many lines were removed when that filter last found
            # nothing: while no line has been removed since, it would see the same paragraphs
            # and find nothing again, so the next round skips it.
            found_nothing_at: dict[int, int] = {}
            for round_number in range(1 if group[0].stateful else MAX_ROUNDS):
                before = len(removed)
                for position, item in enumerate(group):
                    if round_number and (item.context_free or found_nothing_at.get(position) == len(removed)):
                        continue  # it kept these paragraphs before, and would again
                    count = len(removed)
                    if isinstance(item, LineFilterRun):
                        paragraphs = item.apply(paragraphs, removed)
                    else:
                        if view.paragraphs is not paragraphs:
                            view = PageView(document.id, lines, paragraphs)
                        paragraphs = _apply_filter(item, view, removed)
                    if len(removed) == count:
                        found_nothing_at[position] = count
                if len(removed) == before:
                    break
        removals = tuple(map(removed.__getitem__, sorted(removed)))
        forget_long_lines(lines)
        if built is None:
            return remember_kept(with_added_removals(partial, removals), paragraphs)
        return remember_kept(Result(document, lines, removals, partial.normalisations), paragraphs)

    def resume_many(self, partials: Sequence[Result]) -> list[Result]:
        """`[self.resume(partial) for partial in partials]`, faster.

        A stateful filter with a `find_removals_batch` method (the near-duplicate filter) is
        called once for the whole batch, which decides exactly as one document at a time; the
        filters after it then run on each result as `resume` runs them. Filters keep their own
        state, so each still sees the documents in order. A few hundred documents per call is
        a good size (see `bounded_batches`); memory grows with the batch.
        """
        results = list(partials)
        for partial in results:
            if not isinstance(partial, Result):
                raise TypeError(f"Pipeline.resume_many takes Results (from another pipeline's run), not {type(partial).__name__}")
        for batched, following in _batch_segments(self.filters):
            if batched is not None:
                results = _apply_batched_filter(batched, results)
            if following:
                rest = Pipeline(following, normalise=False)
                results = [rest._apply_filters(result) for result in results]
        return results

    def run_all(self, documents: Iterable[Document | str]) -> Iterator[Result]:
        """Clean documents one after another, in order (stateful filters see them in order).

        Results come lazily and in order; the stateful filters get them in `bounded_batches`
        (`resume_many`), so up to a batch of documents is read ahead of the result yielded.
        A single text is refused at once (it would be cleaned one character at a time).
        """
        if isinstance(documents, (str, bytes, Document)):
            raise TypeError(
                f"Pipeline.run_all takes an iterable of documents or texts, not one {type(documents).__name__}: "
                "use Pipeline.run for one document, or pass a list"
            )
        return self._run_all(documents)

    def _run_all(self, documents: Iterable[Document | str]) -> Iterator[Result]:
        head, tail = self.split()
        documents = map(self._document_of, documents)  # texts numbered by this pipeline, not the head
        if not tail.filters:
            for document in documents:
                yield head.run(document)
            return
        for batch in bounded_batches(map(head.run, documents), lambda result: len(result.lines)):
            yield from tail.resume_many(batch)

    def clean(self, text: str) -> str:
        """Clean one text and return the kept text."""
        return self.run(_require_text(text)).text

    def prepare(self) -> None:
        """Let every filter load now what it would load on first use (`Filter.prepare`); after
        `prepare_in_background`, wait for that instead (and raise what it raised)."""
        background = self.__dict__.pop("_background", None)
        if background is not None:
            background.wait()
            return
        self._prepare_filters()

    def _prepare_filters(self) -> None:
        for item in self.filters:
            item.prepare()

    def prepare_in_background(self) -> None:
        """Start `prepare` in a thread and return at once, so that what the filters load
        (langdetect's profiles: 40 ms, at times 130 ms) loads while this thread does other work:
        `newsclean clean` lists and plans its inputs meanwhile. The thread runs only when this
        one lets go of the GIL, so what it mostly saves is a worker's own load: `prepare()`
        waits for it, and `parallel.process_file_batches` calls that before forking (a process
        must not fork while the thread runs), so the forked workers share what it loaded.
        Run the pipeline after `prepare()`: a default filter used before the thread ends loads
        what it needs itself (its loads are memoised per process, so at worst twice), but a
        filter of your own may not expect its first use to overlap its preparation."""
        if "_background" not in self.__dict__:
            self._background = _Background(self._prepare_filters)

    def preparing_in_background(self) -> bool:
        """Whether `prepare_in_background` was called and `prepare` has not waited for it yet."""
        return "_background" in self.__dict__

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_background", None)  # a thread of this process
        return state

    def close(self) -> None:
        """Release what stateful filters hold (an index file, a connection)."""
        for item in self.filters:
            close = getattr(item, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Pipeline({list(self.filters)!r})"


class _Background:
    """`prepare()` in a thread of its own (`Pipeline.prepare_in_background`); `wait` joins the
    thread, so no thread of it is left when the caller forks."""

    def __init__(self, prepare: Callable[[], None]) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._prepare, args=(prepare,), name="newsclean-prepare")
        self._thread.start()

    def _prepare(self, prepare: Callable[[], None]) -> None:
        try:
            prepare()
        except BaseException as error:  # noqa: BLE001 -- raised again by `wait`, in the thread that waits
            self._error = error

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


#: Rounds of the stateless filters at most; real pages settle in two or three.
MAX_ROUNDS = 5


def _filter_list(filters: object) -> Iterable[Filter]:
    """`filters` if it is a collection of filters to read, else a TypeError saying to pass a
    list: one filter, or a filter's name, is not a list of them."""
    if isinstance(filters, Filter):
        raise TypeError(f"Pipeline takes a list of filters, not one {type(filters).__name__}: pass it in a list, [filter]")
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Iterable):
        raise TypeError(
            f"Pipeline takes a list of filters, not the {type(filters).__name__} {filters!r}: pass Filter "
            "instances in a list, e.g. Pipeline([AdMarkerFilter(), ShareButtonFilter()])"
        )
    return filters


def _filter_groups(filters: Sequence[Filter]) -> list[tuple[Filter | LineFilterRun, ...]]:
    """Split filters into runs of consecutive stateless ones and single stateful ones, in order;
    in a stateless run, consecutive line filters (`fusable`) become one LineFilterRun."""
    groups: list[list[Filter]] = []
    for item in filters:
        if item.stateful or not groups or groups[-1][0].stateful:
            groups.append([item])
        else:
            groups[-1].append(item)
    return [tuple(_fuse_line_filters(group)) for group in groups]


def _fuse_line_filters(group: Sequence[Filter]) -> list[Filter | LineFilterRun]:
    """The group with each run of consecutive fusable line filters replaced by one LineFilterRun."""
    steps: list[Filter | LineFilterRun] = []
    for item in group:
        if fusable(item):
            if steps and isinstance(steps[-1], LineFilterRun):
                steps[-1] = LineFilterRun([*steps[-1].filters, item])
            else:
                steps.append(LineFilterRun([item]))
        else:
            steps.append(item)
    return steps


def _apply_filter(item: Filter, page: PageView, removed: dict[int, Removal]) -> Sequence[Paragraph]:
    """Run one filter, record its removals in `removed`, and return the paragraphs still kept."""
    return _record_removals(item, page, item.find_removals(page), removed)


def _record_removals(item: Filter, page: PageView, found: Iterable[Removal], removed: dict[int, Removal]) -> Sequence[Paragraph]:
    """Record removals `item` found in `page` in `removed`, and return the paragraphs still kept."""
    found_by_line = {removal.line: removal for removal in found}  # a line found twice: the last
    if not found_by_line:
        return page.paragraphs
    kept = [paragraph for paragraph in page.paragraphs if paragraph.line not in found_by_line]
    # Paragraph lines are distinct, so every found line was a kept paragraph exactly when
    # that many paragraphs went.
    if len(page.paragraphs) - len(kept) != len(found_by_line):
        kept_lines = {paragraph.line for paragraph in page.paragraphs}
        stray = next(line for line in found_by_line if line not in kept_lines)
        raise ValueError(f"filter {item.name!r} removed line {stray}, which was not a kept paragraph")
    removed.update(found_by_line)
    return kept


def _batch_segments(filters: Sequence[Filter]) -> list[tuple[Filter | None, tuple[Filter, ...]]]:
    """Split filters at each stateful filter with `find_removals_batch`: (that filter, or None
    for leading filters before any, and the filters up to the next one), in order."""
    segments: list[tuple[Filter | None, list[Filter]]] = []
    for item in filters:
        if item.stateful and callable(getattr(item, "find_removals_batch", None)):
            segments.append((item, []))
        elif segments:
            segments[-1][1].append(item)
        else:
            segments.append((None, [item]))
    return [(batched, tuple(following)) for batched, following in segments]


def _apply_batched_filter(item: Filter, partials: list[Result]) -> list[Result]:
    """Run a stateful filter once over many results, as `_apply_filters` runs it on each."""
    pages = [PageView(partial.document.id, partial.lines, kept_of(partial)) for partial in partials]
    found = item.find_removals_batch(pages)  # type: ignore[attr-defined]
    if len(found) != len(pages):
        raise ValueError(f"filter {item.name!r} returned removals for {len(found)} of {len(pages)} documents")
    results = []
    for partial, page, removals in zip(partials, pages, found):
        added: dict[int, Removal] = {}
        kept = _record_removals(item, page, removals, added)
        if not added:
            results.append(partial)
            continue
        results.append(remember_kept(with_added_removals(partial, tuple(added.values())), kept))
    return results


Item = TypeVar("Item")

#: Documents per `resume_many` call in `run_all` and `newsclean clean`: enough for the
#: near-duplicate filter's batching to pay, few enough that a batch's memory stays small.
RESUME_BATCH_DOCUMENTS = 256
#: Lines per batch at most (a batch holds at least one document, however long).
RESUME_BATCH_LINES = 1 << 16


def bounded_batches(
    items: Iterable[Item],
    lines_of: Callable[[Item], int],
    documents: int = RESUME_BATCH_DOCUMENTS,
    lines: int = RESUME_BATCH_LINES,
    total: int | None = None,
    pause: object = None,
    early: int = 0,
    early_share: int = 0,
) -> Iterator[list[Item]]:
    """Group items in order into lists of at most `documents` items and `lines` lines.

    The first batch holds one item and each next one twice as many, up to `documents`, so the
    first results come at once. Given `total`, the number of items, a batch also holds at most
    half of the items left (rounded up), so the last batches shrink as the first grew: a caller
    that makes the next items while it handles a batch (`parallel`, with several jobs) is left
    with little to handle alone once the last item is made. Given a `pause` object, `items` may
    yield it between items to say the next one is not ready: a batch of at least `early` items
    is then handed over at once (`parallel`: the tail runs on what the workers have made
    instead of waiting, or of running heads, while more is made); the pause is not an item.
    Given `early_share` too (and `total`), such a batch must also hold that share of the items
    left (`left // early_share`, at most `documents`): fewer, larger early batches while much
    is left, the same small ones near the end.
    When getting the next item raises (a bad document, Ctrl-C, a
    worker that died), the items before it come first as a batch, then the error: what comes
    out before the error is what one document at a time would have given.
    """
    items = iter(items)
    limit = 1
    left = total
    batch: list[Item] = []
    batch_lines = 0
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except BaseException:
            if batch:
                yield batch
            raise
        paused = pause is not None and item is pause
        if paused:
            enough = early if left is None or not early_share else max(early, min(documents, left // early_share))
            if len(batch) < max(enough, 1):
                continue
        else:
            batch.append(item)
            batch_lines += lines_of(item)
        if paused or len(batch) >= limit or batch_lines >= lines:
            yield batch
            limit = min(limit * 2, documents)
            if left is not None:
                left -= len(batch)
                limit = max(1, min(limit, -(-left // 2)))
            batch, batch_lines = [], 0
    if batch:
        yield batch


def boilerplate_filters() -> list[Filter]:
    """The default boilerplate and language filters, in the order they run."""
    return [
        AdMarkerFilter(),
        ShareButtonFilter(),
        PromptFilter(),
        CommentSectionFilter(),
        NavigationFilter(),
        LanguageFilter(),
        PhotoCreditFilter(),
        LegalNoticeFilter(),
        RepeatedLineFilter(),
        ArticleBodyFilter(),
    ]


def default_pipeline(*, dedup: bool = False, index: str | os.PathLike | None = None, **dedup_options: Any) -> Pipeline:
    """The pipeline `newsclean.clean` and the CLI use: normalisation and every default filter.

    `dedup=True` appends a NearDuplicateFilter (cross-document, so keep the pipeline for the
    whole corpus): `index=None` keeps its index in memory, a path keeps it in an SQLite file;
    `dedup_options` are NearDuplicateFilter's keyword options.
    """
    if not dedup:
        if index is not None or dedup_options:
            raise ValueError("index and near-duplicate options need dedup=True")
        return Pipeline(boilerplate_filters())
    return Pipeline([*boilerplate_filters(), NearDuplicateFilter(index=index, **dedup_options)])


@lru_cache(maxsize=1)
def _shared_default_pipeline() -> Pipeline:
    return default_pipeline()


def _require_text(text: object) -> str:
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"clean() takes the article text as str, not {type(text).__name__}{hint}")
    return text


def clean(text: str) -> str:
    """Clean one document's text with the default pipeline and return the kept text."""
    return _shared_default_pipeline().clean(_require_text(text))
