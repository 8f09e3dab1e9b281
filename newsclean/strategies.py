"""Hypothesis strategies for property tests of news cleaning, each value carrying the answer
newsclean must give, so a test can assert on it:

- `articles()`: real-looking English news paragraphs, all of which must be kept;
- `boilerplate_lines()`: one line of page furniture and the filter and reason kind that drop it;
- `scraped_documents()`: an article with boilerplate lines, a non-English fragment and a comment
  section mixed in, with the lines that must be kept and the filter that drops each other line;
- `near_duplicate_pairs(edit_rate=...)`: a paragraph and a copy with a share of its words changed.

Text is built from word lists shipped in newsclean/data/ and sentence templates, not from random
characters, so it looks like what a scraper returns. `st.from_type(newsclean.Document)` draws
`scraped_documents()` (registered through hypothesis's entry point).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .document import Document
from .wordlists import load_phrase_list


def _hypothesis_setup_hook() -> None:
    """Called by hypothesis through the `hypothesis` entry point: st.from_type(Document) draws
    scraped pages.

    Defined before this module imports hypothesis, because that import runs the entry point
    (and so this hook) when hypothesis was not imported yet: this module is then half-imported,
    so the hook finds hypothesis's strategies itself and defers building the strategy (from
    names defined further down) until it is first drawn from.
    """
    from hypothesis import strategies as st

    st.register_type_strategy(Document, st.deferred(lambda: scraped_documents().map(lambda page: page.to_document())))


from hypothesis import strategies as st  # noqa: E402 -- after the hook: see its docstring

__all__ = [
    "Article",
    "BoilerplateLine",
    "NearDuplicatePair",
    "ScrapedDocument",
    "articles",
    "boilerplate_lines",
    "near_duplicate_pairs",
    "non_english_fragments",
    "scraped_documents",
]

# Sentences of news prose; {slots} name sections of data/article_words.txt. Each sentence has
# 14 words or more and ends with a full stop, so two make a paragraph that reads as prose.
SENTENCE_TEMPLATES: tuple[str, ...] = (
    "{first_names} {surnames}, the {roles} of {places}, said {times} that the {adjectives} {nouns} would be {verbs} before the end of the year.",
    "The {adjectives} {nouns} was {verbs} by {organisations} {times}, according to officials in {places} who asked not to be named.",
    "{organisations} {verbs} the {nouns} after a vote of {number} to {small_number}, and said it would publish the details within {small_number} days.",
    "Critics in {places} said the {nouns} had been {verbs} without enough public debate, while supporters argued that it was long overdue.",
    "More than {number} people attended a meeting in {places} {times}, where {first_names} {surnames} described the {nouns} as a step in the right direction.",
    "The cost of the {nouns} has risen by {small_number} percent since it was first announced, and {organisations} has been asked to explain why.",
    "{first_names} {surnames} told reporters that the {nouns} in {places} was not finished and that further talks were planned for next month.",
)

# (line, filter name, reason kind): lines every reader calls page furniture, each dropped by one
# filter of the default pipeline for a reason of that kind (see newsclean.stats.reason_kind).
BOILERPLATE_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("Advertisement", "ad-marker", "ad marker"),
    ("ADVERTISEMENT", "ad-marker", "ad marker"),
    ("Advertisement:", "ad-marker", "ad marker"),
    ("Sponsored content", "ad-marker", "ad marker"),
    ("Story continues below advertisement", "ad-marker", "ad marker"),
    ("Share", "share-button", "share button"),
    ("Share this with Facebook", "share-button", "share button"),
    ("Share this article", "share-button", "share button"),
    ("Share on Facebook Share on Twitter", "share-button", "share button"),
    ("Share via Email", "share-button", "share button"),
    ("Tweet", "share-button", "share button"),
    ("Follow us on Twitter", "share-button", "follow button"),
    ("Like us on Facebook", "share-button", "follow button"),
    ("Sign up for our newsletter", "prompt", "newsletter prompt"),
    ("Sign up for our daily newsletter", "prompt", "newsletter prompt"),
    ("Subscribe to our newsletter", "prompt", "newsletter prompt"),
    ("Get the latest headlines delivered to your inbox", "prompt", "newsletter prompt"),
    ("We use cookies to improve your experience.", "prompt", "cookie notice"),
    ("This site uses cookies.", "prompt", "cookie notice"),
    ("Accept all cookies", "prompt", "cookie notice"),
    ("Subscribe now", "prompt", "subscription prompt"),
)

COMMENT_HEADINGS: tuple[str, ...] = ("Comments", "{number} Comments", "Comments ({number})", "Leave a Reply", "Join the conversation")
COMMENT_TEMPLATES: tuple[str, ...] = (
    "I have lived in {places} for {small_number} years and nobody ever asked us about the {nouns}.",
    "Well said, {first_names}.",
    "The {nouns} is a waste of money if you ask me.",
    "Finally some good news for {places}!",
    "Does anyone know when the {nouns} will be finished?",
)
MONTHS = ("January", "March", "May", "July", "September", "November")

COMMENT_FILTER = "comment-section"
LANGUAGE_FILTER = "non-english"
NON_ENGLISH_KIND = "non-English fragment"


@lru_cache(maxsize=None)
def word_sections(name: str) -> dict[str, tuple[str, ...]]:
    """A data file of "[section]" headers followed by one entry per line, as {section: entries}."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for entry in load_phrase_list(name):
        if entry.startswith("[") and entry.endswith("]"):
            current = sections.setdefault(entry[1:-1], [])
        elif current is None:
            raise ValueError(f"newsclean/data/{name}.txt: {entry!r} comes before any [section] header")
        else:
            current.append(entry)
    return {section: tuple(entries) for section, entries in sections.items()}


