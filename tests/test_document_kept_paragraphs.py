"""`kept_paragraphs` with nothing removed builds its Paragraphs with C loops only (`map` over
`tuple.__new__`): it must give exactly what the comprehension it replaced gave, Paragraph for
Paragraph, on real pages and on any lines."""

from __future__ import annotations

from itertools import compress

from hypothesis import given
from hypothesis import strategies as st

from newsclean.document import Paragraph, kept_paragraphs

from .test_pipeline_split import real_documents


def former_kept_paragraphs(lines: list[str] | tuple[str, ...]) -> list[Paragraph]:
    """The code `kept_paragraphs(lines, set())` replaced."""
    return [tuple.__new__(Paragraph, pair) for pair in compress(enumerate(lines, start=1), lines)]


def assert_same_paragraphs(lines: list[str] | tuple[str, ...]) -> None:
    built = kept_paragraphs(lines, set())
    expected = former_kept_paragraphs(lines)
    assert built == expected
    assert [type(paragraph) for paragraph in built] == [Paragraph] * len(expected)
    assert [(paragraph.line, paragraph.text) for paragraph in built] == [(p.line, p.text) for p in expected]


def test_the_same_paragraphs_on_every_real_page() -> None:
    documents = real_documents()
    assert sum(1 for document in documents if "" in document.lines) > 0  # blank lines are skipped
    for document in documents:
        assert_same_paragraphs(document.lines)


@given(st.lists(st.sampled_from(["", "", "Headline", "A sentence of the article.", " "]) | st.text(max_size=20), max_size=40))
def test_the_same_paragraphs_on_any_lines(lines: list[str]) -> None:
    assert_same_paragraphs(lines)
    assert_same_paragraphs(tuple(lines))
