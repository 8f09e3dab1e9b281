"""The prompt filter's anchor check on lines that are not plain (eighth round, issue 7): such a
line is lower-cased with `str.lower` and checked for anchors like a plain one, unless it holds
a character that IGNORECASE lets stand for an ASCII letter but `str.lower` does not turn into
it. Compared with the former code, which searched every pattern on such a line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.filters.prompts import _COMPILED, _LOWERS_APART_FROM_ITS_LETTER, _prompt_kind
from newsclean.io import read_document
from newsclean.wordlists import plain_lowered

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "scraped"
#: Far above any line's words, so that every line is asked about (a memo of its own settings).
ALL_WORDS = 10_000


def former_prompt_kind(text: str) -> str | None:
    """The former `_prompt_kind` on a line that is not plain: every pattern searched, in order."""
    return next((kind for kind, pattern, _ in _COMPILED if pattern.search(text)), None)


def test_each_character_standing_for_an_ascii_letter_lowers_to_it_or_is_set_apart() -> None:
    stands_for_a_letter = regex.compile("[a-z]", regex.IGNORECASE)
    for code_point in range(128, sys.maxunicode + 1):
        character = chr(code_point)
        if stands_for_a_letter.fullmatch(character) and _LOWERS_APART_FROM_ITS_LETTER.search(character) is None:
            lowered = character.lower()
            assert len(lowered) == 1 and "a" <= lowered <= "z" and regex.fullmatch(lowered, character, regex.IGNORECASE), hex(code_point)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Subſcribe", "subscription prompt"),  # long s: "subscrib" only through IGNORECASE
        ("By clİcking here you agree to the terms", "newsletter prompt"),  # dotted capital I
        ("Subscribe for only €5", "subscription prompt"),
        ("Get \u212aey updates in your inbox", "newsletter prompt"),  # the Kelvin sign lowers to "k"
        ("Wir verwenden Cookies – Einstellungen ändern", None),
        ("Café news: sign up for our newsletter", "newsletter prompt"),
    ],
)
def test_prompts_with_characters_beyond_plain(text: str, kind: str | None) -> None:
    assert plain_lowered(text) is None
    assert former_prompt_kind(text) == kind
    assert _prompt_kind(text, ALL_WORDS) == kind


def test_prompt_kind_on_real_lines_that_are_not_plain() -> None:
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEVSET.glob("*.txt"))
    lines = [line for path in files for line in read_document(path)[0].lines if line.strip() and plain_lowered(line) is None]
    assert len(lines) > 100
    assert [_prompt_kind(line, ALL_WORDS) for line in lines] == list(map(former_prompt_kind, lines))


PROMPT_PIECES = [
    "sign up", "subscribe", "Subſcribe", "SUBSCRİBE", "newsletter", "inbox", "your", "e-mail", "cookies",
    "accept", "manage", "agree", "by clicking", "by clİcking", "you've read", "this story?", "terms",
    "café", "über", "Ünsere", "\u212a", "ſ", "İ", "ı", "€5", "–", "already a member", "our", "to",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PROMPT_PIECES), min_size=1, max_size=10).map(" ".join))
def test_prompt_kind_on_text_beyond_plain(text: str) -> None:
    if plain_lowered(text) is None:
        assert _prompt_kind(text, ALL_WORDS) == former_prompt_kind(text)
