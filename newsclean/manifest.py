"""The run manifest: a record in OUTDIR of which outputs are complete and what they were made
from, so that `--resume` can skip finished inputs after a crash, a kill or Ctrl-C.

It is a JSON Lines file. The first line holds the settings of the run (newsclean version,
normalisation version, the pipeline's filters and options); each further line records one
completed output: its input's size and SHA-256, and the output's size and SHA-256. Lines are
appended (a group at a time, one fsync for the group) only after their outputs were renamed
into place and their directories fsynced, so a record never claims more than is durably on
disk; a torn last line (a kill mid-append) is ignored and that input is simply redone. The
header is written atomically, and a run without `--resume` starts a fresh manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import __version__
from .errors import UsageError
from .io import CHUNK_BYTES, atomic_write_text
from .normalise import NORMALISATION_VERSION
from .pipeline import Pipeline

MANIFEST_NAME = ".newsclean-manifest.jsonl"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class FileFingerprint:
    """What identifies a file's content: its size and SHA-256."""

    size: int
    sha256: str

    def as_record(self) -> dict[str, Any]:
        """The fingerprint as the manifest stores it (what dataclasses.asdict gives, faster)."""
        return {"size": self.size, "sha256": self.sha256}

    @classmethod
    def of(cls, path: Path) -> FileFingerprint:
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        return cls(size, digest.hexdigest())


def _plain(value: Any) -> Any:
    """A filter option as JSON data, with sets sorted so the settings never depend on hash order."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in sorted(value.items())}
    return type(value).__name__


def run_settings(pipeline: Pipeline) -> dict[str, Any]:
    """Everything that changes what a run writes: versions, filters and their options."""
    return {
        "format": MANIFEST_FORMAT,
        "newsclean": __version__,
        "normalisation": NORMALISATION_VERSION,
        "normalise": pipeline.normalise,
        "filters": [
            {"filter": type(item).__name__, "options": _plain({k: v for k, v in vars(item).items() if not k.startswith("_")})}
            for item in pipeline.filters
        ],
    }


class Manifest:
    """The completed outputs of a run into one output directory (see the module docstring)."""

    def __init__(self, outdir: Path, settings: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
        self.path = outdir / MANIFEST_NAME
        self.outdir = outdir
        self.settings = settings
        self.records = records
        self._stream = None

    @classmethod
    def start(cls, outdir: Path, settings: dict[str, Any]) -> Manifest:
        """A fresh manifest (any previous one is replaced atomically)."""
        atomic_write_text(outdir / MANIFEST_NAME, json.dumps({"settings": settings}, sort_keys=True) + "\n")
        return cls(outdir, settings, {})

    @classmethod
    def resume(cls, outdir: Path, settings: dict[str, Any]) -> Manifest:
        """The manifest of an earlier run with the same settings, or a fresh one if there is none.

        Raises UsageError when the earlier run used other settings: its outputs are not what
        this run would write, so resuming would mix two results.
        """
        path = outdir / MANIFEST_NAME
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        except FileNotFoundError:
            return cls.start(outdir, settings)
        except OSError as error:
            raise UsageError(f"cannot read {path} ({error.strerror or error}); re-run without --resume to start over") from None
        try:
            header = json.loads(lines[0])["settings"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{path} is not a newsclean manifest; re-run without --resume to start over") from None
        if header != settings:
            raise UsageError(
                f"{outdir} was written by another newsclean version or with other options; "
                "re-run with the same options, or without --resume to redo every input"
            )
        records: dict[str, dict[str, Any]] = {}
        for line in lines[1:]:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("path"), str):
                records[record["path"]] = record
        return cls(outdir, settings, records)

    def is_complete(self, source: Path, relative: Path) -> bool:
        """True when the output for `source` is on disk, whole, and made from its current content."""
        record = self.records.get(relative.as_posix())
        if record is None:
            return False
        target = self.outdir / relative
        try:
            if source.stat().st_size != record["input"]["size"] or target.stat().st_size != record["output"]["size"]:
                return False
            return (
                FileFingerprint.of(target).as_record() == record["output"]
                and FileFingerprint.of(source).as_record() == record["input"]
            )
        except (OSError, KeyError, TypeError):
            return False

    def record(self, outputs: Iterable[tuple[Path, FileFingerprint, FileFingerprint]]) -> None:
        """Record outputs as complete, each given as (path relative to OUTDIR, input's
        fingerprint, output's fingerprint), with one write and one fsync for all of them.
        Call only once they are durable in place (`AtomicWrites.commit`)."""
        entries = [{"path": relative.as_posix(), "input": source.as_record(), "output": output.as_record()} for relative, source, output in outputs]
        if not entries:
            return
        if self._stream is None:
            self._stream = open(self.path, "a", encoding="utf-8")
        self._stream.write("".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries))
        self._stream.flush()
        os.fsync(self._stream.fileno())
        for entry in entries:
            self.records[entry["path"]] = entry

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
