"""FastDetector gives langdetect's answers bit for bit: the same languages with the same
probabilities (floats compared exactly), on real lines in several languages, on the blocks the
language filter sends, and on generated text; and the same error on text without features.
Its profiles load in name order, whatever order the file system lists them in."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from langdetect.utils.ngram import NGram

from newsclean.filters.detection import _SEQUENTIAL_SUM, FastDetector, appended_text, load_factory
from newsclean.io import read_document

from .conftest import DEVSET, SEEDS

SEED = 0
OTHER_LANGUAGES = [
    "Le gouvernement a annoncé une nouvelle loi pour les écoles de la région.",
    "Die Regierung hat am Dienstag ein neues Gesetz für die Schulen vorgestellt.",
    "El gobierno anunció el martes una nueva ley para las escuelas de la región.",
    "O governo anunciou uma nova lei para as escolas da região na terça-feira.",
    "Правительство объявило во вторник о новом законе для школ региона.",
    "政府周二宣布了一项针对该地区学校的新法律。",
    "Tempo de leitura: 1 minuto",
    "NASA adds five companies to commercial lunar lander program",
]


@lru_cache(maxsize=1)
def factories() -> tuple[DetectorFactory, DetectorFactory]:
    """langdetect's own factory, given the profiles in name order as newsclean loads them
    (its `load_profile` takes the file system's order), and newsclean's."""
    names = sorted(path for path in Path(PROFILES_DIRECTORY).iterdir() if not path.name.startswith("."))
    reference = DetectorFactory()
    reference.load_json_profile([path.read_text(encoding="utf-8") for path in names])
    reference.set_seed(SEED)
    return reference, load_factory(SEED)


def answer(factory: DetectorFactory, text: str) -> list[tuple[str, float]] | str:
    detector = factory.create()
    detector.append(text)
    try:
        return [(language.lang, language.prob) for language in detector.get_probabilities()]
    except LangDetectException as error:
        return f"error: {error}"


def real_lines() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    lines = [line for path in paths for line in read_document(path)[0].lines if len(line) > 3]
    return lines[::7]


def test_fast_factory_creates_fast_detectors_with_profiles_in_name_order() -> None:
    reference, fast = factories()
    assert isinstance(fast.create(), FastDetector)
    assert fast.langlist == reference.langlist == sorted(reference.langlist)
    assert set(fast.word_lang_prob_map) == set(reference.word_lang_prob_map)


def test_profile_matrix_holds_langdetects_probabilities_exactly() -> None:
    """Row by row, the matrix is langdetect's own `word_lang_prob_map` (floats compared
    exactly), with the n-grams numbered in the order langdetect's loop first meets them."""
    reference, fast = factories()
    assert list(fast.word_lang_prob_map) == list(reference.word_lang_prob_map)
    assert list(fast.word_lang_prob_map.values()) == list(range(len(reference.word_lang_prob_map)))
    expected = np.array(list(reference.word_lang_prob_map.values()))
    assert fast._probabilities.dtype == expected.dtype and fast._probabilities.flags.c_contiguous
    assert np.array_equal(fast._probabilities, expected)


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_same_answer_as_langdetect_in_other_languages(text: str) -> None:
    reference, fast = factories()
    assert answer(fast, text) == answer(reference, text)


def test_same_answers_as_langdetect_on_real_lines_and_blocks() -> None:
    reference, fast = factories()
    lines = real_lines()
    assert len(lines) > 300
    blocks = [" ".join(lines[start : start + 12])[:2000] for start in range(0, len(lines), 12)]
    for text in lines + blocks:
        assert answer(fast, text) == answer(reference, text), text
    assert {answer(fast, text)[0][0] for text in blocks if not isinstance(answer(fast, text), str)} >= {"en", "pt"}


