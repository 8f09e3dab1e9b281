"""Cleaning many files into an output directory without losing anything: bad inputs are
skipped with a reason and the run goes on, outputs are written atomically and recorded in a
manifest, `resume` skips what is already done, and Ctrl-C or a full disk stop the run cleanly.

The CLI's `clean` command is a thin layer over `clean_files`; so is any Python caller that
wants the same guarantees.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .document import Result, kept_of
from .errors import BinaryInputError, EncodingError, InputError, OutputError, UsageError, WorkerError
from .io import AtomicWrites, InputFile, check_targets_safe, sweep_temporaries
from .manifest import FileFingerprint, Manifest, run_settings
from .parallel import FileOutcome, FileTask, process_file_batches
from .pipeline import RESUME_BATCH_DOCUMENTS, Pipeline


@dataclass(frozen=True)
class SkippedInput:
    """An input that was not cleaned: the kind of problem, and the message (which names it)."""

    kind: str
    message: str


@dataclass
class BatchSummary:
    """What a run did: counts, the inputs it skipped and why, and whether it stopped early."""

    total: int = 0
    written: int = 0
    up_to_date: int = 0
    kept: int = 0
    paragraphs: int = 0
    skipped: list[SkippedInput] = field(default_factory=list)
    interrupted: bool = False
    output_error: str | None = None

    @property
    def done(self) -> int:
        return self.written + self.up_to_date + len(self.skipped)

    def add_written(self, kept: int, paragraphs: int) -> None:
        """Count one output written, with its kept and total paragraphs."""
        self.written += 1
        self.kept += kept
        self.paragraphs += paragraphs

    def skip(self, error: InputError) -> None:
        if isinstance(error, BinaryInputError):
            kind = "not text"
        elif isinstance(error, EncodingError):
            kind = "invalid encoding"
        else:
            kind = "cannot be read"
        self.skipped.append(SkippedInput(kind, str(error)))

    def lines(self) -> list[str]:
        """The end-of-run summary, one line each, for stderr."""
        head = f"cleaned {self.written} document(s): kept {self.kept} of {self.paragraphs} paragraphs"
        if self.up_to_date:
            head += f"; {self.up_to_date} already up to date (--resume)"
        out = [head]
        if self.skipped:
            kinds = Counter(item.kind for item in self.skipped)
            out.append(f"skipped {len(self.skipped)} input(s): " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
            out.extend(f"  {item.message}" for item in self.skipped)
        if self.output_error:
            out.append(f"stopped after {self.done} of {self.total} input(s): {self.output_error}")
        elif self.interrupted:
            out.append(
                f"interrupted after {self.done} of {self.total} input(s); every output written is complete; "
                "re-run with --resume to finish"
            )
        return out


def plan_outputs(inputs: Iterable[InputFile], outdir: Path) -> list[tuple[InputFile, Path]]:
    """Pair each input with its output path; refuse (UsageError) two inputs that would share
    an output, or an output that would overwrite an input."""
    plan: list[tuple[InputFile, Path]] = []
    claimed: dict[Path, Path] = {}
    for item in inputs:
        target = outdir / item.relative
        if target in claimed:
            raise UsageError(
                f"{claimed[target]} and {item.path} would both be written to {target}; "
                "give their common parent directory as the input instead"
            )
        claimed[target] = item.path
        plan.append((item, target))
    check_targets_safe((item.path, target) for item, target in plan)
    return plan


#: How many of the leftover temporary files a sweep removed are named in the one line saying so.
NAMED_LEFTOVERS = 5


def removed_leftovers_message(removed: Sequence[Path]) -> str:
    """The one line that says what a sweep of OUTDIR removed: a run killed mid-commit can leave
    hundreds of temporary files, and a line each would bury the run's own messages, so at
    most NAMED_LEFTOVERS are named and the rest counted."""
    if len(removed) == 1:
        return f"removed {removed[0]}, a partial output left by an earlier run that was killed"
    named = ", ".join(str(path) for path in removed[:NAMED_LEFTOVERS])
    more = f" and {len(removed) - NAMED_LEFTOVERS} more" if len(removed) > NAMED_LEFTOVERS else ""
    return f"removed {len(removed)} partial outputs left by an earlier run that was killed: {named}{more}"


def needs_replay(pipeline: Pipeline, wants_every_result: bool) -> bool:
    """Whether inputs that are already done must still go through the pipeline on --resume:
    a stateful filter must see every document in order, and a report must list them all."""
    return wants_every_result or any(item.stateful for item in pipeline.filters)


_WRITE_PIECE = 1 << 20


def _bounded_pieces(chunks: Iterable[str]) -> Iterator[str]:
    """The text of chunks in pieces of at most _WRITE_PIECE characters: small chunks (a result
    gives one per line and one per line break) joined, a huge one cut, so each piece costs
    one encode, one hash update and one write, and a huge line is never encoded whole."""
    pending: list[str] = []
    pending_characters = 0
    for chunk in chunks:
        if pending_characters + len(chunk) > _WRITE_PIECE:
            if pending_characters:
                yield "".join(pending)
            pending, pending_characters = [], 0
            if len(chunk) > _WRITE_PIECE:
                for start in range(0, len(chunk), _WRITE_PIECE):
                    yield chunk[start : start + _WRITE_PIECE]
                continue
        pending.append(chunk)
        pending_characters += len(chunk)
    if pending_characters:
        yield "".join(pending)


def _encoded_hashing(chunks: Iterable[str], digest: Any, size: list[int]) -> Iterator[bytes]:
    """The UTF-8 bytes of chunks, in `_bounded_pieces`, added to `digest` and `size` as they
    pass."""
    for piece in _bounded_pieces(chunks):
        data = piece.encode("utf-8")
        digest.update(data)
        size[0] += len(data)
        yield data


def _paragraphs(result: Result) -> int:
    """The document's paragraphs (non-empty lines)."""
    return len(result.lines) - result.lines.count("")


