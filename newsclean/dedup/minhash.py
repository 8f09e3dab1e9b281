"""MinHash signatures for many paragraphs at once, and their LSH band hashes.

The hashing scheme is datasketch's default ("affine32"): each 32-bit shingle hash is
avalanched with the MurmurHash3 32-bit finalizer, then permuted as `a * h + b mod 2^32` with
datasketch's seeded `a`, `b`. Doing this as one numpy computation over a whole batch, instead
of one `MinHash.update` per shingle, gives the same signatures (tests check equality) many
times faster.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Callable

import numpy as np

from .shingles import fmix64

#: datasketch's permutation scheme we reproduce; recorded in an index's parameters.
SCHEME = "affine32"
EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # datasketch's initial value: the signature of an empty set

_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

#: Shingle hashes per block of the (permutations x shingles) matrix: 4 MiB at 128
#: permutations, small enough to stay in cache (measured fastest between 2^11 and 2^16).
_SHINGLES_PER_BLOCK = 1 << 13


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters `(a, b)` (uint32 arrays) for this size and seed:
    its "affine32" draws, `a` odd, from a `RandomState(seed)` (tests compare them with
    datasketch's own; computed here because importing datasketch imports scipy, ~1 s).

    `RandomState(seed).randint(0, 2**31, n, dtype=np.uint32)` is the low 31 bits of n draws
    of its Mersenne Twister, and `randint(0, 2**32, ...)` the draws themselves; Python's
    `random` runs the same generator, so it gives them from the same state without importing
    `numpy.random` (10 ms in every process that builds a filter)."""
    if not 0 <= seed < 1 << 32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, not {seed!r}")
    draws = _mersenne_twister(seed)
    words = [draws.getrandbits(32) for _ in range(2 * num_perm)]
    a = np.array([(word & 0x7FFFFFFF) * 2 + 1 for word in words[:num_perm]], dtype=np.uint32)
    return a, np.array(words[num_perm:], dtype=np.uint32)


def _mersenne_twister(seed: int) -> random.Random:
    """A `random.Random` in the state numpy's `RandomState(seed)` starts from: the reference
    MT19937 `init_genrand(seed)` (Python's own `seed()` initialises by array instead)."""
    state = [seed]
    for position in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + position) & 0xFFFFFFFF)
    generator = random.Random()
    generator.setstate((3, (*state, 624), None))
    return generator


