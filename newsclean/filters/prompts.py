"""Filter for calls to action aimed at the reader: newsletter sign-ups, subscription and
paywall prompts, cookie and consent notices.

They are told apart from article sentences by being addressed to the reader (imperatives,
"your inbox", "we use cookies") and short; an article may well talk *about* newsletters.
"""

from __future__ import annotations

import re

import regex

from ..document import Paragraph, Removal
from ..options import whole_number
from ..wordlists import count_words, plain_lowered
from .base import LineFilter
from .prose import reports_speech

_I = regex.IGNORECASE

#: (kind, pattern, anchors): a line matching the pattern is a prompt of that kind. Every match
#: of the pattern, lower-cased, contains one of its anchors (a word, a stem or a phrase the
#: pattern spells out), so on a line whose lower-cased copy holds none of them (a plain line,
#: or one without `_LOWERS_APART_FROM_ITS_LETTER`) the search is skipped.
#: tests/test_filters_memo.py and tests/test_prompt_anchors_beyond_plain.py check this.
PROMPT_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("newsletter prompt", r"^(?:sign up|subscribe|register|get|receive|join|enter)\b.{0,100}\b(?:newsletters?|alerts?|inbox|e-?mails?|updates)\b",
     ("newsletter", "alert", "inbox", "mail", "update")),
    ("newsletter prompt", r"\bour\s+(?:\w+\s+){0,2}newsletters?\b", ("newsletter",)),
    ("newsletter prompt", r"\bnewsletters?\b.{0,80}\b(?:sign up|subscribe|inbox)\b", ("newsletter",)),
    ("newsletter prompt", r"\b(?:in|to) your inbox\b", ("inbox",)),
    ("newsletter prompt", r"\benter (?:your|a valid) e-?mail\b|\be-?mail address\b.{0,60}\b(?:subscribe|sign up|required|invalid)\b", ("mail",)),
    ("newsletter prompt", r"\bby (?:signing up|subscribing|clicking)\b.{0,80}\b(?:agree|terms|privacy)\b", ("signing up", "subscrib", "clicking")),
    ("subscription prompt", r"^(?:subscribe|subscribe now|subscribe today|subscribe here|become a (?:subscriber|member)|already a (?:subscriber|member)\b.*)$",
     ("subscrib", "member")),
    ("subscription prompt", r"\b(?:already a subscriber|subscribers? only|subscribe(?: today| now)? for (?:just|only)?\s*[$£€]|unlimited (?:digital )?access|start your (?:free )?trial|support (?:our|independent) journalism)\b",
     ("subscrib", "access", "trial", "journalism")),
    ("subscription prompt", r"\byou(?:'ve| have) (?:reached|read) (?:your|the|\d+)\b.{0,40}\b(?:free )?(?:articles?|stories|limit)\b", ("you've", "you have")),
    ("share prompt", r"\bshare (?:it|this(?: story| article| post)?) with (?:a friend|your friends|others)\b", ("share it with", "share this")),
    ("share prompt", r"^(?:like|liked|enjoy|enjoyed|love|loved) this (?:story|article|post)\?", ("this story?", "this article?", "this post?")),
    ("cookie notice", r"\b(?:we|this (?:web)?site|our (?:web)?site|our partners) (?:and our partners )?uses? cookies\b", ("cookie",)),
    ("cookie notice", r"\bcookies?\b.{0,80}\b(?:policy|settings|consent|preferences|accept)\b", ("cookie",)),
    ("cookie notice", r"^(?:accept|accept all|reject all|allow all|manage|agree)(?: cookies)?$", ("accept", "reject all", "allow all", "manage", "agree")),
    ("cookie notice", r"\bby (?:continuing|using) (?:to (?:use|browse) )?(?:this|our) (?:web)?site\b", ("by continuing", "by using")),
)
#: Searched one by one, in order: on real lines, the fifteen separate searches take a third of
#: the time of one search for their alternation, which `regex` cannot scan for literals.
_COMPILED = tuple((kind, regex.compile(pattern, _I), anchors) for kind, pattern, anchors in PROMPT_PATTERNS)
_MAX_PROMPT_WORDS = 45
#: The characters besides A-Z that IGNORECASE lets stand for an ASCII letter ("K", the Kelvin
#: sign, stands for "k") but that `str.lower` does not turn into it: "İ" becomes "i̇", "ſ"
#: stays. A line without them holds an anchor of every match once lower-cased, plain or not.
_LOWERS_APART_FROM_ITS_LETTER = re.compile("[İſ]")
#: Every pattern's anchors, once each: a line without any of them skips the fifteen
#: searches, and one with some searches only the patterns those anchors belong to.
PROMPT_ANCHORS = tuple(dict.fromkeys(anchor for _, _, anchors in PROMPT_PATTERNS for anchor in anchors))


class PromptFilter(LineFilter):
    """Drops newsletter, subscription and cookie prompts (lines of at most `max_words`)."""

    name = "prompt"

    def __init__(self, max_words: int = _MAX_PROMPT_WORDS) -> None:
        self.max_words = whole_number("PromptFilter", "max_words", max_words, 1)

    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        kind = self.prompt_kind(paragraph.text)
        return self.removal(paragraph, f"{kind} {paragraph.text[:60]!r}", kind=kind) if kind else None

    def prompt_kind(self, text: str) -> str | None:
        """The kind of prompt the line is ("cookie notice", ...) or None."""
        return _prompt_kind(text, self.max_words)


def _prompt_kind(text: str, max_words: int) -> str | None:
    """`PromptFilter.prompt_kind`, not memoised: in a pipeline it runs inside a
    `LineFilterRun`, whose memo of verdicts answers for every text it has judged, so a memo here
    was never hit (it cost 0.6% of `clean --jobs 1`; docs/performance.md, Tenth round)."""
    if count_words(text, max_words + 1) > max_words:
        return None
    lowered = plain_lowered(text)
    if lowered is None:
        if _LOWERS_APART_FROM_ITS_LETTER.search(text) is not None:
            kind = next((kind for kind, pattern, _ in _COMPILED if pattern.search(text)), None)
            return None if kind is None or reports_speech(text) else kind
        lowered = text.lower()
    found = {anchor for anchor in PROMPT_ANCHORS if anchor in lowered}
    if found:
        for kind, pattern, anchors in _COMPILED:
            if not found.isdisjoint(anchors) and pattern.search(text):
                return None if reports_speech(text) else kind  # an article quoting a prompt
    return None
