"""Normalisation: repairs what is broken, keeps typography that is correct."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsclean.normalise import normalise_line, normalise_lines


def test_mojibake_and_entities_are_repaired_and_explained() -> None:
    text, steps = normalise_line("Syria\u00e2\u20ac\u2122s war &amp; the caf\u00c3\u00a9")
    assert text == "Syria’s war & the café"
    assert any(step.startswith("ftfy") for step in steps)


def test_curly_quotes_dashes_and_accents_are_kept() -> None:
    line = "“Very efficient” — Erdoğan’s café, 5–6 km"
    assert normalise_line(line) == (line, ())


def test_invisible_control_and_space_characters() -> None:
    text, steps = normalise_line("  Kerry\u200b said\u00a0\u00a0the\tplan\x07 works  ")
    assert text == "Kerry said the plan works"
    assert "invisible characters removed" in steps and "whitespace collapsed" in steps


def test_decomposed_accents_become_nfc() -> None:
    assert normalise_line("Cafe\u0301")[0] == "Caf\u00e9"


def test_double_escaped_entity_reaches_a_fixpoint() -> None:
    once = normalise_line("AT&amp;amp;T")[0]
    assert normalise_line(once)[0] == once


def test_normalise_lines_records_only_changed_lines() -> None:
    lines, changes = normalise_lines(["plain ascii line", "two  spaces"])
    assert lines == ("plain ascii line", "two spaces")
    assert [change.line for change in changes] == [2]


@given(st.text())
def test_normalisation_is_idempotent_and_single_line(text: str) -> None:
    once = normalise_line(text)[0]
    assert normalise_line(once)[0] == once
    assert "\n" not in once and once == once.strip()
    once.encode("utf-8")