def lsh_bands(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """The (bands, rows) datasketch's MinHashLSH chooses for a Jaccard threshold: the pair with
    the smallest weighted sum of the false-positive and false-negative probability areas
    (datasketch's `_optimal_param`; the first such pair in its order, bands then rows).

    datasketch integrates with scipy's `quad`, and importing scipy takes about a second in
    every process that builds a filter. The integrands are polynomials of degree at most
    `num_perm`, so Gauss-Legendre quadrature with more than `num_perm / 2` nodes integrates
    them exactly (tests check the choice equals datasketch's).
    """
    nodes, node_weights = np.polynomial.legendre.leggauss(num_perm // 2 + 8)
    pairs = [(bands, rows) for bands in range(1, num_perm + 1) for rows in range(1, num_perm // bands + 1)]
    bands = np.array([pair[0] for pair in pairs], dtype=np.float64)[:, None]
    rows = np.array([pair[1] for pair in pairs], dtype=np.float64)[:, None]

    def area(start: float, end: float, integrand: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        points = (end - start) / 2 * nodes + (start + end) / 2
        return integrand(points[None, :]) @ node_weights * (end - start) / 2

    false_positive = area(0.0, threshold, lambda s: 1 - (1 - s**rows) ** bands)
    false_negative = area(threshold, 1.0, lambda s: (1 - s**rows) ** bands)
    error = false_positive * weights[0] + false_negative * weights[1]
    bands_chosen, rows_chosen = pairs[int(np.argmin(error))]
    if bands_chosen < 2:
        raise ValueError(
            f"a candidate threshold of {threshold} with {num_perm} permutations gives a single LSH band; "
            "lower the threshold or use more permutations"
        )
    return bands_chosen, rows_chosen


def _fmix32(values: np.ndarray) -> np.ndarray:
    first_shift, first, second_shift, second = _FMIX32
    values = values ^ (values >> first_shift)
    values = values * first
    values = values ^ (values >> second_shift)
    values = values * second
    return values ^ (values >> first_shift)


def minhash_signatures(hashes: np.ndarray, offsets: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures (n x num_perm, uint32) of n shingle sets given as `(hashes, offsets)`.

    Paragraph i's shingle hashes are `hashes[offsets[i]:offsets[i + 1]]`; an empty set gets
    datasketch's empty signature (all 2^32 - 1). Row i equals
    `MinHash(num_perm, seed, hashfunc=int).update_batch(those hashes).hashvalues`.
    """
    a, b = permutations(num_perm, seed)
    count = len(offsets) - 1
    signatures = np.full((count, num_perm), EMPTY_VALUE, dtype=np.uint32)
    if count == 0 or len(hashes) == 0:
        return signatures
    mixed = _fmix32(np.asarray(hashes, dtype=np.uint32))
    lengths = np.diff(offsets)
    non_empty = np.flatnonzero(lengths > 0)
    ends = offsets[non_empty + 1]
    # (permutations x shingles) layout: the min-reduction then runs along contiguous rows, and
    # one reused block buffer stays in cache (several times faster than shingles x permutations).
    buffer = np.empty((num_perm, _SHINGLES_PER_BLOCK), dtype=np.uint32)
    start = 0
    while start < len(non_empty):
        first_shingle = offsets[non_empty[start]]
        stop = max(int(np.searchsorted(ends, first_shingle + _SHINGLES_PER_BLOCK, side="right")), start + 1)
        members = non_empty[start:stop]
        block = mixed[first_shingle : offsets[members[-1] + 1]]
        if len(block) > buffer.shape[1]:
            # One paragraph longer than a block, alone in it: its minimum a block at a time. A
            # buffer of all its shingles would be num_perm x 4 bytes a shingle: 1.6 GB for a
            # 20 MB paragraph of 3.1M words.
            signatures[members[0]] = _long_signature(block, a, b, buffer)
            start = stop
            continue
        permuted = buffer[:, : len(block)]
        np.multiply(a[:, None], block[None, :], out=permuted)
        np.add(permuted, b[:, None], out=permuted)
        signatures[members] = np.minimum.reduceat(permuted, offsets[members] - first_shingle, axis=1).T
        start = stop
    return signatures


def _long_signature(mixed: np.ndarray, a: np.ndarray, b: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """The MinHash signature of one shingle set larger than `buffer` (num_perm x block), its
    permuted values computed and reduced a block at a time (the minimum does not care how the
    shingles are split)."""
    signature = np.full(len(a), EMPTY_VALUE, dtype=np.uint32)
    block_size = buffer.shape[1]
    for start in range(0, len(mixed), block_size):
        piece = mixed[start : start + block_size]
        permuted = buffer[:, : len(piece)]
        np.multiply(a[:, None], piece[None, :], out=permuted)
        np.add(permuted, b[:, None], out=permuted)
        np.minimum(signature, permuted.min(axis=1), out=signature)
    return signature


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One signed 64-bit hash per (paragraph, band) of the first bands x rows signature values.

    Hashes of different bands differ even for equal values, so one key identifies the band too.

    Two paragraphs share a band hash when they agree on all `rows` values of that band (up to
    64-bit collisions, which verification against the full signature catches).
    """
    count = signatures.shape[0]
    # The polynomial band * M^rows + v0 * M^(rows-1) + ... (M odd, mod 2^64), then one avalanche.
    # Starting from the band's number keeps equal values in different bands apart: their
    # polynomials differ by a non-zero multiple of an odd number's power, never 0 mod 2^64.
    accumulator = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), (count, bands)) * _BAND_MULTIPLIER
    for row in range(rows):
        accumulator += signatures[:, row : bands * rows : rows]  # value `row` of every band
        if row + 1 < rows:
            accumulator *= _BAND_MULTIPLIER
    return fmix64(accumulator).view(np.int64)