@dataclass(frozen=True)
class Article:
    """English news paragraphs; cleaning `text` must keep every one of them, so
    `clean(article.text) == article.text`."""

    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The paragraphs separated by blank lines, ending in a newline; "" for no paragraphs
        (`articles(min_paragraphs=0)`), which is what cleaning an empty text returns."""
        return "\n\n".join(self.paragraphs) + "\n" if self.paragraphs else ""


@dataclass(frozen=True)
class BoilerplateLine:
    """A line of page furniture and the answer: the filter that drops it and the reason kind."""

    text: str
    filter: str
    reason_kind: str


@dataclass(frozen=True)
class ScrapedDocument:
    """A scraped page and the answer: which lines stay, and which filter drops each other one.

    `lines` are the page's non-empty lines; the page joins them with `separator`.
    """

    lines: tuple[str, ...]
    separator: str
    kept: tuple[str, ...]
    expected_filters: tuple[str | None, ...]  # per line: None for a kept line

    @property
    def text(self) -> str:
        return self.separator.join(self.lines) + "\n"

    @property
    def expected_text(self) -> str:
        """What newsclean must return: the kept lines with the page's separation."""
        return self.separator.join(self.kept) + "\n" if self.kept else ""

    def line_number(self, index: int) -> int:
        """The 1-based input line of `lines[index]` in `text`."""
        return index * self.separator.count("\n") + 1

    def to_document(self, id: str = "<scraped>") -> Document:
        return Document.from_text(self.text, id)


@dataclass(frozen=True)
class NearDuplicatePair:
    """A paragraph and a copy of it with `edits` words replaced (at `edited_positions`)."""

    original: str
    variant: str
    edited_positions: tuple[int, ...]

    @property
    def edits(self) -> int:
        return len(self.edited_positions)

    @property
    def edit_rate(self) -> float:
        return self.edits / len(self.original.split())


def _fill(draw: st.DrawFn, template: str) -> str:
    words = word_sections("article_words")
    values = {
        slot: draw(st.sampled_from(words[slot]))
        for slot in sorted(words)
        if "{" + slot + "}" in template
    }
    values["number"] = str(draw(st.integers(min_value=20, max_value=900)))
    values["small_number"] = str(draw(st.integers(min_value=2, max_value=19)))
    sentence = template.format(**values)
    return sentence[0].upper() + sentence[1:]


@st.composite
def paragraphs(draw: st.DrawFn, min_sentences: int = 2, max_sentences: int = 4) -> str:
    """One English news paragraph of `min_sentences` to `max_sentences` sentences."""
    count = draw(st.integers(min_value=min_sentences, max_value=max_sentences))
    return " ".join(_fill(draw, draw(st.sampled_from(SENTENCE_TEMPLATES))) for _ in range(count))


@st.composite
def articles(draw: st.DrawFn, min_paragraphs: int = 1, max_paragraphs: int = 6) -> Article:
    """An English news article: distinct paragraphs of two to four sentences (25 words or more),
    all of which the default pipeline keeps unchanged."""
    drawn = draw(st.lists(paragraphs(), min_size=min_paragraphs, max_size=max_paragraphs, unique=True))
    return Article(tuple(drawn))


def boilerplate_lines() -> st.SearchStrategy[BoilerplateLine]:
    """A line of page furniture (ad marker, share or follow button, newsletter, subscription or
    cookie prompt) with the filter and reason kind the default pipeline gives it."""
    return st.sampled_from(BOILERPLATE_EXAMPLES).map(lambda example: BoilerplateLine(*example))


