"""The template-line pass counts, for every line key, the documents it occurs in: the counts
from the memoised keys (`dedup.template_keys`) equal those of the definition (every line
normalised, then its normalised form's key) on real pages with cosmetic copies of their lines,
on generated documents, and when the memo forgets lines; and the normalisation it gives with the
keys (`template_line_keys_and_normalisation`) equals `normalise_lines`' in the same cases."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import Document, NearDuplicateFilter
from newsclean.dedup import exact_key, normalised_form, template_keys
from newsclean.io import read_document
from newsclean.memo import LONG_LINE_CHARACTERS
from newsclean.normalise import normalise_lines

from .conftest import DEVSET, SEEDS


def defined_counts(documents: list[Document]) -> Counter[int]:
    """Documents per key by definition: each document's lines normalised, then keyed."""
    counts: Counter[int] = Counter()
    for document in documents:
        normalised, _ = normalise_lines(document.lines)
        counts.update({exact_key(normalised_form(line)) for line in normalised if line})
    return counts


def counted(documents: list[Document]) -> Counter[int]:
    dedup = NearDuplicateFilter()
    dedup.count_template_lines(documents)
    return dedup._corpus_forms


def assert_normalisations_equal_normalise_lines(documents: list[Document]) -> None:
    """Each document's normalisation from the memo equals `normalise_lines`' (the memo keeps
    its lines between documents, as in the pass)."""
    for document in documents:
        keys, normalised = template_keys.template_line_keys_and_normalisation(document.lines)
        assert keys == template_keys.template_line_keys(document.lines)
        assert normalised == normalise_lines(document.lines), document.id


def assert_memo_size_is_its_bytes(memo: template_keys._KeyMemo) -> None:
    assert set(memo.changes) <= set(memo.keys)
    entry = template_keys._ENTRY_BYTES
    lines = sum(len(line) + entry for line in memo.keys)
    assert memo.size == lines + sum(len(text) + entry for text, _ in memo.changes.values())


def cosmetic_copy(line: str, rng: random.Random) -> str:
    """The line as another page of a site may carry it: other spacing, case, quotes, an HTML
    entity, an invisible character, or unchanged; all with the same key."""
    kind = rng.randrange(7)
    if kind == 0:
        return "  " + line.replace(" ", "\t", 1) + " "
    if kind == 1:
        return line.upper()
    if kind == 2:
        return line.replace("'", "\u2019").replace('"', "\u201c")
    if kind == 3:
        return line.replace("&", "&amp;").replace(" ", "&nbsp;", 1)
    if kind == 4:
        return "\u200b" + line
    if kind == 5:
        return line.encode("utf-8").decode("cp1252", "replace") if not line.isascii() else line + " \u00a0"
    return line


def real_corpus() -> list[Document]:
    """seeds/ and the dev sample's pages, then three cosmetic copies of each (each line copied
    on its own), so a key reaches three documents through several raw lines."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    pages = [read_document(path)[0] for path in paths]
    rng = random.Random(7)
    copies = [
        Document(f"{page.id}#{number}", tuple(cosmetic_copy(line, rng) for line in page.lines)) for number in range(3) for page in pages
    ]
    return pages + copies


@pytest.fixture(scope="module")
def corpus() -> list[Document]:
    if not (DEVSET / "scraped").is_dir():
        pytest.skip("../shared/devset is not available")
    return real_corpus()


def test_counts_equal_their_definition_on_real_pages_and_copies(corpus: list[Document]) -> None:
    expected = defined_counts(corpus)
    assert counted(corpus) == expected
    # Hundreds of keys reach three documents only through several different raw lines (a raw
    # line has one key, so at most this many keys have a raw line in three documents).
    raw = Counter(line for document in corpus for line in set(document.lines))
    template_keys_by_one_line = sum(1 for documents in raw.values() if documents >= 3)
    assert sum(1 for documents in expected.values() if documents >= 3) >= template_keys_by_one_line + 500


def test_counts_equal_their_definition_when_the_memo_forgets(corpus: list[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_keys, "_memo", template_keys._KeyMemo())
    monkeypatch.setattr(template_keys, "KEY_MEMO_BYTES", 5000)
    assert counted(corpus) == defined_counts(corpus)
    memo = template_keys._memo
    assert memo.keys and memo.changes
    assert_memo_size_is_its_bytes(memo)
    entry = template_keys._ENTRY_BYTES
    most_one_document_adds = max(sum(2 * (len(line) + entry) for line in set(document.lines)) for document in corpus)
    assert memo.size <= 5000 + most_one_document_adds
    assert_normalisations_equal_normalise_lines(corpus)
    assert_memo_size_is_its_bytes(memo)


def test_normalisation_equals_normalise_lines_on_real_pages_and_copies(corpus: list[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_keys, "_memo", template_keys._KeyMemo())
    assert_normalisations_equal_normalise_lines(corpus)
    # The cosmetic copies change thousands of lines (spacing, entities, invisible characters).
    assert len(template_keys._memo.changes) > 1000
    assert_memo_size_is_its_bytes(template_keys._memo)


def test_long_lines_are_keyed_but_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_keys, "_memo", template_keys._KeyMemo())
    long_line = "word " * (LONG_LINE_CHARACTERS // 5 + 1)
    documents = [Document(f"d{number}", (long_line, "Share this story", "")) for number in range(3)]
    assert counted(documents) == defined_counts(documents)
    assert set(template_keys._memo.keys) == {"Share this story", ""}


def test_the_cli_forgets_the_keys_after_its_pass(tmp_path) -> None:
    from newsclean.cli import main

    (tmp_path / "in").mkdir()
    for number, path in enumerate(sorted(SEEDS.glob("*.txt"))[:3]):
        (tmp_path / "in" / f"page{number}.txt").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--jobs", "1"]) == 0
    assert len(list((tmp_path / "out").glob("page*.txt"))) == 3
    assert template_keys._memo.keys == {}


_SAMPLE_LINES = [
    "Breaking news: markets fall",
    "Subscribe to our newsletter",
    "© 2024 The Daily Example",
    "Caf\u00e9 owners\u2019 \u201cnew\u201d rules",
    "Tom & Jerry",
    "***",
    "\u2014",
    "",
]


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(_SAMPLE_LINES),
                st.tuples(st.sampled_from(_SAMPLE_LINES), st.randoms(use_true_random=False)).map(lambda pair: cosmetic_copy(*pair)),
                st.text(alphabet=st.sampled_from(" \t\u00a0aZé’“&amp;©\u200b.-1"), max_size=12),
            ),
            max_size=8,
        ),
        max_size=8,
    )
)
def test_counts_equal_their_definition(documents: list[list[str]]) -> None:
    built = [Document(f"d{number}", tuple(lines)) for number, lines in enumerate(documents)]
    assert counted(built) == defined_counts(built)
    assert_normalisations_equal_normalise_lines(built)
