"""Line normalisation: ftfy mojibake and HTML-entity repair, NFC, invisible characters and
whitespace clean-up, with the steps applied recorded so `explain` can show them.

Correct typography (curly quotes, dashes, accents, full-width CJK punctuation) is kept:
ftfy's quote uncurling and character-width folding are switched off. Normalisation is
idempotent: a line is re-normalised until it stops changing (e.g. "&amp;amp;").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from typing import Iterator, Sequence

import ftfy
import regex
from ftfy.chardata import HTML_ENTITY_RE

from .document import Normalisation, split_lines
from .memo import line_memo

#: Bump when normalisation output changes: near-duplicate indexes record it.
NORMALISATION_VERSION = 1

FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    fix_line_breaks=False,
    explain=True,
)

# Zero-width characters and the BOM carry no text; other format characters (e.g. the
# right-to-left marks) do carry meaning and are kept.
_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
# C0/C1 controls (tab, newline and friends become spaces via the whitespace rule below).
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]+")
# Any run of whitespace, including no-break and thin spaces, becomes one space.
_WHITESPACE = regex.compile(r"\s+")
# Lone surrogates cannot be encoded as UTF-8; they come from broken decoders.
_SURROGATE = regex.compile(r"[\ud800-\udfff]")
# Lines that need ftfy: anything non-ASCII, an HTML entity, or a terminal escape.
_NEEDS_FTFY = regex.compile(r"[^\x00-\x7f]|&|\x1b")

# Lines made only of printable ASCII other than "&", ASCII whitespace but the vertical tab
# (which ftfy drops as a control character), and typographic quotes, dashes and the ellipsis
# (most lines of English news) can only change by whitespace clean-up: see
# `_normalise_plain_line`. Any other character sends a line down the general path.
_TYPOGRAPHIC = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026"
_NEEDS_GENERAL_PATH = re.compile(rf"[^\t\n\x0c\r\x20-\x25\x27-\x7e{_TYPOGRAPHIC}]")
#: Lines beyond those characters that every step but the whitespace rule still leaves alone,
#: which take the fast path too (five in six of the general path's distinct lines in the
#: benchmark corpus, where ftfy was most of the cost): the fast path's characters, "&", "©", the
#: middle dot "·" and the no-break space; or its characters, "&", "·" and the no-break space
#: without "‘“”", with lower-case accented Latin letters (ß-ö, ø-ü). With no HTML entity
#: (`HTML_ENTITY_RE`, which ftfy decodes) neither holds an entity, escape, control, surrogate,
#: ligature, invisible or combining character, both are NFC (precomposed Latin-1 letters; NFC
#: leaves the no-break space alone), and ftfy's mojibake heuristic (`ftfy.badness.is_bad`) never fires: each
#: of its patterns needs a character outside both sets (C1, "bad", currency, numeric, law, box,
#: upper-case accented, Greek, Cyrillic, ...) or puts an accented letter next to "©‘“”", which
#: the second set leaves out. Then ftfy's encoding fix stops at once, as its other fixers do.
#: tests/test_normalise_accented_fast_path.py checks this against ftfy on every 3-character
#: string over both sets and on real text.
_FTFY_LEAVES_ALONE = re.compile(
    rf"[\t\n\x0c\r\x20-\x7e{_TYPOGRAPHIC}\xa0\xa9\xb7]*"
    r"|[\t\n\x0c\r\x20-\x7e\u2019\u2013\u2014\u2026\xa0\xb7\xdf-\xf6\xf8-\xfc]*"
)


def _ftfy_leaves_alone(line: str) -> bool:
    """Whether the line is one of `_FTFY_LEAVES_ALONE`'s, without an HTML entity."""
    return _FTFY_LEAVES_ALONE.fullmatch(line) is not None and ("&" not in line or HTML_ENTITY_RE.search(line) is None)


_MAX_PASSES = 4


def _normalise_once(line: str, steps: list[str]) -> str:
    text = line
    if _NEEDS_FTFY.search(text):
        fixed = ftfy.fix_and_explain(text, FTFY_CONFIG)
        if fixed.text != text:
            steps.extend(
                f"ftfy:{parameter}" if action == "apply" else f"ftfy:{action} {parameter}"
                for action, parameter in fixed.explanation or ()
            )
            text = fixed.text
    for name, pattern, replacement in (
        ("surrogates removed", _SURROGATE, "\ufffd"),
        ("invisible characters removed", _INVISIBLE, ""),
        ("control characters removed", _CONTROL, " "),
    ):
        new = pattern.sub(replacement, text)
        if new != text:
            steps.append(name)
            text = new
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        steps.append("NFC")
    collapsed = _WHITESPACE.sub(" ", text).strip()
    if collapsed != text:
        steps.append("whitespace collapsed")
        text = collapsed
    return text


