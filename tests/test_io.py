"""Unit tests for newsclean.io: decoding with fallback, binary detection, finding inputs,
output safety checks and atomic writes."""

from __future__ import annotations

import codecs
import errno
import fnmatch
import gzip
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import io as newsclean_io
from newsclean.document import split_lines
from newsclean.errors import BinaryInputError, EncodingError, InputError, OutputError, UsageError
from newsclean.io import (
    AtomicWrites,
    InputFile,
    atomic_write_text,
    check_output_safe,
    check_targets_safe,
    decode_bytes,
    find_inputs,
    read_document,
    read_document_and_hash,
    sweep_temporaries,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE = (SEEDS / "000_8f364771f0068d94.txt").read_text(encoding="utf-8")


def test_valid_utf8_is_read_as_is_without_warning():
    decoded = decode_bytes(ARTICLE.encode("utf-8"), "a.txt")
    assert decoded.text == ARTICLE and decoded.encoding == "utf-8" and decoded.warning is None


def test_invalid_utf8_that_is_clean_cp1252_falls_back_to_cp1252_with_offset():
    data = ARTICLE.encode("utf-8")[:200] + "Café “quoted”".encode("cp1252")
    decoded = decode_bytes(data, "page.txt")
    assert decoded.encoding == "cp1252"
    assert decoded.text.endswith("Café “quoted”")
    assert decoded.warning == "page.txt: not valid UTF-8 (first bad byte at offset 203); decoded as cp1252 (Windows-1252)"


def test_invalid_utf8_that_is_not_cp1252_gets_replacement_characters():
    # 0x81 is undefined in cp1252, so only the U+FFFD fallback is left.
    decoded = decode_bytes(b"Caf\xe9 and \x81 more", "page.txt")
    assert decoded.text == "Caf\ufffd and \ufffd more"
    assert "first bad byte at offset 3" in decoded.warning and "U+FFFD" in decoded.warning


def test_strict_encoding_makes_invalid_utf8_an_error_that_names_file_and_offset():
    with pytest.raises(EncodingError, match=r"page\.txt: not valid UTF-8 \(first bad byte at offset 3\).*--strict-encoding"):
        decode_bytes(b"Caf\xe9", "page.txt", strict=True)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_byte_order_marks_are_honoured_and_removed(encoding):
    data = ARTICLE.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + data
    decoded = decode_bytes(data, "bom.txt")
    assert decoded.text == ARTICLE and decoded.warning is None


def test_bad_byte_offset_is_exact_across_read_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 64)
    text = ARTICLE[:1000]
    good = text.encode("utf-8")
    # Cut a multi-byte character in half at a chunk boundary region, then add a bad byte.
    data = good + b"\xff" + good
    path = tmp_path / "chunked.txt"
    path.write_bytes(data)
    document, warning = read_document(path)
    assert f"offset {len(good)}" in warning
    assert "\n".join(document.lines).startswith(text.rstrip("\n"))


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", ARTICLE)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "description"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "a PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "a JPEG image"),
        (_zip_bytes(), "a ZIP archive (or a docx/xlsx/epub)"),
        (gzip.compress(ARTICLE.encode("utf-8"), mtime=0), "a gzip archive"),
        (ARTICLE.encode("utf-8") + b"\x00\x01\x02", "binary data (contains NUL bytes)"),
    ],
    # Named by what they are: ids made from the bytes would be long, and a gzip header's
    # timestamp could make pytest-xdist's workers collect different ones.
    ids=["png", "jpeg", "zip", "gzip", "nul-bytes"],
)
def test_binary_data_is_refused_and_named(data, description):
    with pytest.raises(BinaryInputError, match=rf"x\.bin: skipped, it looks like {re.escape(description)}, not text"):
        decode_bytes(data, "x.bin")


def test_nul_bytes_after_the_first_chunk_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 256)
    path = tmp_path / "late.txt"
    path.write_bytes(ARTICLE.encode("utf-8") + b"\x00" * 8)
    with pytest.raises(BinaryInputError, match="NUL bytes"):
        read_document(path)


