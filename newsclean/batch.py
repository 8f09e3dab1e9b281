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
from typing import Any, Callable, Iterable, Iterator

from .document import Result
from .errors import BinaryInputError, EncodingError, InputError, OutputError, UsageError, WorkerError
from .io import InputFile, atomic_write_chunks, check_targets_safe, sweep_temporaries
from .manifest import FileFingerprint, Manifest, run_settings
from .parallel import FileTask, process_files
from .pipeline import Pipeline


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


def needs_replay(pipeline: Pipeline, wants_every_result: bool) -> bool:
    """Whether inputs that are already done must still go through the pipeline on --resume:
    a stateful filter must see every document in order, and a report must list them all."""
    return wants_every_result or any(item.stateful for item in pipeline.filters)


_WRITE_PIECE = 1 << 20


def _hashing(chunks: Iterable[str], digest: Any, size: list[int]) -> Iterator[str]:
    """Pass chunks through, in pieces of at most _WRITE_PIECE characters (so a huge line is
    never encoded whole), while adding their UTF-8 bytes to `digest` and `size`."""
    for chunk in chunks:
        for start in range(0, len(chunk), _WRITE_PIECE):
            piece = chunk[start : start + _WRITE_PIECE]
            data = piece.encode("utf-8")
            digest.update(data)
            size[0] += len(data)
            yield piece


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
        for leftover in sweep_temporaries(outdir):
            warn(f"removed {leftover}, a partial output left by an earlier run that was killed")
    replay = needs_replay(pipeline, on_result is not None)
    work: list[tuple[FileTask, Path | None, bool]] = []
    for item, target in plan:
        done_before = resume and manifest is not None and manifest.is_complete(item.path, item.relative)
        if done_before and not replay:
            summary.up_to_date += 1
            continue
        work.append((FileTask(item, fingerprint=manifest is not None and not done_before), target, done_before))
    outcomes = process_files(pipeline, [task for task, _, _ in work], jobs, strict_encoding)
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
                else:
                    _write(result, target, manifest, task.input, outcome.fingerprint, write_stdout)
                    summary.written += 1
                    summary.kept += len(result.kept())
                    summary.paragraphs += sum(1 for line in result.lines if line)
                if on_result is not None:
                    on_result(result)
    except KeyboardInterrupt:
        summary.interrupted = True
    except (OutputError, WorkerError) as error:
        summary.output_error = str(error)
    finally:
        if manifest is not None:
            manifest.close()
    return summary


def _write(
    result: Result,
    target: Path | None,
    manifest: Manifest | None,
    item: InputFile,
    fingerprint: FileFingerprint | None,
    write_stdout: Callable[[str], object] | None,
) -> None:
    if target is None:
        if write_stdout is None:
            raise ValueError("clean_files needs write_stdout for inputs without an output path")
        write_stdout(result.text)
        return
    digest = hashlib.sha256()
    size = [0]
    atomic_write_chunks(target, _hashing(result.text_chunks(), digest, size))
    if manifest is not None and fingerprint is not None:
        try:
            manifest.record(item.relative, fingerprint, FileFingerprint(size[0], digest.hexdigest()))
        except OSError as error:
            raise OutputError(f"cannot record {target} in {manifest.path}: {error.strerror or error}; re-run with --resume") from None
