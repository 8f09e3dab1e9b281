"""langdetect's language detection, with its inner loop on numpy arrays.

langdetect samples n-grams of the text at random and multiplies, for each of its 55 languages,
the probability of the language by the n-gram's probability in it, one Python float at a time:
that loop is nearly all of its time. `FastDetector` runs the same algorithm, drawing the same
random numbers in the same order and doing the same floating-point operations in the same order
(element-wise products, the normalisation's sum added in Python's order), on numpy vectors: the draws
of a trial read a slab at a time off the seeded generator's stream, five products per reduce.
Its answers are langdetect's answers, bit for bit (tests/test_detection.py).
The text's clean-up and n-gram extraction, per character in langdetect, are done with regular
expressions, one `str.translate` and a memo of each word's n-grams (the same text and n-grams).
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
import threading
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language
from langdetect.utils.ngram import NGram

from .profile_cache import Profiles, load_profiles


class _NormalisedCharacters(dict):
    """`str.translate` table of langdetect's per-character `NGram.normalize`, filled in as
    characters are first met: one C call normalises a whole text."""

    def __missing__(self, character: int) -> str:
        normalised = self[character] = NGram.normalize(chr(character))
        return normalised


_NORMALISED_CHARACTERS = _NormalisedCharacters()
#: Runs of spaces, which langdetect's `Detector.append` collapses into one.
_SPACE_RUN = re.compile(" {2,}")
#: What langdetect's `cleaning_text` counts as Latin: the code points from "A" to "z".
_LATIN_RANGE = re.compile("[A-z]")
#: What it counts as not Latin: code points from U+0300 (it means to spare the Latin Extended
#: Additional block too, but compares the block's number with its name, so it never does).
_FROM_COMBINING_MARKS = re.compile("[^\x00-\u02ff]")
#: langdetect's `Detector` settings, which it sets per instance: trials per text, and the
#: characters of a text it reads.
_TRIALS = 7
_MAX_TEXT_LENGTH = 10_000
#: `random.gauss`'s constant.
_TWO_PI = 2.0 * math.pi
#: Draws gathered at once in a trial after its first 201 (a multiple of five: langdetect
#: normalises after draw 1 and every fifth after it).
_SLAB_DRAWS = 200

#: Whether Python's `sum` of floats adds them one after the other, rounding each time, as
#: `np.add.accumulate` does (its last element is then the same float, one C call instead of a
#: list of Python floats); from Python 3.12 `sum` compensates the rounding (Neumaier), and
#: langdetect's sums are then taken with `sum` itself.
_SEQUENTIAL_SUM = sys.version_info < (3, 12)

#: Room for floating-point rounding when a bound settles an answer early: a trial's
#: probabilities sum to 1 give or take a few units in the last place.
_ROUNDING_MARGIN = 1e-9


def appended_text(text: str, max_text_length: int) -> str:
    """What langdetect's `Detector.append` adds for `text`: URLs and e-mail addresses become
    spaces, then the first `max_text_length` characters are kept with every run of spaces
    collapsed into one."""
    # Each pattern needs a character that the `in` test looks for first (a URL "://", an
    # address "@", a Vietnamese letter a combining mark): most blocks have none.
    if "://" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text)
    if not text.isascii():
        text = NGram.normalize_vi(text)
    return _SPACE_RUN.sub(" ", text[:max_text_length])


def cleaned_text(text: str) -> str:
    """langdetect's `Detector.cleaning_text`: a text with more than twice as many non-Latin
    characters as Latin ones loses its Latin ones."""
    if text.isascii():
        return text
    if 2 * len(_LATIN_RANGE.findall(text)) < len(_FROM_COMBINING_MARKS.findall(text)):
        return _LATIN_RANGE.sub("", text)
    return text


class FastDetector(Detector):
    """A langdetect `Detector` whose sampling loop works on numpy vectors (same results).

    It keeps langdetect's interface (`append`, `get_probabilities`); the language filter calls
    `FastDetectorFactory.probabilities_unless_settled` instead, which does the same work
    without building a detector per text."""

    def __init__(self, factory: FastDetectorFactory) -> None:
        super().__init__(factory)
        self._factory = factory

    def append(self, text: str) -> None:
        """langdetect's `append`, with its per-character loop done by regular expressions."""
        self.text += appended_text(text, self.max_text_length)

    def cleaning_text(self) -> None:
        """langdetect's `cleaning_text`, with its per-character loop done by regular expressions."""
        self.text = cleaned_text(self.text)

    def _extract_ngrams(self) -> list[str]:
        """langdetect's `_extract_ngrams`: the 1- to 3-grams it scores, in text order."""
        return [ngram for word in self._factory.words(self.text) for ngram in word.ngrams]

    def _detect_block(self) -> None:
        langprob = np.zeros(len(self.langlist))
        for prob in self._trials():
            langprob += prob / _TRIALS
        self.langprob = langprob.tolist()

    def other_language_can_reach(self, probability: float, language: str) -> bool:
        """Whether a language other than `language` may end with at least `probability`.

        The final probabilities are the mean of the trials' (each trial's sums to 1), so after
        k of n trials a language can gain at most (n - k) / n more. When no other language can
        reach `probability` any more, the answer is settled and the remaining trials are
        skipped: for a clearly English block, one trial instead of seven. Otherwise every
        trial runs, and `get_probabilities()` then returns the full answer without rerunning.
        """
        self.cleaning_text()
        langprob = self._factory.mean_unless_settled(self._factory.words(self.text), probability, language, self.alpha)
        if langprob is None:
            return False
        self.langprob = langprob.tolist()
        return max(p for index, p in enumerate(self.langprob) if self.langlist[index] != language) >= probability

    def _trials(self) -> Iterator[np.ndarray]:
        """Each trial's final probabilities, in order: langdetect's loop, vectorised."""
        self.cleaning_text()
        return self._factory.trials(self._factory.words(self.text), self.alpha)


