"""langdetect's language detection, with its inner loop on numpy arrays.

langdetect samples n-grams of the text at random and multiplies, for each of its 55 languages,
the probability of the language by the n-gram's probability in it, one Python float at a time:
that loop is nearly all of its time. `FastDetector` runs the same algorithm, drawing the same
random numbers in the same order and doing the same floating-point operations in the same order
(element-wise products, Python's own `sum` for the normalisation), on a numpy vector per step.
Its answers are langdetect's answers, bit for bit (tests/test_detection.py), about 3x sooner.
The text's clean-up and n-gram extraction, per character in langdetect, are done with a
regular expression and one `str.translate` (the same text and n-grams, a third less time).
"""

from __future__ import annotations

import json
import os
import re
from typing import Iterator

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram


class _NormalisedCharacters(dict):
    """`str.translate` table of langdetect's per-character `NGram.normalize`, filled in as
    characters are first met: one C call normalises a whole text."""

    def __missing__(self, character: int) -> str:
        normalised = self[character] = NGram.normalize(chr(character))
        return normalised


_NORMALISED_CHARACTERS = _NormalisedCharacters()
#: Runs of spaces, which langdetect's `Detector.append` collapses into one.
_SPACE_RUN = re.compile(" {2,}")

#: Room for floating-point rounding when a bound settles an answer early: a trial's
#: probabilities sum to 1 give or take a few units in the last place.
_ROUNDING_MARGIN = 1e-9


class FastDetector(Detector):
    """A langdetect `Detector` whose sampling loop works on numpy vectors (same results)."""

    def __init__(self, factory: FastDetectorFactory) -> None:
        super().__init__(factory)
        self._rows = factory.rows

    def append(self, text: str) -> None:
        """langdetect's `append`, with its per-character loop done by a regular expression:
        URLs and e-mail addresses become spaces, then the first `max_text_length` characters
        are kept with every run of spaces collapsed into one."""
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += _SPACE_RUN.sub(" ", text[: self.max_text_length])

    def _extract_ngrams(self) -> list[str]:
        """langdetect's `_extract_ngrams` (the 1- to 3-grams it scores, in text order), with
        `NGram.add_char`'s state inlined and the characters normalised by one `translate`.

        langdetect skips the n-grams ending in the second and later letters of an upper-case
        run ("NASA" gives only those ending in "N"): its `capitalword` flag is true exactly
        when a character and the one before it are both upper case.
        """
        known = self.word_lang_prob_map
        result: list[str] = []
        grams = " "
        for character in self.text.translate(_NORMALISED_CHARACTERS):
            last = grams[-1]
            if last == " ":
                if character == " ":
                    continue
                grams = " "
            elif len(grams) == 3:
                grams = grams[1:]
            grams += character
            if character.isupper() and last.isupper():
                continue
            if character != " " and character in known:
                result.append(character)
            pair = grams[-2:]
            if pair in known:
                result.append(pair)
            if len(grams) == 3 and grams in known:
                result.append(grams)
        return result

    def _detect_block(self) -> None:
        langprob = np.zeros(len(self.langlist))
        for prob in self._trials():
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()

    def other_language_can_reach(self, probability: float, language: str) -> bool:
        """Whether a language other than `language` may end with at least `probability`.

        The final probabilities are the mean of the trials' (each trial's sums to 1), so after
        k of n trials a language can gain at most (n - k) / n more. When no other language can
        reach `probability` any more, the answer is settled and the remaining trials are
        skipped: for a clearly English block, one trial instead of seven. Otherwise every
        trial runs, and `get_probabilities()` then returns the full answer without rerunning.
        """
        excluded = self.langlist.index(language) if language in self.langlist else None
        langprob = np.zeros(len(self.langlist))
        for done, prob in enumerate(self._trials(), start=1):
            langprob += prob / self.n_trial
            others = np.delete(langprob, excluded) if excluded is not None else langprob
            if others.max() + (self.n_trial - done) / self.n_trial < probability - _ROUNDING_MARGIN:
                return False
        self.langprob = langprob.tolist()
        return max(p for index, p in enumerate(self.langprob) if index != excluded) >= probability

    def _trials(self) -> Iterator[np.ndarray]:
        """Each trial's final probabilities, in order: langdetect's loop, vectorised."""
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        distinct = list(dict.fromkeys(ngrams))
        number = {ngram: index for index, ngram in enumerate(distinct)}
        drawn_rows = [number[ngram] for ngram in ngrams]
        probabilities = self._rows(distinct)
        self.random.seed(self.seed)
        # random.choice(ngrams), inlined: Random.choice draws getrandbits(k) until below n.
        getrandbits, count = self.random.getrandbits, len(ngrams)
        bits = count.bit_length()
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            # langdetect: prob[j] *= alpha / BASE_FREQ + lang_prob_map[j], for every language j.
            factors = list((alpha / self.BASE_FREQ) + probabilities)
            i = 0
            while True:
                drawn = getrandbits(bits)
                while drawn >= count:
                    drawn = getrandbits(bits)
                prob *= factors[drawn_rows[drawn]]
                if i % 5 == 0:
                    # langdetect: divide by sum(prob) (Python's sum, summed as it sums); the
                    # largest quotient is the largest value's quotient (division is monotonic).
                    values = prob.tolist()
                    total = sum(values)
                    prob /= total
                    if max(values) / total > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            yield prob


