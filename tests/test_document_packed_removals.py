"""A Result's removals travel packed between processes (`document.PackedRemovals`): the
receiving process builds them only when something reads them, and then exactly as they were.
The near-duplicate tail and the writer of a plain `newsclean clean --jobs N` never do."""

from __future__ import annotations

import pickle
from operator import attrgetter
from pathlib import Path

import pytest

from newsclean.batch import clean_files, plan_outputs
from newsclean.dedup import NearDuplicateFilter
from newsclean.document import TEXT_NOT_SENT, Document, PackedRemovals, Removal, Result, kept_of, kept_paragraphs, with_kept_lines_only, with_removed_lines_only
from newsclean.io import find_inputs
from newsclean.filters.base import Filter, PageView
from newsclean.pipeline import Pipeline, boilerplate_filters, default_pipeline

from .test_pipeline_batch import dedup_then_more_filters, replicated_documents
from .test_pipeline_split import DEVSET, ROOT, snapshot, with_stateful_filter


def reference_merge(partial: Result, added: dict[int, Removal]) -> tuple[Removal, ...]:
    """How `pipeline._apply_batched_filter` merged the tail's removals before they could wait packed."""
    return tuple(sorted((*partial.removals, *added.values()), key=attrgetter("line")))


def shipped(result: Result) -> Result:
    """The result as the main process gets it from a worker."""
    return pickle.loads(pickle.dumps(result))


def still_packed(result: Result) -> bool:
    return "removals" not in vars(result)


def visible(result: Result) -> tuple:
    """Everything of a result a user can see, its decisions included (details too)."""
    return (*snapshot(result), [decision.to_dict() for decision in result.decisions()], repr(result), result.kept(), sorted(result.removed_lines()))


@pytest.fixture(scope="module")
def heads() -> list[Result]:
    head, _ = default_pipeline(dedup=True).split()
    return [head.run(document) for document in replicated_documents(2)]


def test_a_shipped_result_equals_the_original_in_every_field(heads: list[Result]) -> None:
    assert sum(len(result.removals) for result in heads) > 1000
    for original in heads:
        loaded = shipped(original)
        assert still_packed(loaded) == bool(original.removals)
        assert loaded == original
        assert visible(loaded) == visible(original)
        assert [removal.details for removal in loaded.removals] == [removal.details for removal in original.removals]
        assert not still_packed(loaded)


def test_text_kept_paragraphs_and_removed_lines_do_not_build_the_removals(heads: list[Result]) -> None:
    for original in heads:
        loaded = shipped(original)
        assert loaded.removed_lines() == {removal.line for removal in original.removals}
        assert list(kept_of(loaded)) == kept_paragraphs(original.lines, original.removed_lines())
        assert loaded.text == original.text
        assert still_packed(loaded) == bool(original.removals)


def test_shipping_again_passes_the_packed_removals_through_unbuilt(heads: list[Result]) -> None:
    for original in heads:
        loaded = shipped(original)
        again = shipped(loaded)
        assert still_packed(loaded) == still_packed(again) == bool(original.removals)
        assert visible(again) == visible(original)


@pytest.mark.parametrize("make", [lambda: default_pipeline(dedup=True), lambda: dedup_then_more_filters(None), with_stateful_filter])
def test_the_tail_over_shipped_heads_equals_the_pipeline_run_and_builds_nothing(make) -> None:
    """The default near-duplicate tail (`_apply_batched_filter`), one with context filters after
    it, and a stateful filter without batching (both `Pipeline._apply_filters`)."""
    documents = replicated_documents(3, seed=11)
    head, _ = make().split()
    with make() as pipeline:
        _, tail = pipeline.split()
        tails = tail.resume_many([shipped(head.run(document)) for document in documents])
    assert sum(still_packed(result) for result in tails) > len(documents) // 2
    for result in tails:
        assert kept_of(result) == kept_paragraphs(result.lines, result.removed_lines())
        result.text
    assert sum(still_packed(result) for result in tails) > len(documents) // 2
    with make() as pipeline:
        expected = [snapshot(pipeline.run(document)) for document in documents]
    assert [snapshot(result) for result in tails] == expected


