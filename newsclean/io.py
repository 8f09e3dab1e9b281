"""Reading inputs (finding files, decoding bytes, refusing binaries) and writing outputs
atomically (temporary file in the same directory, fsync, rename), so a killed run never leaves
a half-written output and inputs are never modified.

Decoding, in order: a UTF-8 or UTF-16 byte-order mark decides the encoding; otherwise the bytes
must be UTF-8. Invalid UTF-8 falls back to cp1252 when the whole input decodes cleanly as
cp1252 (the usual case for Windows-1252 pages), else to UTF-8 with U+FFFD for the bad bytes;
either way a warning names the input and the byte offset of the first bad byte. Under
`strict=True` an invalid input is an EncodingError instead. Files are read in chunks and
split into lines as they are decoded, so the raw bytes and the decoded text of a huge file are
never both in memory; a valid file is read and decoded once (an invalid one three times: up to
its first bad byte, a pass to choose the fallback, a pass to decode with it).
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import errno
import fnmatch
import functools
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import stat
import sys
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from .document import Document
from .errors import BinaryInputError, EncodingError, InputError, OutputError, UsageError

CHUNK_BYTES = 1 << 20
#: Suffix of the temporary files atomic writes use; leftovers of a killed run are swept.
TEMPORARY_SUFFIX = ".newsclean-tmp"
#: Threads writing and fsyncing a run's outputs in the background (`AtomicWrites`): on ext4,
#: 2,000 small files took 5.6-6.6 s fsynced one at a time and 1.1-1.9 s four at a time.
SYNC_THREADS = 4
#: Outputs up to this size are written on those threads too (their bytes held until then:
#: at most a batch of RESUME_BATCH_DOCUMENTS outputs, so at most 64 MB in flight).
BACKGROUND_WRITE_BYTES = 256 << 10

#: Filesystems (statfs f_type) whose syncfs(2) writes back the data and metadata of every file
#: and reports writeback errors (Linux >= 5.8), so a group commit may use one syncfs instead of
#: an fsync per file: ext4, XFS, btrfs, f2fs, and tmpfs (nothing to write back). Others (NFS,
#: FUSE, whose syncfs may not reach the storage) keep the per-file fsyncs.
SYNCFS_FILESYSTEMS = frozenset({0xEF53, 0x58465342, 0x9123683E, 0xF2F52010, 0x01021994})
#: The first Linux release whose syncfs reports the errors a group commit must see: writeback
#: errors since 5.8 (earlier ones always return 0), the filesystem's own sync failing (a
#: journal commit) since 5.17.
SYNCFS_ERRORS_SINCE = (5, 17)

#: File signatures of common non-text inputs, so the warning can say what the file is.
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a docx/xlsx/epub)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"\x7fELF", "an executable"),
)
_TAR_MAGIC_OFFSET = 257


_BZIP2_SIGNATURE = re.compile(rb"BZh[1-9]1AY&SY")


@dataclass(frozen=True)
class Decoded:
    """Decoded text and, when a fallback was needed, a warning that says what happened."""

    text: str
    encoding: str
    warning: str | None = None


@dataclass(frozen=True)
class EncodingChoice:
    """How to decode an input: the codec, the error handler, and a warning if it fell back."""

    encoding: str
    errors: str = "strict"
    warning: str | None = None


def _describe_binary(head: bytes) -> str | None:
    """What a non-text input looks like from its first bytes, or None if it may be text."""
    for signature, description in BINARY_SIGNATURES:
        if head.startswith(signature):
            return description
    if _BZIP2_SIGNATURE.match(head):
        return "a bzip2 archive"
    if head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar":
        return "a tar archive"
    if b"\x00" in head:
        return "binary data (contains NUL bytes)"
    return None


class _InvalidByte(Exception):
    """Raised inside decoding: the byte offset of the first byte that does not decode."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _encoding_of_head(head: bytes, name: str) -> tuple[str, str]:
    """The codec its first bytes call for (a BOM, else UTF-8) and the codec's name for
    messages; raises BinaryInputError when the head says the input is not text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    description = _describe_binary(head)
    if description is not None:
        raise BinaryInputError(f"{name}: skipped, it looks like {description}, not text")
    return "utf-8", "UTF-8"


def _refusing_nul(chunks: Iterable[bytes], name: str) -> Iterator[bytes]:
    """Pass chunks through; a NUL byte anywhere means binary data (BinaryInputError)."""
    for chunk in chunks:
        if b"\x00" in chunk:
            raise BinaryInputError(f"{name}: skipped, it looks like binary data (contains NUL bytes), not text")
        yield chunk


def _decoded_pieces(chunks: Iterable[bytes], encoding: str, errors: str = "strict") -> Iterator[str]:
    """Decode chunks incrementally (a character cut at a chunk edge is kept for the next one).
    With errors="strict", an undecodable byte raises _InvalidByte with its offset in the input."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    consumed = 0
    for chunk in chunks:
        pending = len(decoder.getstate()[0])
        try:
            piece = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise _InvalidByte(consumed - pending + error.start) from None
        consumed += len(chunk)
        yield piece
    pending = len(decoder.getstate()[0])
    try:
        piece = decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _InvalidByte(consumed - pending + error.start) from None
    yield piece


