"""Near-duplicate paragraphs across documents: normalised shingles, numpy MinHash, LSH bands in
an in-memory or SQLite index, and the filter that uses them."""

from .filter import NearDuplicateFilter
from .index import FORMAT_VERSION, IndexSettings, MemoryIndex, ParagraphIndex, SQLiteIndex, open_index
from .minhash import band_hashes, lsh_bands, minhash_signatures
from .shingles import Shingling, exact_key, normalised_form, words

__all__ = [
    "FORMAT_VERSION",
    "IndexSettings",
    "MemoryIndex",
    "NearDuplicateFilter",
    "ParagraphIndex",
    "SQLiteIndex",
    "Shingling",
    "band_hashes",
    "exact_key",
    "lsh_bands",
    "minhash_signatures",
    "normalised_form",
    "open_index",
    "words",
]