#: Lines longer than this are normalised in pieces split at spaces, so ftfy and the regexes
#: work on bounded pieces and a line of megabytes costs a few copies of itself, not dozens.
SEGMENT_CHARACTERS = 65_536


def _segments(line: str) -> Iterator[str]:
    """Cut a long line at ASCII spaces into pieces of about SEGMENT_CHARACTERS (a piece
    without a space in reach runs on to the next one, so no word is ever cut)."""
    start = 0
    while len(line) - start > SEGMENT_CHARACTERS:
        cut = line.find(" ", start + SEGMENT_CHARACTERS)
        if cut < 0:
            break
        yield line[start:cut]
        start = cut + 1
    yield line[start:]


def normalise_line(line: str) -> tuple[str, tuple[str, ...]]:
    """Return the normalised line and the names of the steps that changed it (empty if none)."""
    if len(line) <= SEGMENT_CHARACTERS:
        return _normalise_piece(line)
    # Pieces are cut at spaces, which the whitespace rule collapses anyway, so normalising
    # piece by piece and rejoining with one space is the same as normalising the whole line.
    steps: list[str] = []
    pieces: list[str] = []
    for segment in _segments(line):
        text, segment_steps = _normalise_piece(segment)
        steps.extend(segment_steps)
        if text:
            pieces.append(text)
    return " ".join(pieces), tuple(dict.fromkeys(steps))


def _normalise_piece(line: str) -> tuple[str, tuple[str, ...]]:
    """Normalise a line of bounded length: the fast path when it applies, else every step."""
    if _NEEDS_GENERAL_PATH.search(line) is None or _ftfy_leaves_alone(line):
        return _normalise_plain_line(line)
    return normalise_line_general(line)


def _normalise_plain_line(line: str) -> tuple[str, tuple[str, ...]]:
    """The fast path, for lines of printable ASCII (no "&"), ASCII whitespace (no vertical
    tab) and ‘’“”–—…, i.e. most lines: the same output as `normalise_line_general`, which
    tests check.

    For these lines every step but the whitespace rule is a no-op. No entity, escape, control,
    surrogate, invisible or combining character can occur, and ftfy finds no mojibake: in
    every encoding ftfy tries, the typographic characters are either not encodable, UTF-8
    continuation bytes (windows-125x), or lead bytes that are never followed by a continuation
    byte (MacRoman), so no re-decoding is valid UTF-8. `str.split()` splits on exactly the
    ASCII whitespace `\\s` matches, so the whitespace rule is applied once, and for good.
    It also serves the lines `_ftfy_leaves_alone` finds, whose only whitespace beyond ASCII is
    the no-break space: `str.split()` splits on it as `_WHITESPACE` matches it, and no other
    step touches it (ftfy's `remove_control_chars` and NFC leave it alone).
    """
    collapsed = " ".join(line.split())
    if collapsed == line:
        return line, ()
    return collapsed, ("whitespace collapsed",)


@line_memo
def normalise_line_general(line: str) -> tuple[str, tuple[str, ...]]:
    """Normalise any line: every step, repeated until the line stops changing. Memoised (by
    line; lines are at most SEGMENT_CHARACTERS long here): site furniture with typographic
    characters recurs on every page, and ftfy is the expensive step."""
    steps: list[str] = []
    text = line
    for _ in range(_MAX_PASSES):
        new = _normalise_once(text, steps)
        if new == text:
            break
        text = new
    return text, tuple(dict.fromkeys(steps))


def normalise_lines(lines: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], tuple[Normalisation, ...]]:
    """Normalise every line of a document; return the lines and a record of each change.

    Lines of plain ASCII and typographic punctuation only need whitespace clean-up, so they
    skip ftfy and the other rules entirely (the common case, and by far the cheapest); most of
    them need none at all. Which lines need the general path, and which plain lines have
    whitespace to collapse, is found with scans of the whole document, not one per line: only
    those lines are looked at one by one.
    """
    general, loose = lines_needing_work(lines)
    if not general and not loose:
        return tuple(lines), ()
    normalised = list(lines)
    changes: list[Normalisation] = []
    for index in sorted(general | loose):
        line = lines[index]
        text, steps = normalise_line(line) if index in general else _normalise_plain_line(line)
        normalised[index] = text
        if steps:
            changes.append(Normalisation(index + 1, line, steps))
    return tuple(normalised), tuple(changes)


def lines_needing_work(lines: Sequence[str]) -> tuple[set[int], set[int]]:
    """(the lines the fast path (`_normalise_plain_line`) does not cover: those longer than
    SEGMENT_CHARACTERS, and those with a character it does not handle; the other lines whose
    whitespace the fast path collapses, among others), as sets of indexes, found by scanning
    the lines joined by "\n" (a character the fast path handles).
    A line with a newline of its own is counted among the second set, whatever else it holds."""
    joined = "\n".join(lines)
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    beyond = _beyond_printable_ascii(joined)
    general = _general_path_lines(lines, joined, starts, beyond)
    loose = _loose_whitespace_lines(lines, joined, starts, beyond)
    return general, loose - general