def test_nul_bytes_after_an_invalid_utf8_byte_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 256)
    path = tmp_path / "late.txt"
    path.write_bytes(b"caf\xe9 " + ARTICLE.encode("utf-8") + b"\x00")
    with pytest.raises(BinaryInputError, match="NUL bytes"):
        read_document(path)


def test_read_document_splits_lines_like_document_from_text(tmp_path):
    path = tmp_path / "newlines.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n\nfour")
    document, warning = read_document(path)
    assert document.lines == ("one", "two", "three", "", "four") and warning is None


def test_find_inputs_is_sorted_recursive_and_reports_broken_links(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("two")
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "skip.md").write_text("not matched")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    found, errors = find_inputs([str(tmp_path), str(tmp_path / "missing.txt")])
    assert [item.relative.as_posix() for item in found] == ["a.txt", "b/2.txt"]
    assert errors == [
        f"{tmp_path / 'loop.txt'}: is a symbolic link loop; fix or remove the link",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]


def test_output_directory_inside_or_equal_to_an_input_directory_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "in", target_is_directory=True)
    for outdir in (tmp_path / "in", tmp_path / "in" / "out", tmp_path / "link" / "out"):
        with pytest.raises(UsageError, match="inside input directory"):
            check_output_safe([str(tmp_path / "in")], outdir)
    check_output_safe([str(tmp_path / "in")], tmp_path / "out")