@dataclass(frozen=True)
class _Word:
    """The n-grams langdetect scores in one word (with the space after it, when one follows),
    and their rows in the profile matrix as the bytes of an `np.intp` array: a text's rows are
    then one `bytes.join` of its words' instead of a Python int per n-gram."""

    ngrams: tuple[str, ...]
    rows: bytes


class _RandomStream:
    """The 32-bit outputs of Python's Mersenne Twister after `random.Random(seed)`, as a numpy
    array grown on demand: numpy's MT19937 is the same generator, started from the same state.

    langdetect reseeds its generator for every text, so every text reads the same stream; only
    how it uses the outputs differs (how many bits a draw takes). Reading them from an array
    lets a whole trial's draws be found at once instead of one `getrandbits` call each.
    """

    def __init__(self, seed: int | None) -> None:
        state = random.Random(seed).getstate()[1]
        self._generator = np.random.MT19937(0)
        self._generator.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.array(state[:-1], dtype=np.uint32), "pos": state[-1]},
        }
        self._outputs = np.empty(0, dtype=np.uint32)

    def outputs(self, end: int) -> np.ndarray:
        """The stream's first `end` outputs (at least), generating any not yet generated."""
        if len(self._outputs) < end:
            more = max(end - len(self._outputs), len(self._outputs), 4096)
            self._outputs = np.concatenate((self._outputs, self._generator.random_raw(more).astype(np.uint32)))
        return self._outputs

    def uniform(self, position: int) -> float:
        """`Random.random()` from the two outputs at `position`: CPython's 53-bit float."""
        outputs = self.outputs(position + 2)
        high, low = int(outputs[position]) >> 5, int(outputs[position + 1]) >> 6
        return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0)

    def choices(self, position: int, count: int, number: int) -> tuple[np.ndarray, np.ndarray]:
        """The next `number` draws of `Random.choice` from `count` items, starting at
        `position`, and the position of the output each was taken from. CPython draws
        `getrandbits(count.bit_length())` (an output's top bits) until one is below `count`."""
        shift = 32 - count.bit_length()
        window = 2 * number + 64
        while True:
            candidates = self.outputs(position + window)[position : position + window] >> shift
            accepted = (candidates < count).nonzero()[0]
            if len(accepted) >= number:
                accepted = accepted[:number]
                return candidates[accepted].astype(np.intp), accepted + position
            window *= 2


