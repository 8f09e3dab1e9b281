"""Speed never changes decisions: `find_removals_batch` over many documents equals
`find_removals` one document at a time, for both storages and several batch sizes, and both
equal a reference run of the code before the speed work (tests/dedup_reference.json), on the
real paragraphs of seeds/ and the dev sample with planted copies. The fast tokeniser equals
its regular-expression definition.

Regenerate the reference only when decisions are meant to change:
`python -m tests.test_dedup_batch` (and say why in the commit).
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.dedup import MemoryIndex, NearDuplicateFilter, words
from newsclean.document import Document, Paragraph
from newsclean.dedup.shingles import _ASCII_WORD_BYTES, _NEEDS_UNICODE_WORDS, _PLAIN_SEPARATORS, _word_text
from newsclean.filters.base import PageView

from .conftest import DEVSET, SEEDS

REFERENCE = Path(__file__).parent / "dedup_reference.json"
EDIT_WORDS = ["reportedly", "officials", "Tuesday", "analysts", "also", "however", "the"]


def real_articles() -> list[tuple[str, list[str]]]:
    """(name, non-empty lines) of seeds/ and the dev sample's scraped and truth pages."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    return [(f"{path.parent.name}/{path.name}", [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]) for path in paths]


def planted_copy(text: str, rng: random.Random) -> str:
    """An exact, cosmetic, or 5-30% word-edited copy."""
    kind = rng.randrange(5)
    if kind == 0:
        return text
    if kind == 1:
        return text.upper().replace("'", "’").replace(", ", " , ")
    items = text.split()
    for _ in range(max(1, round(len(items) * rng.choice([0.05, 0.15, 0.3])))):
        position = rng.randrange(len(items))
        if rng.random() < 0.5:
            items[position] = rng.choice(EDIT_WORDS)
        elif len(items) > 2:
            del items[position]
    return " ".join(items)


def corpus() -> list[PageView]:
    """Real articles, then pages of planted copies mixed with unrelated paragraphs and a
    template line, some page ids repeated, a page without paragraphs, and earlier pages again."""
    articles = real_articles()
    rng = random.Random(7)
    long_paragraphs = [text for _, lines in articles for text in lines if len(words(text)) >= 8]
    pages = [(name, lines) for name, lines in articles]
    for number in range(900):
        lines = [planted_copy(rng.choice(long_paragraphs), rng) for _ in range(rng.randrange(1, 4))]
        if rng.random() < 0.3:
            lines.insert(rng.randrange(len(lines) + 1), "Share this story on Facebook and Twitter")
        pages.append((f"copy-{number % 800}", lines))
    pages.append(("empty", []))
    pages.extend(pages[:5])
    return [PageView(name, tuple(lines), [Paragraph(line, text) for line, text in enumerate(lines, start=1)]) for name, lines in pages]


PAGES = corpus() if (DEVSET / "truth").is_dir() else []


def one_at_a_time(pages: list[PageView], index: Path | None) -> list[list[dict]]:
    dedup = NearDuplicateFilter(index=index)
    try:
        return [[removal.to_dict() for removal in dedup.find_removals(page)] for page in pages]
    finally:
        dedup.close()


def batched(pages: list[PageView], index: Path | None, size: int) -> list[list[dict]]:
    dedup = NearDuplicateFilter(index=index)
    try:
        return [[removal.to_dict() for removal in removals] for start in range(0, len(pages), size) for removals in dedup.find_removals_batch(pages[start : start + size])]
    finally:
        dedup.close()


def compact(removals: list[list[dict]], pages: list[PageView]) -> list[list[list]]:
    """Removals as short lists, documents named by the number of their first page:
    [line, original page, original line, similarity] or [line, documents] (template)."""
    first_page: dict[str, int] = {}
    for number, page in enumerate(pages):
        first_page.setdefault(page.document_id, number)
    return [
        [
            [removal["line"], first_page[details["original_document"]], details["original_line"], details["similarity"]]
            if "original_document" in (details := removal["details"])
            else [removal["line"], details["documents"]]
            for removal in page_removals
        ]
        for page_removals in removals
    ]