def _kept_paragraphs(result: Result) -> int:
    """How many paragraphs the result keeps: `len(result.kept())`, without a copy."""
    return len(kept_of(result))


@dataclass
class _StagedOutput:
    """An output written but not yet in place: what its manifest record and the summary need
    once it is committed."""

    relative: Path
    input: FileFingerprint | None
    kept: int
    paragraphs: int
    output: FileFingerprint | None = None


#: Outputs a commit makes durable and records at most (the last ones are committed when the run
#: ends, however few): as many as the tail's largest batch.
_COMMIT_OUTPUTS = RESUME_BATCH_DOCUMENTS


class _OutputWriter:
    """Writes a run's outputs in groups: each result is written to a temporary file as it
    comes (`write`); `commit`, when the group is due (`commit_when_due`) and at the end, makes
    the group durable (one syncfs
    per filesystem where it can, else each file was fsynced on a background thread), renames
    it into place, makes the renames durable, then records the group in the manifest with one
    write and one fsync, so no output is recorded before it is durable (`io.AtomicWrites`)."""

    def __init__(self, manifest: Manifest | None, summary: BatchSummary) -> None:
        self._writes = AtomicWrites(background=True, sync_filesystems=True)
        self._manifest = manifest
        self._summary = summary
        self._uncommitted = 0
        self._committed = 0

    def write(self, result: Result, target: Path, relative: Path, fingerprint: FileFingerprint | None) -> None:
        digest = hashlib.sha256()
        size = [0]
        staged = _StagedOutput(relative, fingerprint, _kept_paragraphs(result), _paragraphs(result))
        self._writes.stage(target, _encoded_hashing(result.text_chunks(), digest, size), note=staged)
        staged.output = FileFingerprint(size[0], digest.hexdigest())  # stage() has hashed it all
        self._uncommitted += 1

    def commit_when_due(self, batch_done: bool = True) -> None:
        """At the end of a batch (`batch_done`), commit once as many outputs are waiting as were
        committed before, or `_COMMIT_OUTPUTS` if that is fewer: the first outputs are in place
        at once, and later commits, which cost two syncfs calls whatever they hold, come no more
        often than that, however small the tail's batches (with several jobs they can be).
        Within a batch, commit when `_COMMIT_OUTPUTS` wait, so no group is larger."""
        due = min(_COMMIT_OUTPUTS, max(1, self._committed)) if batch_done else _COMMIT_OUTPUTS
        if self._uncommitted >= due:
            self.commit()

    def commit(self) -> None:
        self._committed += self._uncommitted
        self._uncommitted = 0
        committed: list[_StagedOutput] = self._writes.commit()
        for output in committed:
            self._summary.add_written(output.kept, output.paragraphs)
        if self._manifest is None:
            return
        try:
            self._manifest.record(
                (output.relative, output.input, output.output) for output in committed if output.input is not None and output.output is not None
            )
        except OSError as error:
            raise OutputError(
                f"cannot record {len(committed)} output(s) in {self._manifest.path}: {error.strerror or error}; re-run with --resume"
            ) from None

    def finish(self) -> None:
        """Commit what is staged (after Ctrl-C or an error, the outputs written before it);
        if that fails, drop the temporary files of the rest. Raises OutputError when the
        commit fails."""
        try:
            self.commit()
        finally:
            self._writes.discard()
            self._writes.close()


