"""The article-body filter: page header and footer around the heaviest stretch of prose go,
the article (and a lone headline above it) stays."""

from __future__ import annotations

from newsclean import ArticleBodyFilter, Document, Pipeline, default_pipeline
from newsclean.filters.prose import line_shape

from .conftest import devset_lines, seed_text


def decisions(pipeline: Pipeline, lines: list[str]) -> dict[str, tuple[str, str]]:
    """Each non-empty line's text -> (action, filter) under the pipeline."""
    result = pipeline.run(Document.from_text("\n".join(lines)))
    return {
        decision.text: (decision.action, decision.removal.filter if decision.removal else "")
        for decision in result.decisions()
        if decision.text
    }


def test_prose_shape_of_real_lines() -> None:
    assert line_shape("Public Ombudsman Nadia Cruz’s office said the deaths were caused by gunshot wounds.").is_prose
    # Event listings are light on function words but are still article sentences.
    assert line_shape(
        "VISIT the Pennsylvania National Horse Show, Oct. 11–21, in Harrisburg, PA. The historic show features the $132,000 Grand Prix."
    ).is_prose
    assert not line_shape("Evo Morales news").is_prose
    assert not line_shape("Trends:").is_prose
    assert not line_shape("Thanks for watching!").is_prose  # a sentence, but too short to weigh


def test_header_and_footer_of_a_real_page_go_body_stays() -> None:
    lines = devset_lines("4a44ab3e4c41")
    outcome = decisions(default_pipeline(), lines)
    headline = next(line for line in lines if line.startswith("‘He died in my hands’"))
    assert outcome[headline] == ("DROP", "outside-body")
    assert outcome["20 Nov, 2019 05:47"] == ("DROP", "outside-body")
    assert outcome["Get short URL"] == ("DROP", "outside-body")
    for line in lines:
        if line.startswith(("Three people have died", "Public Ombudsman", "A doctor on the scene")):
            assert outcome[line] == ("KEEP", "")
    teaser = "Drunk man terrorizes streets of small Polish town in Soviet tank"
    assert outcome[teaser] == ("DROP", "outside-body")


def test_reasons_say_where_the_body_is() -> None:
    text = "\n".join(devset_lines("4a44ab3e4c41"))
    result = default_pipeline().run(Document.from_text(text))
    reasons = [removal.reason for removal in result.removals if removal.filter == "outside-body"]
    assert any(reason.startswith("title-like line in the page header before the article body (which starts at line 46)") for reason in reasons)
    assert any("page footer after the article body (which ends at line 52)" in reason for reason in reasons)


def test_prose_in_a_newsletter_box_after_the_article_goes() -> None:
    lines = devset_lines("5ae11e580afc")
    outcome = decisions(default_pipeline(), lines)
    notice = next(line for line in lines if line.startswith("An email with an activation link has just been sent"))
    assert outcome[notice] == ("DROP", "outside-body")
    body = next(line for line in lines if line.startswith("In traditional ICUs, each patient is wired"))
    assert outcome[body] == ("KEEP", "")


def test_lone_headline_above_the_article_stays() -> None:
    text = seed_text("001_093badba0021ab0b.txt")
    result = Pipeline([ArticleBodyFilter()]).run(Document.from_text(text))
    assert 1 not in result.removed_lines()


def test_article_interrupted_by_a_short_widget_stays_whole() -> None:
    paragraph = (
        "The state-run Anadolu news agency said the plan aims to expand a ceasefire in the city of "
        "Aleppo to the whole country, allowing the evacuation of civilians from the east."
    )
    widget = ["Related", "Syria talks stall", "Turkey warns rebels"]
    text = "\n".join([paragraph] * 3 + widget + [paragraph.replace("Aleppo", "Idlib")] * 2)
    result = Pipeline([ArticleBodyFilter()]).run(Document.from_text(text))
    assert not {1, 2, 3, 7, 8} & result.removed_lines()


def test_page_without_prose_is_left_alone() -> None:
    text = "Home\nNews\nSport\nWeather"
    assert Pipeline([ArticleBodyFilter()]).run(Document.from_text(text)).removals == ()


def test_body_span_is_the_heaviest_stretch() -> None:
    assert ArticleBodyFilter.body_span([-10, 30, -10, 25, -10, -10, -10, 20]) == (1, 4)
    assert ArticleBodyFilter.body_span([-10, -10]) is None
    # Short sentences touching the body join it; one beyond furniture does not.
    assert ArticleBodyFilter.body_span([0, -10, 0, 30, 0, 0, -10, 0]) == (2, 6)
