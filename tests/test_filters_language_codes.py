"""The language filter decides a page from its verdicts as one `bytes` of codes (one memo
look-up per paragraph, uncertain and undecided runs found by regexes). Compared here, verdict
for verdict and removal for removal, with the per-paragraph code it replaced (kept below as a
reference subclass): on every page of seeds/ and the dev sample as each round of the default
pipeline shows it to the filter, on random subsets of their paragraphs, and on generated pages
mixing English, foreign, uncertain and short lines."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.document import Paragraph, Removal, kept_paragraphs
from newsclean.filters import LanguageFilter, PageView
from newsclean.filters.language import BLOCK_CHARACTERS, JUDGE_CHARACTERS, Verdict, _foreign_language, _judge

from .test_filters_batched import real_lines, real_pages, views_to_compare


@lru_cache(maxsize=None)
def _reference_judge(text: str, *settings: object) -> tuple[Verdict, str]:
    return _judge(text, *settings)


class ReferenceLanguageFilter(LanguageFilter):
    """LanguageFilter as it was: a judge call per paragraph, Python loops over the verdicts."""

    def find_removals(self, page: PageView) -> list[Removal]:
        paragraphs = page.paragraphs
        return [
            self.removal(paragraph, reason)
            for paragraph, (verdict, reason) in zip(paragraphs, self.verdicts(paragraphs))
            if verdict is Verdict.FOREIGN
        ]

    def verdicts(self, paragraphs: Sequence[Paragraph]) -> list[tuple[Verdict, str]]:
        verdicts: list[Verdict] = []
        reasons: list[str] = []
        for paragraph in paragraphs:
            verdict, reason = self.judge(paragraph.text)
            verdicts.append(verdict)
            reasons.append(reason)
        self._reference_resolve_uncertain_blocks(paragraphs, verdicts, reasons)
        self._reference_resolve_undecided(verdicts, reasons)
        return list(zip(verdicts, reasons))

    def judge(self, text: str) -> tuple[Verdict, str]:
        settings = (self.min_latin_share, self.min_words, self.english_share, self.foreign_share)
        return _reference_judge(text[:JUDGE_CHARACTERS], *settings)

    def _reference_resolve_uncertain_blocks(self, paragraphs: Sequence[Paragraph], verdicts: list[Verdict], reasons: list[str]) -> None:
        index = 0
        while index < len(verdicts):
            if verdicts[index] is not Verdict.UNCERTAIN:
                index += 1
                continue
            end = index
            while end < len(verdicts) and verdicts[end] is Verdict.UNCERTAIN:
                end += 1
            block = " ".join(paragraph.text for paragraph in paragraphs[index:end])
            answer = _foreign_language(block[:BLOCK_CHARACTERS], self.min_langdetect_probability)
            for member in range(index, end):
                if answer is not None:
                    language, probability = answer
                    verdicts[member] = Verdict.FOREIGN
                    reasons[member] = f"non-English fragment: langdetect says {language!r} (p={probability:.2f})"
                else:
                    verdicts[member] = Verdict.ENGLISH
            index = end

    @staticmethod
    def _reference_resolve_undecided(verdicts: list[Verdict], reasons: list[str]) -> None:
        judged = [i for i, verdict in enumerate(verdicts) if verdict in (Verdict.ENGLISH, Verdict.FOREIGN)]
        if not judged:
            return
        position = 0
        for index, verdict in enumerate(list(verdicts)):
            if verdict is not Verdict.UNDECIDED:
                continue
            while position < len(judged) and judged[position] < index:
                position += 1
            before = judged[position - 1] if position > 0 else None
            after = judged[position] if position < len(judged) else None
            neighbours = [verdicts[n] for n in (before, after) if n is not None]
            if all(neighbour is Verdict.FOREIGN for neighbour in neighbours):
                verdicts[index] = Verdict.FOREIGN
                reasons[index] = "non-English fragment: short line inside a non-English block"


PAIRS = [
    (LanguageFilter(), ReferenceLanguageFilter()),
    (LanguageFilter(min_words=2, english_share=0.3), ReferenceLanguageFilter(min_words=2, english_share=0.3)),
]

#: Foreign sentences (the real pages have few), judged foreign by script or function words,
#: or left to langdetect.
FOREIGN_LINES = (
    "Le gouvernement a annoncé une nouvelle loi pour les écoles de la région",
    "Die Regierung hat heute ein neues Gesetz für die Schulen des Landes beschlossen",
    "El gobierno anunció una nueva ley para las escuelas de la región esta semana",
    "Правительство объявило о новом законе для школ региона на этой неделе",
    "政府は今週、地域の学校のための新しい法律を発表しました",
    "Hallituksen esitys koulujen rahoituksesta hyväksyttiin eduskunnassa tiistaina",
    "Rząd ogłosił nową ustawę dotyczącą szkół w regionie w tym tygodniu",
)
#: Lines too short or too name-like to judge alone, which follow their neighbours.
SHORT_LINES = ("Paris", "Ja", "12:30", "Maria Silva Santos", "—", "Olá", "New York Times")


def decisions(item: LanguageFilter, page: PageView) -> tuple[list, list[dict]]:
    return item.verdicts(page.paragraphs), [removal.to_dict() for removal in item.find_removals(page)]


def test_same_verdicts_and_removals_on_real_pages_in_every_round_and_on_random_subsets() -> None:
    rng = random.Random(11)
    verdicts_seen: set[Verdict] = set()
    removed_somewhere = 0
    for current, reference in PAIRS:
        for name, lines in real_pages():
            for view in views_to_compare(name, lines, current, rng):
                expected = decisions(reference, view)
                assert decisions(current, view) == expected, (name, len(view.paragraphs))
                verdicts_seen.update(verdict for verdict, _ in expected[0])
                removed_somewhere += bool(expected[1])
    assert removed_somewhere >= 10
    assert verdicts_seen == {Verdict.ENGLISH, Verdict.FOREIGN, Verdict.UNDECIDED}


@lru_cache(maxsize=1)
def uncertain_lines() -> tuple[str, ...]:
    """Real lines the cheap checks leave to langdetect."""
    reference = ReferenceLanguageFilter()
    found = tuple(line for line in real_lines() if reference.judge(line)[0] is Verdict.UNCERTAIN)
    assert len(found) >= 20
    return found


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_same_verdicts_and_removals_on_pages_mixing_english_foreign_and_short_lines(data: st.DataObject) -> None:
    line = st.one_of(
        st.just(""),
        st.sampled_from(real_lines()),
        st.sampled_from(FOREIGN_LINES),
        st.sampled_from(SHORT_LINES),
        st.sampled_from(uncertain_lines()),
        st.builds("{} {}".format, st.sampled_from(FOREIGN_LINES), st.sampled_from(SHORT_LINES)),
    )
    lines = tuple(data.draw(st.lists(line, max_size=40), label="lines"))
    keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)), label="keep")
    view = PageView("generated", lines, [p for p in kept_paragraphs(lines, set()) if keep[p.line - 1]])
    for current, reference in PAIRS:
        assert decisions(current, view) == decisions(reference, view)


def test_short_lines_follow_foreign_neighbours_up_to_the_page_edges() -> None:
    """Undecided runs at the page's edges and between foreign lines become foreign; a run
    next to an English line, and a page with no judged line, stay as they are."""
    english = "The council said on Tuesday that the new school would open in the spring of next year."
    lines = ("Paris", FOREIGN_LINES[0], "Ja", "Olá", FOREIGN_LINES[1], "Paris", english, "Ja", FOREIGN_LINES[2], "Olá")
    view = PageView("edges", lines, kept_paragraphs(lines, set()))
    expected = decisions(ReferenceLanguageFilter(), view)
    assert [verdict for verdict, _ in expected[0]] == [
        Verdict.FOREIGN, Verdict.FOREIGN, Verdict.FOREIGN, Verdict.FOREIGN, Verdict.FOREIGN,
        Verdict.UNDECIDED, Verdict.ENGLISH, Verdict.UNDECIDED, Verdict.FOREIGN, Verdict.FOREIGN,
    ]
    assert decisions(LanguageFilter(), view) == expected
    only_short = PageView("short", SHORT_LINES, kept_paragraphs(SHORT_LINES, set()))
    assert decisions(LanguageFilter(), only_short) == decisions(ReferenceLanguageFilter(), only_short)
    assert {verdict for verdict, _ in LanguageFilter().verdicts(only_short.paragraphs)} == {Verdict.UNDECIDED}
