"""Batch functions for Hugging Face `datasets` and pandas: module-level, so they pickle for
`Dataset.map(..., batched=True, num_proc=N)`, and written against "something with a text
column" so a `datasets` batch (a dict of lists) and a pandas DataFrame both work.

    from newsclean.integrations.hf import clean_batch, has_text_batch
    dataset = dataset.map(clean_batch, batched=True, num_proc=4)
    dataset = dataset.filter(has_text_batch, batched=True)

    frame = frame.assign(**clean_batch(frame))      # or frame["text"].map(clean_text)
    frame = frame[has_text_batch(frame)]

Each process cleans with its own default pipeline (no near-duplicate filter: that needs every
document in one process, in order; use the CLI or `Pipeline.run_all` for it).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..pipeline import clean as clean_text

__all__ = ["clean_batch", "clean_example", "clean_text", "has_text", "has_text_batch"]


def clean_batch(batch: Mapping[str, Any], text_column: str = "text") -> dict[str, list[str]]:
    """Clean every text of a batch; returns {text_column: cleaned texts}, which replaces the
    column in `Dataset.map(batched=True)` and in `DataFrame.assign(**...)`."""
    return {text_column: [clean_text(text) for text in batch[text_column]]}


def clean_example(example: Mapping[str, Any], text_column: str = "text") -> dict[str, str]:
    """Clean one example's text, for `Dataset.map` without `batched`."""
    return {text_column: clean_text(example[text_column])}


def has_text_batch(batch: Mapping[str, Any], text_column: str = "text") -> list[bool]:
    """For each cleaned text of a batch, whether any article text is left: the mask for
    `Dataset.filter(batched=True)` or `frame[mask]`."""
    return [bool(text.strip()) for text in batch[text_column]]


def has_text(example: Mapping[str, Any], text_column: str = "text") -> bool:
    """Whether one cleaned example has article text left, for `Dataset.filter`."""
    return bool(example[text_column].strip())