@pytest.fixture(scope="module")
def reference() -> list[list[dict]]:
    """The one-at-a-time run, checked against the stored reference run."""
    if not PAGES:
        pytest.skip("../shared/devset is not available")
    found = one_at_a_time(PAGES, None)
    assert compact(found, PAGES) == json.loads(REFERENCE.read_text(encoding="utf-8"))
    return found


def test_sqlite_one_at_a_time_equals_memory(reference: list[list[dict]], tmp_path: Path) -> None:
    assert one_at_a_time(PAGES, tmp_path / "index.db") == reference


@pytest.mark.parametrize(("storage", "size"), [("memory", 2), ("memory", 37), ("memory", 5000), ("sqlite", 9), ("sqlite", 400)])
def test_batches_decide_as_one_at_a_time(storage: str, size: int, reference: list[list[dict]], tmp_path: Path) -> None:
    found = batched(PAGES, None if storage == "memory" else tmp_path / "index.db", size)
    assert found == reference
    # The corpus exercises every kind of decision, within batches too.
    reasons = [removal["reason"] for removals in found for removal in removals]
    assert any("estimated similarity" in reason for reason in reasons)
    assert any("same text after normalisation" in reason for reason in reasons)
    assert any(reason.startswith("site template line") for reason in reasons)


def test_explaining_in_batches_decides_as_one_at_a_time(tmp_path: Path) -> None:
    """record=False: documents already in the index are checked against the others only."""
    index = tmp_path / "index.db"
    batched(PAGES[:300], index, 100)
    readers = [NearDuplicateFilter(index=index, record=False) for _ in range(2)]
    try:
        single = [[removal.to_dict() for removal in readers[0].find_removals(page)] for page in PAGES[250:450]]
        together = [[removal.to_dict() for removal in removals] for removals in readers[1].find_removals_batch(PAGES[250:450])]
    finally:
        for reader in readers:
            reader.close()
    assert together == single and any(single[:50]) and any(single[50:])


WORD = regex.compile(r"[\p{L}\p{N}\p{M}_]+")


