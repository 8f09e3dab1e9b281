"""Filter for photo credits and captions: the text under a picture, which a reader skips and
an article's body does not contain.

A credit names who took or supplied the picture ("Michael Conroy, AP", "Reuters / David
Mercado", "Image copyright Getty Images", "(Credit: iStock)"); a caption is the sentence just
above a credit line, or one labelled as such ("Image caption ..."). Whole lines only: an article
sentence that mentions Reuters or a photographer stays.
"""

from __future__ import annotations

from itertools import compress
from operator import itemgetter

import regex

from ..document import Removal
from ..memo import line_memo
from ..options import whole_number
from ..wordlists import count_words, load_phrase_list, may_contain_any
from .base import Filter, PageView
from .prose import ends_like_sentence, has_several_sentences, is_title_like, reports_speech

_I = regex.IGNORECASE
_MAX_CREDIT_WORDS = 10
_MAX_CAPTION_WORDS = 60
_line_of, _text_of = itemgetter(0), itemgetter(1)


def _agency_alternation() -> str:
    names = sorted(load_phrase_list("photo_agencies"), key=len, reverse=True)
    return "|".join(regex.escape(name).replace(r"\ ", r"\s+") for name in names)


_AGENCY = _agency_alternation()
#: A whole short line that is a credit.
CREDIT_LINE = regex.compile(
    r"^[(\[]?\s*(?:"
    r"(?:photo(?:graph)?s?|images?|pictures?|pics?|illustrations?|video|graphics?)?\s*(?:credits?|copyright|courtesy)\b\s*:?.*"
    r"|(?:photo(?:graph)?s?|images?|pictures?|pics?|illustrations?)\s*(?::|by\b).*"
    r"|©.*"
    rf"|(?:{_AGENCY})\s*(?:[/|,]|$).*"
    rf"|.*(?:[/|,]|\bvia|\bfor|\bby|-|–|—)\s*(?:{_AGENCY})"
    r"|enlarge (?:image|photo)|view (?:gallery|slideshow)|(?:open|view) image in (?:gallery|full screen)"
    rf")\s*[)\]]?\s*\.?$",
    _I,
)
#: Every match of CREDIT_LINE or _AGENCY_ALONE starts like this (the first words of each of
#: its branches but one) or ends like _ENDS_WITH_AGENCY (that one branch): a line with neither
#: is no credit, and is spared CREDIT_LINE's search for a separator and an agency at every
#: position.
_CREDIT_START = regex.compile(
    rf"^[(\[]?\s*(?:pic|photo|image|illustration|video|graphic|credit|copyright|courtesy|©|enlarge|view|open|{_AGENCY})",
    _I,
)
#: An agency's name at the end of a line; searched from the end (REVERSE), as it is anchored there.
_ENDS_WITH_AGENCY = regex.compile(rf"(?:{_AGENCY})\s*[)\]]?\s*\.?$", _I | regex.REVERSE)
#: "Image copyright Getty Images": this label style is printed above its caption, not below.
CREDIT_BEFORE_CAPTION = regex.compile(r"^(?:image|photo|picture) copyright\b", _I)
#: A verb of being or having: a line with one (and more than three words) states something, as
#: a credit ("Photo: Jane Doe / Reuters", "Courtesy of the family") does not.
_STATES = regex.compile(r"\b(?:is|are|was|were|has|have|had|been)\b", _I)
_AGENCY_ALONE = regex.compile(rf"^[(\[]?\s*(?:{_AGENCY})\s*[)\]]?\.?$", _I)
#: A caption line that carries its own credit or label at an end.
CAPTION_LINE = regex.compile(
    r"^image caption\b"
    r"|[(\[]\s*(?:photo|image|picture)?\s*(?:credits?|courtesy)\s*:[^()\[\]]{1,80}[)\]]\s*\.?$"
    r"|[(\[]\s*(?:photo|image|picture|illustration)\s*(?::|by\b)[^()\[\]]{1,80}[)\]]\s*\.?$"
    r"|\b(?:photo|image|picture)?\s*credits?:\s*[^.!?]{1,60}$",
    _I,
)