@pytest.mark.parametrize("bar", [0.3, 0.5, 0.9, 0.999])
def test_early_settled_answer_equals_the_full_answer(bar: float) -> None:
    """`other_language_can_reach` after as few trials as settle it equals the answer read off
    langdetect's full probabilities, for English and other languages, at several bars."""
    reference, fast = factories()
    texts = OTHER_LANGUAGES + real_lines()[::4]
    settled_early = 0
    for text in texts:
        full = answer(reference, text)
        if isinstance(full, str):
            continue
        expected = any(language != "en" and probability >= bar for language, probability in full)
        detector = fast.create()
        detector.append(text)
        assert detector.other_language_can_reach(bar, "en") == expected, text
        settled_early += detector.langprob is None
        if expected:
            assert [(item.lang, item.prob) for item in detector.get_probabilities()] == full
    if bar >= 0.9:  # a bar this high is out of reach after one English trial
        assert settled_early > len(texts) / 2


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_same_answer_as_langdetect_on_generated_text(text: str) -> None:
    reference, fast = factories()
    assert answer(fast, text) == answer(reference, text)


def reference_ngrams(factory: DetectorFactory, text: str) -> tuple[str, list[str]]:
    """The cleaned text and n-grams langdetect's own `Detector` extracts."""
    detector = Detector(factory)
    detector.append(text)
    detector.cleaning_text()
    return detector.text, detector._extract_ngrams()


def fast_ngrams(factory: DetectorFactory, text: str) -> tuple[str, list[str]]:
    detector = factory.create()
    detector.append(text)
    detector.cleaning_text()
    return detector.text, detector._extract_ngrams()


def test_same_text_and_ngrams_as_langdetect_on_real_lines() -> None:
    reference, fast = factories()
    tricky = ["NASA  and   the ESA", "  leading and trailing  ", "ÉTATS-UNIS d’Amérique", "see https://example.com or mail a@b.org"]
    for text in OTHER_LANGUAGES + tricky + real_lines():
        assert fast_ngrams(fast, text) == reference_ngrams(reference, text), text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.text(alphabet="aAbB  .éÉ’ЖжNS", max_size=40))
def test_same_text_and_ngrams_as_langdetect_on_generated_text(text: str) -> None:
    reference, fast = factories()
    assert fast_ngrams(fast, text) == reference_ngrams(reference, text)


def reference_appended_text(text: str, max_text_length: int) -> str:
    """`appended_text` as it was, every substitution run on every text (langdetect's `append`)."""
    text = Detector.URL_RE.sub(" ", text)
    text = Detector.MAIL_RE.sub(" ", text)
    text = NGram.normalize_vi(text)
    return re.sub(" {2,}", " ", text[:max_text_length])


#: Characters that make URLs, e-mail addresses and Vietnamese letters with a combining mark
#: (and near misses of each), for the substitutions `appended_text` skips when a text cannot match.
_APPENDED_ALPHABET = "aeoyAE1-_.:/@ htps\u0300\u0301\u0303\u0309\u0323\u0302\u1ea1é"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_APPENDED_ALPHABET, max_size=50) | st.text(max_size=30))
def test_appended_text_equals_every_substitution_run(text: str) -> None:
    assert appended_text(text, 40) == reference_appended_text(text, 40)


def test_appended_text_equals_every_substitution_run_on_real_lines() -> None:
    tricky = ["see https://example.com/a?b=1 or mail a.b@c.org", "http:// alone, @ alone", "Vie\u0302\u0301t Nam, Ha\u0300 No\u0323i", "ftp://x.y"]
    for text in tricky + real_lines():
        assert appended_text(text, 10_000) == reference_appended_text(text, 10_000), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=1e-300, max_value=1.0), min_size=1, max_size=60))
def test_running_sums_end_in_pythons_sum_where_it_adds_in_order(values: list[float]) -> None:
    """`_trial` takes the normalisation's sum from `np.add.accumulate` where Python's `sum`
    adds in order without compensation (up to 3.11): the same float as `sum`."""
    if _SEQUENTIAL_SUM:
        assert np.add.accumulate(np.array(values)).item(-1) == sum(values)


