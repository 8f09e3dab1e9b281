"""batch.py's output bookkeeping: the pieces an output is written in, and the paragraph
counts of the summary, checked against their definitions on real text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import batch, default_pipeline
from newsclean.document import Result
from newsclean.io import read_document

from .conftest import SEEDS


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab\né", max_size=25), max_size=12), st.integers(1, 9))
def test_bounded_pieces_rejoin_to_the_text_and_respect_the_limit(chunks, limit):
    original = batch._WRITE_PIECE
    batch._WRITE_PIECE = limit
    try:
        pieces = list(batch._bounded_pieces(chunks))
    finally:
        batch._WRITE_PIECE = original
    assert "".join(pieces) == "".join(chunks)
    assert all(0 < len(piece) <= limit for piece in pieces)
    if all(len(chunk) <= limit for chunk in chunks):  # small chunks are joined as far as they fit
        assert all(len(first) + len(second) > limit for first, second in zip(pieces, pieces[1:]))


def test_a_results_pieces_are_its_text_in_few_writes():
    result = default_pipeline(dedup=False).run(read_document(sorted(SEEDS.glob("*.txt"))[0])[0])
    pieces = list(batch._bounded_pieces(result.text_chunks()))
    assert pieces == [result.text]


def test_kept_paragraphs_counts_what_kept_lists_on_real_pages():
    pipeline = default_pipeline()
    results = [pipeline.run(read_document(path)[0]) for path in sorted(SEEDS.glob("*.txt"))]
    assert any(result.removals for result in results)
    assert [batch._kept_paragraphs(result) for result in results] == [len(result.kept()) for result in results]


def writer_counting_commits(monkeypatch) -> tuple[batch._OutputWriter, list[int], Result]:
    """An output writer without a manifest whose commits record how many outputs each holds,
    and a result of the first seed to write with it."""
    writer = batch._OutputWriter(None, batch.BatchSummary())
    commits: list[int] = []
    real_commit = writer.commit

    def counting_commit() -> None:
        commits.append(writer._uncommitted)
        real_commit()

    monkeypatch.setattr(writer, "commit", counting_commit)
    result = default_pipeline().run(read_document(SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0])[0])
    return writer, commits, result


def test_outputs_are_committed_as_often_as_were_committed_before_and_at_most_every_256(tmp_path, monkeypatch):
    writer, commits, result = writer_counting_commits(monkeypatch)
    for number in range(700):
        writer.write(result, tmp_path / f"{number}.txt", tmp_path / f"{number}.txt", None)
        writer.commit_when_due()
    writer.finish()
    # 1, then as many as before (1, 2, 4, ...), at most 256 at a time; the rest at the end.
    assert commits == [1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 188]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"{number}.txt" for number in range(700))


def test_no_commit_holds_more_than_256_outputs_whatever_the_batches(tmp_path, monkeypatch):
    writer, groups, result = writer_counting_commits(monkeypatch)
    outcomes = iter(range(1000))
    # Batches as the tail makes them with several jobs: doubling, then of every size.
    sizes = [1, 2, 4, 8, 16, 32, 64, 128, 200, 200, 40, 256, 49]
    batches = (batch_ for batch_ in [[next(outcomes) for _ in range(size)] for size in sizes])
    for number in batch._committing_each_batch(batches, writer.commit_when_due):
        writer.write(result, tmp_path / f"{number}.txt", tmp_path / f"{number}.txt", None)
    writer.finish()
    assert sum(groups) == sum(sizes) and max(groups) == batch._COMMIT_OUTPUTS == 256
    assert groups[:8] == [1, 2, 4, 8, 16, 32, 64, 128]  # one group per doubling batch, as before


def test_planned_outputs_are_the_output_directory_joined_with_each_relative_path(tmp_path) -> None:
    import pytest
    from pathlib import Path

    from newsclean.errors import UsageError
    from newsclean.io import InputFile

    inputs = [InputFile(tmp_path / "a.txt", Path("a.txt")), InputFile(tmp_path / "s" / "b.txt", Path("s") / "b.txt")]
    for outdir in (Path("."), Path("out"), tmp_path / "out", Path("out") / ".." / "elsewhere"):
        plan = batch.plan_outputs(inputs, outdir)
        assert [(item, target) for item, target in plan] == [(item, outdir / item.relative) for item in inputs]
        assert all(type(target) is type(outdir / "x") for _, target in plan)
    with pytest.raises(UsageError, match="would both be written to"):
        batch.plan_outputs([*inputs, InputFile(tmp_path / "other" / "a.txt", Path("a.txt"))], Path("out"))
