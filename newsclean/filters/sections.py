"""Filters for regions of a page rather than single lines: the comment section (heading,
user comments and their metadata), navigation menus, and related-article lists.

Context decides here: a "Comments 25" heading after the article starts a region that runs to
the end of the page, and a short title-like line is a menu item only inside a run of them.
"""

from __future__ import annotations

import re
from enum import Enum
from operator import itemgetter
from typing import Sequence

import regex

from ..document import Paragraph, Removal, new_removals
from ..memo import line_memo, line_memo_per_settings
from ..options import whole_number
from ..wordlists import count_words, may_contain_any, plain_lowered
from .base import Filter, PageView
from .prose import is_title_like, line_shape

_I = regex.IGNORECASE
#: A paragraph's line number and text, for `map`.
_line_of, _text_of = itemgetter(0), itemgetter(1)

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+\d{{4}}"
    rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago)"
)
TIME = r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?"

COMMENT_HEADING = regex.compile(
    r"^(?:"
    r"(?:\d+\s+)?(?:reader\s+)?(?:comments?|responses?|replies|discussion)\s*[:(]?\s*\d*\s*\)?"
    r"|be the first to (?:comment|reply|review)\b.*"
    r"|(?:write|leave|post|add|submit) (?:a|your|new) (?:comment|reply|response)\b.*"
    r"|leave a reply\b.*"
    r"|(?:show|view|hide|load|see|read) (?:all )?(?:\d+ )?(?:comments?|replies)\b.*"
    r"|comments (?:are|have been) closed\b.*"
    r"|join the (?:conversation|discussion)\b.*"
    r"|(?:\d+|one) (?:thoughts?|responses?|comments?) (?:on|to) .*"
    r")$",
    _I,
)
#: Every match of COMMENT_HEADING starts with one of these (case-insensitively): on a plain
#: line (`plain_lowered`), lower-casing makes that exact, and most lines skip the match.
_COMMENT_HEADING_STARTS = (
    *"0123456789", "reader", "comment", "response", "replies", "discussion", "be the first to ",
    "write ", "leave ", "post ", "add ", "submit ", "show ", "view ", "hide ", "load ", "see ", "read ",
    "join the ", "one ",
)
COMMENT_NOTICE = regex.compile(
    r"\bakismet\b|\bcomment data is processed\b|\bcomments are moderated\b"
    r"|\byour email address will not be published\b|\brequired fields are marked\b",
    _I,
)
#: Every match of COMMENT_NOTICE contains one of these (see `may_contain_any`): most lines
#: skip the search.
COMMENT_NOTICE_ANCHORS = ("akismet", "comment", "email address", "required fields")
# "Thumb justin 28 December 2016, 10:47", "jsmith says: March 3, 2019 at 9:12 am". Searched
# from the end (REVERSE), as it is anchored there: whether it matches is the same either way.
COMMENT_METADATA = regex.compile(rf"(?:{DATE}(?:,?\s+(?:at\s+)?{TIME})?|{TIME})\s*$", _I | regex.REVERSE)
_MAX_HEADING_WORDS = 20
_MAX_METADATA_WORDS = 10
# A comment heading with this many words of prose before it comes after an article.
_ARTICLE_WORDS_BEFORE = 25


@line_memo
def is_comment_metadata(text: str) -> bool:
    """A short line ending in a date or time, as under a user's comment. Memoised, as are
    the other per-line answers here: the same lines come back in every round and on every
    page of a site."""
    return count_words(text, _MAX_METADATA_WORDS + 1) <= _MAX_METADATA_WORDS and bool(COMMENT_METADATA.search(text))


#: `_comment_mark` bits: a spam/moderation notice, a comment heading (0 for most lines).
_NOTICE = 1
_HEADING = 2
#: A byte that is not 0, in a page's marks or navigation kinds.
_NONZERO = re.compile(rb"[^\x00]")


