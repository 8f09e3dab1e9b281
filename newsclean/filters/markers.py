"""Filters for single lines that are page furniture on their own: ad markers and
share/follow/print buttons.

Both match the *whole* line, never a word inside a sentence, so "shares fell 5%" or "the
advertisement campaign" stay.
"""

from __future__ import annotations

import re
from typing import Iterable

import regex

from ..document import Paragraph, Removal
from ..memo import line_memo
from ..options import phrase_list, whole_number
from ..wordlists import COUNT_FROM_LIST_CHARACTERS, cached_words, count_words, load_phrase_list, plain_lowered
from .base import LineFilter

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
#: On a plain line (`is_plain`), lower-cased, the letters and digits are a-z and 0-9 and every
#: other character is punctuation, a symbol or whitespace: encoded as ASCII (each typographic
#: character becomes "?"), this table turns all of those into spaces, byte by byte.
_PLAIN_PUNCTUATION_TO_SPACE = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789" else ord(" ") for byte in range(256)
)


@line_memo
def line_key(text: str) -> str:
    """The line case-folded with punctuation and symbols turned into single spaces. Memoised:
    the ad-marker and repeated-line filters key the same lines, in every round."""
    lowered = plain_lowered(text)
    if lowered is not None:
        # The same as substituting each run of punctuation with one space and stripping the
        # ends, 2.5x faster: a translation and a split of bytes.
        return b" ".join(lowered.encode("ascii", "replace").translate(_PLAIN_PUNCTUATION_TO_SPACE).split()).decode("ascii")
    return _NOT_WORD.sub(" ", text.casefold()).strip()


#: A line longer than this is prose, never only an ad marker; the bound also spares huge
#: lines the case-folded copy that `line_key` makes.
_MAX_MARKER_LINE_CHARACTERS = 200


class AdMarkerFilter(LineFilter):
    """Drops lines that are only an ad marker ("Advertisement", "Sponsored content", ...)."""

    name = "ad-marker"

    def __init__(self, markers: Iterable[str] | None = None) -> None:
        phrases = load_phrase_list("ad_markers") if markers is None else phrase_list("AdMarkerFilter", "markers", markers)
        self.markers = frozenset(line_key(phrase) for phrase in phrases)
        self._plain_markers = _plain_marker_lines(self.markers)

    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        text = paragraph.text
        if len(text) > _MAX_MARKER_LINE_CHARACTERS:
            return None
        if plain_lowered(text) is not None and self._plain_markers.fullmatch(text) is None:
            return None
        key = line_key(text)
        return self.removal(paragraph, f"ad marker {paragraph.text!r}", marker=key) if key in self.markers else None


def _plain_marker_lines(keys: frozenset[str]) -> re.Pattern[str]:
    """A pattern that matches a whole plain line (`is_plain`) exactly when its `line_key` is one
    of `keys`: the key's words (runs of a-z and 0-9 on a plain line) with any other characters
    between, before and after them. One match that usually fails on the first letters is
    cheaper than building the key of every line; a key with other characters than a-z, 0-9
    and single spaces cannot be a plain line's key and is left out."""
    separator = "[^a-z0-9]"
    alternatives = sorted(
        f"{separator}+".join(map(re.escape, key.split(" "))) for key in keys if _PLAIN_KEY.fullmatch(key)
    )
    return re.compile(f"{separator}*(?:{'|'.join(alternatives)}){separator}*", re.IGNORECASE)


#: A key a plain line can have: words of a-z and 0-9 between single spaces (or no word at all).
_PLAIN_KEY = re.compile(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?")


# Words a share bar is made of. A line made only of these (and numbers, e.g. share counts)
# that names at least one action or network is a button row, not prose.
SHARE_ACTIONS = frozenset(
    """share shares sharing shared tweet retweet pin print email e-mail mail facebook twitter x
    linkedin whatsapp messenger pinterest reddit tumblr telegram flipboard pocket sms google
    bluesky threads mastodon copy bookmark save gift""".split()
)
SHARE_FILLER = frozenset(
    """this the with on via to by a an it story article post page link url about and or
    open in new window close panel more options your friends friend us""".split()
)
#: Every word a button row may be made of.
_SHARE_WORDS = SHARE_ACTIONS | SHARE_FILLER
SOCIAL_NETWORKS = (
    "facebook|twitter|instagram|youtube|linkedin|pinterest|tiktok|snapchat|whatsapp|telegram|"
    "reddit|tumblr|flipboard|google news|apple news|threads|bluesky|mastodon|rss"
)
# "Follow us on Twitter", "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
# "Like us on Facebook": short imperative lines that point at a social network.
_FOLLOW = regex.compile(
    rf"^(?:follow|like|join|find|connect with|subscribe to)\b.{{0,60}}?\b(?:on|via)\b.{{0,40}}?\b(?:{SOCIAL_NETWORKS})\b",
    regex.IGNORECASE,
)
_MAX_BUTTON_WORDS = 12
_MAX_FOLLOW_WORDS = 20


class ShareButtonFilter(LineFilter):
    """Drops share, follow and print button rows ("Share", "Share this with Facebook",
    "Follow us on Twitter", "Print Email")."""

    name = "share-button"

    def __init__(self, max_words: int = _MAX_BUTTON_WORDS) -> None:
        self.max_words = whole_number("ShareButtonFilter", "max_words", max_words, 1)

    def judge_line(self, paragraph: Paragraph) -> Removal | None:
        reason = self.drop_reason(paragraph.text)
        return self.removal(paragraph, reason) if reason else None

    def drop_reason(self, text: str) -> str | None:
        """Why the line is a button row ("share button 'Share'"), or None."""
        return _share_drop_reason(text, self.max_words)


def _share_drop_reason(text: str, max_words: int) -> str | None:
    """`ShareButtonFilter.drop_reason`, not memoised: in a pipeline it runs inside a
    `LineFilterRun`, whose memo of verdicts answers for every text it has judged, so a memo here
    was never hit (it cost 0.6% of `clean --jobs 1`; docs/performance.md, Tenth round)."""
    longest = max(max_words, _MAX_FOLLOW_WORDS)
    if len(text) > COUNT_FROM_LIST_CHARACTERS and count_words(text, longest + 1) > longest:
        return None  # a long line is not tokenised to find it has too many words
    tokens = cached_words(text)
    if not tokens or len(tokens) > longest:
        return None
    if len(tokens) <= max_words and _SHARE_WORDS.issuperset(tokens) and not SHARE_ACTIONS.isdisjoint(tokens):
        return f"share button {text!r}"
    if len(tokens) <= _MAX_FOLLOW_WORDS and _FOLLOW.search(text):
        return f"follow button {text!r}"
    return None
