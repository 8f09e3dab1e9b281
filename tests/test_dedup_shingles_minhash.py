"""Shingling and signatures: normalisation makes cosmetic copies equal, and our vectorised
signatures equal datasketch's MinHash for the same hash values."""

from __future__ import annotations

import tracemalloc
import zlib

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.dedup import Shingling, band_hashes, exact_key, lsh_bands, minhash_signatures, normalised_form, words
from newsclean.dedup.shingles import paragraph_key, paragraph_keys, word_batch, word_bytes

from .conftest import DEVSET, SEEDS

SEED_PARAGRAPHS = [
    line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
]
KERRY = "Secretary of State John Kerry announced Friday that the US and Russian Federation have reached a plan."


def test_cosmetic_differences_give_the_same_normalised_form() -> None:
    curly = "The minister’s “plan” — approved on Monday —  was  withdrawn."
    straight = 'the MINISTER\'S "plan" - approved on monday - was withdrawn'
    assert normalised_form(curly) == normalised_form(straight) == "the minister s plan approved on monday was withdrawn"
    assert exact_key(normalised_form(curly)) == exact_key(normalised_form(straight))
    assert normalised_form("Ｆｕｌｌ－width ＮＥＷＳ") == "full width news"  # NFKC folds width


def test_a_line_without_words_is_only_equal_to_itself() -> None:
    assert normalised_form("* * *") == "* * *"
    assert normalised_form("* * *") != normalised_form("— —")


def test_ascii_fast_path_matches_the_unicode_path() -> None:
    for paragraph in SEED_PARAGRAPHS:
        assert words(paragraph) == words(paragraph + " é")[:-1]


@pytest.mark.parametrize("shingling", [Shingling("word", 1), Shingling("word", 2), Shingling("word", 5), Shingling("char", 5)])
def test_signatures_equal_datasketch_minhash(shingling: Shingling) -> None:
    paragraph_words = [words(text) for text in SEED_PARAGRAPHS] + [[]]
    hashes, offsets = shingling.hashes(paragraph_words)
    signatures = minhash_signatures(hashes, offsets, num_perm=64, seed=7)
    for row in range(len(paragraph_words)):
        reference = MinHash(num_perm=64, seed=7, hashfunc=int)
        reference.update_batch([int(value) for value in hashes[offsets[row] : offsets[row + 1]]])
        assert np.array_equal(signatures[row], reference.hashvalues), (shingling, SEED_PARAGRAPHS[row : row + 1])


def test_a_paragraph_longer_than_a_block_equals_datasketch_and_stays_small() -> None:
    # 20,000 shingles (a block holds 8,192): reduced a block at a time, not in one buffer of
    # num_perm x its shingles (a 20 MB paragraph needed 1.6 GB), between two short paragraphs.
    long_words = [word for _ in range(40) for word in " ".join(SEED_PARAGRAPHS).split()][:20_001]
    paragraph_words = [words(KERRY), long_words, words(SEED_PARAGRAPHS[3])]
    hashes, offsets = Shingling("word", 2).hashes(paragraph_words)
    assert offsets[2] - offsets[1] > 2 * 8192
    signatures = minhash_signatures(hashes, offsets, num_perm=64, seed=7)
    for row in range(3):
        reference = MinHash(num_perm=64, seed=7, hashfunc=int)
        reference.update_batch([int(value) for value in hashes[offsets[row] : offsets[row + 1]]])
        assert np.array_equal(signatures[row], reference.hashvalues), row
    # Memory: a paragraph of 400,000 shingles, whose one-buffer product was 400,000 x 64 x 4
    # bytes (102 MB), now needs a block's (2 MB) and its own hashes.
    many = np.arange(400_000, dtype=np.uint64) * 2654435761 % (1 << 32)
    tracemalloc.start()
    try:
        minhash_signatures(many, np.array([0, len(many)]), num_perm=64, seed=7)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak


def test_short_paragraph_is_one_shingle_and_distinct_word_orders_differ() -> None:
    hashes, offsets = Shingling("word", 5).hashes([["breaking", "news"], ["news", "breaking"]])
    assert list(offsets) == [0, 1, 2] and hashes[0] != hashes[1]


def test_signatures_do_not_depend_on_batching() -> None:
    paragraph_words = [words(text) for text in SEED_PARAGRAPHS]
    whole = minhash_signatures(*Shingling().hashes(paragraph_words))
    parts = np.concatenate([minhash_signatures(*Shingling().hashes(paragraph_words[i : i + 7])) for i in range(0, len(paragraph_words), 7)])
    assert np.array_equal(whole, parts)


def test_band_hashes_agree_exactly_when_the_band_agrees() -> None:
    signatures = minhash_signatures(*Shingling().hashes([words(KERRY), words(KERRY), words(SEED_PARAGRAPHS[5])]))
    bands = band_hashes(signatures, bands=37, rows=3)
    assert bands.shape == (3, 37) and bands.dtype == np.int64
    assert np.array_equal(bands[0], bands[1])
    agree = (signatures[0, :111].reshape(37, 3) == signatures[2, :111].reshape(37, 3)).all(axis=1)
    assert np.array_equal(bands[0] == bands[2], agree)
    same_values = np.zeros((1, 6), dtype=np.uint32)
    assert band_hashes(same_values, bands=2, rows=3)[0, 0] != band_hashes(same_values, bands=2, rows=3)[0, 1]