def build_profiles(sources: list[tuple[str, bytes]]) -> Profiles:
    """langdetect's profiles, given as (file name, JSON bytes) in name order, as one n-gram x
    language matrix of the probabilities langdetect computes (`freq / n_words`, per n-gram
    length), built with numpy: several times faster than langdetect's loop over a million
    entries. Rows are numbered in the order langdetect's loop first meets the n-grams."""
    profiles = [json.loads(data.decode("utf-8")) for _, data in sources]
    rows: dict[str, int] = {}
    # Per-entry work is the cost (184,000 entries): an n-gram's length is taken once per
    # distinct n-gram, and counts are read as integers (exact in a float64, as langdetect's
    # `1.0 * freq` is).
    entries = []
    for profile in profiles:
        freq = profile["freq"]
        row = np.fromiter((rows.setdefault(ngram, len(rows)) for ngram in freq), dtype=np.int64, count=len(freq))
        counts = np.fromiter(freq.values(), dtype=np.int64, count=len(freq)).astype(np.float64)
        entries.append((row, counts, np.asarray(profile["n_words"], dtype=np.float64)))
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    probabilities = np.zeros((len(rows), len(profiles)))
    for language, (row, counts, n_words) in enumerate(entries):
        length = lengths[row]
        scored = (length >= 1) & (length <= 3)  # langdetect scores 1- to 3-grams only
        probabilities[row[scored], language] = counts[scored] / n_words[length[scored] - 1]
    return Profiles([profile["name"] for profile in profiles], rows, probabilities)


