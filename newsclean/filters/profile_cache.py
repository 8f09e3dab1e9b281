"""langdetect's profile matrix kept in the user's cache directory between runs.

Building the matrix from langdetect's 55 JSON profiles costs every process about 0.09 CPU-s
(0.75 G instructions: the JSON of 184,129 entries and numbering 87,598 n-grams), 3% of a 20 MB
`clean` and far more of a small one. The cache holds what the build gives in a compact form: the
n-grams in row order, the languages, and the matrix's 184,129 non-zero cells (flat index and
float64 value, copied bit for bit), 3.5 MB in one uncompressed `.npz`. Loading it and filling a
zeroed matrix is several times cheaper than the build.

It lives in `$NEWSCLEAN_CACHE_DIR`, else `$XDG_CACHE_HOME/newsclean`, else `~/.cache/newsclean`;
an empty `NEWSCLEAN_CACHE_DIR` turns it off. A file is named by a hash of the format version and
of the profiles' names and bytes, so changed profiles or a changed build never meet an old file.
It is written to a temporary file and renamed into place (processes writing at once each rename
a complete file), and trusted only if it reads back whole: the zip's CRC-32 of every array, the
key inside the file, and the arrays' shapes must all agree; anything else is rebuilt. A directory
that cannot be written is skipped silently: the build's result is used as it is.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: Bump when the build's result changes for the same profile bytes: old files are then ignored.
FORMAT_VERSION = 1
#: Joins the n-grams and language names in the file; a profile with it in a name is not cached.
_SEPARATOR = "\0"


class Profiles(NamedTuple):
    """langdetect's profiles as `FastDetectorFactory` holds them: the languages in column order,
    each n-gram's row, and the n-gram x language matrix of probabilities."""

    languages: list[str]
    rows: dict[str, int]
    probabilities: np.ndarray


def cache_directory() -> Path | None:
    """Where cached profiles live, or None when `NEWSCLEAN_CACHE_DIR` is set empty (no cache)
    or no home directory is known. A relative `XDG_CACHE_HOME` is ignored, as the XDG base
    directory specification asks, so the cache never lands in the working directory."""
    configured = os.environ.get("NEWSCLEAN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsclean" if os.path.isabs(base) else None


def profile_sources(directory: str) -> list[tuple[str, bytes]]:
    """The profile files of `directory` (hidden ones skipped) as (name, bytes), in name order:
    langdetect takes the file system's order, which may differ between machines and would
    change the last bits of its sums."""
    sources = []
    for name in sorted(name for name in os.listdir(directory) if not name.startswith(".")):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, "rb") as file:
                sources.append((name, file.read()))
    return sources


def cache_key(sources: list[tuple[str, bytes]]) -> str:
    """A hash of the format version and every profile's name and bytes (lengths included, so
    no two different sets of files hash the same input)."""
    digest = hashlib.sha256(f"newsclean-profiles-{FORMAT_VERSION}".encode())
    for name, data in sources:
        encoded = name.encode("utf-8", "surrogateescape")
        digest.update(b"%d:%s%d:" % (len(encoded), encoded, len(data)))
        digest.update(data)
    return digest.hexdigest()[:32]


def load_profiles(directory: str, build: Callable[[list[tuple[str, bytes]]], Profiles]) -> Profiles:
    """The profiles of `directory`: from the cache when a valid file for these exact profile
    bytes is there, otherwise from `build`, whose result is then cached if the directory allows."""
    sources = profile_sources(directory)
    folder = cache_directory()
    if folder is None:
        return build(sources)
    key = cache_key(sources)
    path = folder / f"langdetect-profiles-{key}.npz"
    cached = read_cached(path, key)
    if cached is not None:
        return cached
    profiles = build(sources)
    write_cached(path, key, profiles)
    return profiles


def read_cached(path: Path, key: str) -> Profiles | None:
    """The profiles cached in `path` under `key`, or None if the file is missing or is not a
    whole, valid file for that key."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            # Reading each array to its end makes zipfile check its CRC-32.
            arrays = {name: archive[name] for name in ("key", "shape", "ngrams", "languages", "cells", "values")}
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 -- damage can surface from zipfile, struct, numpy's header parser or decoding; any of them means rebuild
        return None
    try:
        if arrays["key"].tobytes() != key.encode("ascii"):
            return None
        shape = tuple(int(size) for size in arrays["shape"])
        ngrams = _names(arrays["ngrams"], shape[0])
        languages = _names(arrays["languages"], shape[1])
        cells, values = arrays["cells"], arrays["values"]
        if cells.dtype != np.int64 or values.dtype != np.float64 or cells.shape != values.shape or cells.ndim != 1:
            return None
        if len(ngrams) != shape[0] or len(languages) != shape[1]:
            return None
        rows = dict(zip(ngrams, range(len(ngrams))))
        if len(rows) != len(ngrams) or len(set(languages)) != len(languages):
            return None
        probabilities = np.zeros(shape)
        flat = probabilities.reshape(-1)
        if len(cells) and (cells.min() < 0 or cells.max() >= len(flat)):
            return None
        flat[cells] = values
    except (UnicodeDecodeError, ValueError, IndexError):
        return None
    return Profiles(languages, rows, probabilities)


def _names(array: np.ndarray, count: int) -> list[str]:
    """The `count` names joined in `array` (UTF-8 bytes); none for a count of 0, which an empty
    join cannot tell apart from one empty name."""
    return array.tobytes().decode("utf-8").split(_SEPARATOR) if count else []


def write_cached(path: Path, key: str, profiles: Profiles) -> None:
    """Cache `profiles` in `path` under `key`: written to a temporary file in the same directory
    and renamed into place, so a reader never sees a partial file. Skipped silently when the
    directory cannot be created or written, or when a name holds the separator."""
    names = [*profiles.rows, *profiles.languages]
    if any(_SEPARATOR in name for name in names):
        return
    flat = profiles.probabilities.reshape(-1)
    cells = np.flatnonzero(flat).astype(np.int64)
    arrays = {
        "key": np.frombuffer(key.encode("ascii"), dtype=np.uint8),
        "shape": np.array(profiles.probabilities.shape, dtype=np.int64),
        "ngrams": np.frombuffer(_SEPARATOR.join(profiles.rows).encode("utf-8"), dtype=np.uint8),
        "languages": np.frombuffer(_SEPARATOR.join(profiles.languages).encode("utf-8"), dtype=np.uint8),
        "cells": cells,
        "values": flat[cells],
    }
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