class FastDetectorFactory(DetectorFactory):
    """A DetectorFactory that creates FastDetectors, with the profiles held as one matrix.

    `load_profile` reads langdetect's profiles in name order (langdetect takes the order the
    file system lists them in, which may differ between machines and would change the last
    bits of its sums) into an n-gram x language matrix of the probabilities langdetect
    computes (`freq / n_words`, per n-gram length), built with numpy: several times faster than
    langdetect's loop over a million entries, which every worker process pays.
    """

    def __init__(self) -> None:
        super().__init__()
        self._probabilities = np.zeros((0, 0))

    def load_profile(self, directory: str) -> None:
        names = sorted(name for name in os.listdir(directory) if not name.startswith("."))
        profiles = []
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as file:
                    profiles.append(json.load(file))
        rows: dict[str, int] = {}
        entries = []
        for profile in profiles:
            freq = profile["freq"]
            ngrams = list(freq)
            row = np.fromiter((rows.setdefault(ngram, len(rows)) for ngram in ngrams), dtype=np.int64, count=len(ngrams))
            length = np.fromiter(map(len, ngrams), dtype=np.int64, count=len(ngrams))
            counts = np.fromiter(freq.values(), dtype=np.float64, count=len(ngrams))
            scored = (length >= 1) & (length <= 3)  # langdetect scores 1- to 3-grams only
            n_words = np.asarray(profile["n_words"], dtype=np.float64)
            entries.append((row[scored], counts[scored] / n_words[length[scored] - 1]))
        probabilities = np.zeros((len(rows), len(profiles)))
        for language, (row, probability) in enumerate(entries):
            probabilities[row, language] = probability
        self.langlist = [profile["name"] for profile in profiles]
        # Detector looks n-grams up in this mapping to keep only known ones; rows are ours.
        self.word_lang_prob_map = rows
        self._probabilities = probabilities

    def rows(self, ngrams: list[str]) -> np.ndarray:
        """Each n-gram's probability in each language, in `langlist` order: one row per n-gram."""
        return self._probabilities[[self.word_lang_prob_map[ngram] for ngram in ngrams]]

    def _create_detector(self) -> FastDetector:
        if not self.langlist:
            raise LangDetectException(ErrorCode.NeedLoadProfileError, "Need to load profiles.")
        return FastDetector(self)


def load_factory(seed: int) -> FastDetectorFactory:
    """A factory with langdetect's bundled profiles and a fixed seed (langdetect samples at
    random; a seed makes every answer the same on every run)."""
    factory = FastDetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(seed)
    return factory