def _committing_each_batch(batches: Iterator[list[FileOutcome]], commit_when_due: Callable[[bool], None]) -> Iterator[FileOutcome]:
    """The outcomes of `batches` one by one; `commit_when_due(False)` runs each time the caller
    has handled one, `commit_when_due(True)` once it has handled the last of a batch, before the
    next batch is computed."""
    with contextlib.closing(batches):
        for batch in batches:
            for outcome in batch:
                yield outcome
                commit_when_due(False)
            commit_when_due(True)


def clean_files(
    plan: list[tuple[InputFile, Path | None]],
    pipeline: Pipeline,
    *,
    outdir: Path | None,
    resume: bool = False,
    input_errors: Iterable[str] = (),
    strict_encoding: bool = False,
    jobs: int = 1,
    on_result: Callable[[Result], None] | None = None,
    write_stdout: Callable[[str], object] | None = None,
    warn: Callable[[str], None] = lambda message: None,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
    template_inputs: Sequence[InputFile] = (),
) -> BatchSummary:
    """Clean each input of `plan` into its target (or `write_stdout` when the target is None).

    Bad inputs (and `input_errors`, messages about inputs that could not even be listed) are
    skipped and listed in the summary; an output that cannot be written stops
    the run (summary.output_error); Ctrl-C stops it too (summary.interrupted). In both cases
    every output on disk is complete and recorded in OUTDIR's manifest, so a later run with
    `resume=True` finishes the job with the same final result as one uninterrupted run.
    `jobs` worker processes read and run the stateless filters (the output is the same for any
    number). `on_result` sees every result in input order, including those of inputs already done
    (they are then passed through the pipeline again, without rewriting their outputs).
    The pipeline's near-duplicate filters first count the template lines of `template_inputs`
    (`parallel.process_file_batches`: with one job, the cleaning pass then takes the inputs
    that pass read; with several, the same processes go on from one pass to the other).
    """
    summary = BatchSummary(total=len(plan))
    for message in input_errors:
        warn(f"error: {message}")
        summary.skipped.append(SkippedInput("cannot be read", message))
        summary.total += 1
    manifest: Manifest | None = None
    if outdir is not None:
        settings = run_settings(pipeline)
        try:
            manifest = Manifest.resume(outdir, settings) if resume else Manifest.start(outdir, settings)
        except OutputError as error:
            summary.output_error = str(error)
            return summary
        removed = sweep_temporaries(outdir)
        if removed:
            warn(removed_leftovers_message(removed))
    replay = needs_replay(pipeline, on_result is not None)
    work: list[tuple[FileTask, Path | None, bool]] = []
    for item, target in plan:
        done_before = resume and manifest is not None and manifest.is_complete(item.path, item.relative)
        if done_before and not replay:
            summary.up_to_date += 1
            continue
        work.append((FileTask(item, fingerprint=manifest is not None and not done_before), target, done_before))
    writer = _OutputWriter(manifest, summary)
    # Only `on_result` reads removals: without it, the workers send each result's removed line numbers alone.
    batches = process_file_batches(pipeline, [task for task, _, _ in work], jobs, strict_encoding, template_inputs, removals=on_result is not None)
    outcomes = _committing_each_batch(batches, writer.commit_when_due)
    try:
        with contextlib.closing(outcomes):
            for (task, target, done_before), outcome in zip(work, progress(outcomes, len(work))):
                if outcome.error is not None:
                    warn(f"error: {outcome.error}")
                    summary.skip(outcome.error)
                    continue
                if outcome.warning:
                    warn(f"warning: {outcome.warning}")
                result = outcome.result
                assert result is not None
                if done_before:
                    summary.up_to_date += 1
                elif target is not None:
                    writer.write(result, target, task.input.relative, outcome.fingerprint)
                elif write_stdout is None:
                    raise ValueError("clean_files needs write_stdout for inputs without an output path")
                else:
                    write_stdout(result.text)
                    summary.add_written(_kept_paragraphs(result), _paragraphs(result))
                if on_result is not None:
                    on_result(result)
    except KeyboardInterrupt:
        summary.interrupted = True
    except (OutputError, WorkerError) as error:
        summary.output_error = str(error)
    finally:
        try:
            writer.finish()
        except OutputError as error:
            summary.output_error = summary.output_error or str(error)
        if manifest is not None:
            manifest.close()
    return summary