class FastDetectorFactory(DetectorFactory):
    """A DetectorFactory that creates FastDetectors, with the profiles held as one matrix.

    `load_profile` reads langdetect's profiles in name order (langdetect takes the order the
    file system lists them in, which may differ between machines and would change the last
    bits of its sums) into an n-gram x language matrix (`build_profiles`), kept in the user's
    cache directory between runs (`profile_cache`): every process pays the load.

    `probabilities_unless_settled` runs langdetect's whole detection for one text without a
    `Detector`: the text's words' n-grams come from a memo (words repeat across texts), and
    each trial's random draws are read off the generator's stream a slab at a time (`_RandomStream`).
    """

    #: Distinct words whose n-grams are remembered; the memo is emptied when it is full.
    WORD_MEMO_SIZE = 200_000

    def __init__(self) -> None:
        super().__init__()
        self._probabilities = np.zeros((0, 0))
        self._words: dict[str, _Word] = {}
        self._streams: dict[int, _RandomStream] = {}
        self._masks: dict[str, np.ndarray] = {}
        self._per_thread = threading.local()

    def load_profile(self, directory: str) -> None:
        """Load the profiles of `directory`, from the user's cache when it holds these exact
        profiles (`profile_cache`), otherwise built by `build_profiles`."""
        profiles = load_profiles(directory, build_profiles)
        self.langlist = profiles.languages
        # Detector looks n-grams up in this mapping to keep only known ones; rows are ours.
        self.word_lang_prob_map = profiles.rows
        self._probabilities = profiles.probabilities
        self._words = {}
        self._masks = {}

    def _create_detector(self) -> FastDetector:
        if not self.langlist:
            raise LangDetectException(ErrorCode.NeedLoadProfileError, "Need to load profiles.")
        return FastDetector(self)

    def words(self, text: str) -> list[_Word]:
        """The words of a cleaned text (`cleaned_text`), each with its n-grams, in order.

        langdetect's n-gram window restarts after every space, so a text's n-grams are its
        words' n-grams one after the other: those of a word followed by a space end with the
        word's last one or two characters and the space ("d ", "rd "); the text's last word
        lacks them unless the text ends with a space.
        """
        pieces = text.translate(_NORMALISED_CHARACTERS).split(" ")
        last = pieces.pop()
        keys = [piece + " " for piece in pieces if piece]
        if last:
            keys.append(last)
        memo = self._words
        result = []
        for key in keys:
            word = memo.get(key)
            if word is None:
                if len(memo) >= self.WORD_MEMO_SIZE:
                    memo.clear()
                ngrams = tuple(self._ngrams(key))
                rows = np.array([self.word_lang_prob_map[ngram] for ngram in ngrams], dtype=np.intp).tobytes()
                word = memo[key] = _Word(ngrams, rows)
            result.append(word)
        return result

    def _ngrams(self, word: str) -> list[str]:
        """langdetect's n-grams of one normalised word (`NGram.add_char`'s state inlined).

        langdetect skips the n-grams ending in the second and later letters of an upper-case
        run ("NASA" gives only those ending in "N"): its `capitalword` flag is true exactly
        when a character and the one before it are both upper case.
        """
        known = self.word_lang_prob_map
        result: list[str] = []
        grams = " "
        for character in word:
            last = grams[-1]
            grams = grams[1:] + character if len(grams) == 3 else grams + character
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

    def trials(self, words: list[_Word], alpha: float = Detector.ALPHA_DEFAULT) -> Iterator[np.ndarray]:
        """Each of langdetect's trials' final probabilities for a text's words, in order.

        The same draws, in the same order, and the same floating-point operations per
        language: a trial multiplies the probabilities by one drawn n-gram's factors after
        another (here five at a time, by `np.multiply.reduce` down the rows, which multiplies
        in row order) and normalises by Python's `sum` (or its equal, `_SEQUENTIAL_SUM`) after the
        first draw and every fifth.
        """
        rows = np.frombuffer(b"".join([word.rows for word in words]), dtype=np.intp)
        if not len(rows):
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        stream = self._stream()
        work = self._trial_rows()
        position, spare_gauss = 0, None
        for _ in range(_TRIALS):
            if spare_gauss is None:  # Random.gauss: two uniforms give two normal values
                x2pi = stream.uniform(position) * _TWO_PI
                g2rad = math.sqrt(-2.0 * math.log(1.0 - stream.uniform(position + 2)))
                position += 4
                gauss, spare_gauss = math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad
            else:
                gauss, spare_gauss = spare_gauss, None
            trial_alpha = alpha + gauss * Detector.ALPHA_WIDTH
            prob, position = _trial(self._probabilities, trial_alpha / Detector.BASE_FREQ, rows, stream, position, work)
            yield prob

    def mean_unless_settled(
        self, words: list[_Word], probability: float, language: str, alpha: float = Detector.ALPHA_DEFAULT
    ) -> np.ndarray | None:
        """langdetect's final probabilities (the trials' mean), or None as soon as no language
        but `language` can still reach `probability`: after k of n trials (each summing to 1)
        a language can gain at most (n - k) / n more, so a clearly English block is settled
        after one trial instead of seven."""
        others = self._other_languages(language)
        langprob = np.zeros(len(self.langlist))
        for done, prob in enumerate(self.trials(words, alpha), start=1):
            langprob += prob / _TRIALS
            if langprob[others].max() + (_TRIALS - done) / _TRIALS < probability - _ROUNDING_MARGIN:
                return None
        return langprob

    def probabilities_unless_settled(self, text: str, probability: float, language: str) -> list[Language] | None:
        """What `create()`, `append(text)` and `get_probabilities()` give (languages above
        langdetect's 0.1, most probable first), or None when no language but `language` can
        reach `probability` (`mean_unless_settled`). Raises LangDetectException for a text
        without features, as langdetect does."""
        words = self.words(cleaned_text(appended_text(text, _MAX_TEXT_LENGTH)))
        langprob = self.mean_unless_settled(words, probability, language)
        if langprob is None:
            return None
        result = [Language(name, p) for name, p in zip(self.langlist, langprob.tolist()) if p > Detector.PROB_THRESHOLD]
        result.sort(reverse=True)
        return result

    def _other_languages(self, language: str) -> np.ndarray:
        """The mask of the languages other than `language` in `langlist`, made once per
        language (every block the filter asks about excludes the same one; `load_profile`
        forgets them)."""
        mask = self._masks.get(language)
        if mask is None:
            mask = self._masks[language] = np.array([name != language for name in self.langlist])
        return mask

    def _trial_rows(self) -> _TrialRows:
        """This thread's trial matrix (each trial fills it anew; threads must not share one)."""
        work = getattr(self._per_thread, "trial_rows", None)
        if work is None or len(work.product) != len(self.langlist):
            work = self._per_thread.trial_rows = _TrialRows(len(self.langlist))
        return work

    def _stream(self) -> _RandomStream:
        """The generator's stream after seeding with the factory's seed (a fresh one per text
        without a seed, as langdetect then seeds from the system)."""
        if self.seed is None:
            return _RandomStream(None)
        if self.seed not in self._streams:
            self._streams[self.seed] = _RandomStream(self.seed)
        return self._streams[self.seed]


