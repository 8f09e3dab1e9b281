"""NearDuplicateFilter on real text: copies and spun copies are dropped naming the original,
template lines in every document, and the properties the issue lists (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, NearDuplicateFilter, Pipeline, default_pipeline
from newsclean.dedup import words

from .conftest import DEVSET, SEEDS


def _real_paragraphs() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    lines = [line.strip() for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted({line for line in lines if line})


REAL = _real_paragraphs()
LONG = [line for line in REAL if len(words(line)) >= 25]


def _distinct(paragraphs: list[str], limit: float = 0.25) -> list[str]:
    """Paragraphs whose exact word-bigram Jaccard with every earlier one is below `limit`."""
    chosen: list[str] = []
    chosen_sets: list[set] = []
    for paragraph in paragraphs:
        found = words(paragraph)
        bigrams = set(zip(found, found[1:]))
        if all(len(bigrams & other) < limit * len(bigrams | other) for other in chosen_sets):
            chosen.append(paragraph)
            chosen_sets.append(bigrams)
    return chosen


DISTINCT_LONG = _distinct([line for line in REAL if len(words(line)) >= 12])


def dedup_removals(pipeline: Pipeline, document: Document) -> list:
    return [removal for removal in pipeline.run(document).removals if removal.filter == "near-duplicate"]


def edit_words(text: str, count: int, rng: random.Random) -> str:
    """Substitute, insert or delete `count` words at random positions."""
    items = text.split()
    for _ in range(count):
        position = rng.randrange(len(items))
        operation = rng.choice(["substitute", "insert", "delete"])
        if operation == "substitute":
            items[position] = rng.choice(["reportedly", "officials", "Tuesday", "analysts", "sharply"])
        elif operation == "insert":
            items.insert(position, rng.choice(["also", "however", "recently", "largely"]))
        else:
            del items[position]
    return " ".join(items)


def test_spun_copy_is_dropped_naming_the_original_and_similarity() -> None:
    original = LONG[3]
    spun = edit_words(original, max(1, len(original.split()) // 20), random.Random(4))
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        pipeline.run(Document.from_text(f"Intro line of the first article\n\n{original}\n", "first"))
        (removal,) = dedup_removals(pipeline, Document.from_text(f"{spun}\n", "second"))
    assert removal.line == 1
    assert removal.details["original_document"] == "first" and removal.details["original_line"] == 3
    assert 0.6 <= removal.details["similarity"] < 1.0
    assert removal.reason.startswith("duplicate of line 3 of first (estimated similarity 0.")


def test_cosmetic_copy_is_an_exact_duplicate() -> None:
    original = "“We will not back down,” the minister said on Monday – and the crowd cheered."
    copy = '"WE will not back down", the minister said on monday - and the crowd  cheered'
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        pipeline.run(Document.from_text(original, "a"))
        (removal,) = dedup_removals(pipeline, Document.from_text(copy, "b"))
    assert "same text after normalisation" in removal.reason and removal.details["similarity"] == 1.0


def test_short_paragraphs_match_only_their_exact_form() -> None:
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        pipeline.run(Document.from_text("Photo: Reuters staff\nThe vote is on Friday.", "a"))
        removals = dedup_removals(pipeline, Document.from_text("photo - reuters staff\nThe vote is on Sunday.", "b"))
    assert [removal.line for removal in removals] == [1]


def test_template_line_streaming_from_the_nth_document_and_two_pass_in_all() -> None:
    template = "All content copyright Example Media Group, all rights reserved."
    documents = [Document.from_text(f"{REAL[n * 7]}\n{template}\n", f"page-{n}") for n in range(4)]
    with Pipeline([NearDuplicateFilter(template_documents=3)]) as pipeline:
        reasons = [[removal.reason for removal in dedup_removals(pipeline, page)] for page in documents]
    assert reasons[0] == []
    assert reasons[1] == ["duplicate of line 2 of page-0 (same text after normalisation)"]
    assert reasons[2] == ["site template line: occurs in 3 documents (template threshold 3)"]
    assert reasons[3] == ["site template line: occurs in 4 documents (template threshold 3)"]
    two_pass = NearDuplicateFilter(template_documents=3)
    two_pass.count_template_lines(documents)
    with Pipeline([two_pass]) as pipeline:
        lines = [[removal.line for removal in dedup_removals(pipeline, page)] for page in documents]
    assert lines == [[2], [2], [2], [2]]


def test_explain_mode_does_not_record() -> None:
    document = Document.from_text(LONG[0], "a")
    reader = NearDuplicateFilter(record=False)
    with Pipeline([reader]) as pipeline:
        pipeline.run(document)
        assert dedup_removals(pipeline, document) == []
    assert not reader.index.has_document("a")


def test_same_input_same_decisions_with_sqlite_and_memory(tmp_path) -> None:
    rng = random.Random(11)
    pages = [Document.from_text("\n".join(rng.sample(LONG, 5) + [edit_words(rng.choice(LONG), 2, rng)]), f"p{n}") for n in range(12)]
    outcomes = []
    for index in (None, tmp_path / "i.db"):
        with default_pipeline(dedup=True, index=index) as pipeline:
            outcomes.append([removal.to_dict() for page in pages for removal in pipeline.run(page).removals])
    assert outcomes[0] == outcomes[1] and any(r["filter"] == "near-duplicate" for r in outcomes[0])


paragraph = st.one_of(st.sampled_from(REAL), st.text(max_size=60))
document_lines = st.lists(paragraph, min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(document_lines)
def test_document_run_twice_is_wholly_dropped_the_second_time(lines: list[str]) -> None:
    document = Document.from_text("\n".join(lines), "doc")
    with default_pipeline(dedup=True) as pipeline:
        first = pipeline.run(document)
        second = pipeline.run(document)
    assert first.removed_lines() <= second.removed_lines()
    assert second.kept() == []
    assert all(removal.filter == "near-duplicate" for removal in second.removals if removal.line not in first.removed_lines())


@settings(max_examples=40, deadline=None)
@given(st.lists(document_lines, min_size=1, max_size=5))
def test_documents_replayed_with_replay_known_get_the_first_decisions(pages: list[list[str]]) -> None:
    documents = [Document.from_text("\n".join(lines), f"page-{number}") for number, lines in enumerate(pages)]
    dedup = NearDuplicateFilter(replay_known=True)
    # As `newsclean clean` does: template lines counted over the corpus first (streamed, a line
    # would become one from the Nth document on, and its replay would see all N from the start).
    dedup.count_template_lines(documents)
    with Pipeline([dedup]) as pipeline:
        first = [pipeline.run(document).removals for document in documents]
        again = [pipeline.run(document).removals for document in documents]
    assert again == first


def test_a_replayed_document_records_only_the_paragraphs_it_adds() -> None:
    added = DISTINCT_LONG[1]
    with Pipeline([NearDuplicateFilter(replay_known=True)]) as pipeline:
        pipeline.run(Document.from_text(DISTINCT_LONG[0], "page"))
        changed = pipeline.run(Document.from_text(f"{DISTINCT_LONG[0]}\n\n{added}", "page"))
        (removal,) = dedup_removals(pipeline, Document.from_text(f"Another outlet reports.\n\n{added}", "copy"))
    assert changed.removals == ()
    assert (removal.line, removal.details["original_document"], removal.details["original_line"]) == (3, "page", 3)


@settings(max_examples=40, deadline=None)
@given(document_lines)
def test_a_document_is_never_a_duplicate_of_itself(lines: list[str]) -> None:
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        assert dedup_removals(pipeline, Document.from_text("\n".join(lines + lines), "doc")) == []


@settings(max_examples=25, deadline=None)
@given(st.lists(document_lines, min_size=1, max_size=6), st.integers(min_value=1, max_value=8))
def test_kept_set_does_not_depend_on_batch_size(pages: list[list[str]], batch_size: int) -> None:
    documents = [Document.from_text("\n".join(lines), f"d{n}") for n, lines in enumerate(pages)]
    results = []
    for size in (batch_size, 1024):
        with Pipeline([NearDuplicateFilter(batch_size=size)]) as pipeline:
            results.append([result.removals for result in pipeline.run_all(documents)])
    assert results[0] == results[1]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(LONG), st.integers(min_value=1, max_value=2), st.randoms(use_true_random=False))
def test_edited_copy_of_a_long_paragraph_is_found(original: str, edits: int, rng: random.Random) -> None:
    copy = edit_words(original, edits, rng)
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        pipeline.run(Document.from_text(original, "original"))
        removals = dedup_removals(pipeline, Document.from_text(copy, "copy"))
    assert [removal.details["original_document"] for removal in removals] == ["original"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(DISTINCT_LONG), min_size=2, max_size=20, unique=True))
def test_unrelated_paragraphs_are_not_dropped(paragraphs: list[str]) -> None:
    with Pipeline([NearDuplicateFilter()]) as pipeline:
        for number, text in enumerate(paragraphs):
            assert dedup_removals(pipeline, Document.from_text(text, f"d{number}")) == []


def reference_template_keys(lines: list[str]) -> set[int]:
    """The template-line keys by their definition: every line normalised, then its form's key."""
    from newsclean.dedup import exact_key, normalised_form
    from newsclean.normalise import normalise_lines

    normalised, _ = normalise_lines(lines)
    return {exact_key(normalised_form(line)) for line in normalised if line}


def test_template_line_keys_equal_their_definition_on_real_pages() -> None:
    from newsclean.dedup.filter import template_line_keys
    from newsclean.io import read_document

    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    for path in paths:
        lines = list(read_document(path)[0].lines)
        assert template_line_keys(lines) == reference_template_keys(lines), path.name


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=st.sampled_from(" \t\u00a0aZé’“&amp;©\u200b.-1"), max_size=20), max_size=6))
def test_template_line_keys_equal_their_definition(lines: list[str]) -> None:
    from newsclean.dedup.filter import template_line_keys

    assert template_line_keys(lines) == reference_template_keys(lines)


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=st.sampled_from(" \t\x0c\r-.,…—–‘’“”aZ1é&"), max_size=12), max_size=8))
def test_template_line_keys_of_fast_path_lines_equal_their_definition(lines: list[str]) -> None:
    # Mostly lines the normalisation fast path covers (keyed without normalising), some with
    # whitespace to collapse or no word at all, mixed with lines that need the general path.
    from newsclean.dedup.filter import template_line_keys

    assert template_line_keys(lines) == reference_template_keys(lines)