#: The printable ASCII the fast path handles (all of it but "&"), as bytes to delete.
_FAST_PATH_PRINTABLE_BYTES = bytes([*range(0x20, 0x26), *range(0x27, 0x7F)])
#: The other characters the fast path handles.
_FAST_PATH_OTHERS = frozenset("\t\n\x0c\r" + _TYPOGRAPHIC)
#: Up to this many distinct characters beyond the fast path are each looked for with
#: `str.find`; text with more (a page in another script) is scanned by `_NEEDS_GENERAL_PATH`.
_FOUND_ONE_BY_ONE = 8


def _beyond_printable_ascii(joined: str) -> str | None:
    """The characters of `joined` but the printable ASCII the fast path handles (its line
    breaks, other whitespace, "&", controls and non-ASCII characters), in order; None if it
    cannot be encoded (a lone surrogate). Two C passes over its UTF-8, where a scan by a
    regular expression's character class costs tens of instructions a character: lines are
    mostly that ASCII, so what is left is short."""
    try:
        encoded = joined.encode("utf-8")
    except UnicodeEncodeError:
        return None
    # Only whole ASCII bytes are deleted, never a byte of a multi-byte character: still UTF-8.
    return encoded.translate(None, _FAST_PATH_PRINTABLE_BYTES).decode("utf-8")


def _general_path_lines(lines: Sequence[str], joined: str, starts: list[int], beyond: str | None) -> set[int]:
    """`lines_needing_work`'s first set from the lines joined, their `starts` in it and
    `_beyond_printable_ascii(joined)`: each line holding one of the few characters beyond the
    fast path found by `str.find`, or, where there are many, by `_NEEDS_GENERAL_PATH`."""
    found = {index for index, line in enumerate(lines) if len(line) > SEGMENT_CHARACTERS}
    # Mostly other characters than printable ASCII (besides the line breaks): one scan.
    if beyond is None or len(beyond) - len(lines) > len(joined) // 8:
        return found | _lines_matching(_NEEDS_GENERAL_PATH, joined, starts)
    outside = set(beyond).difference(_FAST_PATH_OTHERS)
    if len(outside) > _FOUND_ONE_BY_ONE:
        return found | _lines_matching(_NEEDS_GENERAL_PATH, joined, starts)
    for character in outside:
        found |= _lines_holding(character, joined, starts)
    return found


def _lines_matching(pattern: re.Pattern[str], joined: str, starts: list[int]) -> set[int]:
    """The indexes of the lines (of `joined`, at `starts`) that hold a match of `pattern`."""
    found = set()
    match = pattern.search(joined)
    while match is not None:
        index = bisect_right(starts, match.start()) - 1
        found.add(index)
        match = pattern.search(joined, starts[index + 1])
    return found


def _lines_holding(piece: str, joined: str, starts: list[int]) -> set[int]:
    """The indexes of the lines (of `joined`, at `starts`) that hold `piece`: "\n " counts in
    the line it starts, " \n" in the line it ends."""
    found = set()
    position = joined.find(piece)
    while position >= 0:
        index = bisect_right(starts, position + (piece == "\n ")) - 1
        found.add(index)
        # On from the newline that ends this line: "\n " there belongs to the next one.
        position = joined.find(piece, max(starts[index + 1] - 1, position + 1))
    return found


#: What the fast path's whitespace rule changes, in lines joined by "\n": a space at either
#: end of a line (or of the joined text), two spaces in a row, or any whitespace character but
#: the space (the others it may meet in a plain line). Found with `str.find`, which skims; the
#: tab, form feed and carriage return only where `_beyond_printable_ascii` saw them.
_LOOSE_SPACES = ("  ", " \n", "\n ")
_LOOSE_WHITESPACE = "\t\x0c\r"


def _loose_whitespace_lines(lines: Sequence[str], joined: str, starts: list[int], beyond: str | None) -> set[int]:
    seen = joined if beyond is None else beyond
    if seen.count("\n") != max(len(lines) - 1, 0):  # lines with newlines in them (not from split_lines)
        found = {index for index, line in enumerate(lines) if "\n" in line}
    else:
        found = set()
    if joined.startswith(" "):
        found.add(0)
    if joined.endswith(" "):
        found.add(len(lines) - 1)
    for piece in _LOOSE_SPACES:
        found |= _lines_holding(piece, joined, starts)
    for piece in _LOOSE_WHITESPACE:
        if piece in seen:
            found |= _lines_holding(piece, joined, starts)
    return found


def normalise_text(text: str) -> str:
    """Normalise each line of a text (for users who want only this step)."""
    return "\n".join(normalise_line(line)[0] for line in split_lines(text))