def test_random_stream_reads_python_randoms_draws() -> None:
    """The stream's choices and uniforms are `Random(seed)`'s, output for output, for counts
    that reject few and many draws (just above and below a power of two)."""
    import random

    from newsclean.filters.detection import _RandomStream

    stream = _RandomStream(SEED)
    for count in (1, 5, 64, 65, 1000, 4097):
        generator = random.Random(SEED)
        drawn, positions = stream.choices(0, count, 300)
        assert drawn.tolist() == [generator.choice(range(count)) for _ in range(300)]
        assert stream.uniform(int(positions[-1]) + 1) == generator.random()


@pytest.mark.parametrize("bar", [0.5, 0.9])
def test_probabilities_unless_settled_equal_langdetects(bar: float) -> None:
    """The filter's path (no Detector) gives langdetect's probabilities, or None only when no
    language but English reaches the bar; and langdetect's error for a text without features."""
    reference, fast = factories()
    texts = OTHER_LANGUAGES + real_lines()[::10]
    settled = 0
    for text in texts:
        full = answer(reference, text)
        if isinstance(full, str):
            with pytest.raises(LangDetectException):
                fast.probabilities_unless_settled(text, bar, "en")
            continue
        result = fast.probabilities_unless_settled(text, bar, "en")
        if result is None:
            settled += 1
            assert not any(language != "en" and probability >= bar for language, probability in full), text
        else:
            assert [(item.lang, item.prob) for item in result] == full, text
    assert 0 < settled < len(texts)


def test_settling_watches_the_language_asked_for() -> None:
    """Asked in turn about English and other languages, the same factory settles each text
    only when no language but the one asked about reaches the bar (each question excludes
    its own language, not one remembered from an earlier question)."""
    reference, fast = factories()
    settled = 0
    for text in OTHER_LANGUAGES + real_lines()[::20]:
        full = answer(reference, text)
        if isinstance(full, str):
            continue
        for language in ("en", "de", "ru", "en"):
            result = fast.probabilities_unless_settled(text, 0.5, language)
            if result is None:
                settled += 1
                assert not any(other != language and probability >= 0.5 for other, probability in full), (text, language)
            else:
                assert [(item.lang, item.prob) for item in result] == full, (text, language)
    assert settled > 10


def test_word_memo_emptied_when_full_gives_the_same_ngrams() -> None:
    reference, _ = factories()
    small = load_factory(SEED)
    small.WORD_MEMO_SIZE = 5
    for text in OTHER_LANGUAGES + real_lines()[:200]:
        assert fast_ngrams(small, text) == reference_ngrams(reference, text), text
    assert 0 < len(small._words) <= 5


@pytest.mark.parametrize("limit", [3, 600, 1500])
def test_trials_run_to_any_iteration_limit_as_langdetects_do(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """With a convergence bar no trial reaches, every trial runs to the iteration limit, which
    need not be a multiple of five (langdetect checks after draws 1, 6, 11, ...)."""
    monkeypatch.setattr(Detector, "CONV_THRESHOLD", 2.0)
    monkeypatch.setattr(Detector, "ITERATION_LIMIT", limit)
    reference, fast = factories()
    for text in OTHER_LANGUAGES[:3] + ["The council voted on Tuesday to close the school."]:
        expected = answer(reference, text)
        assert answer(fast, text) == expected
        settled = fast.probabilities_unless_settled(text, 0.0, "en")
        assert [(language.lang, language.prob) for language in settled or []] == expected


def test_threads_detecting_at_once_get_the_same_answers() -> None:
    """Each thread has its own trial matrix: threads switching every few bytecodes mid-trial
    still get the answers one thread gets."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    _, fast = factories()
    texts = OTHER_LANGUAGES + real_lines()[:40]
    expected = [answer(fast, text) for text in texts]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: [answer(fast, text) for text in texts], range(4)))
    finally:
        sys.setswitchinterval(interval)
    assert answers == [expected] * 4