def test_the_tail_merge_equals_the_former_sorted_merge(heads: list[Result]) -> None:
    """The near-duplicate tail adds removals to packed and to built removals as the former
    code merged them: the same tuple."""
    with default_pipeline(dedup=True) as pipeline:
        _, tail = pipeline.split()
        eager = tail.resume_many(heads)
    with default_pipeline(dedup=True) as pipeline:
        _, tail = pipeline.split()
        lazy = tail.resume_many([shipped(result) for result in heads])
    changed = 0
    for partial, before, after in zip(heads, eager, lazy):
        added = {removal.line: removal for removal in before.removals if removal.filter == "near-duplicate"}
        if added:
            changed += 1
            assert still_packed(after) == bool(partial.removals)
            assert before.removals == reference_merge(partial, added)
        assert [removal.to_dict() for removal in after.removals] == [removal.to_dict() for removal in before.removals]
    assert changed > 20


def test_a_result_shipped_with_its_removed_lines_only_writes_the_same_text_and_refuses_its_removals(heads: list[Result]) -> None:
    """What a worker sends when nothing in the main process reads removals (`removals=False`)."""
    for original in heads:
        loaded = shipped(with_removed_lines_only(original))
        assert loaded.removed_lines() == original.removed_lines()
        assert list(kept_of(loaded)) == kept_paragraphs(original.lines, original.removed_lines())
        assert loaded.text == original.text
        assert (loaded.document, loaded.lines, loaded.normalisations) == (original.document, original.lines, original.normalisations)
        if not original.removals:
            assert loaded.removals == ()  # nothing to leave out
            continue
        assert len(pickle.dumps(loaded)) < len(pickle.dumps(original))
        with pytest.raises(RuntimeError, match="removals=True"):
            loaded.removals


def test_the_tail_over_heads_with_removed_lines_only_writes_what_the_pipeline_writes(heads: list[Result]) -> None:
    """The near-duplicate tail needs only the removed line numbers of the heads it finishes."""
    with default_pipeline(dedup=True) as pipeline:
        expected = [result.text for result in Pipeline.run_all(pipeline, [result.document for result in heads])]
    with default_pipeline(dedup=True) as pipeline:
        _, tail = pipeline.split()
        finished = tail.resume_many([shipped(with_removed_lines_only(result)) for result in heads])
    assert [result.text for result in finished] == expected
    assert len(set(expected)) > 20


def test_a_result_shipped_with_its_kept_lines_only_writes_and_counts_the_same_and_leaves_the_rest_out(heads: list[Result]) -> None:
    """What a worker sends when nothing in the main process reads removals and the tail reads
    only kept paragraphs (a plain `newsclean clean --jobs N`)."""
    sizes = [0, 0]  # pickled, with kept lines only and with all lines
    for original in heads:
        loaded = shipped(with_kept_lines_only(original))
        assert loaded.removed_lines() == original.removed_lines()
        assert list(kept_of(loaded)) == kept_paragraphs(original.lines, original.removed_lines())
        assert loaded.text == original.text
        assert len(loaded.lines) == len(original.lines) and loaded.lines.count("") == original.lines.count("")
        if not original.removals:
            assert loaded == original  # nothing to leave out: sent whole
            continue
        removed = original.removed_lines()
        for number, (sent, line) in enumerate(zip(loaded.lines, original.lines), start=1):
            assert sent == (TEXT_NOT_SENT if number in removed and line else line)
        assert (loaded.id, loaded.document.lines, loaded.normalisations) == (original.id, (), ())
        with pytest.raises(RuntimeError, match="removals=True"):
            loaded.removals
        sizes[0] += len(pickle.dumps(loaded))
        sizes[1] += len(pickle.dumps(with_removed_lines_only(original)))
    assert sizes[0] < 0.8 * sizes[1]


def test_the_tail_over_heads_with_kept_lines_only_writes_what_the_pipeline_writes(heads: list[Result]) -> None:
    """The near-duplicate tail reads nothing of a head but its id and kept paragraphs."""
    with default_pipeline(dedup=True) as pipeline:
        expected = [result.text for result in Pipeline.run_all(pipeline, [result.document for result in heads])]
    with default_pipeline(dedup=True) as pipeline:
        _, tail = pipeline.split()
        assert all(item.reads_kept_paragraphs_only for item in tail.filters)
        finished = tail.resume_many([shipped(with_kept_lines_only(result)) for result in heads])
    assert [result.text for result in finished] == expected
    assert sum(result.removed_lines() != head.removed_lines() for result, head in zip(finished, heads)) > 20


