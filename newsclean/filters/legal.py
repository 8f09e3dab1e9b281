"""Filter for the legal small print of a page footer: copyright lines and rows of legal links
("Terms of Use | Privacy Policy"). They are never article text, and when a page has no menu
between its article and its footer, they are what tells the two apart.
"""

from __future__ import annotations


import regex

from ..document import Paragraph, Removal
from ..options import whole_number
from ..wordlists import count_words, may_contain_any
from .base import LineFilter
from .prose import reports_speech

_I = regex.IGNORECASE

COPYRIGHT = regex.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\ball rights reserved\b|^\s*copyright\b(?:\s+©)?\s*(?:\(c\)\s*)?(?:19|20)\d\d",
    _I,
)
_LEGAL_LINK = (
    r"(?:privacy(?: policy| notice| statement| settings)?|terms(?: of (?:use|service|sale))?|terms (?:and|&) conditions"
    r"|cookie (?:policy|settings|preferences)|contact(?: us)?|about(?: us)?|advertise(?: with us)?|site ?map|careers?|accessibility"
    r"|editorial standards|ethics(?: statement)?|corrections|faq|help|rss|do not sell my (?:personal )?info(?:rmation)?)"
)
#: Two or more legal links in one row, separated by | / • · or ","; at least one must be a
#: privacy or terms link, which only footers carry.
LEGAL_LINKS = regex.compile(
    rf"^\s*(?:{_LEGAL_LINK}\s*(?:[|/•·,]\s*|$)){{2,}}$",
    _I,
)
_PRIVACY_OR_TERMS = regex.compile(r"\bprivacy\b|\bterms\b", _I)
#: Every line that _PRIVACY_OR_TERMS matches contains one of these (see `may_contain_any`).
PRIVACY_OR_TERMS_ANCHORS = ("privacy", "terms")
#: Every match of COPYRIGHT has "©" (never in a plain line) or one of these (see
#: `may_contain_any`).
COPYRIGHT_ANCHORS = ("(c)", "all rights reserved", "copyright")
_MAX_NOTICE_WORDS = 60


class LegalNoticeFilter(LineFilter):
    """Drops copyright notices ("© 2019 X. All rights reserved.") and legal link rows
    ("Terms of Use | Privacy Policy | Contact Us") of at most `max_words` words."""

    name = "legal-notice"

    def __init__(self, max_words: int = _MAX_NOTICE_WORDS) -> None:
        self.max_words = whole_number("LegalNoticeFilter", "max_words", max_words, 1)

    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        kind = self.notice_kind(paragraph.text)
        return self.removal(paragraph, f"{kind} {paragraph.text[:60]!r}", kind=kind) if kind else None

    def notice_kind(self, text: str) -> str | None:
        """'copyright notice', 'legal links' or None."""
        return _notice_kind(text, self.max_words)


def _notice_kind(text: str, max_words: int) -> str | None:
    """`LegalNoticeFilter.notice_kind`, not memoised: in a pipeline it runs inside a
    `LineFilterRun`, whose memo of verdicts answers for every text it has judged, so a memo here
    was never hit (it cost 0.6% of `clean --jobs 1`; docs/performance.md, Tenth round)."""
    if count_words(text, max_words + 1) > max_words:
        return None
    if may_contain_any(text, COPYRIGHT_ANCHORS) and COPYRIGHT.search(text) and not reports_speech(text):
        return "copyright notice"
    if may_contain_any(text, PRIVACY_OR_TERMS_ANCHORS) and LEGAL_LINKS.match(text) and _PRIVACY_OR_TERMS.search(text):
        return "legal links"
    return None