def test_an_output_that_is_an_input_file_is_refused_even_through_a_hard_link(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(ARTICLE)
    os.link(source, tmp_path / "hard.txt")
    with pytest.raises(UsageError, match="would overwrite the input"):
        check_targets_safe([(source, tmp_path / "hard.txt")])


def test_targets_in_a_directory_that_does_not_exist_are_not_looked_at_one_by_one(tmp_path, monkeypatch):
    source = tmp_path / "in" / "a.txt"
    source.parent.mkdir()
    source.write_text(ARTICLE)
    os.link(source, tmp_path / "in" / "hard.txt")
    looked_at: list[str] = []
    real_lstat = os.lstat

    def counting_lstat(path, *args, **kwargs):
        looked_at.append(os.fspath(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", counting_lstat)
    fresh = tmp_path / "out" / "sub"
    check_targets_safe([(source, fresh / f"{number}.txt") for number in range(5)])
    assert looked_at == []
    with pytest.raises(UsageError, match="would overwrite the input"):
        check_targets_safe([(source, fresh / "0.txt"), (source, tmp_path / "in" / "hard.txt")])


def test_a_broken_link_or_a_link_to_an_input_as_target_is_still_looked_at(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(ARTICLE)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link.txt").symlink_to(source)
    with pytest.raises(UsageError, match="would overwrite the input"):
        check_targets_safe([(source, tmp_path / "out" / "link.txt")])
    (tmp_path / "out" / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    check_targets_safe([(source, tmp_path / "out" / "broken.txt")])


def _reference_walk_directory(root: Path, pattern: str, errors: list[str]) -> list[InputFile]:
    """The walk `io._walk_directory` replaced: `os.walk`'s names, a stat of each (is_file)."""
    found: list[InputFile] = []
    problems: list[tuple[tuple[str, ...], str]] = []

    def unreadable_directory(error: OSError) -> None:
        problems.append((Path(error.filename).parts, str(newsclean_io.input_error(Path(error.filename), error))))

    for directory, _, names in os.walk(root, onerror=unreadable_directory):
        for name in names:
            if not fnmatch.fnmatchcase(name, pattern):
                continue
            candidate = Path(directory) / name
            if candidate.is_file():
                found.append(InputFile(candidate, candidate.relative_to(root)))
            elif candidate.is_symlink():
                problems.append((candidate.parts, str(newsclean_io._symlink_problem(candidate))))
            else:
                problems.append((candidate.parts, str(newsclean_io.special_file_error(candidate, candidate.lstat().st_mode))))
    errors.extend(message for _, message in sorted(problems))
    return sorted(found, key=lambda item: item.path.parts)


def test_find_inputs_finds_what_the_walk_with_a_stat_a_file_found(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "c.txt").write_text("three")
    (tmp_path / "deep" / "b.txt").write_text("two")
    (tmp_path / "real.txt").write_text("one")
    (tmp_path / "to-file.txt").symlink_to(tmp_path / "real.txt")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "dir.txt").mkdir()
    (tmp_path / "dir.txt" / "d.txt").write_text("four")
    (tmp_path / "dirlink.txt").symlink_to(tmp_path / "deep", target_is_directory=True)
    os.mkfifo(tmp_path / "fifo.txt")
    found, errors = find_inputs([str(tmp_path)])
    expected_errors: list[str] = []
    assert found == _reference_walk_directory(tmp_path, "*.txt", expected_errors) and errors == expected_errors
    assert [item.relative.as_posix() for item in found] == ["deep/b.txt", "deep/er/c.txt", "dir.txt/d.txt", "real.txt", "to-file.txt"]
    assert len(errors) == 3


def test_inputs_that_are_not_regular_files_are_errors_when_listed(tmp_path):
    # clean reads every input twice (template lines, then cleaning): a pipe would give its
    # text to the first read only, so a pipe, a device or a socket is refused when listed,
    # given itself, through a link, or found in a directory; regular files and links to them
    # are inputs as before.
    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "page.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "to-page.txt").symlink_to(page)
    os.mkfifo(tmp_path / "in" / "pipe.txt")
    (tmp_path / "in" / "to-pipe.txt").symlink_to(tmp_path / "in" / "pipe.txt")
    found, errors = find_inputs([str(tmp_path / "in"), str(tmp_path / "in" / "pipe.txt"), "/dev/null"])
    assert [item.relative.as_posix() for item in found] == ["page.txt", "to-page.txt"]
    advice = "not a regular file; save its content to a file and clean that, or pipe one document to 'newsclean clean -'"
    assert errors == [
        f"{tmp_path / 'in' / 'pipe.txt'}: skipped, it is a named pipe (FIFO), {advice}",
        f"{tmp_path / 'in' / 'to-pipe.txt'}: skipped, it is a named pipe (FIFO), {advice}",
        f"{tmp_path / 'in' / 'pipe.txt'}: skipped, it is a named pipe (FIFO), {advice}",
        f"/dev/null: skipped, it is a character device, {advice}",
    ]


def _reference_check_targets_safe(pairs: list[tuple[Path, Path]]) -> None:
    """The check `check_targets_safe` replaced: a stat and an lstat of every target."""
    for source, target in pairs:
        if (target.exists() or target.is_symlink()) and newsclean_io._same_file(source, target):
            raise UsageError(f"output {target} would overwrite the input {source}; choose an output directory outside the inputs")


def test_check_targets_safe_refuses_what_a_look_at_every_target_refused(tmp_path):
    source = tmp_path / "in" / "a.txt"
    source.parent.mkdir()
    source.write_text(ARTICLE)
    (tmp_path / "in" / "other.txt").write_text("other")
    os.link(source, tmp_path / "in" / "hard.txt")
    (tmp_path / "in" / "link.txt").symlink_to(source)
    (tmp_path / "in" / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    targets = [
        tmp_path / "fresh" / "a.txt",
        tmp_path / "in" / "new.txt",
        tmp_path / "in" / "other.txt",
        tmp_path / "in" / "hard.txt",
        tmp_path / "in" / "link.txt",
        tmp_path / "in" / "broken.txt",
        tmp_path / "in" / "a.txt" / "under-a-file.txt",
        source,
    ]
    refused = []
    for target in targets:
        outcomes = []
        for check in (check_targets_safe, _reference_check_targets_safe):
            try:
                check([(source, target)])
                outcomes.append(None)
            except UsageError as error:
                outcomes.append(str(error))
        assert outcomes[0] == outcomes[1], target
        if outcomes[0] is not None:
            refused.append(target.name)
    assert refused == ["hard.txt", "link.txt", "a.txt"]


def test_reading_a_directory_says_it_is_one(tmp_path):
    with pytest.raises(InputError, match="is a directory; give it as an input"):
        read_document(tmp_path)


def test_a_forked_process_names_its_temporary_files_with_its_own_id(tmp_path):
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            handle, name = newsclean_io._create_temporary(tmp_path / "child.txt")
            os.close(handle)
            os.write(writer, name.encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        name = stream.read().decode()
    os.waitpid(child, 0)
    handle, own = newsclean_io._create_temporary(tmp_path / "parent.txt")
    os.close(handle)
    assert f".child.txt.{child}-" in name and f".parent.txt.{os.getpid()}-" in own


def test_atomic_write_replaces_whole_file_and_keeps_umask_permissions(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "old\n")
    atomic_write_text(target, ARTICLE)
    assert target.read_text(encoding="utf-8") == ARTICLE
    assert os.listdir(target.parent) == ["out.txt"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failed_atomic_write_leaves_old_content_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old\n")

    def disk_full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(newsclean_io.os, "fsync", disk_full)
    with pytest.raises(OutputError, match="No space left on device; nothing partial was left behind; free some space"):
        atomic_write_text(target, ARTICLE)
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_sweep_removes_only_our_temporaries(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    (tmp_path / ".keep.txt.tmp").write_text("not ours")
    (tmp_path / ".out.txt.abc123.newsclean-tmp").write_text("partial")
    removed = sweep_temporaries(tmp_path)
    assert [path.name for path in removed] == [".out.txt.abc123.newsclean-tmp"]
    assert sorted(os.listdir(tmp_path)) == [".keep.txt.tmp", "keep.txt"]


# Decoding once: the lines a file gives are those of the text-mode reading it replaced --------

#: Byte pieces that exercise the decoder: line breaks of every kind, multi-byte characters
#: (cut at chunk edges when chunks are tiny), bytes invalid in UTF-8 (0x81 is not cp1252
#: either), and real article text.
_BYTE_PIECES = [b"\n", b"\r", b"\r\n", b"\r\r\n", "é".encode(), "“€”".encode(), b"\xe9", b"\x81", b"\xc3", b" ", ARTICLE[:300].encode()]


def _text_mode_lines(data: bytes, encoding: str, errors: str) -> tuple[str, ...]:
    """The reference: a universal-newline text stream over the bytes, newlines stripped."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, newline=None)
    return tuple(line[:-1] if line.endswith("\n") else line for line in stream)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from([b"", codecs.BOM_UTF8]),
    pieces=st.lists(st.sampled_from(_BYTE_PIECES), max_size=40),
    chunk_bytes=st.integers(min_value=4, max_value=64),  # the first chunk holds a whole BOM, as with 1 MB chunks
)
def test_reading_a_file_decodes_once_into_the_lines_of_text_mode(prefix, pieces, chunk_bytes):
    data = prefix + b"".join(pieces)
    with tempfile.TemporaryDirectory() as directory, pytest.MonkeyPatch.context() as patch:
        path = Path(directory) / "page.txt"
        path.write_bytes(data)
        decoded = decode_bytes(data, str(path))  # decoded whole, in one chunk
        patch.setattr(newsclean_io, "CHUNK_BYTES", chunk_bytes)
        document, warning = read_document(path)
    errors = "replace" if decoded.warning and "U+FFFD" in decoded.warning else "strict"
    if not prefix:
        # With a BOM the offset counts from after the BOM when the bad byte is in the first
        # chunk (as it always has), so it depends on the chunk size; without one it must not.
        assert warning == decoded.warning
    assert (warning is None) == (decoded.warning is None)
    assert document.lines == _text_mode_lines(data, decoded.encoding, errors) == tuple(split_lines(decoded.text))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_crlf_cut_across_chunks_reads_like_text_mode(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 7)
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    data = bom + ARTICLE.replace("\n", "\r\n").encode(encoding) + b"\x00"  # an odd last byte: invalid UTF-16
    path = tmp_path / "utf16.txt"
    path.write_bytes(data)
    document, warning = read_document(path)
    assert document.lines == _text_mode_lines(data, "utf-16", "replace")
    assert warning == f"{path}: not valid UTF-16 (first bad byte at offset {len(data) - 1}); undecodable bytes replaced with U+FFFD"


# Group commit of outputs -------------------------------------------------------------------


def test_staged_outputs_appear_only_when_committed_and_discard_leaves_old_content(tmp_path):
    (tmp_path / "old.txt").write_text("old\n")
    writes = AtomicWrites()
    writes.stage(tmp_path / "old.txt", [b"new\n"])
    writes.stage(tmp_path / "sub" / "deeper" / "a.txt", [b"one ", b"two\n"])
    assert (tmp_path / "old.txt").read_text() == "old\n" and not (tmp_path / "sub" / "deeper" / "a.txt").exists()
    assert writes.commit() == [tmp_path / "old.txt", tmp_path / "sub" / "deeper" / "a.txt"]
    assert (tmp_path / "old.txt").read_text() == "new\n" and (tmp_path / "sub" / "deeper" / "a.txt").read_text() == "one two\n"
    writes.stage(tmp_path / "old.txt", [b"newer\n"])
    writes.discard()
    assert writes.commit() == []
    assert (tmp_path / "old.txt").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "deeper", "old.txt", "sub"]


@pytest.mark.parametrize("background", [False, True])
@pytest.mark.parametrize("fallback", ["no group sync asked", "no syncfs", "another filesystem"])
def test_commit_fsyncs_each_file_before_its_rename_and_each_directory_once_after_them(tmp_path, monkeypatch, background, fallback):
    # Without syncfs (another system, an old kernel, ctypes failing, a filesystem not known to
    # sync with it), a group commit fsyncs each file, then each changed directory.
    if fallback == "no syncfs":
        monkeypatch.setattr(newsclean_io, "_syncfs", lambda: None)
    elif fallback == "another filesystem":
        monkeypatch.setattr(newsclean_io, "_syncfs", lambda: RecordingSyncfs([], filesystem=0x6969))  # NFS
    events: list = []
    logging_calls(monkeypatch, events)
    writes = AtomicWrites(background=background, sync_filesystems=fallback != "no group sync asked")
    for name in ("a.txt", "b.txt", "new/c.txt"):
        writes.stage(tmp_path / name, [name.encode()])
    writes.commit()
    writes.close()
    assert [(tmp_path / name).read_text() for name in ("a.txt", "b.txt", "new/c.txt")] == ["a.txt", "b.txt", "new/c.txt"]
    renames = [index for index, (kind, _) in enumerate(events) if kind == "rename"]
    assert len(renames) == 3 and len(events) == 8
    for index in renames:  # each temporary file was fsynced before its rename
        assert events.index(("fsync", events[index][1])) < index
    # Then one fsync per directory that changed: tmp_path (renames, the new directory), new/.
    assert sorted(path for _, path in events[max(renames) + 1 :]) == [str(tmp_path), str(tmp_path / "new")]


class RecordingSyncfs:
    """Stands in for `io._Syncfs` (so these tests do not depend on the kernel or the
    filesystem): notes each syncfs in `events`, as ("syncfs", device of the descriptor), and
    makes the call numbered `fail_at` (from 1) fail with EIO."""

    def __init__(self, events: list, filesystem: int = 0xEF53, fail_at: int | None = None) -> None:
        self.events = events
        self.filesystem = filesystem
        self.fail_at = fail_at
        self.calls = 0

    def sync(self, handle: int) -> None:
        self.calls += 1
        self.events.append(("syncfs", os.fstat(handle).st_dev))
        if self.calls == self.fail_at:
            raise OSError(errno.EIO, "Input/output error")

    def filesystem_type(self, handle: int) -> int:
        return self.filesystem


def logging_calls(monkeypatch, events: list) -> None:
    """Note every fsync (the path of the descriptor) and rename (the source) in `events`."""
    real_fsync, real_replace = os.fsync, os.replace

    def logged_fsync(handle):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{handle}")))
        real_fsync(handle)

    def logged_replace(source, target):
        events.append(("rename", str(source)))
        real_replace(source, target)

    monkeypatch.setattr(newsclean_io.os, "fsync", logged_fsync)
    monkeypatch.setattr(newsclean_io.os, "replace", logged_replace)


@pytest.mark.parametrize("background", [False, True])
def test_a_group_commit_syncs_the_filesystem_before_any_rename_and_again_before_it_returns(tmp_path, monkeypatch, background):
    events: list = []
    logging_calls(monkeypatch, events)
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: RecordingSyncfs(events))
    writes = AtomicWrites(background=background, sync_filesystems=True)
    (tmp_path / "old.txt").write_text("old\n")
    names = ("old.txt", "b.txt", "new/c.txt", "new/deeper/d.txt")
    for name in names:
        writes.stage(tmp_path / name, [name.encode(), b"\n"])
    assert events == [] and (tmp_path / "old.txt").read_text() == "old\n"  # staged: written, not synced
    committed = writes.commit()
    events.append(("returned", ""))
    device = os.stat(tmp_path).st_dev
    # One syncfs, then the renames in staging order, then one syncfs: no fsync of any file or
    # directory, and the commit returns only after the second syncfs.
    assert [kind for kind, _ in events] == ["syncfs", "rename", "rename", "rename", "rename", "syncfs", "returned"]
    assert events[0] == events[5] == ("syncfs", device)
    assert [Path(source).name.split(".newsclean-tmp")[0].rsplit(".", 1)[0] for kind, source in events if kind == "rename"] == [
        ".old.txt", ".b.txt", ".c.txt", ".d.txt"
    ]
    assert committed == [tmp_path / name for name in names]
    assert [(tmp_path / name).read_text() for name in names] == [f"{name}\n" for name in names]
    events.clear()
    assert writes.commit() == [] and events == []  # nothing staged: nothing synced
    writes.close()
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == sorted(["b.txt", "new", "new/c.txt", "new/deeper", "new/deeper/d.txt", "old.txt"])


def test_group_commit_outputs_are_the_bytes_per_file_fsync_writes(tmp_path, monkeypatch):
    big = ARTICLE.encode("utf-8") * 50  # past BACKGROUND_WRITE_BYTES below: written by the caller either way
    monkeypatch.setattr(newsclean_io, "BACKGROUND_WRITE_BYTES", 1024)
    contents = {"a.txt": [ARTICLE.encode("utf-8")], "empty.txt": [], "site/big.txt": [big[:5000], big[5000:]], "site/b.txt": [b"x"]}
    for how in ("fsync", "syncfs"):
        monkeypatch.setattr(newsclean_io, "_syncfs", (lambda: None) if how == "fsync" else (lambda: RecordingSyncfs([])))
        writes = AtomicWrites(background=True, sync_filesystems=True)
        for name, pieces in contents.items():
            writes.stage(tmp_path / how / name, iter(pieces))
        writes.commit()
        writes.close()
    for name, pieces in contents.items():
        assert (tmp_path / "syncfs" / name).read_bytes() == (tmp_path / "fsync" / name).read_bytes() == b"".join(pieces)


def test_a_failing_syncfs_before_the_renames_leaves_no_temporary_file_and_no_new_output(tmp_path, monkeypatch):
    events: list = []
    logging_calls(monkeypatch, events)
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: RecordingSyncfs(events, fail_at=1))
    (tmp_path / "old.txt").write_text("old\n")
    writes = AtomicWrites(background=True, sync_filesystems=True)
    for name in ("old.txt", "b.txt", "site/c.txt"):
        writes.stage(tmp_path / name, [b"new\n"])
    with pytest.raises(
        OutputError,
        match=r"cannot write .*old\.txt and 2 other output\(s\) of its group: Input/output error; nothing partial was left behind; "
        r"fix the cause, then re-run with --resume",
    ):
        writes.commit()
    assert [kind for kind, _ in events] == ["syncfs"]  # no rename
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["old.txt", "site"]
    assert (tmp_path / "old.txt").read_text() == "old\n"
    assert writes.commit() == []  # the failed group is gone, not committed later
    writes.discard()
    writes.close()


def test_a_failing_syncfs_after_the_renames_keeps_the_outputs_from_the_commit(tmp_path, monkeypatch):
    # The renames happened but are not known durable: the files are complete, but the commit
    # must not return them (they would be recorded in the manifest); --resume redoes them.
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: RecordingSyncfs([], fail_at=2))
    writes = AtomicWrites(sync_filesystems=True)
    for name in ("a.txt", "b.txt"):
        writes.stage(tmp_path / name, [name.encode()])
    with pytest.raises(OutputError, match=r"cannot write .*a\.txt and 1 other output\(s\) of its group: Input/output error"):
        writes.commit()
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt"] and (tmp_path / "b.txt").read_text() == "b.txt"
    assert writes.commit() == []
    writes.close()


def test_a_file_not_on_its_directorys_filesystem_is_fsynced_before_its_rename(tmp_path, monkeypatch):
    # A directory replaced behind the writer's back (here: its first device noted wrongly)
    # may put an output on a filesystem whose syncfs descriptor was opened after its write.
    events: list = []
    logging_calls(monkeypatch, events)
    monkeypatch.setattr(newsclean_io, "_syncfs", lambda: RecordingSyncfs(events))
    writes = AtomicWrites(sync_filesystems=True)
    writes.stage(tmp_path / "a.txt", [b"a"])
    writes.stage(tmp_path / "site" / "b.txt", [b"b"])
    staged = list(writes._staged)
    writes._staged[1] = (*staged[1][:3], staged[1][3] + 1)
    assert writes.commit() == [tmp_path / "a.txt", tmp_path / "site" / "b.txt"]
    writes.close()
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "syncfs", "rename", "rename", "syncfs"]
    assert Path(events[0][1]).name.startswith(".b.txt.")


@pytest.mark.skipif(newsclean_io._syncfs() is None, reason="needs Linux >= 5.17 with syncfs reachable through ctypes")
def test_syncfs_through_ctypes_syncs_a_filesystem_and_raises_its_errno(tmp_path):
    syncfs = newsclean_io._syncfs()
    handle = os.open(tmp_path, os.O_RDONLY)
    try:
        syncfs.sync(handle)
        assert syncfs.filesystem_type(handle) is not None
    finally:
        os.close(handle)
    with pytest.raises(OSError) as raised:
        syncfs.sync(handle)  # closed: EBADF
    assert raised.value.errno == errno.EBADF


@pytest.mark.parametrize("data", [ARTICLE.encode("utf-8"), b"caf\xe9 " + ARTICLE.encode("utf-8"), b"", ARTICLE.encode("utf-16")])
def test_reading_and_hashing_gives_the_document_and_the_files_size_and_sha256(tmp_path, monkeypatch, data):
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 256)  # the fallback reads the file three times
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    document, warning, size, sha256 = read_document_and_hash(path)
    assert (document, warning) == read_document(path)
    assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_background_fsync_that_fails_commits_the_outputs_before_it_and_reports_it(tmp_path, monkeypatch):
    real_fsync = os.fsync

    c_written = threading.Event()

    def disk_full_for_b(handle):
        name = os.readlink(f"/proc/self/fd/{handle}")
        if name.startswith(str(tmp_path / ".b.txt.")):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(handle)
        if name.startswith(str(tmp_path / ".c.txt.")):
            c_written.set()

    monkeypatch.setattr(newsclean_io.os, "fsync", disk_full_for_b)
    writes = AtomicWrites(background=True)
    for name in ("a.txt", "b.txt", "c.txt"):
        writes.stage(tmp_path / name, [name.encode()])
    with pytest.raises(OutputError, match=r"cannot write .*b\.txt: No space left on device; nothing partial was left behind"):
        writes.commit()
    assert c_written.wait(timeout=10)  # c is written on a background thread
    left = sorted(os.listdir(tmp_path))  # a in place, b's temporary file gone, c's waiting
    assert len(left) == 2 and left[0].startswith(".c.txt.") and left[1] == "a.txt"
    assert writes.commit() == [tmp_path / "a.txt", tmp_path / "c.txt"]
    writes.close()
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "c.txt"]


def test_background_writes_fsync_several_files_at_once(tmp_path, monkeypatch):
    # Each fsync waits until another one is running too: one fsync thread would time out.
    both_running = threading.Barrier(2, timeout=10)
    real_fsync = os.fsync

    def fsync_alongside_another(handle):
        if stat.S_ISREG(os.fstat(handle).st_mode):  # the directory's fsync runs alone
            both_running.wait()
        real_fsync(handle)

    monkeypatch.setattr(newsclean_io.os, "fsync", fsync_alongside_another)
    writes = AtomicWrites(background=True)
    for name in ("a.txt", "b.txt"):
        writes.stage(tmp_path / name, [name.encode()])
    assert writes.commit() == [tmp_path / "a.txt", tmp_path / "b.txt"]
    writes.close()
    assert [(tmp_path / name).read_text() for name in ("a.txt", "b.txt")] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("background", [False, True])
def test_an_output_directory_removed_during_a_run_is_made_again(tmp_path, background):
    writes = AtomicWrites(background=background)
    writes.stage(tmp_path / "site" / "a.txt", [b"first\n"])
    assert writes.commit() == [tmp_path / "site" / "a.txt"]
    shutil.rmtree(tmp_path / "site")
    writes.stage(tmp_path / "site" / "b.txt", [b"second\n"])
    assert writes.commit() == [tmp_path / "site" / "b.txt"]
    writes.close()
    assert (tmp_path / "site" / "b.txt").read_text() == "second\n"


def test_a_background_writer_writes_an_output_past_the_held_size_itself_and_fsyncs_it(tmp_path, monkeypatch):
    monkeypatch.setattr(newsclean_io, "BACKGROUND_WRITE_BYTES", 4)
    writer_threads = []
    real_write_and_sync = newsclean_io._write_and_sync

    def noting_thread(path, pieces, created_names=None):
        writer_threads.append(threading.current_thread().name)
        return real_write_and_sync(path, pieces, created_names)

    monkeypatch.setattr(newsclean_io, "_write_and_sync", noting_thread)
    writes = AtomicWrites(background=True)
    writes.stage(tmp_path / "small.txt", [b"abc"])
    writes.stage(tmp_path / "large.txt", iter([b"abc", b"def", b"gh\n"]))
    assert writes.commit() == [tmp_path / "small.txt", tmp_path / "large.txt"]
    writes.close()
    assert [(tmp_path / name).read_bytes() for name in ("small.txt", "large.txt")] == [b"abc", b"abcdefgh\n"]
    assert len(writer_threads) == 1 and writer_threads[0].startswith("newsclean-fsync")  # the small one only


@pytest.mark.parametrize("size", [0, 1, 5, 6, 7, 64])
def test_file_chunks_give_every_byte_whatever_the_file_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(newsclean_io, "CHUNK_BYTES", 6)
    path = tmp_path / "input.txt"
    data = bytes(range(97, 97 + 26)) * 3
    path.write_bytes(data[:size])
    chunks = list(newsclean_io._file_chunks(path))
    assert b"".join(chunks) == data[:size] and all(0 < len(chunk) <= 6 for chunk in chunks)


def test_file_chunks_read_what_is_appended_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(b"first part\n")
    chunks = newsclean_io._file_chunks(path)
    first = next(chunks)
    with open(path, "ab") as stream:
        stream.write(b"appended after the size was taken\n")
    assert first + b"".join(chunks) == b"first part\nappended after the size was taken\n"


def test_a_target_named_without_a_directory_is_checked_in_the_current_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(ARTICLE)
    os.link("a.txt", "hard.txt")
    with pytest.raises(UsageError, match="would overwrite the input"):
        check_targets_safe([(Path("a.txt"), Path("hard.txt"))])
    check_targets_safe([(Path("a.txt"), Path("fresh.txt"))])


@pytest.mark.parametrize("sync_filesystems", [True, False])
def test_ctrl_c_as_a_temporary_file_is_created_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync_filesystems: bool) -> None:
    # A SIGINT that arrives while open(2) creates the file is raised as the call returns: the
    # file exists, and no code has its name yet. On ext4 after deletions, where creating takes
    # hundreds of microseconds, Ctrl-C left one such file in 9 of 14 interrupted runs.
    real_open = os.open

    def open_then_interrupted(name, flags, mode=0o777, **kwargs):
        handle = real_open(name, flags, mode, **kwargs)
        if name.endswith(newsclean_io.TEMPORARY_SUFFIX):
            os.close(handle)
            raise KeyboardInterrupt
        return handle

    # Signals reach the main thread: files the background threads create are not in question.
    writes = newsclean_io.AtomicWrites(background=sync_filesystems, sync_filesystems=sync_filesystems)
    writes.stage(tmp_path / "first.txt", [b"kept\n"])
    writes.commit()
    monkeypatch.setattr(newsclean_io.os, "open", open_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        writes.stage(tmp_path / "second.txt", [b"interrupted\n"])
    monkeypatch.undo()
    writes.discard()
    writes.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.txt"]
