"""What article prose looks like on one line, measured the same way by every context filter:
word count, the share of function words, and whether the line ends like a sentence.

jusText's observation drives these: body paragraphs are long, full of function words ("the",
"of", "that") and end in sentence punctuation; menus, labels, headlines and credits are short,
made of names and nouns, and end without it.
"""

from __future__ import annotations

from typing import NamedTuple

import regex

from ..memo import line_memo
from ..wordlists import WORD, cached_words, count_words, english_stopwords, function_word_counts

#: A line ends like a sentence: final punctuation, possibly inside a closing quote or bracket.
#: The definition: the filters ask `ends_like_sentence`, which answers the same by string
#: methods in a third of the time (tests compare the two). REVERSE: a forward search would try
#: every position of a long line before reaching its end.
SENTENCE_END = regex.compile(r"[.!?;:…][\"”’')\]]*\s*$|[\"”’]\s*$", regex.REVERSE)
#: What `\s` matches in SENTENCE_END (`regex`'s Unicode White_Space: not "\x1c"-"\x1f", which
#: `str.rstrip()` would strip too).
_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


#: Reported speech or a reported finding: a line that says who said or found something is a
#: reporter's sentence, even when what it reports reads like a page's prompt, notice or caption
#: ("'Sign up for our newsletter' pop-ups appear on most sites, according to a study").
#: "according to our ..." is left out: a site's own notices say it ("... according to our
#: privacy policy").
REPORTED = regex.compile(r"\b(?:said|says|told)\b|\baccording to (?!(?:our|this|these)\b)", regex.IGNORECASE)
#: A sentence's end followed by another sentence's start: a period (or ! ?) after three
#: lower-case letters (so not "U.S.", "Mr." or the "Gov." and "Nov." of captions: "Gov. Andrew
#: Cuomo speaks ..."), then a capital or an opening quote.
SENTENCE_BREAK = regex.compile(r"\p{Ll}{3}[.!?][\"”’')\]]*\s+[\p{Lu}\"“‘]")


def reports_speech(text: str) -> bool:
    """Whether the line reports what someone said or found (REPORTED)."""
    return REPORTED.search(text) is not None


def has_several_sentences(text: str) -> bool:
    """Whether the line holds more than one sentence (SENTENCE_BREAK)."""
    return SENTENCE_BREAK.search(text) is not None


def ends_like_sentence(text: str) -> bool:
    """Whether SENTENCE_END matches `text`, by string methods: with trailing spaces stripped,
    the line ends in a closing quote, or ends in sentence punctuation once its closing quotes
    and brackets are stripped too. A third of the pattern's search, asked of nearly every line
    by the prose measure, the navigation facts and the credit check."""
    stripped = text.rstrip(_SPACES)
    return stripped.endswith(('"', "”", "’")) or stripped.rstrip("\"”’')]").endswith((".", "!", "?", ";", ":", "…"))

#: A prose line has at least this many words, ends like a sentence and has at least this share
#: of function words. jusText asks 0.30 for "good" English; that is a strong cue, but article
#: lines listing names, places and dates ("VISIT the ... Horse Show, Oct. 11-21, in Harrisburg,
#: PA.") fall to 0.15, while furniture that ends like a sentence is told apart by its position.
PROSE_MIN_WORDS = 8
PROSE_MIN_STOPWORD_SHARE = 0.1


class LineShape(NamedTuple):
    """The measurements of one line that the context filters decide on."""

    word_count: int
    stopword_share: float
    ends_like_sentence: bool

    @property
    def is_prose(self) -> bool:
        """Long enough, sentence-final and made of ordinary language: an article paragraph."""
        return (
            self.word_count >= PROSE_MIN_WORDS
            and self.ends_like_sentence
            and self.stopword_share >= PROSE_MIN_STOPWORD_SHARE
        )


#: Lines up to this long are measured from their list of words (`cached_words`); longer
#: ones word by word, without a list.
_LIST_WORDS_CHARACTERS = 10_000


@line_memo
def line_shape(text: str) -> LineShape:
    """Measure a line: words, function-word share, sentence-final punctuation. Memoised: the
    context filters measure the same lines, in every round of the pipeline."""
    if len(text) <= _LIST_WORDS_CHARACTERS:
        count = len(cached_words(text))
        hits = function_word_counts(text)[0]  # counted with the language judge's counts
        return LineShape(count, hits / count if count else 0.0, ends_like_sentence(text))
    stopwords = english_stopwords()
    count = hits = 0
    for match in WORD.finditer(text):  # no list of every word: lines can be megabytes long
        count += 1
        hits += match.group().casefold().replace("’", "'") in stopwords
    return LineShape(count, hits / count if count else 0.0, ends_like_sentence(text))


def is_title_like(text: str, max_words: int) -> bool:
    """A short line that does not end like a sentence: a menu item, a link, a label. Not
    memoised: the navigation filter asks through its own memo (`_navigation_facts`), and a
    second memo of the same lines only cost a look-up per line."""
    return count_words(text, max_words + 1) <= max_words and not ends_like_sentence(text)