def test_unknown_shingle_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="shingle kind"):
        Shingling("sentence", 2)  # type: ignore[arg-type]


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_lsh_bands_equal_datasketchs_choice(num_perm: int) -> None:
    from datasketch import MinHashLSH

    for threshold in [step / 20 for step in range(1, 20)]:
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        except ValueError:  # datasketch refuses a single band; so do we
            with pytest.raises(ValueError, match="single LSH band"):
                lsh_bands(threshold, num_perm)
            continue
        assert lsh_bands(threshold, num_perm) == (lsh.b, lsh.r), threshold


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 0)])
def test_permutations_equal_datasketchs(num_perm: int, seed: int) -> None:
    from newsclean.dedup.minhash import SCHEME, permutations

    expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    a, b = permutations(num_perm, seed)
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, expected_a) and np.array_equal(b, expected_b)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_permutations_equal_numpys_random_state(num_perm: int, seed: int) -> None:
    """The draws datasketch makes with `numpy.random.RandomState`, made without it."""
    from newsclean.dedup.minhash import permutations

    generator = np.random.RandomState(seed)
    expected_a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    expected_b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a, b = permutations(num_perm, seed)
    assert np.array_equal(a, expected_a) and np.array_equal(b, expected_b)


def test_permutations_refuse_a_seed_numpy_refuses() -> None:
    from newsclean.dedup.minhash import permutations

    for seed in (-1, 2**32):
        with pytest.raises(ValueError, match="seed must be between"):
            permutations(16, seed)


def unbatched_words(texts: list[str]) -> tuple[list[list[int]], list[int]]:
    """What `word_batch` replaces: each paragraph's word units (CRC-32 + 1 of each of its
    `word_bytes`) and its `paragraph_key`."""
    paragraph_words = [word_bytes(text) for text in texts]
    units = [[zlib.crc32(word) + 1 for word in items] for items in paragraph_words]
    return units, [paragraph_key(text, items) for text, items in zip(texts, paragraph_words)]


def batched_words(texts: list[str]) -> tuple[list[list[int]], list[int]]:
    batch = word_batch(texts)
    offsets = batch.offsets.tolist()
    return [batch.units[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))], batch.keys


def test_word_batch_equals_word_by_word_on_real_lines() -> None:
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    lines = [line for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) > 3000
    for start in range(0, len(lines), 700):
        assert batched_words(lines[start : start + 700]) == unbatched_words(lines[start : start + 700])
    assert batched_words([]) == ([], [])


def test_word_batch_hashes_words_of_every_length() -> None:
    # Words of 63 to 66 bytes straddle the vectorised CRC's limit; a 5,000-byte word and a
    # line of no words at all take the fallbacks.
    texts = ["a" * length + " b " + "é" * (length // 2) for length in (1, 63, 64, 65, 66, 200)] + ["x" * 5000, "* * *", "", " ‘ ’ "]
    assert batched_words(texts) == unbatched_words(texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(" ab’—\t"), max_size=80), max_size=8))
def test_word_batch_equals_word_by_word(texts: list[str]) -> None:
    assert batched_words(texts) == unbatched_words(texts)


def keys_one_by_one(texts: list[str]) -> list[int | None]:
    """What `paragraph_keys` replaces: `paragraph_key` with each text's `word_bytes`, None
    for a text without words."""
    return [paragraph_key(text, items) if (items := word_bytes(text)) else None for text in texts]


def test_paragraph_keys_equal_paragraph_key_on_real_lines() -> None:
    paths = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    lines = [line for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    keys = paragraph_keys(lines)
    assert keys == keys_one_by_one(lines)
    assert None in keys and sum(not line.isascii() and key is not None for line, key in zip(lines, keys)) > 100


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(" aB’—\tÉß"), max_size=80), max_size=8))
def test_paragraph_keys_equal_paragraph_key(texts: list[str]) -> None:
    assert paragraph_keys(texts) == keys_one_by_one(texts)


def _hashes_with_and_without_windows(shingling: Shingling, units: np.ndarray, unit_offsets: np.ndarray) -> tuple[tuple, tuple]:
    """`hashes_of_units` of paragraphs that all have `size` units or more (the window
    shortcut), and of the same with an empty paragraph appended (the general path, which an
    empty paragraph forces; it adds no hash)."""
    hashes, offsets = shingling.hashes_of_units(units, unit_offsets)
    general, general_offsets = shingling.hashes_of_units(units, np.append(unit_offsets, unit_offsets[-1]))
    return (hashes.tolist(), offsets.tolist()), (general.tolist(), general_offsets[:-1].tolist())


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_ngram_windows_equal_the_general_path_on_real_paragraphs(size: int) -> None:
    devset = [line for path in sorted((DEVSET / "scraped").glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    texts = [text for text in SEED_PARAGRAPHS + devset if len(word_bytes(text)) >= size]
    batch = word_batch(texts)
    windows, general = _hashes_with_and_without_windows(Shingling("word", size), batch.units, batch.offsets)
    assert windows == general and len(windows[0]) > 10_000


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(st.lists(st.integers(1, 2**32), min_size=4, max_size=9), min_size=1, max_size=12))
def test_ngram_windows_equal_the_general_path(size: int, paragraphs: list[list[int]]) -> None:
    units = np.array([unit for paragraph in paragraphs for unit in paragraph], dtype=np.uint64)
    unit_offsets = np.cumsum([0, *map(len, paragraphs)]).astype(np.int64)
    windows, general = _hashes_with_and_without_windows(Shingling("word", size), units, unit_offsets)
    assert windows == general
