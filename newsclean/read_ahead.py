"""Inputs the template-line pass read, kept for the cleaning pass, so that `newsclean clean`
reads, decodes and splits most files once instead of twice.

The template-line pass (`parallel.template_line_keys_of_files`) reads every input before the
cleaning pass reads it again. With one job both run in this process: the first pass reads each
file through `ReadAhead.read` (decoded lines, and the size and SHA-256 of its bytes for the
manifest), which keeps the result (for the inputs the cleaning pass will clean: not those
`--resume` skips) while it fits in READ_AHEAD_BYTES; the cleaning pass takes it
back (`ReadAhead.take`) instead of opening the file again. A corpus over the budget is kept up to
the first file that does not fit; the rest are read again, as before.

Only inputs that decoded cleanly are kept (valid UTF-8, or UTF-16/UTF-8 with a byte-order mark:
no fallback, so no warning, and the same lines with or without --strict-encoding). An input that
cannot be read, is not text or needs a fallback encoding is read again by the cleaning pass,
which reports it exactly as it would have.

With each kept input goes its normalisation (`normalise_lines`' answer), which the first pass
finds with its keys (`dedup.template_keys.template_line_keys_and_normalisation`), so the
cleaning pass does not scan the document again either (`Pipeline.run_normalised`).

A file changed between the two passes is cleaned as the first pass read it: the template counts
and the cleaned text then come from the same bytes, and the manifest records those bytes' size
and SHA-256, so `--resume` sees the change and cleans the file again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Collection

from .document import Document, Normalisation
from .io import read_document_and_hash

#: Bytes of decoded lines kept for the cleaning pass at most, as `_cost` estimates them;
#: inputs past the first that does not fit are read again. The 20 MB benchmark corpus is
#: estimated at 66 MB and takes about 32 MB more peak memory than reading it twice.
READ_AHEAD_BYTES = 256 << 20
#: What a line costs beyond its characters: a str's header and its slot in the lines' tuple.
_LINE_BYTES = 57
#: What an input costs beyond its lines: its Document, ReadInput, hex digest and dict entry.
_INPUT_BYTES = 400
#: What a line costs in a normalisation that changed its document: its slot in a second tuple
#: of lines (a changed line costs its characters too, `normalisation_cost`).
_NORMALISED_LINE_BYTES = 8


def normalisation_cost(lines: tuple[str, ...], normalised: tuple[str, ...]) -> int:
    """What keeping `normalised`, the normalised `lines`, costs beside them: nothing when it is
    the same tuple, else a slot per line and the characters of each line it changed (few, but
    one may be a line of megabytes)."""
    if normalised is lines:
        return 0
    changed = sum(len(new) for new, old in zip(normalised, lines) if new != old)
    return _NORMALISED_LINE_BYTES * len(normalised) + changed


def _cost(size: int, lines: int) -> int:
    """About the memory an input of `size` bytes decoded into `lines` lines takes, from the two
    numbers at hand rather than a look at every line: a UTF-8 byte is at most one character,
    stored in one byte in a line of ASCII or Latin-1 and in two in a line of other characters
    (a line with any character beyond U+FFFF takes four a character, which this undercounts)."""
    return 2 * size + _LINE_BYTES * lines + _INPUT_BYTES


@dataclass(frozen=True)
class ReadInput:
    """An input as the first pass read it: its Document, its size and SHA-256 in bytes, and
    `normalise_lines(document.lines)` once the first pass found it (`keep_normalisation`)."""

    document: Document
    size: int
    sha256: str
    normalised: tuple[tuple[str, ...], tuple[Normalisation, ...]] | None = None


class ReadAhead:
    """Inputs read once and kept, within `budget` bytes (default READ_AHEAD_BYTES), until the
    cleaning pass takes them; only those at `paths` (the inputs it will clean), if given.

    With `processes` > 1 it is one of that many processes' ReadAheads for the same run (each
    process of `--jobs N` keeps the inputs it keys for its own cleaning chunks), and keeps at
    most its share of the budget, so that together they keep no more than one process would."""

    def __init__(self, budget: int | None = None, paths: Collection[Path] | None = None, processes: int = 1) -> None:
        self._kept: dict[Path, ReadInput] = {}
        self._room = (READ_AHEAD_BYTES if budget is None else budget) // processes
        self._full = False
        self._paths = paths

    def read(self, path: Path) -> Document:
        """`io.read_document(path)[0]` (the lenient decoding the template-line pass uses),
        keeping the input for `take` if it decoded cleanly and fits. Raises InputError as
        `read_document` does."""
        document, warning, size, sha256 = read_document_and_hash(path)
        if warning is None and not self._full and (self._paths is None or path in self._paths):
            cost = _cost(size, len(document.lines))
            if cost <= self._room:
                self._kept[path] = ReadInput(document, size, sha256)
                self._room -= cost
            else:
                self._full = True
        return document

    def keeps(self, path: Path) -> bool:
        """Whether the input read from `path` is kept for the cleaning pass."""
        return path in self._kept

    def keep_normalisation(self, path: Path, lines: tuple[str, ...], normalisations: tuple[Normalisation, ...]) -> None:
        """Keep `normalise_lines(document.lines)` (`lines`, `normalisations`) with the kept input
        read from `path`, if it is kept and, when normalisation changed any line (so `lines` is
        a second tuple of them), that fits too."""
        kept = self._kept.get(path)
        if kept is None:
            return
        cost = normalisation_cost(kept.document.lines, lines)
        if cost > self._room:
            return
        self._room -= cost
        self._kept[path] = ReadInput(kept.document, kept.size, kept.sha256, (lines, normalisations))

    def take(self, path: Path) -> ReadInput | None:
        """The kept input read from `path`, no longer kept; None if it was not kept."""
        return self._kept.pop(path, None)

    def __len__(self) -> int:
        return len(self._kept)