def _split_pieces(pieces: Iterable[str]) -> tuple[str, ...]:
    """Input lines of text given in pieces, split as `document.split_lines` splits the whole
    text (\\n, \\r\\n or \\r; no empty last line after a final newline), without joining the
    pieces into one string first. A "\\r" at the end of a piece waits for the next piece, which
    may start with the "\\n" of the same line break."""
    lines: list[str] = []
    line_start: list[str] = []  # pieces of the current line, which has no line break yet
    held_return = ""
    for piece in pieces:
        text = held_return + piece
        held_return = ""
        if text.endswith("\r"):
            text, held_return = text[:-1], "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        parts = text.split("\n")
        if len(parts) == 1:
            line_start.append(text)
            continue
        if line_start:
            parts[0] = "".join(line_start) + parts[0]
        line_start = [parts.pop()]
        lines.extend(parts)
    last = "".join(line_start)
    if held_return or last:
        lines.append(last)
    return tuple(lines)


def _fallback_encoding(
    read_chunks: Callable[[], Iterator[bytes]], name: str, encoding: str, label: str, offset: int, strict: bool
) -> EncodingChoice:
    """How to decode an input that is not valid in `encoding` (its first bad byte at `offset`):
    an EncodingError under `strict`, else cp1252 when all of it is clean cp1252 (UTF-8 inputs
    only), else `encoding` with U+FFFD for bad bytes; with a warning that says which."""
    problem = f"{name}: not valid {label} (first bad byte at offset {offset})"
    if strict:
        raise EncodingError(f"{problem}; skipped because of --strict-encoding (convert it to UTF-8, or drop the option to use the fallback)")
    if encoding == "utf-8":
        # A second, full pass: NUL bytes after the first bad byte still mean binary, and cp1252
        # (one byte per character) can be checked chunk by chunk.
        cp1252_clean = True
        for chunk in _refusing_nul(read_chunks(), name):
            if cp1252_clean:
                try:
                    chunk.decode("cp1252")
                except UnicodeDecodeError:
                    cp1252_clean = False
        if cp1252_clean:
            return EncodingChoice("cp1252", warning=f"{problem}; decoded as cp1252 (Windows-1252)")
    return EncodingChoice(encoding, "replace", f"{problem}; undecodable bytes replaced with U+FFFD")


_Consumed = TypeVar("_Consumed")


def _decode_input(
    read_chunks: Callable[[], Iterator[bytes]], name: str, strict: bool, consume: Callable[[Iterator[str]], _Consumed]
) -> tuple[_Consumed, EncodingChoice]:
    """Decode an input given as a function that yields its bytes in chunks, each time from the
    start: `consume` gets the decoded text in pieces as they come (so the raw bytes and the
    text of a huge input are never both held); return what it returned and how the input
    was decoded.

    Valid text is read and decoded once. An input with a bad byte is read again to choose the
    fallback (`_fallback_encoding`), and once more to decode with it (what `consume` made of
    the first pass is dropped). Raises BinaryInputError for non-text data and, with `strict`,
    EncodingError for text that is not valid in its encoding.
    """
    with contextlib.closing(read_chunks()) as chunks:
        head = next(chunks, b"")
        encoding, label = _encoding_of_head(head, name)
        checked = itertools.chain((head,), chunks)
        if encoding == "utf-8":
            checked = _refusing_nul(checked, name)
        try:
            return consume(_decoded_pieces(checked, encoding)), EncodingChoice(encoding)
        except _InvalidByte as invalid:
            offset = invalid.offset
    choice = _fallback_encoding(read_chunks, name, encoding, label, offset, strict)
    with contextlib.closing(read_chunks()) as chunks:
        return consume(_decoded_pieces(chunks, choice.encoding, choice.errors)), choice


def decode_bytes(data: bytes, name: str = "<bytes>", strict: bool = False) -> Decoded:
    """Decode in-memory contents (stdin, a record) with the same rules as files."""
    def chunks() -> Iterator[bytes]:
        yield data

    text, choice = _decode_input(chunks, name, strict, "".join)
    return Decoded(text, choice.encoding, choice.warning)


def _file_chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes in chunks of up to CHUNK_BYTES, read without a buffer of its own: a file
    of a few KB is read with one call of its size (plus one byte, to see the end), not into a
    1 MB buffer (7-10 us a file less), through its descriptor: open() takes an fstat of its own
    to refuse a directory, which the first read refuses anyway on Linux and macOS
    (IsADirectoryError). The descriptor is not inherited (PEP 446); O_BINARY keeps Windows
    from translating line ends."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(handle).st_size
        read_size = min(CHUNK_BYTES, size + 1) if size else CHUNK_BYTES
        while chunk := os.read(handle, read_size):
            yield chunk
            read_size = CHUNK_BYTES
    finally:
        os.close(handle)


def input_error(path: Path, error: OSError) -> InputError:
    """A one-line message for an input that cannot be opened, saying what to check."""
    if isinstance(error, IsADirectoryError):
        return InputError(f"{path}: is a directory; give it as an input to clean it recursively")
    if isinstance(error, FileNotFoundError):
        if path.is_symlink():
            return InputError(f"{path}: is a broken symbolic link (its target does not exist)")
        return InputError(f"{path}: no such file or directory")
    if isinstance(error, PermissionError):
        return InputError(f"{path}: permission denied; check the file's permissions")
    if error.errno == errno.ELOOP:
        return InputError(f"{path}: is a symbolic link loop; fix or remove the link")
    return InputError(f"{path}: cannot be read ({error.strerror or error})")


