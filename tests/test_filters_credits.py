"""Photo credits and captions go; article sentences that name an agency or a photographer stay."""

from __future__ import annotations

import pytest

from newsclean import Document, Pipeline, PhotoCreditFilter
from newsclean.filters.credits import credit_kind


def dropped(text: str) -> dict[int, str]:
    result = Pipeline([PhotoCreditFilter()]).run(Document.from_text(text))
    return {removal.line: removal.reason for removal in result.removals}


@pytest.mark.parametrize(
    "line",
    [
        "Michael Conroy, AP",
        "New York State Sex Offender Registry via AP",
        "Reuters / David Mercado",
        "(Jacquelyn Martin / Associated Press)",
        "©",
        "AP",
        "Image copyright Getty Images",
        "Image Copyright @BigMachine @BigMachine",
        "Enlarge Image",
        "Photo: Courtesy of the artist",
    ],
)
def test_credit_lines_from_real_pages_go(line: str) -> None:
    assert credit_kind(line) == "photo credit"


@pytest.mark.parametrize(
    "line",
    [
        "Image caption Taylor Swift's seventh album, Lover, is the only one she owns the rights to",
        "WeWork chairman Marcelo Claure (Credit: Getty Images)",
        "Tyvak Nano-Satellite Systems plans to leverage its experience in smallsats for its small lunar landers. Credit: Tyvak",
    ],
)
def test_captions_that_carry_their_credit_go(line: str) -> None:
    assert credit_kind(line) == "photo caption"


@pytest.mark.parametrize(
    "line",
    [
        "An Associated Press journalist in the area also reported hearing gunfire near the fuel facility in Senkata.",
        "The state-run Anadolu news agency said the plan aims to expand a ceasefire in the city of Aleppo.",
        "Reuters reported on Tuesday that the talks had stalled.",
        "He was given credit for the deal, AP said.",
        "The court ruled that the image was protected by copyright.",
        "The footage was obtained via Reuters.",
        "The photographs were supplied by AP.",
    ],
)
def test_sentences_naming_agencies_stay(line: str) -> None:
    assert credit_kind(line) is None


def test_caption_above_a_credit_goes_with_it() -> None:
    text = (
        "Three people have died during protests in Bolivia against the self-declared interim government.\n\n"
        "A cyclist rides next to a blocked petrol plant of Senkata in the outskirts of La Paz, Bolivia, November 19, 2019.\n"
        "©\n"
        "Reuters / David Mercado\n"
    )
    reasons = dropped(text)
    assert sorted(reasons) == [3, 4, 5]
    assert reasons[3] == "photo caption above the credit at line 4"
    assert 1 not in reasons


def test_image_copyright_label_does_not_take_the_paragraph_above() -> None:
    text = (
        "But the company says she didn't need their permission in the first place.\n"
        "Image Copyright @BigMachine @BigMachine\n"
        "Taylor Swift's first six albums were released through Big Machine, which was bought out.\n"
    )
    assert sorted(dropped(text)) == [2]


@pytest.mark.parametrize(
    "paragraph",
    [
        # Reported speech: a reporter's paragraph, whatever its length.
        '"We know more about the surface of the moon than the deep ocean," said Julian Barbiere, head of marine policy at UNESCO.',
        # Several sentences: a paragraph, not a picture's one-line caption.
        "The trick is to start the potatoes first. They need a 15-minute head start to get properly golden.",
    ],
)
def test_an_article_paragraph_above_a_lone_credit_stays(paragraph: str) -> None:
    text = f"The expedition mapped 40 square kilometres of reef over six weeks in the spring.\n\n{paragraph}\n\nAlexis Rosenfeld / Getty Images\n"
    assert sorted(dropped(text)) == [5]


def test_a_caption_with_abbreviated_titles_is_still_one_sentence() -> None:
    text = (
        "The governor said the state would appeal the ruling.\n\n"
        "Gov. Andrew Cuomo speaks during a news conference in Albany, N.Y., Tuesday, Nov. 19, 2019.\n\n"
        "Hans Pennink / AP\n"
    )
    assert sorted(dropped(text)) == [3, 5]
