"""The exported strategies tell the truth about the default pipeline: what they say is kept is
kept, and each line they say is dropped is dropped by the filter, for the reason kind, they name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean import Document
from newsclean.stats import reason_kind
from newsclean.strategies import (
    MAX_LINES_BETWEEN_PARAGRAPHS,
    articles,
    boilerplate_lines,
    near_duplicate_pairs,
    non_english_fragments,
    scraped_documents,
    word_sections,
)
from newsclean.wordlists import foreign_stopwords, words

from .conftest import ROOT


@settings(max_examples=60, deadline=None)
@given(articles())
def test_articles_are_kept_whole(article) -> None:
    assert newsclean.clean(article.text) == article.text
    assert all(len(words(paragraph)) >= 25 for paragraph in article.paragraphs)


@settings(max_examples=40, deadline=None)
@given(articles(min_paragraphs=0, max_paragraphs=2))
def test_articles_of_any_allowed_size_are_kept_whole_even_empty(article) -> None:
    assert newsclean.clean(article.text) == article.text
    assert article.text.count("\n\n") == max(len(article.paragraphs) - 1, 0)


@settings(max_examples=5)
@given(articles(min_paragraphs=0, max_paragraphs=0))
def test_an_article_without_paragraphs_is_the_empty_text(article) -> None:
    assert article.text == newsclean.clean("") == ""


@settings(max_examples=80, deadline=None)
@given(articles(min_paragraphs=2), boilerplate_lines() | non_english_fragments())
def test_each_boilerplate_line_is_dropped_by_the_named_filter(article, line) -> None:
    text = "\n\n".join([article.paragraphs[0], line.text, *article.paragraphs[1:]]) + "\n"
    result = newsclean.default_pipeline().run(text)
    assert [(r.line, r.filter, reason_kind(r.reason)) for r in result.removals] == [(3, line.filter, line.reason_kind)]
    assert result.text == article.text


@settings(max_examples=80, deadline=None)
@given(scraped_documents())
def test_scraped_documents_keep_exactly_the_article(page) -> None:
    result = newsclean.default_pipeline().run(page.to_document())
    assert result.text == page.expected_text
    dropped_by = {removal.line: removal.filter for removal in result.removals}
    assert tuple(dropped_by.get(page.line_number(i)) for i in range(len(page.lines))) == page.expected_filters


@settings(max_examples=200)
@given(scraped_documents())
def test_scraped_documents_put_at_most_two_lines_of_furniture_between_paragraphs(page) -> None:
    """More would make the paragraphs after them read as the page footer (`ArticleBodyFilter`):
    three ad markers and a non-English fragment between two 40-word paragraphs once made the
    default pipeline drop the second, against the strategy's answer."""
    kept_at = [index for index, expected in enumerate(page.expected_filters) if expected is None]
    assert len(kept_at) == len(page.kept) >= 2
    assert all(later - earlier - 1 <= MAX_LINES_BETWEEN_PARAGRAPHS for earlier, later in zip(kept_at, kept_at[1:]))


@settings(max_examples=30, deadline=None)
@given(near_duplicate_pairs(edit_rate=0.1, min_words=40))
def test_near_duplicate_pairs_change_the_share_of_words_asked_for(pair) -> None:
    original, variant = pair.original.split(), pair.variant.split()
    assert len(original) >= 40 and len(variant) == len(original)
    assert [i for i, (a, b) in enumerate(zip(original, variant)) if a != b] == list(pair.edited_positions)
    assert pair.edits == round(0.1 * len(original))


@settings(max_examples=20, deadline=None)
@given(st.from_type(Document))
def test_from_type_document_draws_scraped_pages(document) -> None:
    assert isinstance(document, Document) and len(document.lines) >= 2


def test_article_words_are_no_other_language_function_words() -> None:
    entries = {word for section in word_sections("article_words").values() for entry in section for word in words(entry)}
    for language, stopwords in foreign_stopwords().items():
        assert not entries & stopwords, language


def test_near_duplicate_variant_is_dropped_by_dedup() -> None:
    import pytest

    pytest.importorskip("newsclean.dedup")

    @settings(max_examples=20, deadline=None)
    @given(near_duplicate_pairs(edit_rate=0.015, min_words=60))
    def check(pair) -> None:
        with newsclean.default_pipeline(dedup=True) as pipeline:
            pipeline.run(Document.from_text(pair.original + "\n", "original"))
            result = pipeline.run(Document.from_text(pair.variant + "\n", "variant"))
        assert [(r.filter, r.details["original_document"]) for r in result.removals] == [("near-duplicate", "original")]

    check()


# Importing hypothesis runs its entry points, newsclean's hook among them, so the hook may run
# while newsclean.strategies is itself importing hypothesis. Each order runs in a fresh
# interpreter (this one has long imported both) and must end with the strategy registered.
_FROM_TYPE_DRAWS_A_PAGE = """
from hypothesis import strategies as st
from newsclean import Document
document = st.from_type(Document).example()
assert isinstance(document, Document) and document.lines, document
print("registered")
"""
IMPORT_ORDERS = {
    "strategies first": "from newsclean.strategies import scraped_documents",
    "hypothesis first": "import hypothesis\nimport newsclean.strategies",
    "package, then strategies as an attribute": "import newsclean\nnewsclean.strategies.articles",
    "hypothesis alone": "import hypothesis",
}


def _fresh_environment() -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name != "HYPOTHESIS_NO_PLUGINS"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return environment


@pytest.mark.parametrize("imports", IMPORT_ORDERS.values(), ids=IMPORT_ORDERS.keys())
def test_strategies_import_in_any_order_and_register_document(imports: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", imports + "\n" + _FROM_TYPE_DRAWS_A_PAGE],
        capture_output=True, text=True, timeout=120, env=_fresh_environment(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "registered"


def test_pytest_collects_a_test_file_that_imports_strategies_first(tmp_path) -> None:
    (tmp_path / "test_user.py").write_text(
        "from newsclean.strategies import scraped_documents\n"
        "from hypothesis import given, settings, strategies as st\n"
        "import newsclean\n\n"
        "@settings(max_examples=3, deadline=None)\n"
        "@given(scraped_documents(), st.from_type(newsclean.Document))\n"
        "def test_user(page, document):\n"
        "    assert newsclean.clean(page.text) == page.expected_text\n"
        "    assert isinstance(document, newsclean.Document)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=_fresh_environment(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