def _read_file(path: Path, document_id: str | None, strict: bool, read_chunks: Callable[[], Iterator[bytes]]) -> tuple[Document, str | None]:
    try:
        lines, choice = _decode_input(read_chunks, str(path), strict, _split_pieces)
    except OSError as error:
        # Only now is a directory looked for (not with a stat before every read): opening one
        # fails with IsADirectoryError on POSIX, but with PermissionError on Windows.
        if not isinstance(error, IsADirectoryError) and path.is_dir():
            error = IsADirectoryError(errno.EISDIR, "is a directory")
        raise input_error(path, error) from None
    return Document(id=document_id or str(path), lines=lines), choice.warning


def read_document(path: Path, document_id: str | None = None, strict: bool = False) -> tuple[Document, str | None]:
    """Read and decode one file; return the Document and a decoding warning, if any.

    Raises InputError (or its subclasses BinaryInputError, EncodingError) for an input that
    cannot be cleaned; the message names the file and says what to do.
    """
    return _read_file(path, document_id, strict, lambda: _file_chunks(path))


class _HashedChunks:
    """A file's chunks, hashed as they are read; each call starts a new read and a new hash,
    so after decoding, `size` and `digest` are those of the last pass, which read it all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self.digest = hashlib.sha256()

    def __call__(self) -> Iterator[bytes]:
        self.size = 0
        self.digest = hashlib.sha256()
        for chunk in _file_chunks(self.path):
            self.digest.update(chunk)
            self.size += len(chunk)
            yield chunk


def read_document_and_hash(path: Path, strict: bool = False) -> tuple[Document, str | None, int, str]:
    """`read_document`, plus the size and SHA-256 of the bytes it decoded, taken as they were
    read (the file is not read again for them)."""
    chunks = _HashedChunks(path)
    document, warning = _read_file(path, None, strict, chunks)
    return document, warning, chunks.size, chunks.digest.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """A file to clean and where its output goes, relative to the output directory."""

    path: Path
    relative: Path


def find_inputs(inputs: Iterable[str], pattern: str = "*.txt") -> tuple[list[InputFile], list[str]]:
    """Expand files and directories (recursively, matching `pattern`) into a list of inputs,
    each directory's files in sorted path order; return it with one error message per input
    that cannot be used.

    Symbolic links to files are followed; symbolic links to directories are not (so a link
    loop cannot make the walk endless). A link inside a directory that matches `pattern` but
    leads nowhere (broken, or a loop) is reported, not silently dropped.
    """
    found: list[InputFile] = []
    errors: list[str] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found.extend(_walk_directory(path, pattern, errors))
        elif path.exists():
            mode = path.stat().st_mode
            if stat.S_ISREG(mode):
                found.append(InputFile(path, Path(path.name)))
            else:
                errors.append(str(special_file_error(path, mode)))
        elif path.is_symlink():
            errors.append(str(_symlink_problem(path)))
        else:
            errors.append(f"{path}: no such file or directory")
    return found, errors


def _walk_directory(root: Path, pattern: str, errors: list[str]) -> list[InputFile]:
    """The files under `root` whose names match `pattern`, sorted by path; problems go to `errors`."""
    found: list[InputFile] = []
    problems: list[tuple[tuple[str, ...], str]] = []

    def unreadable_directory(error: OSError) -> None:
        problems.append((Path(error.filename).parts, str(input_error(Path(error.filename), error))))

    for directory, entries in _walk_entries(str(root), unreadable_directory):
        base = Path(directory)
        relative_base = base.relative_to(root)  # once a directory, not once a file
        for entry in entries:
            if not fnmatch.fnmatchcase(entry.name, pattern):
                continue
            candidate = base / entry.name
            if _entry_is_file(entry, candidate):
                found.append(InputFile(candidate, relative_base / entry.name))
            elif entry.is_symlink():
                problems.append((candidate.parts, str(_symlink_problem(candidate))))
            else:  # a named pipe, a device or a socket (directories are not listed here)
                problems.append((candidate.parts, str(_special_entry_error(entry, candidate))))
    errors.extend(message for _, message in sorted(problems))
    return sorted(found, key=lambda item: item.path.parts)


def _entry_is_file(entry: os.DirEntry, path: Path) -> bool:
    """`path.is_file()` for the directory entry at `path`, without a stat for a regular file;
    a link that leads nowhere (a loop) is not a file, as `Path.is_file` says."""
    try:
        return entry.is_file()
    except OSError:
        return path.is_file()


def _walk_entries(root: str, onerror: Callable[[OSError], None]) -> Iterator[tuple[str, list[os.DirEntry]]]:
    """Each directory under `root` (itself included) with the entries in it that are not
    directories, as `os.walk(root, onerror=onerror)` walks them (symbolic links to directories
    neither listed nor followed), but giving the directory entries, whose `is_file` and
    `is_symlink` answer from the type the listing gave, without a stat for a regular file,
    where os.walk gives names and a stat of each subdirectory to see whether it is a link."""
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            onerror(error)
            continue
        others: list[os.DirEntry] = []
        subdirectories: list[str] = []
        for entry in entries:
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False
            if not is_directory:
                others.append(entry)
            elif not entry.is_symlink():
                subdirectories.append(entry.path)
        yield directory, others
        pending.extend(reversed(subdirectories))


def _symlink_problem(path: Path) -> InputError:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return input_error(path, error)
    return special_file_error(path, mode)


def _special_entry_error(entry: os.DirEntry, path: Path) -> InputError:
    """`special_file_error` for a directory entry that is neither a file nor a link."""
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as error:
        return input_error(path, error)
    return special_file_error(path, mode)


#: What `special_file_error` calls each kind of file that is not a regular file.
_SPECIAL_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_file_error(path: Path, mode: int) -> InputError:
    """The error for an input that is not a regular file (a named pipe, a device, a socket):
    `clean` reads each input twice (the template-line pass, then the cleaning pass) and a
    pipe gives its content only once, so such an input is skipped, the same way for any
    --jobs, rather than cleaned from whatever the second read happens to get."""
    kind = next((name for test, name in _SPECIAL_FILE_KINDS if test(mode)), "not a regular file")
    return InputError(
        f"{path}: skipped, it is {kind}, not a regular file; "
        "save its content to a file and clean that, or pipe one document to 'newsclean clean -'"
    )


def _same_file(first: Path, second: Path) -> bool:
    """True when two paths name the same file (after symlinks; hard links included)."""
    if first.resolve() == second.resolve():
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def check_output_safe(inputs: Iterable[str], outdir: Path) -> None:
    """Refuse an output directory that is an input directory, or inside one, or an input file
    (symbolic links are resolved, so a link to an input directory is refused too)."""
    target = outdir.resolve()
    for raw in inputs:
        if raw == "-":
            continue
        source = Path(raw).resolve()
        if source.is_dir() and (target == source or source in target.parents):
            raise UsageError(f"output directory {outdir} is inside input directory {raw}; choose an output outside it")
        if source.is_file() and _same_file(Path(raw), outdir):
            raise UsageError(f"output {outdir} is the input file {raw}; choose another output")


def check_targets_safe(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Refuse any (input, output) pair where writing the output would replace an input.

    Only a target that exists (or is a symbolic link) can be an input. A target whose directory
    does not exist cannot, so each directory is probed once (in a fresh output directory that
    is the only system call) and only the targets in directories that exist one each."""
    missing_directories: dict[str, bool] = {}
    for source, target in pairs:
        # A string (a new Path per target would cost more to hash); a bare name's is the current one.
        directory = os.path.dirname(target) or os.curdir
        missing = missing_directories.get(directory)
        if missing is None:
            missing = missing_directories[directory] = _is_missing_directory(directory)
        if not missing and _lexists(target) and _same_file(source, target):
            raise UsageError(f"output {target} would overwrite the input {source}; choose an output directory outside the inputs")


