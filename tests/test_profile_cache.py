"""langdetect's profiles, built or read from the cache, are bit for bit what the loader before the
cache built (kept here as the reference); a damaged, truncated or foreign cache file is rebuilt,
never trusted; an unwritable or disabled cache falls back to building; writers racing each other
leave only whole files."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from langdetect.detector_factory import PROFILES_DIRECTORY

from newsclean.filters import profile_cache
from newsclean.filters.detection import FastDetectorFactory, build_profiles
from newsclean.filters.profile_cache import (
    Profiles,
    cache_directory,
    cache_key,
    load_profiles,
    profile_sources,
    read_cached,
    write_cached,
)


def reference_profiles(directory: str) -> Profiles:
    """`FastDetectorFactory.load_profile` as it was before the cache (its body, unchanged)."""
    names = sorted(name for name in os.listdir(directory) if not name.startswith("."))
    profiles = []
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, "rb") as file:
                profiles.append(json.loads(file.read().decode("utf-8")))
    rows: dict[str, int] = {}
    entries = []
    for profile in profiles:
        freq = profile["freq"]
        row = np.fromiter((rows.setdefault(ngram, len(rows)) for ngram in freq), dtype=np.int64, count=len(freq))
        counts = np.fromiter(freq.values(), dtype=np.int64, count=len(freq)).astype(np.float64)
        entries.append((row, counts, np.asarray(profile["n_words"], dtype=np.float64)))
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    probabilities = np.zeros((len(rows), len(profiles)))
    for language, (row, counts, n_words) in enumerate(entries):
        length = lengths[row]
        scored = (length >= 1) & (length <= 3)
        probabilities[row[scored], language] = counts[scored] / n_words[length[scored] - 1]
    return Profiles([profile["name"] for profile in profiles], rows, probabilities)


REFERENCE = reference_profiles(PROFILES_DIRECTORY)


def assert_same(profiles: Profiles, expected: Profiles = REFERENCE) -> None:
    """The same languages, the same n-grams with the same rows in the same order, and the same
    matrix bit for bit (C-contiguous float64, as the trials' `take` expects)."""
    assert profiles.languages == expected.languages
    assert list(profiles.rows.items()) == list(expected.rows.items())
    matrix = profiles.probabilities
    assert matrix.dtype == np.float64 and matrix.flags.c_contiguous and matrix.shape == expected.probabilities.shape
    assert matrix.tobytes() == expected.probabilities.tobytes()


class CountingBuild:
    """`build_profiles`, counting its calls: a call means the cache was not used."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, sources: list[tuple[str, bytes]]) -> Profiles:
        self.calls += 1
        return build_profiles(sources)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def cached_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_built_profiles_equal_the_reference_loader() -> None:
    assert_same(build_profiles(profile_sources(PROFILES_DIRECTORY)))


def test_first_load_builds_and_caches_later_loads_read_the_cache(cache: Path) -> None:
    build = CountingBuild()
    assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 1
    assert [path.name for path in cached_files(cache)] == [f"langdetect-profiles-{cache_key(profile_sources(PROFILES_DIRECTORY))}.npz"]
    assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 1


def test_factory_loads_the_same_profiles_cold_and_warm(cache: Path) -> None:
    for _ in range(2):
        factory = FastDetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        assert_same(Profiles(factory.langlist, factory.word_lang_prob_map, factory._probabilities))
    assert len(cached_files(cache)) == 1


def damage_by_flipping_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def damage_by_truncating(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_by_emptying(path: Path) -> None:
    path.write_bytes(b"")


def replace_with_another_keys_file(path: Path) -> None:
    """A whole, valid file, but written for other profiles (its key inside differs)."""
    write_cached(path, "0" * 32, build_profiles(profile_sources(PROFILES_DIRECTORY)[:3]))


@pytest.mark.parametrize("damage", [damage_by_flipping_a_byte, damage_by_truncating, damage_by_emptying, replace_with_another_keys_file])
def test_damaged_or_foreign_cache_file_is_rebuilt_not_trusted(cache: Path, damage) -> None:
    load_profiles(PROFILES_DIRECTORY, CountingBuild())
    (path,) = cached_files(cache)
    damage(path)
    build = CountingBuild()
    assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 1
    assert_same(read_cached(path, path.stem.removeprefix("langdetect-profiles-")))


def test_another_format_version_uses_another_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_profiles(PROFILES_DIRECTORY, CountingBuild())
    monkeypatch.setattr(profile_cache, "FORMAT_VERSION", profile_cache.FORMAT_VERSION + 1)
    build = CountingBuild()
    assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 1 and len(cached_files(cache)) == 2


def test_changed_profile_bytes_change_the_key() -> None:
    sources = profile_sources(PROFILES_DIRECTORY)
    name, data = sources[0]
    changed = [(name, data.replace(b'"freq":{', b'"freq":{"zz":1,', 1)), *sources[1:]]
    renamed = [("x" + name, data), *sources[1:]]
    assert len({cache_key(sources), cache_key(changed), cache_key(renamed)}) == 3


def test_unwritable_cache_directory_falls_back_to_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(blocker / "cache"))
    build = CountingBuild()
    for _ in range(2):
        assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 2
    assert sorted(tmp_path.iterdir()) == [blocker]


def test_empty_cache_variable_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_directory() is None
    build = CountingBuild()
    assert_same(load_profiles(PROFILES_DIRECTORY, build))
    assert build.calls == 1 and list(tmp_path.iterdir()) == []


def test_default_cache_directory_follows_xdg_then_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCLEAN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "newsclean"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() == tmp_path / "home" / ".cache" / "newsclean"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_directory() == tmp_path / "home" / ".cache" / "newsclean"


def test_writers_racing_leave_only_whole_files(cache: Path) -> None:
    """Two writers rewrite the same file over and over while a reader reads it: once the file
    exists every read finds it whole, and no temporary file is left behind."""
    sources = profile_sources(PROFILES_DIRECTORY)
    key = cache_key(sources)
    path = cache / f"langdetect-profiles-{key}.npz"
    profiles = build_profiles(sources)
    done = threading.Event()

    def write_repeatedly() -> None:
        for _ in range(4):
            write_cached(path, key, profiles)

    writers = [threading.Thread(target=write_repeatedly) for _ in range(2)]
    for writer in writers:
        writer.start()
    threading.Thread(target=lambda: ([writer.join() for writer in writers], done.set())).start()
    reads = []
    while not done.is_set():
        existed = path.exists()
        read = read_cached(path, key)
        assert read is not None or not existed
        if read is not None:
            reads.append(read)
    reads.append(read_cached(path, key))
    for read in reads:
        assert_same(read)
    assert cached_files(cache) == [path]