@line_memo
def _comment_mark(text: str) -> int:
    """What the comment-section filter needs to know of one line on its own, as _NOTICE and
    _HEADING bits: a page's marks are one `bytes` that C scans, and a page whose marks are all
    0 (most pages) has nothing to drop."""
    lowered = plain_lowered(text)
    heading = (
        count_words(text, _MAX_HEADING_WORDS + 1) <= _MAX_HEADING_WORDS
        and (lowered is None or lowered.startswith(_COMMENT_HEADING_STARTS))
        and bool(COMMENT_HEADING.match(text))
    )
    notice = may_contain_any(text, COMMENT_NOTICE_ANCHORS) and bool(COMMENT_NOTICE.search(text))
    return _NOTICE * notice | _HEADING * heading


class CommentSectionFilter(Filter):
    """Drops the comment section: its heading, the user comments and comment metadata after it,
    and spam/moderation notices ("This site uses Akismet ...") wherever they are.

    A heading starts a region to the end of the page when article prose comes before it and it
    is either in the second half of the page or followed by comment metadata within
    `metadata_window` paragraphs; otherwise only the heading line (a comment link) is dropped.
    """

    name = "comment-section"

    def __init__(self, metadata_window: int = 3) -> None:
        self.metadata_window = whole_number("CommentSectionFilter", "metadata_window", metadata_window, 0)

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        marks = bytes(map(_comment_mark, map(_text_of, paragraphs)))
        if not any(marks):
            return []
        removals: list[Removal] = []
        region_start = self._region_start(paragraphs, marks)
        end = len(paragraphs) if region_start is None else region_start
        for match in _NONZERO.finditer(marks, 0, end):
            paragraph = paragraphs[match.start()]
            if marks[match.start()] & _NOTICE:
                removals.append(self.removal(paragraph, f"comment notice {paragraph.text[:60]!r}"))
            else:
                removals.append(self.removal(paragraph, f"comment link {paragraph.text!r}"))
        if region_start is not None:
            heading = paragraphs[region_start]
            removals.append(self.removal(heading, f"comment section heading {heading.text[:60]!r}"))
            for paragraph, mark in zip(paragraphs[region_start + 1 :], marks[region_start + 1 :]):
                if mark & _NOTICE:
                    kind = "comment notice"
                elif is_comment_metadata(paragraph.text):
                    kind = "comment metadata"
                else:
                    kind = "user comment"
                removals.append(
                    self.removal(paragraph, f"{kind} in the comment section from line {heading.line}", section_start=heading.line)
                )
        return removals

    def _region_start(self, paragraphs: Sequence[Paragraph], marks: bytes) -> int | None:
        """Where the comment region starts (an index into `paragraphs`, whose `_comment_mark`s
        are `marks`), or None: the first heading or notice with article prose before it (a
        paragraph of _ARTICLE_WORDS_BEFORE or more words, so the words of prose paragraphs
        before it add up to at least that many) that is in the second half of the page or
        followed by comment metadata."""
        first_prose = next(
            (index for index, paragraph in enumerate(paragraphs) if count_words(paragraph.text, _ARTICLE_WORDS_BEFORE) >= _ARTICLE_WORDS_BEFORE),
            len(paragraphs),
        )
        for match in _NONZERO.finditer(marks, first_prose + 1):
            index = match.start()
            in_second_half = index >= len(paragraphs) / 2
            following = paragraphs[index + 1 : index + 1 + self.metadata_window]
            if in_second_half or any(is_comment_metadata(p.text) for p in following):
                return index
        return None


