"""The core boilerplate and language filters on real lines: what must go and what must stay."""

from __future__ import annotations

import pytest

from newsclean import (
    AdMarkerFilter,
    CommentSectionFilter,
    Document,
    LanguageFilter,
    NavigationFilter,
    Pipeline,
    PromptFilter,
    ShareButtonFilter,
)

from .conftest import seed_text


def dropped(filter_, text: str) -> dict[int, str]:
    result = Pipeline([filter_]).run(Document.from_text(text))
    return {removal.line: removal.reason for removal in result.removals}


ARTICLE = (
    "The two powers back opposite sides of the conflict, with Moscow supporting the regime of "
    "President Bashar al-Assad and the United States behind a coalition of rebel groups."
)


@pytest.mark.parametrize("line", ["Advertisement", "ADVERTISEMENT -", "Sponsored content", "Story continues below advertisement"])
def test_ad_markers_go(line: str) -> None:
    assert 1 in dropped(AdMarkerFilter(), line)


@pytest.mark.parametrize(
    "line",
    ["The advertisement campaign ran for a month.", "Advertisement revenue fell 5% in the quarter.", "Sponsored by the ministry, the plan was approved."],
)
def test_sentences_mentioning_ads_stay(line: str) -> None:
    assert dropped(AdMarkerFilter(), line) == {}


@pytest.mark.parametrize(
    "line",
    ["Share", "Share this with Facebook", "Copy this link", "Email Facebook Twitter", "Print", "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.", "Gift this article"],
)
def test_share_and_follow_buttons_go(line: str) -> None:
    assert 1 in dropped(ShareButtonFilter(), line)


@pytest.mark.parametrize(
    "line",
    ["Shares fell 5% after the announcement.", "He said he would share the plan with Facebook's board.", "Follow the money, the senator said.", "Gift aid on the donation was claimed."],
)
def test_sentences_mentioning_sharing_stay(line: str) -> None:
    assert dropped(ShareButtonFilter(), line) == {}


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Sign up for our newsletter to get the latest news delivered to your inbox.", "newsletter"),
        ("Get Personalised Newsletters", "newsletter"),
        ("Already a subscriber? Log in", "subscription"),
        ("Click here to sign up to our free health newsletter", "newsletter"),
        ("Our journalism relies on your support. Subscribe today for just £1 a month.", "subscription"),
        ("We use cookies to improve your experience. By continuing you accept our cookie policy.", "cookie"),
    ],
)
def test_prompts_go_with_their_kind(line: str, kind: str) -> None:
    reasons = dropped(PromptFilter(), line)
    assert kind in reasons[1]


@pytest.mark.parametrize(
    "line",
    [
        "The newsletter industry has grown as readers pay for independent writers.",
        "The company said it would stop using tracking cookies on its sites next year.",
        "Subscriptions rose 12% in the third quarter, the publisher said.",
        # A reporter quoting a prompt: who said or found it is named.
        '"We use cookies to improve your experience" has become the most-read sentence on the web, said a privacy researcher.',
        '"Sign up for our newsletter" pop-ups appear on 68% of the most visited news sites, according to a study published last month.',
    ],
)
def test_articles_about_newsletters_and_cookies_stay(line: str) -> None:
    assert dropped(PromptFilter(), line) == {}


def test_comment_section_after_the_article_is_a_region() -> None:
    reasons = dropped(CommentSectionFilter(), seed_text("003_f62884ef3a0fed5e.txt"))
    assert min(reasons) == 61 and max(reasons) == 176
    assert "comment section heading" in reasons[61]
    assert "comment metadata" in reasons[62] and "user comment" in reasons[64]


def test_comment_prompts_and_akismet_notice() -> None:
    reasons = dropped(CommentSectionFilter(), seed_text("001_093badba0021ab0b.txt"))
    assert sorted(reasons) == [30, 32, 34]
    assert "comment notice" in reasons[34]


def test_comment_link_before_the_article_drops_only_itself() -> None:
    text = f"Comments (3)\n{ARTICLE}\n{ARTICLE}\n{ARTICLE}\n"
    assert dropped(CommentSectionFilter(), text) == {1: "comment link 'Comments (3)'"}


def test_comments_by_the_minister_stay() -> None:
    text = f"{ARTICLE}\nComments by the minister were criticised by the opposition on Tuesday.\n"
    assert dropped(CommentSectionFilter(), text) == {}


def test_navigation_run_goes_single_subheading_stays() -> None:
    menu = "Home\nNews\nSport\nWeather\niPlayer\n"
    reasons = dropped(NavigationFilter(), menu + ARTICLE + "\n- Heading to Astana? -\n" + ARTICLE)
    assert sorted(reasons) == [1, 2, 3, 4, 5]
    assert "run of 5" in reasons[1]


def test_related_list_heading_and_items_go() -> None:
    text = (
        f"{ARTICLE}\nMore on this story\nTaylor Swift wants to re-record her old hits after ownership row\n"
        "22 August 2019\nThe Taylor Swift, Scooter Braun, Justin Bieber row explained\n"
    )
    reasons = dropped(NavigationFilter(), text)
    assert sorted(reasons) == [2, 3, 4, 5]


@pytest.mark.parametrize(
    "line, evidence",
    [
        ("إقرأ هذا الخبر بالعربية W460", "Arabic script"),
        ("Президент России заявил о начале переговоров в Астане", "Cyrillic script"),
        ("O serviço de atendimento domiciliar registrou arrombamento em dois veículos da prefeitura", "Portuguese"),
    ],
)
def test_non_english_lines_go_with_evidence(line: str, evidence: str) -> None:
    reasons = dropped(LanguageFilter(), f"{ARTICLE}\n{line}\n{ARTICLE}")
    assert list(reasons) == [2] and evidence in reasons[2]


@pytest.mark.parametrize(
    "line",
    [
        "Labib Nahhas, head of foreign relations for the powerful Ahrar al-Sham rebel group, denied it.",
        "The crowd chanted “¡No pasarán!” as the convoy passed through the square.",
        "US, Russia seal Syria ceasefire, new military partnership",
        "Mevlut Cavusoglu",
    ],
)
def test_english_with_foreign_names_and_words_stays(line: str) -> None:
    assert dropped(LanguageFilter(), f"{ARTICLE}\n{line}\n{ARTICLE}") == {}


def test_a_line_filter_needs_only_judge_line() -> None:
    from newsclean import LineFilter

    class ShoutingFilter(LineFilter):
        name = "shouting"

        def judge_line(self, paragraph):
            return self.removal(paragraph, "written in capitals") if paragraph.text.isupper() else None

    result = Pipeline([ShoutingFilter()]).run(Document.from_text(f"BREAKING NEWS\n{ARTICLE}\n"))
    assert [(r.line, r.filter, r.reason) for r in result.removals] == [(1, "shouting", "written in capitals")]