def regex_words(text: str) -> list[str]:
    """The definition the fast tokeniser implements."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def test_fast_words_equal_the_regex_definition_on_real_lines() -> None:
    lines = [line for _, lines in real_articles() for line in lines]
    assert [words(line) for line in lines] == [regex_words(line) for line in lines]
    assert words("Naïve CAFÉ — “Straße” ﬁne e\u0301t\u00e9 ١٢٣ x\u00ady") == regex_words("Naïve CAFÉ — “Straße” ﬁne e\u0301t\u00e9 ١٢٣ x\u00ady")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_words_equal_the_regex_definition(text: str) -> None:
    assert words(text) == regex_words(text)


def test_plain_separators_are_the_common_typographic_ones() -> None:
    assert set("‘’“”–—…\u00a0\u200b«»") <= set(_PLAIN_SEPARATORS)
    assert not set("éß²™½\u0301\u00a8") & set(_PLAIN_SEPARATORS)
    real_plain = [line for _, lines in real_articles() for line in lines if not line.isascii() and not _NEEDS_UNICODE_WORDS.search(line)]
    assert len(real_plain) > 100  # the real-lines test above covers the plain-separator path


PLAIN_ALPHABET = st.sampled_from("aZq09_ .,'\"-&*\t?") | st.sampled_from(_PLAIN_SEPARATORS)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=PLAIN_ALPHABET))
def test_plain_separator_path_equals_the_regex_definition(text: str) -> None:
    assert words(text) == regex_words(text)


if __name__ == "__main__":
    REFERENCE.write_text(json.dumps(compact(one_at_a_time(PAGES, None), PAGES), separators=(",", ":")) + "\n", encoding="utf-8")


def word_text_scanning_whole_text(text: str) -> bytes:
    """What `_word_text` did before it scanned only a text's non-ASCII characters for one
    that needs NFKC: the whole text scanned, each plain separator one "?" byte."""
    if text.isascii():
        return text.encode("utf-8").translate(_ASCII_WORD_BYTES)
    if _NEEDS_UNICODE_WORDS.search(text) is None:
        return text.encode("ascii", "replace").translate(_ASCII_WORD_BYTES)
    text = unicodedata.normalize("NFKC", text).casefold()
    for character in set(regex.findall(r"[^\x00-\x7f]", text)):
        if WORD.fullmatch(character) is None:
            text = text.replace(character, " ")
    return text.encode("utf-8").translate(_ASCII_WORD_BYTES)


def test_non_ascii_scan_gives_the_same_words_on_real_lines() -> None:
    lines = [line for _, lines in real_articles() for line in lines if not line.isascii()]
    assert sum(not _NEEDS_UNICODE_WORDS.search(line) for line in lines) > 100
    assert [_word_text(line).split() for line in lines] == [word_text_scanning_whole_text(line).split() for line in lines]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=PLAIN_ALPHABET | st.sampled_from("é\u0301ﬁ²\ud800\udfff\U0001f600"), max_size=30))
def test_non_ascii_scan_gives_the_same_words(text: str) -> None:
    # Lone surrogates, a character beyond the BMP, accents and compatibility forms among the
    # separators: each must send the text to the same path as scanning the whole text did.
    assert _word_text(text).split() == word_text_scanning_whole_text(text).split()


def test_band_order_of_recorded_rows_sorts_their_band_hashes() -> None:
    from newsclean.dedup.filter import _Batch

    dedup = NearDuplicateFilter()
    batch = _Batch(PAGES[:300], dedup)
    rng = random.Random(5)
    rows_count = len(batch.bands)
    for rows in ([], list(range(rows_count)), sorted(rng.sample(range(rows_count), rows_count // 3))):
        keys = batch.bands[rows].reshape(-1)
        order = batch.band_order_of(rows)
        assert sorted(order.tolist()) == list(range(len(keys)))
        assert np.array_equal(keys[order], np.sort(keys))
    assert np.array_equal(batch.bands.reshape(-1)[batch.band_order], np.sort(batch.bands.reshape(-1)))


def test_rows_with_candidates_are_the_rows_whose_candidates_are_not_empty() -> None:
    from newsclean.dedup.filter import _Batch, _BatchState

    if not PAGES:
        pytest.skip("../shared/devset is not available")
    batch = _Batch(PAGES[-400:], NearDuplicateFilter())
    state = _BatchState(batch, {})
    rng = random.Random(3)
    found = 0
    for number in range(len(batch.pages)):
        rows = range(batch.row_starts[number], batch.row_starts[number + 1])
        assert list(rows) == [batch.long_row[position] for position in batch.positions(number) if position in batch.long_row]
        with_candidates = state.rows_with_candidates(batch, number)
        assert with_candidates == {row for row in rows if state.candidate_rows(batch, row)}
        found += len(with_candidates)
        kept = [position for position in batch.positions(number) if rng.random() < 0.7]
        state.record(batch, number, kept, counted_before=False)
    assert found > 20


class EveryParagraphDecided(NearDuplicateFilter):
    """The filter without its shortcut for paragraphs nothing can match."""

    def _unmatched(self, batch, *_: object) -> list[bool]:  # type: ignore[no-untyped-def]
        return [False] * len(batch.paragraphs)


class CountedShortcut(NearDuplicateFilter):
    """The filter as it is, counting the paragraphs its shortcut keeps."""

    shortcuts = 0

    def _unmatched(self, *arguments):  # type: ignore[no-untyped-def]
        unmatched = super()._unmatched(*arguments)
        self.shortcuts += sum(unmatched)
        return unmatched


@pytest.mark.parametrize("record", [True, False])
def test_unmatched_paragraphs_are_kept_by_every_decision(record: bool) -> None:
    if not PAGES:
        pytest.skip("../shared/devset is not available")
    runs = []
    for kind in (CountedShortcut, EveryParagraphDecided):
        index = MemoryIndex(NearDuplicateFilter().settings)
        if not record:  # explain every page against an index that holds the first 300
            NearDuplicateFilter(index=index).find_removals_batch(PAGES[:300])
        dedup = kind(index=index, record=record)
        dedup.count_template_lines(Document(page.document_id, page.lines) for page in PAGES[:200])
        runs.append([[removal.to_dict() for removal in removals] for start in range(0, len(PAGES), 150) for removals in dedup.find_removals_batch(PAGES[start : start + 150])])
        if kind is CountedShortcut:
            assert dedup.shortcuts > 50
    assert runs[0] == runs[1] and any(runs[0])