RELATED_HEADING = regex.compile(
    r"^(?:related(?: articles| stories| posts| content| coverage| links| news| topics| reading| videos?)?"
    r"|more (?:on|from|about|in) (?:this|the)? ?(?:story|topic|section|\S+(?: \S+){0,3})"
    r"|more (?:stories|news|articles|headlines)|read more|read next|up next|see also"
    r"|you (?:may|might) also (?:like|be interested in)|recommended(?: for you| stories| reading| articles)?"
    r"|most (?:read|popular|viewed|shared|commented|watched)|top stories|trending(?: now| stories| news)?"
    r"|latest (?:news|stories|posts|articles|headlines)|editor'?s picks|popular (?:posts|stories|articles|now)"
    r"|also read|further reading|what to read next|around the web|in case you missed it|more like this"
    r"|elsewhere on \S+(?: \S+){0,2})\s*:?$",
    _I,
)
RELATED_INLINE = regex.compile(
    r"^(?:read more|also read|see also|related|recommended|read next|more|watch|listen)\s*[:|»>–—-]+\s*\S"
    # "Also on example.com Headline of another story": a link to the site's other articles.
    r"|^(?:also|more) on [\w-]+(?:\.[\w-]+)+\b",
    _I,
)


#: "Skip to content", "Skip to main navigation": links for screen readers at the page top.
SKIP_LINK = regex.compile(r"^skip to (?:the )?(?:main )?(?:content|navigation|menu|article|search|footer)\W*$", _I)
#: Every match of SKIP_LINK, RELATED_INLINE or RELATED_HEADING starts with one of these
#: (case-insensitively): on a plain line (`plain_lowered`), lower-casing makes that exact.
_NAVIGATION_STARTS = (
    "skip to", "related", "more", "read", "up next", "see also", "you m", "recommended", "most ",
    "top stories", "trending", "latest ", "editor", "popular ", "also ", "further reading",
    "what to read next", "around the web", "in case you missed it", "elsewhere on ", "watch", "listen",
)
#: A prose sentence this long ends a related-articles list: it is the article resuming.
_LIST_END_PROSE_WORDS = 15


class _NavigationLine(Enum):
    SKIP_LINK = "skip link"
    INLINE_LINK = "related-article link"
    LIST_HEADING = "related-articles heading"


#: A line's navigation facts packed in one small int, so that a page's facts are one `bytes`
#: (a byte per kept paragraph) that C scans instead of Python loops: bit 0 says title-like (a
#: menu item), the bits above it the `_NavigationLine` (its index in _KINDS plus one; 0: none).
_TITLE_LIKE = 1
_KINDS = tuple(_NavigationLine)
#: `codes.translate(...)` tables: each code's title-like bit, and its kind bits alone.
_TITLE_BYTES = bytes(code & _TITLE_LIKE for code in range(256))
_KIND_BYTES = bytes(code & ~_TITLE_LIKE for code in range(256))


@line_memo_per_settings
def _navigation_facts(text: str, max_related_words: int, max_words: int) -> int:
    """A line's `_navigation_line` and whether it is title-like (a menu item), packed as one
    code (see _TITLE_LIKE), in one look-up per paragraph: `_navigation_facts(max_related_words,
    max_words)` is the memo of the text for those settings."""
    kind = _navigation_line(text, max_related_words)
    return (0 if kind is None else (_KINDS.index(kind) + 1) << 1) | is_title_like(text, max_words)


def _navigation_line(text: str, max_related_words: int) -> _NavigationLine | None:
    """What a line is on its own for the navigation filter, if anything (memoised through
    `_navigation_facts`). A plain line that starts with none of _NAVIGATION_STARTS is none:
    most lines skip the three matches."""
    lowered = plain_lowered(text)
    if lowered is not None and not lowered.startswith(_NAVIGATION_STARTS):
        return None
    if SKIP_LINK.match(text):
        return _NavigationLine.SKIP_LINK
    if count_words(text, max_related_words + 1) <= max_related_words and RELATED_INLINE.match(text):
        return _NavigationLine.INLINE_LINK
    if RELATED_HEADING.match(text):
        return _NavigationLine.LIST_HEADING
    return None


