"""The per-line memos keep ordinary lines across documents but no huge line beyond its own
document, so a corpus of documents with huge lines cannot fill memory through them."""

from __future__ import annotations

from newsclean import default_pipeline
from newsclean.memo import _MEMOS, LONG_LINE_CHARACTERS, line_memo_per_settings

from .conftest import seed_text

HUGE_LINE = "The council met again on Tuesday to discuss the budget. " * (LONG_LINE_CHARACTERS // 50)


def memo_sizes() -> list[int]:
    return [memo.cache_info().currsize for memo in _MEMOS]


def test_memos_keep_ordinary_lines_and_forget_after_a_document_with_a_huge_line() -> None:
    assert len(HUGE_LINE) > LONG_LINE_CHARACTERS
    pipeline = default_pipeline()
    for memo in _MEMOS:
        memo.cache_clear()
    article = seed_text("001_093badba0021ab0b.txt")
    cleaned = pipeline.clean(article)
    assert sum(memo_sizes()) > 100  # ordinary lines are remembered for the next documents
    kept = pipeline.clean(f"Home\n\n{HUGE_LINE}\n\n{article}")
    assert HUGE_LINE.strip() in kept  # the huge line is cleaned as any other
    assert memo_sizes() == [0] * len(_MEMOS)
    assert pipeline.clean(article) == cleaned  # and cleaning goes on as before


def test_a_memo_per_settings_answers_as_the_function_for_those_settings() -> None:
    calls = []

    @line_memo_per_settings
    def shorter_than(text: str, limit: int) -> bool:
        calls.append((text, limit))
        return len(text) < limit

    assert shorter_than(5) is shorter_than(5) and shorter_than(5) is not shorter_than(50)
    line = "Business news"
    assert [shorter_than(5)(line), shorter_than(50)(line), shorter_than(5)(line)] == [False, True, False]
    assert calls == [(line, 5), (line, 50)]  # the third answer was remembered
    assert shorter_than(5) in _MEMOS  # emptied with the others after a huge line