class _TrialRows:
    """The matrix one trial works in, reused from trial to trial (one per thread): row 0 holds
    the uniform start, draw d's factors go to row d, and the row before each group of five
    draws holds the probabilities so far. The views of each group and of the row its
    normalised product goes to are made once, not per checkpoint: the first checkpoint (after
    draw 1) reads rows 0-1 into row 1, checkpoint k >= 1 rows 5k-4 to 5k+1 into row 5k+1.
    When the drawn rows are used up, the last probabilities move to row 1 and the next draws
    follow from row 2, so the same views serve every slab of draws after the first."""

    def __init__(self, languages: int) -> None:
        self.matrix = np.empty((_SLAB_DRAWS + 2, languages))
        self.product = np.empty(languages)
        self.running = np.empty(languages)  # the product's running sums (`_SEQUENTIAL_SUM`)
        starts = range(1, len(self.matrix) - 5, 5)
        self.groups = [self.matrix[0:2]] + [self.matrix[row : row + 6] for row in starts]
        self.normalised = [self.matrix[1]] + [self.matrix[row + 5] for row in starts]


def _trial(
    probabilities: np.ndarray, smoothing: float, rows: np.ndarray, stream: _RandomStream, position: int, work: _TrialRows
) -> tuple[np.ndarray, int]:
    """One trial's final probabilities, and the stream position after its last draw.

    langdetect multiplies the uniform start by each drawn n-gram's factors,
    `smoothing + probabilities[row]` (its `alpha / BASE_FREQ + lang_prob_map[j]` for every
    language j), one draw after another, normalising (and stopping when one language passes
    CONV_THRESHOLD, or at ITERATION_LIMIT) after draws 1, 6, 11, ... Here the draws are taken
    from `stream` a slab at a time (a trial takes 130 on average), their rows gathered straight from
    the profile matrix into `work`, and one `np.multiply.reduce` down the rows of a group does
    its five products (row order, so the same products).

    The stopping check compares the share of the language that led at the last full look (at
    first, any) instead of scanning all 55 values: if it passes the bar, the largest does too
    (division rounds monotonically); if it holds at least 100 times what the bar leaves
    (1e-3), every other language, holding at most the rest of the sum (give or take its
    rounding, ~1e-14), stays under the bar. Only in between is the largest value looked for,
    and it becomes the language watched.
    """
    languages = len(work.product)
    matrix, product, running, groups, normalised = work.matrix, work.product, work.running, work.groups, work.normalised
    multiply_down, add_along, divide, add = np.multiply.reduce, np.add.accumulate, np.divide, np.add
    converged, limit = Detector.CONV_THRESHOLD, Detector.ITERATION_LIMIT
    watched_share = 100.0 * (1.0 - converged)
    watched = 0
    matrix[0] = 1.0 / languages
    first_row, group, checkpoint, drawn = 1, 0, 1, 0
    while True:
        slab = len(matrix) - first_row
        indices, positions = stream.choices(position, len(rows), slab)
        factors = matrix[first_row:]
        # mode="clip": the rows are valid, and with "raise" numpy would buffer `out` in a copy.
        probabilities.take(rows[indices], axis=0, out=factors, mode="clip")
        add(factors, smoothing, out=factors)
        drawn += slab
        while checkpoint <= drawn:
            multiply_down(groups[group], 0, None, product)
            total = add_along(product, 0, None, running).item(-1) if _SEQUENTIAL_SUM else sum(product.tolist())
            result = normalised[group]
            divide(product, total, result)
            share = product.item(watched) / total
            if share > converged or checkpoint > limit:
                return result.copy(), int(positions[checkpoint - drawn + slab - 1]) + 1
            if share < watched_share:
                values = product.tolist()
                largest = max(values)
                if largest / total > converged:
                    return result.copy(), int(positions[checkpoint - drawn + slab - 1]) + 1
                watched = values.index(largest)
            group += 1
            checkpoint += 5
        matrix[1] = normalised[group - 1]
        first_row, group = 2, 1
        position = int(positions[-1]) + 1


def load_factory(seed: int) -> FastDetectorFactory:
    """A factory with langdetect's bundled profiles and a fixed seed (langdetect samples at
    random; a seed makes every answer the same on every run)."""
    factory = FastDetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(seed)
    return factory