class NavigationFilter(Filter):
    """Drops navigation menus (runs of `min_run` or more short title-like lines) and
    related-article lists (a "Related stories"/"Most read" heading and the short lines after it,
    or an inline "Read more: ..." link), and accessibility skip links ("Skip to content").
    """

    name = "navigation"

    def __init__(self, max_words: int = 8, min_run: int = 4, max_related_words: int = 25) -> None:
        self.max_words = whole_number("NavigationFilter", "max_words", max_words, 1)
        self.min_run = whole_number("NavigationFilter", "min_run", min_run, 1)
        self.max_related_words = whole_number("NavigationFilter", "max_related_words", max_related_words, 1)

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        # One memo look-up per paragraph, the loop in C; what follows visits only the
        # paragraphs with a kind and the menu runs.
        codes = bytes(map(_navigation_facts(self.max_related_words, self.max_words), map(_text_of, paragraphs)))
        dropped: dict[int, Removal] = {}
        self._related_lists(paragraphs, codes.translate(_KIND_BYTES), dropped)
        self._menus(paragraphs, bytearray(codes.translate(_TITLE_BYTES)), dropped)
        return [dropped[index] for index in sorted(dropped)]

    def _related_lists(self, paragraphs: Sequence[Paragraph], kinds: bytes, dropped: dict[int, Removal]) -> None:
        """Drop skip links, inline related-article links and related-article lists; `kinds`
        holds the paragraphs' `_navigation_facts` codes without their title-like bit."""
        list_end = 0  # paragraphs before this index belong to a list already dropped
        for match in _NONZERO.finditer(kinds):
            index = match.start()
            if index < list_end:
                continue
            paragraph, kind = paragraphs[index], _KINDS[(kinds[index] >> 1) - 1]
            if kind is _NavigationLine.SKIP_LINK:
                dropped[index] = self.removal(paragraph, f"accessibility skip link {paragraph.text!r}")
            elif kind is _NavigationLine.INLINE_LINK:
                dropped[index] = self.removal(paragraph, f"related-article link {paragraph.text[:60]!r}")
            else:
                dropped[index] = self.removal(paragraph, f"related-articles heading {paragraph.text!r}")
                list_end = index + 1
                while list_end < len(paragraphs) and self._is_list_item(paragraphs[list_end].text):
                    dropped[list_end] = self.removal(
                        paragraphs[list_end],
                        f"in the related-articles list under {paragraph.text!r} (line {paragraph.line})",
                        list_start=paragraph.line,
                    )
                    list_end += 1

    def _is_list_item(self, text: str) -> bool:
        """A line that can belong to a related-articles list: short, and not a prose sentence
        (the list ends where the article's own paragraphs start)."""
        shape = line_shape(text)
        return shape.word_count <= self.max_related_words and not (shape.is_prose and shape.word_count >= _LIST_END_PROSE_WORDS)

    def _menus(self, paragraphs: Sequence[Paragraph], title_like: bytearray, dropped: dict[int, Removal]) -> None:
        """Drop runs of title-like paragraphs (`title_like`: a byte per paragraph, 1 for
        title-like; this changes it) that are not already dropped."""
        for index in dropped:
            title_like[index] = 0
        # A run of min_run (at least 1, checked when built) or more title-like paragraphs.
        for run in re.finditer(rb"\x01{%d,}" % self.min_run, title_like):
            self._drop_menu(range(run.start(), run.end()), paragraphs, dropped)

    def _drop_menu(self, run: range, paragraphs: Sequence[Paragraph], dropped: dict[int, Removal]) -> None:
        """Drop a run of title-like lines (long enough to be a menu)."""
        reason = f"short title-like line in a run of {len(run)}: navigation list"
        members = paragraphs[run.start:run.stop]
        # Removals built by `new_removals`, every loop in C: menus are most of a page's lines.
        details = {"run_start": members[0].line, "run_length": len(run)}
        dropped.update(zip(run, new_removals(list(map(_line_of, members)), self.name, reason, details)))
