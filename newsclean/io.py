"""Reading inputs (finding files, decoding bytes, refusing binaries) and writing outputs
atomically (temporary file in the same directory, fsync, rename), so a killed run never leaves
a half-written output and inputs are never modified."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .document import Document
from .errors import InputError, UsageError

_BINARY_SAMPLE = 8192


@dataclass(frozen=True)
class Decoded:
    """Decoded text and, when a fallback was needed, a warning that says what happened."""

    text: str
    encoding: str
    warning: str | None = None


def decode_bytes(data: bytes, name: str = "<bytes>") -> Decoded:
    """Decode file contents: BOMs first (UTF-8, UTF-16), then strict UTF-8; invalid UTF-8
    falls back to cp1252 when that decodes cleanly, else UTF-8 with U+FFFD replacements.

    Raises InputError for binary data (NUL bytes in UTF-8/8-bit text).
    """
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16")
    if b"\x00" in data[:_BINARY_SAMPLE] or b"\x00" in data:
        raise InputError(f"{name}: looks binary (contains NUL bytes), skipped; pass text files only")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        offset = error.start
    try:
        text = data.decode("cp1252")
        return Decoded(text, "cp1252", f"{name}: not valid UTF-8 (first bad byte at offset {offset}); decoded as cp1252")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        return Decoded(
            text, "utf-8", f"{name}: not valid UTF-8 (first bad byte at offset {offset}); undecodable bytes replaced with U+FFFD"
        )


def read_document(path: Path, document_id: str | None = None) -> tuple[Document, str | None]:
    """Read and decode one file; return the Document and a decoding warning, if any."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give it as an input to clean it recursively") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
    decoded = decode_bytes(data, str(path))
    return Document.from_text(decoded.text, document_id or str(path)), decoded.warning


@dataclass(frozen=True)
class InputFile:
    """A file to clean and where its output goes, relative to the output directory."""

    path: Path
    relative: Path


def find_inputs(inputs: Iterable[str], pattern: str = "*.txt") -> tuple[list[InputFile], list[str]]:
    """Expand files and directories (recursively, matching `pattern`) into a sorted list of
    inputs; return it with one error message per input that does not exist."""
    found: list[InputFile] = []
    errors: list[str] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            matches = sorted(p for p in path.rglob(pattern) if p.is_file())
            found.extend(InputFile(p, p.relative_to(path)) for p in matches)
        elif path.exists() or path.is_symlink():
            found.append(InputFile(path, Path(path.name)))
        else:
            errors.append(f"{path}: no such file or directory")
    return found, errors


def check_output_safe(inputs: Iterable[str], outdir: Path) -> None:
    """Refuse an output directory that is an input directory, or inside one, or an input file."""
    target = outdir.resolve()
    for raw in inputs:
        if raw == "-":
            continue
        source = Path(raw).resolve()
        if source.is_dir() and (target == source or source in target.parents):
            raise UsageError(f"output directory {outdir} is inside input directory {raw}; choose an output outside it")
        if source.is_file() and target == source:
            raise UsageError(f"output {outdir} is the input file {raw}; choose another output")


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to path via a temporary file in the same directory, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


class JsonlWriter:
    """Streams one JSON object per line to stdout ("-") or to a file that appears atomically
    when the writer is closed (a temporary file in the same directory until then)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._temporary: str | None = None
        if path == "-":
            self._stream = sys.stdout
        else:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, self._temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            self._file = os.fdopen(handle, "wb")
            # A ".gz" name is written gzip-compressed (mtime 0, so equal input gives equal bytes).
            binary = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0) if target.name.endswith(".gz") else self._file
            self._stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Finish the file: flush, fsync and rename it into place."""
        if self._temporary is None:
            self._stream.flush()
            return
        self._stream.flush()
        binary = self._stream.detach()
        if binary is not self._file:
            binary.close()  # ends the gzip stream; a GzipFile leaves the file it wraps open
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temporary, self.path)
        self._temporary = None

    def abort(self) -> None:
        """Drop a half-written file, leaving any previous one untouched."""
        if self._temporary is not None:
            self._stream.close()
            self._file.close()
            Path(self._temporary).unlink(missing_ok=True)
            self._temporary = None
