"""The batch functions on a real Hugging Face Dataset (map with num_proc=2, filter) and on a
pandas DataFrame, offline (Dataset.from_list)."""

from __future__ import annotations

import pytest

pytest.importorskip("datasets")

import pandas
from datasets import Dataset

import newsclean
from newsclean.integrations.hf import clean_batch, clean_example, clean_text, has_text, has_text_batch

from .conftest import SEEDS

FURNITURE_ONLY = "Advertisement\n\nShare this with Facebook\n\nSign up for our newsletter\n"


def rows() -> list[dict]:
    pages = [{"id": path.stem, "text": path.read_text(encoding="utf-8"), "site": "seed"} for path in sorted(SEEDS.glob("*.txt"))]
    return pages + [{"id": "furniture", "text": FURNITURE_ONLY, "site": "other"}]


def test_dataset_map_with_two_processes_then_filter() -> None:
    dataset = Dataset.from_list(rows())
    cleaned = dataset.map(clean_batch, batched=True, batch_size=2, num_proc=2).filter(has_text_batch, batched=True)
    expected = [row for row in rows() if row["id"] != "furniture"]
    assert cleaned["id"] == [row["id"] for row in expected]
    assert cleaned["text"] == [newsclean.clean(row["text"]) for row in expected]
    assert cleaned["site"] == ["seed"] * len(expected)


def test_single_example_functions_and_another_column() -> None:
    dataset = Dataset.from_list([{"body": text} for text in ("Share\nThe mayor resigned on Friday.\n", "Advertisement\n")])
    cleaned = dataset.map(clean_example, fn_kwargs={"text_column": "body"}).filter(has_text, fn_kwargs={"text_column": "body"})
    assert cleaned["body"] == ["The mayor resigned on Friday.\n"]


def test_pandas_batch_and_series_forms_agree() -> None:
    frame = pandas.DataFrame(rows())
    batch_cleaned = frame.assign(**clean_batch(frame))
    kept = batch_cleaned[has_text_batch(batch_cleaned)]
    assert list(kept["id"]) == [row["id"] for row in rows() if row["id"] != "furniture"]
    assert list(frame["text"].map(clean_text)) == list(batch_cleaned["text"])
    assert batch_cleaned.loc[batch_cleaned["id"] == "furniture", "text"].item() == ""