@st.composite
def non_english_fragments(draw: st.DrawFn) -> BoilerplateLine:
    """A sentence in Cyrillic or Arabic script, dropped by the language filter."""
    sections = word_sections("foreign_fragments")
    script = draw(st.sampled_from(sorted(sections)))
    words = draw(st.lists(st.sampled_from(sections[script]), min_size=5, max_size=12))
    return BoilerplateLine(" ".join(words) + ".", LANGUAGE_FILTER, NON_ENGLISH_KIND)


@st.composite
def comment_sections(draw: st.DrawFn) -> tuple[str, ...]:
    """A comment section as it follows an article: a heading, then user/date lines and comments."""
    words = word_sections("article_words")
    lines = [_fill(draw, draw(st.sampled_from(COMMENT_HEADINGS)))]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        user = (draw(st.sampled_from(words["first_names"])) + draw(st.sampled_from(words["surnames"]))).lower()
        day = draw(st.integers(min_value=1, max_value=28))
        month = draw(st.sampled_from(MONTHS))
        year = draw(st.integers(min_value=2010, max_value=2024))
        hour, minute = draw(st.integers(min_value=0, max_value=23)), draw(st.integers(min_value=0, max_value=59))
        lines.append(f"{user} {day} {month} {year}, {hour:02d}:{minute:02d}")
        lines.append(_fill(draw, draw(st.sampled_from(COMMENT_TEMPLATES))))
    return tuple(lines)


#: Lines of furniture at most between two article paragraphs (a non-English fragment included).
#: A run of furniture outweighing the prose after it ends the article for newsclean's body
#: filter (`ArticleBodyFilter`: each line costs 10 words, and a paragraph here has 25 or more):
#: what follows reads as the page footer, as a teaser after a related-links block does.
MAX_LINES_BETWEEN_PARAGRAPHS = 2


@st.composite
def scraped_documents(draw: st.DrawFn) -> ScrapedDocument:
    """A scraped page: article paragraphs with boilerplate lines before, between and after them,
    a non-English fragment inside the article, and a comment section at the end (each optional
    but the article), with the kept lines and the filter expected to drop each other line.
    Up to three lines of boilerplate come before and after the article, and up to
    MAX_LINES_BETWEEN_PARAGRAPHS between two of its paragraphs."""
    article = draw(articles(min_paragraphs=2, max_paragraphs=5))
    inside = range(1, len(article.paragraphs))
    fragment_at = draw(st.none() | st.sampled_from(inside))
    slots: list[list[BoilerplateLine]] = []
    for position in range(len(article.paragraphs) + 1):
        room = MAX_LINES_BETWEEN_PARAGRAPHS - (position == fragment_at) if position in inside else 3
        slots.append(draw(st.lists(boilerplate_lines(), max_size=room)))
    if fragment_at is not None:
        slots[fragment_at].append(draw(non_english_fragments()))
    lines: list[str] = []
    expected: list[str | None] = []
    for index, paragraph in enumerate(article.paragraphs):
        for line in slots[index]:
            lines.append(line.text)
            expected.append(line.filter)
        lines.append(paragraph)
        expected.append(None)
    for line in slots[-1]:
        lines.append(line.text)
        expected.append(line.filter)
    if draw(st.booleans()):
        comments = draw(comment_sections())
        lines.extend(comments)
        expected.extend([COMMENT_FILTER] * len(comments))
    separator = draw(st.sampled_from(("\n", "\n\n")))
    return ScrapedDocument(tuple(lines), separator, article.paragraphs, tuple(expected))


@st.composite
def near_duplicate_pairs(draw: st.DrawFn, edit_rate: float = 0.05, min_words: int = 40) -> NearDuplicatePair:
    """A paragraph of at least `min_words` words and a copy with round(edit_rate * words) of
    them (at least one when edit_rate > 0) replaced by other words from the same lists; with
    edit_rate=0 the copy is exact."""
    if not 0 <= edit_rate <= 1:
        raise ValueError(f"edit_rate is a share of words between 0 and 1, not {edit_rate}")
    sentences = -(-min_words // 14) + 1  # every template has at least 14 words
    original = draw(paragraphs(min_sentences=sentences, max_sentences=sentences + 1))
    words = original.split()
    edits = 0 if edit_rate == 0 else max(1, round(edit_rate * len(words)))
    positions = sorted(draw(st.lists(st.integers(0, len(words) - 1), min_size=edits, max_size=edits, unique=True)))
    replacements = [noun for noun in word_sections("article_words")["nouns"] if " " not in noun]
    variant = list(words)
    for position in positions:
        variant[position] = draw(st.sampled_from([word for word in replacements if word != words[position]]))
    return NearDuplicatePair(original, " ".join(variant), tuple(positions))
