"""Lines a page repeats go, every copy (a repeated sentence keeps its first copy); an article
line said once stays."""

from __future__ import annotations

from newsclean import AdMarkerFilter, Document, Pipeline, RepeatedLineFilter

from .conftest import devset_lines, seed_text


def test_repeated_labels_and_headlines_on_a_real_page_go() -> None:
    lines = devset_lines("8634d1211c3f")
    result = Pipeline([RepeatedLineFilter()]).run(Document.from_text("\n".join(lines)))
    dropped = {lines[removal.line - 1] for removal in result.removals}
    assert "Business" in dropped
    assert "Why L.A. Times?" in dropped
    assert "Tribune Publishing renames itself Tronc as its dispute with Gannett continues" in dropped
    kept = {paragraph.text for paragraph in result.kept()}
    assert any(line.startswith("The merger of the big newspaper chains Gannett and GateHouse") for line in kept)


def test_copies_dropped_by_an_earlier_filter_still_count() -> None:
    text = "Follow RT on\nThe ministry said the talks would resume on Monday in Geneva.\nFollow RT on\n"
    result = Pipeline([RepeatedLineFilter()]).run(Document.from_text(text))
    assert [removal.line for removal in result.removals] == [1, 3]
    assert result.removals[0].reason == "line repeated 2 times on the page (lines 1, 3)"


def test_long_repeated_paragraphs_are_left_to_deduplication() -> None:
    paragraph = (
        "Turkish state media Wednesday said Turkey and Russia had agreed a nationwide truce plan for "
        "Syria but none of the key players in the conflict offered an immediate confirmation, and the "
        "rebels said they had not been consulted."
    )
    result = Pipeline([RepeatedLineFilter()]).run(Document.from_text(f"{paragraph}\n{paragraph}\n"))
    assert result.removals == ()


def test_seed_articles_lose_only_their_repeated_ad_markers() -> None:
    text = seed_text("004_16dd4417dd52c2cc.txt")
    result = Pipeline([AdMarkerFilter(), RepeatedLineFilter()]).run(Document.from_text(text))
    assert {removal.filter for removal in result.removals} == {"ad-marker"}


def test_a_sentence_echoed_as_a_pull_quote_keeps_its_first_copy() -> None:
    quote = '"I just want to be able to perform my own music," she said.'
    text = "\n".join(
        [
            "Taylor Swift's first six albums were released through Big Machine.",
            quote,
            "She claimed the label thought the performance would amount to a re-recording.",
            quote,
            "Music",
            "Music",
        ]
    )
    result = Pipeline([RepeatedLineFilter()]).run(Document.from_text(text))
    assert [(removal.line, removal.reason) for removal in result.removals] == [
        (4, "repeats the sentence kept at line 2"),
        (5, "line repeated 2 times on the page (lines 5, 6)"),
        (6, "line repeated 2 times on the page (lines 5, 6)"),
    ]
    assert result.kept()[1].text == quote


def test_occurrences_are_reused_only_for_the_very_same_lines() -> None:
    from newsclean.document import kept_paragraphs
    from newsclean.filters.base import PageView

    repeats = RepeatedLineFilter()
    lines = ("Business", "The council approved the budget on Tuesday.", "Business", "")
    first = repeats.find_removals(PageView("a", lines, kept_paragraphs(lines, set())))
    # A later round: the same lines, line 1 already dropped, still counted as an occurrence.
    later = repeats.find_removals(PageView("a", lines, kept_paragraphs(lines, {1})))
    assert [removal.line for removal in first] == [1, 3]
    assert [removal.line for removal in later] == [3]
    other = ("Business", "The council approved the budget on Tuesday.")
    assert repeats.find_removals(PageView("b", other, kept_paragraphs(other, set()))) == []