def test_packed_removals_take_more_added_ones_in_line_order() -> None:
    removals = tuple(Removal(line, "test", f"r{line}", {"n": line}) for line in (2, 5, 9))
    packed = PackedRemovals.pack(removals).with_added([Removal(7, "late", "x")]).with_added([Removal(1, "later", "y"), Removal(12, "later", "z")])
    assert packed.lines() == {1, 2, 5, 7, 9, 12}
    assert [removal.line for removal in packed.unpack()] == [1, 2, 5, 7, 9, 12]
    assert [removal.details for removal in pickle.loads(pickle.dumps(packed)).unpack()] == [{}, {"n": 2}, {"n": 5}, {}, {"n": 9}, {}]


def clean_counting_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, on_result=None) -> tuple[int, int]:
    """`clean_files` with two jobs over seeds/ and the devset: (results whose removals arrived
    packed, removals built from packed ones) in the main process."""
    counts = {"lines": 0, "unpack": 0}
    for method in counts:
        original = getattr(PackedRemovals, method)

        def counted(self, original=original, method=method):
            counts[method] += 1
            return original(self)

        monkeypatch.setattr(PackedRemovals, method, counted)
    inputs, _ = find_inputs([str(ROOT / "seeds"), str(DEVSET)])
    plan = plan_outputs(inputs, tmp_path / name)
    with default_pipeline(dedup=True) as pipeline:
        summary = clean_files(plan, pipeline, outdir=tmp_path / name, jobs=2, on_result=on_result)
    assert summary.written == len(inputs) and not summary.skipped
    monkeypatch.undo()
    return counts["lines"], counts["unpack"]


def test_a_plain_clean_with_two_jobs_never_builds_the_removals_a_report_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrived, built = clean_counting_builds(tmp_path, monkeypatch, "plain")
    assert arrived > 0 and built == 0
    seen: list[Result] = []
    arrived, built = clean_counting_builds(tmp_path, monkeypatch, "reported", on_result=lambda result: seen.append(result) or result.removals)
    assert built > 0 and not any(still_packed(result) for result in seen)
    with default_pipeline(dedup=True) as pipeline:
        expected = [snapshot(result) for result in Pipeline.run_all(pipeline, [result.document for result in seen])]
    assert [snapshot(result) for result in seen] == expected
    assert outputs(tmp_path / "plain") == outputs(tmp_path / "reported")


def outputs(outdir: Path) -> dict[str, bytes]:
    found = {str(path.relative_to(outdir)): path.read_bytes() for path in outdir.rglob("*.txt")}
    assert len(found) > 20
    return found


class _NotedRemoval(Removal):
    """A filter's own kind of removal, with a note, pickled as itself."""

    __slots__ = ("note",)

    def __init__(self, line: int, note: str) -> None:
        super().__init__(line, "noted", "a noted line", {"note": note})
        object.__setattr__(self, "note", note)

    def __reduce__(self):  # type: ignore[override]
        return (_NotedRemoval, (self.line, self.note))


def test_removals_of_a_subclass_travel_as_they_are_and_plain_ones_as_columns() -> None:
    plain = Removal(1, "ad-marker", "ad marker 'Advertisement'", {"marker": "advertisement"})
    noted = _NotedRemoval(3, "kept apart")
    for removals in [(plain,), (plain, noted), (noted,)]:
        result = Result(Document("doc", ("Advertisement", "text", "noted")), ("Advertisement", "text", "noted"), removals)
        loaded = shipped(result)
        assert still_packed(loaded)
        assert loaded.removed_lines() == {removal.line for removal in removals}
        assert [type(removal) for removal in loaded.removals] == [type(removal) for removal in removals]
        assert loaded.removals == removals
        assert [removal.details for removal in loaded.removals] == [removal.details for removal in removals]
    assert noted in shipped(Result(Document("doc", ("a",)), ("a",), (noted,))).removals
    assert shipped(Result(Document("doc", ("a",)), ("a",), (noted,))).removals[0].note == "kept apart"


@pytest.mark.parametrize("removals", [True, False])
def test_workers_send_the_removals_unless_told_no_one_reads_them(removals: bool) -> None:
    """`process_file_batches(..., removals=False)`: every text is as with one job, whichever
    process cleaned it; with `removals=True` every result's removals can be read."""
    from newsclean.parallel import FileTask, process_file_batches

    inputs, _ = find_inputs([str(ROOT / "seeds"), str(DEVSET)])
    with default_pipeline(dedup=True) as pipeline:
        one_job = [outcome.result for batch in process_file_batches(pipeline, [FileTask(item) for item in inputs], 1, template_inputs=inputs) for outcome in batch]
    with default_pipeline(dedup=True) as pipeline:
        batches = process_file_batches(pipeline, [FileTask(item) for item in inputs], 2, template_inputs=inputs, removals=removals)
        results = [outcome.result for batch in batches for outcome in batch]
    assert [result.text for result in results] == [result.text for result in one_job]
    if removals:
        assert [snapshot(result) for result in results] == [snapshot(result) for result in one_job]