def _is_missing_directory(directory: str | Path) -> bool:
    """True when nothing can exist in `directory`: it, or a directory above it, does not
    exist. False when it exists or that cannot be told (each target is then looked at)."""
    try:
        os.stat(directory)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _lexists(path: Path) -> bool:
    """`path.exists() or path.is_symlink()` with one system call: whether there is an entry
    at `path`, a broken symbolic link included. Like them, raises an OSError other than
    "no such entry" (a directory that cannot be searched)."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def check_extra_output_safe(inputs: Iterable[str], output: Path, what: str) -> None:
    """Refuse a single output file (e.g. the report) that is an input or inside an input dir."""
    target = output.resolve()
    for raw in inputs:
        if raw == "-":
            continue
        source = Path(raw).resolve()
        if (source.is_dir() and source in target.parents) or (source.is_file() and _same_file(Path(raw), output)):
            raise UsageError(f"{what} {output} would be written inside or over the input {raw}; choose a path outside the inputs")


#: The files (device, inode) of temporary files that writers of this process still have open
#: (`JsonlWriter`: a report opened before the run sweeps OUTDIR, which may hold it), so that
#: `sweep_temporaries` never deletes a file that is not a leftover but in use.
_open_temporaries: set[tuple[int, int]] = set()


def _file_identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def sweep_temporaries(outdir: Path) -> list[Path]:
    """Delete temporary files a killed run left in an output directory; return them.

    Only files named like ours (`.NAME.XXXX.newsclean-tmp`) are touched, and not those a
    writer of this process still has open (`_open_temporaries`), whatever path names them.
    """
    removed: list[Path] = []
    if not outdir.is_dir():
        return removed
    for directory, subdirectories, names in os.walk(outdir):
        subdirectories.sort()
        for name in sorted(names):
            if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
                leftover = Path(directory) / name
                if _open_temporaries and _is_open_temporary(leftover):
                    continue
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


def _is_open_temporary(path: Path) -> bool:
    """True when `path` is a temporary file a writer of this process still has open."""
    try:
        return _file_identity(os.lstat(path)) in _open_temporaries
    except OSError:
        return False


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable; some filesystems cannot fsync directories, which is harmless."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _output_error(path: Path, error: OSError, others: int = 0, resumable: bool = True) -> OutputError:
    """The OutputError for `path` (and `others` outputs of its group), with advice: to re-run
    with --resume, or, for an output of a run that cannot resume (`resumable=False`: JSON-lines
    output, stdin input), to run the command again."""
    reason = error.strerror or str(error)
    rerun = "re-run with --resume" if resumable else "run the command again"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = f"free some space, then {rerun}"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = f"choose a writable output directory, then {rerun}"
    else:
        advice = f"fix the cause, then {rerun}"
    what = f"{path} and {others} other output(s) of its group" if others else f"{path}"
    return OutputError(f"cannot write {what}: {reason}; nothing partial was left behind; {advice}")


_temporary_numbers = itertools.count()
#: This process's id, for temporary names: asked once, not once an output; a forked child
#: (a worker) asks again for its own.
_process_id = os.getpid()


def _note_process_id() -> None:
    """Take the id of the process we are in (in a child just forked: its own)."""
    global _process_id
    _process_id = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_note_process_id)


def _create_temporary(path: Path, created: set[str] | None = None) -> tuple[int, str]:
    """Create a new, empty temporary file next to `path` (`.NAME.PID-N.newsclean-tmp`, which
    `sweep_temporaries` recognises); return its descriptor and name. O_EXCL makes the name
    ours; the process id and a counter make a clash (a killed run's leftover) rare, and a
    clash just moves on to the next number. The permissions are a plain open()'s (0666 less
    the umask).

    The name goes into `created`, if given, before the file exists: Ctrl-C raised as the
    creating call returns (on a slow filesystem the signal mostly arrives during it) would
    otherwise lose the name with the file already there (`AtomicWrites.discard` deletes it)."""
    while True:
        name = str(path.parent / f".{path.name}.{_process_id}-{next(_temporary_numbers)}{TEMPORARY_SUFFIX}")
        if created is not None:
            created.add(name)
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), name
        except FileExistsError:
            if created is not None:
                created.discard(name)  # another process's file: never ours to delete
            continue


def _make_directories(directory: Path) -> list[Path]:
    """Create `directory` and any missing parents; return the directories whose entries
    changed (the parent of each one created), which must be fsynced for the new ones to last."""
    missing: list[Path] = []
    probe = directory
    while not probe.is_dir() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
    return [created.parent for created in missing]


def _write_temporary(path: Path, pieces: Iterable[bytes], handle: int, temporary: str) -> None:
    """Write pieces to the new temporary file `handle` (named `temporary`) for `path`, with
    plain system calls: each releases the GIL and, on a background thread, must take it back
    from the busy cleaning thread, so an output costs as few of them as it can (no buffered
    stream). On any failure the file is closed and deleted, and the error raised (an OSError
    as the OutputError that names `path`)."""
    try:
        for piece in pieces:
            _write_all(handle, piece)
    except BaseException as error:  # Ctrl-C too: no temporary file is left behind
        os.close(handle)
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _output_error(path, error) from None
        raise


def _write_all(handle: int, data: bytes) -> None:
    """Write all of `data` to the file descriptor `handle` (os.write may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


_StepResult = TypeVar("_StepResult")


def _finish_temporary(handle: int, path: Path, temporary: str, last_step: Callable[[int], _StepResult]) -> _StepResult:
    """Run `last_step` on a written temporary file's descriptor, close it, and return what the
    step gave. If either fails, the file is deleted and the error raised (an OSError as the
    OutputError that names `path`)."""
    try:
        try:
            return last_step(handle)
        finally:
            os.close(handle)
    except BaseException as error:  # Ctrl-C too: no temporary file is left behind
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _output_error(path, error) from None
        raise


def _fsync_and_close(handle: int, path: Path, temporary: str) -> str:
    """fsync and close a written temporary file; return its name (`_finish_temporary`)."""
    _finish_temporary(handle, path, temporary, os.fsync)
    return temporary


def _create_temporary_remaking_directory(path: Path, created_names: set[str] | None = None) -> tuple[int, str, list[Path]]:
    """`_create_temporary`, making `path`'s directory again if it was removed behind our back;
    also the directories made. An OSError becomes the OutputError that names `path`."""
    try:
        try:
            return (*_create_temporary(path, created_names), [])
        except FileNotFoundError:
            created = _make_directories(path.parent)
            return (*_create_temporary(path, created_names), created)
    except OSError as error:
        raise _output_error(path, error) from None


def _write_and_sync(path: Path, pieces: list[bytes], created_names: set[str] | None = None) -> tuple[str, list[Path], None]:
    """Create a temporary file next to `path` (making its directory again if it was removed),
    write pieces to it, fsync and close it (on a background thread: open, write, fsync and
    close, no write for an empty output); return its name, the directories created and None
    (no device: it needs no syncfs). Nothing is left behind on failure (OutputError). The
    temporary file's name goes into `created_names`, if given (`_create_temporary`)."""
    handle, temporary, created = _create_temporary_remaking_directory(path, created_names)
    _write_temporary(path, pieces, handle, temporary)
    return _fsync_and_close(handle, path, temporary), created, None


def _held_pieces(data: Iterable[bytes], limit: int) -> tuple[list[bytes], Iterator[bytes] | None]:
    """The pieces of `data` up to the first that brings their size past `limit`, and the rest
    of `data` (None when all of it was taken)."""
    pieces: list[bytes] = []
    size = 0
    rest = iter(data)
    for piece in rest:
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return pieces, rest
    return pieces, None


class _Syncfs:
    """syncfs(2) and fstatfs(2) of the C library, through ctypes (Python has neither)."""

    def __init__(self) -> None:
        import ctypes  # only here: a run that writes no output directory does not import it

        libc = ctypes.CDLL(None, use_errno=True)
        self._get_errno = ctypes.get_errno
        self._syncfs = libc.syncfs
        self._syncfs.argtypes = [ctypes.c_int]
        self._fstatfs = libc.fstatfs
        self._fstatfs.argtypes = [ctypes.c_int, ctypes.c_void_p]
        self._statfs_buffer = (ctypes.c_long * 32)  # struct statfs: 120 bytes on 64-bit Linux

    def sync(self, handle: int) -> None:
        """Write back the dirty data of every file on the filesystem that `handle` is on, and
        commit its journal; raise OSError when a writeback on it failed since `handle` was
        opened or last given here (Linux >= 5.8)."""
        if self._syncfs(handle) != 0:
            number = self._get_errno()
            raise OSError(number, os.strerror(number))

    def filesystem_type(self, handle: int) -> int | None:
        """The magic number of the filesystem `handle` is on (f_type, the first field of
        `struct statfs`, a long), or None when fstatfs fails."""
        buffer = self._statfs_buffer()
        if self._fstatfs(handle, buffer) != 0:
            return None
        return buffer[0] & 0xFFFFFFFF


@functools.cache
def _syncfs() -> _Syncfs | None:
    """This system's syncfs when a group commit can rely on it (Linux >= 5.8, whose syncfs
    reports writeback errors, with syncfs and fstatfs reachable through ctypes), else None."""
    if not sys.platform.startswith("linux"):
        return None
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    if release is None or (int(release[1]), int(release[2])) < SYNCFS_ERRORS_SINCE:
        return None
    try:
        return _Syncfs()
    except (OSError, AttributeError, ImportError):  # no C library, or one without syncfs
        return None


def _write_and_close(path: Path, pieces: Iterable[bytes], created_names: set[str] | None = None) -> tuple[str, list[Path], int]:
    """Create a temporary file next to `path` (making its directory again if it was removed),
    write pieces to it and close it, without an fsync (a group commit's syncfs makes it
    durable); return its name, the directories created and the device it is on. Nothing is
    left behind on failure (OutputError). The temporary file's name goes into `created_names`,
    if given (`_create_temporary`)."""
    handle, temporary, created = _create_temporary_remaking_directory(path, created_names)
    _write_temporary(path, pieces, handle, temporary)
    device = _finish_temporary(handle, path, temporary, _device_of)
    return temporary, created, device


def _device_of(handle: int) -> int:
    return os.fstat(handle).st_dev


def _fsync_closed(path: Path, temporary: str) -> None:
    """fsync a temporary file that was written and closed; on failure delete it and raise the
    OutputError that names `path`."""
    try:
        handle = os.open(temporary, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _output_error(path, error) from None


#: What a staged output's write gives `commit`: the temporary file's name, the directories made
#: for it, and the device it is on when a syncfs is still to make it durable (None once it was
#: fsynced).
_Written = tuple[str, list[Path], "int | None"]
#: In place of a device in `commit`: a written file that is not on the filesystem its directory
#: was on when first seen (moved behind our back), so no syncfs descriptor covers it.
_NEEDS_FSYNC = -1


class AtomicWrites:
    """Outputs written atomically and made durable as a group ("group commit").

    `stage` writes one output to a temporary file in its target's directory; `commit` makes
    the staged files durable, renames each over its target, makes the renames durable, and
    returns the outputs (their `note`s), which are then complete and durable (a reader only
    ever sees an old file or a complete new one). `discard` deletes the temporary files of
    outputs staged but not committed; `close` ends the writer.

    How the files are made durable:

    - With `sync_filesystems=True`, on Linux >= 5.8 and a filesystem in SYNCFS_FILESYSTEMS,
      `stage` only creates, writes and closes the file (on the caller's thread: with no fsync
      to wait for, a thread would cost more hand-offs of the GIL than it saves), and `commit`
      calls syncfs(2) once per filesystem before the renames and once more after them: two
      system calls per group instead of an fsync per output and one per changed directory.
      syncfs writes back every dirty file of that filesystem, other programs' too, so a
      commit also waits for their pending writes (at most the few seconds of dirty data the
      kernel holds back); on a disk that newsclean has mostly to itself that costs little (on
      the benchmark VM one took 4-8 ms in the median, docs/performance.md). A writeback
      error on that filesystem, even in another program's file, then fails the commit
      (OutputError): it cannot tell it from one in ours. Each filesystem's syncfs goes
      through a directory descriptor opened before the first output on it was written and
      kept until `close`, so it reports every writeback error since (a descriptor opened later
      would miss an error that another program's sync had already seen).
    - Otherwise (another system or filesystem, `sync_filesystems=False`, or a file that is not
      on the filesystem its directory was on when first seen), each file is fsynced before its
      rename and each changed directory after them, as below.

    Per-file fsyncs: with `background=True`, SYNC_THREADS threads create, write and fsync the
    outputs of up to BACKGROUND_WRITE_BYTES (larger ones are written by the caller, piece by
    piece, and only fsynced there) while the caller goes on cleaning the next documents, so
    their waits for the disk are not the caller's. A write or fsync that failed is then
    reported by `commit`. Several fsyncs in flight at once share the filesystem's journal
    commits (ext4 and XFS group concurrent fsyncs into one commit), so they finish several
    times sooner than one after the other; each file is still fsynced before it is renamed.
    """

    def __init__(self, background: bool = False, sync_filesystems: bool = False) -> None:
        self._staged: collections.deque[tuple[Future[_Written], Path, Any, int | None]] = collections.deque()
        self._renamed: list[tuple[Any, Path]] = []
        self._directories: set[Path] = set()
        self._present: dict[Path, int | None] = {}  # directories made or found (not probed again): their filesystem's device
        self._syncfs = _syncfs() if sync_filesystems else None
        self._filesystems: dict[int, int | None] = {}  # device: a directory's descriptor for syncfs (None: fsync there)
        self._syncer = ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="newsclean-fsync") if background else None
        # Temporary files created and not yet renamed into place: `discard` deletes any left,
        # however an interruption fell (`_create_temporary`).
        self._created: set[str] = set()

    def _make_parent(self, path: Path) -> int | None:
        """Make `path`'s directory (probed once per writer) and note the directories whose
        entries changed, for `commit` to make durable; return the device of the filesystem
        whose syncfs will make the output durable, or None when it is to be fsynced."""
        directory = path.parent
        if directory not in self._present:
            self._directories.update(_make_directories(directory))
            self._present[directory] = self._watch_filesystem(directory) if self._syncfs is not None else None
        return self._present[directory]

    def _watch_filesystem(self, directory: Path) -> int | None:
        """The device of `directory`'s filesystem if a syncfs can make files on it durable,
        opening (once per filesystem, before any output on it is written) the descriptor that
        syncfs goes through; None if the files there are to be fsynced one by one."""
        assert self._syncfs is not None
        device = os.stat(directory).st_dev
        if device not in self._filesystems:
            handle = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            if os.fstat(handle).st_dev == device and self._syncfs.filesystem_type(handle) in SYNCFS_FILESYSTEMS:
                self._filesystems[device] = handle
            else:
                os.close(handle)
                self._filesystems[device] = None
        return device if self._filesystems[device] is not None else None

    def stage(self, path: Path, data: Iterable[bytes], note: Any = None) -> None:
        """Write `data` to a temporary file next to `path`; with per-file fsyncs, fsync it
        too (on the background threads, if there are). `commit` returns `note` (by default
        `path`) once the output is in place.

        Raises OutputError (with the temporary file removed) when the write fails here.
        """
        note = path if note is None else note
        try:
            device = self._make_parent(path)
        except OSError as error:
            raise _output_error(path, error) from None
        written: Future[_Written] = Future()
        if device is not None:
            written.set_result(_write_and_close(path, data, self._created))
            self._staged.append((written, path, note, device))
            return
        if self._syncer is not None:
            pieces, rest = _held_pieces(data, BACKGROUND_WRITE_BYTES)
            if rest is None:
                self._staged.append((self._syncer.submit(_write_and_sync, path, pieces, self._created), path, note, None))
                return
            data = itertools.chain(pieces, rest)
        handle, temporary, created = _create_temporary_remaking_directory(path, self._created)
        self._directories.update(created)
        _write_temporary(path, data, handle, temporary)
        if self._syncer is None:
            written.set_result((_fsync_and_close(handle, path, temporary), [], None))
        else:
            written = self._syncer.submit(lambda: (_fsync_and_close(handle, path, temporary), [], None))
        self._staged.append((written, path, note, None))

    def commit(self) -> list[Any]:
        """Make the staged files durable, rename them into place and make the renames durable;
        return the notes of the outputs (in staging order), now complete and durable.

        When an output's write failed, the outputs staged before it are committed (their notes
        come from the next commit) and its OutputError raised; those after it stay staged.
        When a syncfs before the renames fails, the temporary files of the outputs it was to
        make durable are deleted and OutputError raised; when an fsync or a rename fails, that
        output's temporary file is deleted, OutputError raised, and the outputs after it come
        from the next commit. When making the renames durable fails, the outputs stay in place
        (complete) but OutputError is raised instead of their notes, so they are not recorded.
        """
        ready: list[tuple[str, Path, Any, int | None]] = []
        failure: OutputError | None = None
        while self._staged:
            written, path, note, expected = self._staged[0]
            try:
                temporary, created, device = written.result()
            except OutputError as error:
                self._staged.popleft()
                failure = error
                break
            self._staged.popleft()
            self._directories.update(created)
            if device is not None and device != expected:  # not on the filesystem its directory was on
                device = _NEEDS_FSYNC
            ready.append((temporary, path, note, device))
        self._make_durable(ready)
        self._rename(ready)
        if failure is not None:
            raise failure
        self._make_renames_durable()
        committed, self._renamed = [note for note, _ in self._renamed], []
        return committed

    def _make_durable(self, ready: list[tuple[str, Path, Any, int | None]]) -> None:
        """Before the renames: one syncfs per filesystem the ready files are on, an fsync of
        each file marked _NEEDS_FSYNC; files already fsynced (device None) need nothing. On
        failure every ready temporary file is deleted."""
        assert self._syncfs is not None or all(device is None for _, _, _, device in ready)
        try:
            for temporary, path, _, device in ready:
                if device == _NEEDS_FSYNC:
                    _fsync_closed(path, temporary)
            for device in sorted({device for _, _, _, device in ready if device is not None and device != _NEEDS_FSYNC}):
                try:
                    self._syncfs.sync(self._filesystems[device])
                except OSError as error:
                    paths = [path for _, path, _, on in ready if on == device]
                    raise _output_error(paths[0], error, others=len(paths) - 1) from None
        except OutputError:
            for temporary, _, _, _ in ready:
                Path(temporary).unlink(missing_ok=True)
            raise

    def _rename(self, ready: list[tuple[str, Path, Any, int | None]]) -> None:
        """Rename durable temporary files over their targets, in order. When a rename fails,
        its temporary file is deleted and OutputError raised; the files after it are staged
        again, first, as files that need no more sync."""
        for index, (temporary, path, note, _) in enumerate(ready):
            try:
                os.replace(temporary, path)
            except OSError as error:
                Path(temporary).unlink(missing_ok=True)
                for later_temporary, later_path, later_note, _ in reversed(ready[index + 1 :]):
                    durable: Future[_Written] = Future()
                    durable.set_result((later_temporary, [], None))
                    self._staged.appendleft((durable, later_path, later_note, None))
                raise _output_error(path, error) from None
            self._created.discard(temporary)
            self._renamed.append((note, path))
            self._directories.add(path.parent)

    def _make_renames_durable(self) -> None:
        """After the renames: one syncfs per filesystem with a changed directory that has a
        syncfs descriptor, an fsync of each other changed directory. When a syncfs fails, the
        outputs renamed since the last commit are dropped from it (OutputError)."""
        devices: set[int] = set()
        for directory in sorted(self._directories):
            device = self._present.get(directory)
            if device is None and self._filesystems:
                with contextlib.suppress(OSError):
                    found = os.stat(directory).st_dev
                    device = found if self._filesystems.get(found) is not None else None
            if device is None:
                _fsync_directory(directory)
            else:
                devices.add(device)
        self._directories.clear()
        for device in sorted(devices):
            assert self._syncfs is not None
            try:
                self._syncfs.sync(self._filesystems[device])  # type: ignore[arg-type]
            except OSError as error:
                renamed, self._renamed = self._renamed, []
                raise _output_error(renamed[0][1], error, others=len(renamed) - 1) from None

    def discard(self) -> None:
        """Delete the temporary files of staged outputs (their targets keep their old content),
        and any other temporary file this writer created and did not rename: one whose
        staging Ctrl-C cut short, between its creation and the code that would have deleted it."""
        while self._staged:
            written, _, _, _ = self._staged.popleft()
            futures.wait([written])
            if written.exception() is None:
                Path(written.result()[0]).unlink(missing_ok=True)
        for name in sorted(self._created):
            with contextlib.suppress(OSError):
                os.unlink(name)
        self._created.clear()

    def close(self) -> None:
        """End the background threads and close the syncfs descriptors (after `commit` or
        `discard`)."""
        if self._syncer is not None:
            self._syncer.shutdown()
        for handle in self._filesystems.values():
            if handle is not None:
                os.close(handle)
        self._filesystems.clear()


def is_special_file(path: Path) -> bool:
    """Whether `path` exists and is neither a regular file nor a directory (after symbolic
    links): a device (/dev/null), a named pipe or a socket. An output there is written into it;
    renaming a file over it would replace the device (as root) or fail."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Write text to path via a temporary file in the same directory, fsync, rename and fsync
    the directory, so the path holds either its old content or the complete new one, never a
    part. A device or named pipe at `path` (`is_special_file`: /dev/null, /dev/stdout) is
    written into as it is, never replaced.

    Raises OutputError (with the temporary file removed) when the write fails.
    """
    if is_special_file(path):
        try:
            with open(path, "wb") as special:
                for chunk in chunks:
                    special.write(chunk.encode("utf-8"))
        except OSError as error:
            raise _output_error(path, error) from None
        return
    writes = AtomicWrites()
    writes.stage(path, (chunk.encode("utf-8") for chunk in chunks))
    try:
        writes.commit()
    finally:
        writes.discard()


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to path atomically (see atomic_write_chunks)."""
    atomic_write_chunks(path, (text,))


class JsonlWriter:
    """Streams one JSON object per line to stdout ("-") or to a file that appears atomically
    when the writer is closed (a temporary file in the same directory until then). A write
    that fails (disk full) drops the temporary file and raises OutputError, whose advice is
    to re-run with --resume unless the run cannot resume (`resumable=False`). On stdout, a
    reader that went away (`| head`) raises BrokenPipeError as it is: the run ends quietly."""

    def __init__(self, path: str, resumable: bool = True) -> None:
        self.path = path
        self.resumable = resumable
        self._temporary: str | None = None
        self._owns_stream = False
        if path == "-":
            self._stream = sys.stdout
        elif is_special_file(Path(path)):
            # /dev/null, a named pipe, /dev/stdout: written as it is, never replaced by a file.
            try:
                self._stream = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 -- closed by close()
            except OSError as error:
                raise _output_error(Path(path), error, resumable=resumable) from None
            self._owns_stream = True
        else:
            target = Path(path)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, self._temporary = _create_temporary(target)
            except OSError as error:
                raise _output_error(target, error, resumable=resumable) from None
            self._identity = _file_identity(os.fstat(handle))
            _open_temporaries.add(self._identity)
            self._file = os.fdopen(handle, "wb")
            # A ".gz" name is written gzip-compressed (mtime 0, so equal input gives equal bytes).
            binary = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0) if target.name.endswith(".gz") else self._file
            self._stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")

    def write(self, record: dict[str, Any]) -> None:
        try:
            self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as error:
            if self.path == "-" and isinstance(error, BrokenPipeError):
                raise  # stdout's reader went away (`| head`): the CLI ends quietly, as in text mode
            self.abort()
            raise _output_error(Path(self.path), error, resumable=self.resumable) from None

    def close(self) -> None:
        """Finish the file: flush, fsync and rename it into place."""
        if self._temporary is None:
            try:
                self._stream.flush()
                if self._owns_stream:
                    self._stream.close()
            except OSError as error:
                if self.path == "-" or isinstance(error, BrokenPipeError):
                    raise
                raise _output_error(Path(self.path), error, resumable=self.resumable) from None
            return
        try:
            self._stream.flush()
            binary = self._stream.detach()
            if binary is not self._file:
                binary.close()  # ends the gzip stream; a GzipFile leaves the file it wraps open
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._temporary, self.path)
        except OSError as error:
            self.abort()
            raise _output_error(Path(self.path), error, resumable=self.resumable) from None
        self._temporary = None
        _open_temporaries.discard(self._identity)

    def abort(self) -> None:
        """Drop a half-written file, leaving any previous one untouched."""
        if self._temporary is not None:
            for stream in (self._stream, self._file):
                try:
                    stream.close()
                except (OSError, ValueError):  # already detached or closed, or the disk is full
                    pass
            Path(self._temporary).unlink(missing_ok=True)
            self._temporary = None
            _open_temporaries.discard(self._identity)