#: Every match of CAPTION_LINE contains one of these words (see `may_contain_any`).
CAPTION_ANCHORS = ("credit", "courtesy", "photo", "image", "picture", "illustration")


@line_memo
def credit_kind(text: str) -> str | None:
    """'photo credit', 'photo caption' or None for one line on its own. Memoised: the
    pipeline's rounds ask about the same lines again."""
    count = count_words(text, _MAX_CAPTION_WORDS + 1)  # one count for both limits: credits are shorter
    if count <= _MAX_CAPTION_WORDS and may_contain_any(text, CAPTION_ANCHORS) and CAPTION_LINE.search(text):
        return "photo caption"
    if (
        count <= _MAX_CREDIT_WORDS
        and (_CREDIT_START.match(text) or _ENDS_WITH_AGENCY.search(text))
        and (CREDIT_LINE.match(text) or _AGENCY_ALONE.match(text))
    ):
        # "Image copyright Getty Images" is a credit; a sentence about copyright law is not,
        # nor one that says what came from an agency ("The footage was obtained via Reuters.").
        if count <= 3 or not (ends_like_sentence(text.rstrip(").]")) or _STATES.search(text)):
            return "photo credit"
    return None


class PhotoCreditFilter(Filter):
    """Drops photo credits, labelled captions, and the caption line just above a credit.

    A caption above a credit is dropped only when it is at most `max_caption_words` long,
    sits right above it (blank lines aside), as a picture's caption does, and reads like one:
    a single sentence that reports no speech. An article's paragraph above a credit whose
    caption is missing (or printed below it) says who said what, or runs to several sentences.
    """

    name = "photo-credit"

    def __init__(self, max_caption_words: int = _MAX_CAPTION_WORDS) -> None:
        self.max_caption_words = whole_number("PhotoCreditFilter", "max_caption_words", max_caption_words, 0)

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        kind_list = list(map(credit_kind, map(_text_of, paragraphs)))
        if not any(kind_list):
            return []  # most pages: no credit, no caption
        lines = list(map(_line_of, paragraphs))
        kept = dict(zip(lines, paragraphs))
        kinds = dict(zip(lines, kind_list))
        dropped: dict[int, Removal] = {}
        for index in compress(range(len(paragraphs)), kind_list):  # the paragraphs with a kind
            paragraph, kind = paragraphs[index], kind_list[index]
            dropped[paragraph.line] = self.removal(paragraph, f"{kind} {paragraph.text[:60]!r}")
            if kind == "photo credit" and not CREDIT_BEFORE_CAPTION.match(paragraph.text):
                caption = self._caption_above(page, kinds, paragraph.line)
                if caption is not None and caption in kept and caption not in dropped:
                    dropped[caption] = self.removal(
                        kept[caption], f"photo caption above the credit at line {paragraph.line}", credit_line=paragraph.line
                    )
        return [dropped[line] for line in sorted(dropped)]

    def _caption_above(self, page: PageView, kinds: dict[int, str | None], credit_line: int) -> int | None:
        """The line right above a credit (blank lines and other credit lines aside), when it
        is short enough to be a caption and the credit does not head a labelled caption below
        it ("Image copyright X" then "Image caption ..."); None otherwise."""
        below = credit_line + 1
        while below <= len(page.lines) and (not page.lines[below - 1] or kinds.get(below) == "photo credit"):
            below += 1
        if kinds.get(below) == "photo caption":
            return None
        number = credit_line - 1
        while number >= 1 and (not page.lines[number - 1] or kinds.get(number) == "photo credit"):
            number -= 1
        if number < 1 or kinds.get(number) is not None:
            return None
        text = page.lines[number - 1]
        if count_words(text, self.max_caption_words + 1) > self.max_caption_words or is_title_like(text, _MAX_CREDIT_WORDS):
            return None
        if reports_speech(text) or has_several_sentences(text):
            return None  # a reporter's paragraph, not a picture's caption
        return number