def test_a_worker_told_no_one_reads_removals_sends_the_removed_line_numbers_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's head chunk (`parallel._run_head_chunk`), as the pool pickles its outcomes."""
    from newsclean import parallel
    from newsclean.io import InputFile

    inputs, _ = find_inputs([str(ROOT / "seeds")])
    tasks = [parallel.FileTask(item) for item in inputs] + [parallel.FileTask(InputFile(ROOT / "no such file.txt", Path("x.txt")))]
    head, _ = default_pipeline().split()
    monkeypatch.setattr(parallel, "_worker_head", head)
    sent = parallel._run_head_chunk(tasks)
    # Each outcome travels without its task: the main process has the chunk.
    assert all(len(values) == 4 and not any(isinstance(value, parallel.FileTask) for value in values) for values in sent)
    whole = parallel._received_outcomes(tasks, pickle.loads(pickle.dumps(sent)))
    monkeypatch.setattr(parallel, "_worker_sends", with_removed_lines_only)
    lines_only = parallel._received_outcomes(tasks, pickle.loads(pickle.dumps(parallel._run_head_chunk(tasks))))
    assert [outcome.error is not None for outcome in lines_only] == [False] * len(inputs) + [True]
    assert sum(len(outcome.result.removals) for outcome in whole[:-1]) > 10
    for full, only in zip(whole[:-1], lines_only):
        assert only.result.removed_lines() == full.result.removed_lines() and only.result.text == full.result.text
        assert (only.task, only.fingerprint, only.warning) == (full.task, full.fingerprint, full.warning)
        if not full.result.removals:
            assert only.result.removals == ()
            continue
        with pytest.raises(RuntimeError, match="removals=True"):
            only.result.removals
    # A document with nothing removed travels whole: its (no) removals can be read.
    assert with_removed_lines_only(Result(Document("doc", ("a",)), ("a",), ())).removals == ()


class _AfterAnAd(Filter):
    """Drops a kept paragraph right after a line reading "Advertisement", removed or not: a
    filter of the tail that reads a page's lines, the removed ones too."""

    name = "after-an-ad"

    def find_removals(self, page: PageView) -> list[Removal]:
        return [self.removal(paragraph, "follows an ad") for paragraph in page.paragraphs if page.lines[paragraph.line - 2 : paragraph.line - 1] == ("Advertisement",)]


def test_what_workers_send_is_all_the_tail_and_the_caller_read() -> None:
    from newsclean.parallel import _what_workers_send

    _, default_tail = default_pipeline(dedup=True).split()
    _, reading_tail = Pipeline([*boilerplate_filters(), NearDuplicateFilter(), _AfterAnAd()]).split()
    assert _what_workers_send(default_tail, removals=True) is None and _what_workers_send(reading_tail, removals=True) is None
    assert _what_workers_send(default_tail, removals=False) is with_kept_lines_only
    assert _what_workers_send(reading_tail, removals=False) is with_removed_lines_only


def test_a_tail_that_reads_removed_lines_gets_them_from_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `removals=False`, a tail filter that reads every line still sees the text of the
    lines a worker's head removed (an ad marker): results sent as a worker sends them for
    that tail (`_run_head_chunk`), finished by the tail, write what one process writes."""
    from newsclean import parallel

    inputs, _ = find_inputs([str(ROOT / "seeds"), str(DEVSET)])
    tasks = [parallel.FileTask(item) for item in inputs]
    with Pipeline([*boilerplate_filters(), NearDuplicateFilter(), _AfterAnAd()]) as pipeline:
        expected = [pipeline.run(task.input.path.read_text(encoding="utf-8")) for task in tasks]
    assert sum(removal.filter == "after-an-ad" for result in expected for removal in result.removals) >= 2
    with Pipeline([*boilerplate_filters(), NearDuplicateFilter(), _AfterAnAd()]) as pipeline:
        head, tail = pipeline.split()
        monkeypatch.setattr(parallel, "_worker_head", head)
        monkeypatch.setattr(parallel, "_worker_sends", parallel._what_workers_send(tail, removals=False))
        received = parallel._received_outcomes(tasks, pickle.loads(pickle.dumps(parallel._run_head_chunk(tasks))))
        finished = tail.resume_many([outcome.result for outcome in received])
    assert [result.text for result in finished] == [result.text for result in expected]
