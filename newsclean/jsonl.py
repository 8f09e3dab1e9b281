"""JSON-lines documents, the convention of datatrove and Dolma: one JSON object per line with a
`text` and an `id`; every other key is kept and written back unchanged.

Reading never stops at a bad line: each malformed line becomes a `JsonlLineError` that names the
file and line, and the lines after it are still read. Names ending in `.gz` are gzip files.
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Union

from .document import Document, Result
from .errors import InputError

#: The keys newsclean reads from a record; every other key is metadata it carries along.
TEXT_KEY = "text"
ID_KEY = "id"
METADATA_KEY = "metadata"
REMOVALS_KEY = "removals"


@dataclass(frozen=True)
class JsonlRecord:
    """One good line: the parsed record (all its keys) and the Document made from its text."""

    record: dict[str, Any]
    document: Document
    source: str
    line: int


@dataclass(frozen=True)
class JsonlLineError:
    """One line that is not a usable document, with the reason and what to do."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}; line skipped"


def is_gzip_name(name: str) -> bool:
    return name.endswith(".gz")


def _open_binary(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    try:
        return gzip.open(path, "rb") if is_gzip_name(source) else path.open("rb")
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory; give a JSON-lines file") from None
    except FileNotFoundError:
        raise InputError(f"{source}: no such file or directory") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied; check the file's permissions") from None


def read_json_objects(source: str) -> Iterator[tuple[int, Union[dict[str, Any], JsonlLineError]]]:
    """Yield (line number, object) for every non-blank line of a JSON-lines file ("-": stdin),
    or (line number, JsonlLineError) for a line that is not a UTF-8 JSON object. Raises
    InputError only when the file cannot be opened or is not valid gzip."""
    stream = _open_binary(source)
    try:
        for number, raw in enumerate(stream, start=1):
            if raw.strip():
                yield number, _parse_object(raw, source, number)
    except (gzip.BadGzipFile, EOFError) as error:
        raise InputError(f"{source}: not a complete gzip file ({error}); decompress it or drop the .gz suffix") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _parse_object(raw: bytes, source: str, line: int) -> Union[dict[str, Any], JsonlLineError]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return JsonlLineError(source, line, f"not UTF-8 (bad byte at offset {error.start}); JSON lines must be UTF-8")
    # Without its line ending, so an error's column is a column of the line as an editor shows
    # it (a line cut short fails past its end, not at column 1 of the next line).
    text = text.rstrip("\r\n")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"at column {error.colno}" + (", the end of the line: is it cut short?" if error.pos >= len(text) else "")
        return JsonlLineError(source, line, f"not valid JSON ({error.msg} {where})")
    if not isinstance(record, dict):
        return JsonlLineError(source, line, f"a JSON {type(record).__name__}, not an object")
    return record


def document_from_record(record: dict[str, Any], source: str, line: int) -> Union[JsonlRecord, JsonlLineError]:
    """The Document of a record (its `text`, id from `id` or else "FILE:LINE"), or why not."""
    if TEXT_KEY not in record:
        return JsonlLineError(source, line, f"no {TEXT_KEY!r} key (keys: {', '.join(sorted(record)) or 'none'})")
    if not isinstance(record[TEXT_KEY], str):
        return JsonlLineError(source, line, f"{TEXT_KEY!r} is a {type(record[TEXT_KEY]).__name__}, not a string")
    if METADATA_KEY in record and not isinstance(record[METADATA_KEY], dict):
        return JsonlLineError(source, line, f"{METADATA_KEY!r} is a {type(record[METADATA_KEY]).__name__}, not an object")
    identifier = record.get(ID_KEY)
    document_id = f"{source}:{line}" if identifier is None else str(identifier)
    return JsonlRecord(record, Document.from_text(record[TEXT_KEY], document_id), source, line)


def read_jsonl(source: str) -> Iterator[Union[JsonlRecord, JsonlLineError]]:
    """Yield every document of a JSON-lines file (or "-" for stdin) as a JsonlRecord, or a
    JsonlLineError for a line that is not one, in file order."""
    for line, parsed in read_json_objects(source):
        yield parsed if isinstance(parsed, JsonlLineError) else document_from_record(parsed, source, line)


def cleaned_record(item: JsonlRecord, result: Result, with_removals: bool = False) -> dict[str, Any]:
    """The input record with `text` replaced by the kept text; with `with_removals`, the
    removals (line, filter, reason, text, details) are added under `metadata.removals`."""
    record = dict(item.record)
    record[TEXT_KEY] = result.text
    if with_removals:
        record[METADATA_KEY] = {**record.get(METADATA_KEY, {}), REMOVALS_KEY: removal_records(result)}
    return record


def removal_records(result: Result) -> list[dict[str, Any]]:
    """A result's removals as JSON objects, each with the text of the line it dropped."""
    return [{**removal.to_dict(), "text": result.lines[removal.line - 1]} for removal in result.removals]


def document_record(result: Result) -> dict[str, Any]:
    """A cleaned file as a JSON-lines document: its id and kept text."""
    return {ID_KEY: result.id, TEXT_KEY: result.text}
