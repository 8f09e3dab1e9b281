"""`clean --jobs 1` reads each cleanly decoded input once (read_ahead.ReadAhead): the cleaning
pass takes what the template-line pass read, and the normalisation it found. Checked against the
same runs with nothing kept (the budget at 0, i.e. every input read and normalised twice, as
before): the same outputs, manifest, exit code and messages, on real pages mixed with inputs
that fail or fall back, lenient and strict."""

from __future__ import annotations

import shutil
from collections import Counter
from itertools import accumulate
from pathlib import Path

import pytest

from newsclean import cli, io, parallel, pipeline, read_ahead
from newsclean.normalise import normalise_lines
from newsclean.errors import BinaryInputError
from newsclean.manifest import MANIFEST_NAME

from .conftest import DEVSET, SEEDS

PAGES = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))[:12]
PROSE = "The café owner said the new rules would hurt small businesses across the town this winter.\n"


def make_inputs(directory: Path) -> dict[str, str]:
    """Real pages (the first one twice, so the template counts and near-duplicates matter) and
    inputs of every kind the reader treats apart; the kind of each by file name."""
    directory.mkdir()
    kinds = {}
    for page in PAGES:
        shutil.copyfile(page, directory / page.name)
        kinds[page.name] = "clean"
    shutil.copyfile(PAGES[0], directory / "again.txt")
    # A page whose lines normalisation changes: spacing, an entity, an invisible character.
    messy = [f"  {line}\t" if number % 3 == 0 else line.replace(" ", " &amp; \u200b", 1) for number, line in enumerate(PAGES[4].read_text(encoding="utf-8").splitlines())]
    (directory / "messy.txt").write_text("\n".join(messy), encoding="utf-8")
    kinds["messy.txt"] = "clean"
    (directory / "bom8.txt").write_bytes(PAGES[1].read_text(encoding="utf-8").encode("utf-8-sig"))
    (directory / "bom16.txt").write_bytes(PAGES[2].read_text(encoding="utf-8").encode("utf-16"))
    (directory / "empty.txt").write_bytes(b"")
    kinds.update({"again.txt": "clean", "bom8.txt": "clean", "bom16.txt": "clean", "empty.txt": "clean"})
    (directory / "cp1252.txt").write_bytes(PROSE.encode("cp1252"))
    (directory / "broken.txt").write_bytes(PROSE.encode("utf-8").replace("é".encode(), b"\xe9\x81"))
    (directory / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (directory / "nul.txt").write_bytes(PAGES[3].read_bytes() + b"\x00")
    kinds.update({"cp1252.txt": "fallback", "broken.txt": "fallback", "photo.txt": "binary", "nul.txt": "binary"})
    return kinds


def run_clean(inputs: Path, outdir: Path, capsys, monkeypatch, budget: int, *options: str) -> tuple[int, str, Counter]:
    """`clean INPUTS -o OUTDIR --jobs 1` in this process with READ_AHEAD_BYTES = budget; the
    exit code, stderr and how many times each input was opened."""
    opened: Counter = Counter()
    real_file_chunks = io._file_chunks

    def counting_file_chunks(path):
        opened[Path(path).name] += 1
        return real_file_chunks(path)

    with monkeypatch.context() as patch:
        patch.setattr(read_ahead, "READ_AHEAD_BYTES", budget)
        patch.setattr(io, "_file_chunks", counting_file_chunks)
        code = cli.main(["clean", str(inputs), "-o", str(outdir), "--jobs", "1", *options])
    return code, capsys.readouterr().err, opened


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.mark.parametrize("options", [(), ("--strict-encoding",), ("--stats",)])
def test_each_clean_input_is_read_once_and_the_run_is_the_same_as_reading_twice(tmp_path, capsys, monkeypatch, options):
    kinds = make_inputs(tmp_path / "in")
    twice = run_clean(tmp_path / "in", tmp_path / "twice", capsys, monkeypatch, 0, *options)
    once = run_clean(tmp_path / "in", tmp_path / "once", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES, *options)

    assert once[:2] == (twice[0], twice[1].replace(str(tmp_path / "twice"), str(tmp_path / "once")))
    assert files(tmp_path / "once") == files(tmp_path / "twice")
    assert MANIFEST_NAME in files(tmp_path / "once")
    assert once[0] == cli.EXIT_SOME_FAILED  # the binary inputs (and, strict, the fallbacks) are reported
    for name, kind in kinds.items():
        assert twice[2][name] >= 2, name
        if kind == "clean":
            assert once[2][name] == 1, name
        else:  # read again by the cleaning pass, which reports it as before
            assert once[2][name] == twice[2][name], name


def test_a_file_changed_between_the_passes_is_cleaned_as_first_read_and_resume_redoes_it(tmp_path, capsys, monkeypatch):
    inputs = tmp_path / "in"
    make_inputs(inputs)
    changed, replacement = inputs / PAGES[4].name, PAGES[-1].read_bytes()
    code, _, _ = run_clean(inputs, tmp_path / "before", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES)
    real_count = parallel._count_template_keys

    def count_then_change(*args, **kwargs):
        real_count(*args, **kwargs)
        changed.write_bytes(replacement)

    monkeypatch.setattr(parallel, "_count_template_keys", count_then_change)
    assert run_clean(inputs, tmp_path / "out", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES)[0] == code
    monkeypatch.setattr(parallel, "_count_template_keys", real_count)
    assert (tmp_path / "out" / changed.name).read_bytes() == (tmp_path / "before" / changed.name).read_bytes()

    # The manifest recorded the bytes cleaned, so --resume sees the change and cleans it again.
    resumed = run_clean(inputs, tmp_path / "out", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES, "--resume")
    assert "cleaned 1 document(s)" in resumed[1]
    run_clean(inputs, tmp_path / "fresh", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES)
    assert (tmp_path / "out" / changed.name).read_bytes() == (tmp_path / "fresh" / changed.name).read_bytes()
    assert (tmp_path / "out" / changed.name).read_bytes() != (tmp_path / "before" / changed.name).read_bytes()


def test_only_cleanly_decoded_inputs_are_kept_up_to_the_first_that_does_not_fit(tmp_path):
    kinds = make_inputs(tmp_path / "in")
    paths = sorted((tmp_path / "in").iterdir())
    first_two = [path for path in paths if kinds[path.name] == "clean"][:2]
    budget = sum(read_ahead._cost(path.stat().st_size, len(io.read_document(path)[0].lines)) for path in first_two)
    kept = read_ahead.ReadAhead(budget)
    for path in paths:
        if kinds[path.name] == "binary":
            with pytest.raises(BinaryInputError):
                kept.read(path)
        else:
            assert kept.read(path) == io.read_document(path)[0]
    assert len(kept) == 2
    for path in paths:
        taken = kept.take(path)
        if path in first_two:
            document, warning, size, sha256 = io.read_document_and_hash(path)
            assert taken == read_ahead.ReadInput(document, size, sha256) and warning is None
        else:
            assert taken is None
    assert len(kept) == 0 and kept.take(first_two[0]) is None


def test_the_cleaning_pass_takes_the_normalisation_of_each_kept_input(tmp_path, capsys, monkeypatch):
    kinds = make_inputs(tmp_path / "in")
    normalised: Counter = Counter()

    def counting_normalise_lines(lines):
        normalised[len(lines)] += 1
        return normalise_lines(lines)

    monkeypatch.setattr(pipeline, "normalise_lines", counting_normalise_lines)
    code, _, _ = run_clean(tmp_path / "in", tmp_path / "once", capsys, monkeypatch, read_ahead.READ_AHEAD_BYTES, "--stats")
    assert code == cli.EXIT_SOME_FAILED
    # Only the inputs read again (fallbacks: the binary ones are never cleaned) are normalised by the cleaning pass.
    assert sum(normalised.values()) == sum(1 for kind in kinds.values() if kind == "fallback")
    assert normalise_lines(io.read_document(tmp_path / "in" / "messy.txt")[0].lines)[1]


def test_a_normalisation_is_kept_with_its_kept_input_while_it_fits(tmp_path):
    kinds = make_inputs(tmp_path / "in")
    paths = [path for path in sorted((tmp_path / "in").iterdir()) if kinds[path.name] == "clean"]
    messy = tmp_path / "in" / "messy.txt"
    lines = io.read_document(messy)[0].lines
    changed = normalise_lines(lines)
    assert changed[0] != lines
    budget = read_ahead._cost(messy.stat().st_size, len(lines))
    for room, kept_normalisation in ((0, False), (read_ahead.normalisation_cost(lines, changed[0]), True)):
        kept = read_ahead.ReadAhead(budget + room)
        kept.read(messy)
        kept.keep_normalisation(messy, *changed)
        kept.keep_normalisation(paths[0], *normalise_lines(io.read_document(paths[0])[0].lines))  # not kept: nothing to add to
        assert kept.keeps(messy) and not kept.keeps(paths[0])
        taken = kept.take(messy)
        assert taken is not None and taken.normalised == (changed if kept_normalisation else None)
    # A document normalisation leaves alone takes no room: its lines are the document's own.
    unchanged = next(path for path in paths if not normalise_lines(io.read_document(path)[0].lines)[1])
    kept = read_ahead.ReadAhead(read_ahead._cost(unchanged.stat().st_size, len(io.read_document(unchanged)[0].lines)))
    document = kept.read(unchanged)
    kept.keep_normalisation(unchanged, *normalise_lines(document.lines))
    taken = kept.take(unchanged)
    assert taken is not None and taken.normalised == (document.lines, ())


def test_one_of_several_processes_keeps_its_share_of_the_budget(tmp_path):
    kinds = make_inputs(tmp_path / "in")
    paths = [path for path in sorted((tmp_path / "in").iterdir()) if kinds[path.name] == "clean"][:3]
    costs = list(accumulate(read_ahead._cost(path.stat().st_size, len(io.read_document(path)[0].lines)) for path in paths))
    for processes in (1, 2, 3):
        kept = read_ahead.ReadAhead(costs[-1], processes=processes)
        for path in paths:
            kept.read(path)
        # Each of `processes` keeps at most budget // processes: together no more than one would.
        assert len(kept) == sum(1 for cost in costs if cost <= costs[-1] // processes), processes
    assert len(read_ahead.ReadAhead(costs[-1], processes=1)) == 0 and costs[0] <= costs[-1] // 2 < costs[1]


def run_worker_chunks(monkeypatch, tasks: list, keep: bool) -> tuple[list, Counter, int]:
    """A worker's template chunk over `tasks`' inputs, then its head chunk over `tasks`, run in
    this process (`parallel._start_worker` with `keep`, its process set-up left out): the head
    outcomes, how many times each input was opened and how many documents the head normalised."""
    opened: Counter = Counter()
    normalised = []
    real_file_chunks, real_normalise_lines = io._file_chunks, pipeline.normalise_lines

    def counting_file_chunks(path):
        opened[Path(path).name] += 1
        return real_file_chunks(path)

    def counting_normalise_lines(lines):
        normalised.append(len(lines))
        return real_normalise_lines(lines)

    with monkeypatch.context() as patch, pipeline.default_pipeline(dedup=True) as cleaning:
        patch.setattr(parallel, "_prepare_worker", lambda: None)
        patch.setattr(io, "_file_chunks", counting_file_chunks)
        patch.setattr(pipeline, "normalise_lines", counting_normalise_lines)
        head, _ = cleaning.split()
        parallel._start_worker(head, False, keep, {task.input.path for task in tasks}, 2)
        parallel._template_keys_of_chunk([task.input.path for task in tasks])
        outcomes = parallel._received_outcomes(tasks, parallel._run_head_chunk(tasks))
        parallel._start_worker(head, False)
    return [(outcome.task, outcome.error and str(outcome.error), outcome.result) for outcome in outcomes], opened, len(normalised)


def test_a_worker_cleans_the_inputs_its_template_chunks_read_without_reading_them_again(tmp_path, monkeypatch):
    kinds = make_inputs(tmp_path / "in")
    tasks = [parallel.FileTask(io.InputFile(path, Path(path.name)), fingerprint=True) for path in sorted((tmp_path / "in").iterdir())]
    twice = run_worker_chunks(monkeypatch, tasks, keep=False)
    once = run_worker_chunks(monkeypatch, tasks, keep=True)
    assert once[0] == twice[0]
    for name, kind in kinds.items():
        assert twice[1][name] >= 2, name
        assert once[1][name] == (1 if kind == "clean" else twice[1][name]), name
    assert twice[2] == sum(1 for kind in kinds.values() if kind != "binary")
    assert once[2] == sum(1 for kind in kinds.values() if kind == "fallback")


def test_clean_jobs_2_gives_the_same_outputs_with_the_workers_keeping_inputs_or_not(tmp_path, capsys, monkeypatch):
    make_inputs(tmp_path / "in")
    runs = {}
    for budget in (0, read_ahead.READ_AHEAD_BYTES):
        outdir = tmp_path / f"out-{budget}"
        with monkeypatch.context() as patch:
            patch.setattr(read_ahead, "READ_AHEAD_BYTES", budget)
            code = cli.main(["clean", str(tmp_path / "in"), "-o", str(outdir), "--jobs", "2"])
        runs[budget] = (code, capsys.readouterr().err.replace(str(outdir), "OUT"), files(outdir))
    assert runs[0] == runs[read_ahead.READ_AHEAD_BYTES]
    assert MANIFEST_NAME in runs[0][2] and runs[0][0] == cli.EXIT_SOME_FAILED


def test_a_kept_normalisation_costs_the_characters_of_the_lines_it_changed():
    lines = ("Short line.", "word  " * 200_000, "Another short line.")
    normalised, _ = normalise_lines(lines)
    assert normalised[1] != lines[1] and normalised[0] is lines[0]
    cost = read_ahead.normalisation_cost(lines, normalised)
    # A changed line of a megabyte is counted whole, beside a slot per line.
    assert cost == read_ahead._NORMALISED_LINE_BYTES * len(lines) + len(normalised[1])
    assert read_ahead.normalisation_cost(lines, lines) == 0


@pytest.mark.parametrize("strict", [False, True])
def test_a_chunk_queued_with_the_inputs_this_process_read_is_cleaned_in_a_worker_without_reading_them(tmp_path, monkeypatch, strict):
    """`clean --jobs N`: the cleaning chunks of inputs the main process read in the template pass
    carry them to the worker (`parallel._with_kept_inputs`), which cleans them as if it had read
    them itself, opening none of them again; the others it reads."""
    import pickle

    kinds = make_inputs(tmp_path / "in")
    tasks = [parallel.FileTask(io.InputFile(path, Path(path.name)), fingerprint=True) for path in sorted((tmp_path / "in").iterdir())]
    kept_here = read_ahead.ReadAhead()
    parallel._template_keys_of_paths(kept_here, [task.input.path for task in tasks])
    items = parallel._with_kept_inputs(kept_here, tasks)
    assert len(kept_here) == 0  # taken out: they travel with the chunk now
    assert [isinstance(item, parallel._WithInput) for item in items] == [kinds[task.input.path.name] == "clean" for task in tasks]
    assert parallel._carries_first_input(items) == (kinds[tasks[0].input.path.name] == "clean")
    sent = pickle.loads(pickle.dumps(items))  # what the pool sends the worker

    opened: Counter = Counter()
    real_file_chunks = io._file_chunks

    def counting_file_chunks(path):
        opened[Path(path).name] += 1
        return real_file_chunks(path)

    with pipeline.default_pipeline(dedup=True) as cleaning:
        head, _ = cleaning.split()
        expected = [parallel._run_head(head, task, strict) for task in tasks]
        monkeypatch.setattr(io, "_file_chunks", counting_file_chunks)
        monkeypatch.setattr(parallel, "_worker_head", head)
        monkeypatch.setattr(parallel, "_worker_strict_encoding", strict)
        monkeypatch.setattr(parallel, "_worker_read_ahead", None)
        outcomes = parallel._received_outcomes(sent, pickle.loads(pickle.dumps(parallel._run_head_chunk(sent))))
    assert [(o.task, o.warning, o.error and str(o.error), o.fingerprint) for o in outcomes] == [(o.task, o.warning, o.error and str(o.error), o.fingerprint) for o in expected]
    assert [o.result for o in outcomes] == [o.result for o in expected]
    assert {name for name, kind in kinds.items() if kind == "clean"}.isdisjoint(opened)
    assert {name for name, kind in kinds.items() if kind != "clean"} == set(opened)
