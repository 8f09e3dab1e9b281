"""Speed never changes what is cleaned: the default pipeline (normalisation and every
boilerplate and language filter) removes exactly the lines, with exactly the filters and
reasons, of a reference run of the code before the speed work (tests/pipeline_reference.json).

The inputs are every page of seeds/ and the dev sample as scraped, the dev sample's true
article texts (which must survive), and two copies of each scraped page with light word-level
edits, spaced line endings and a shuffled page order, so that the filters' per-line caches are
exercised by near and exact repeats as they are on a real corpus.

Regenerate the reference only when decisions are meant to change:
`python -m tests.test_pipeline_reference` (and say in the commit which lines changed and why).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from newsclean import Document, default_pipeline
from newsclean.io import read_document

from .conftest import DEVSET, SEEDS

REFERENCE = Path(__file__).parent / "pipeline_reference.json"
EDIT_WORDS = ["reportedly", "officials", "Tuesday", "analysts", "also", "however", "the", "2024"]


def _edited(text: str, rng: random.Random) -> str:
    """A copy of a page: about half of its lines of 8 or more words get one word inserted or
    dropped; short lines stay exact, as page furniture does."""
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        if len(words) >= 8 and rng.random() < 0.5:
            position = rng.randrange(len(words))
            if rng.random() < 0.5:
                words.insert(position, rng.choice(EDIT_WORDS))
            else:
                del words[position]
        lines.append(" ".join(words))
    return "\n".join(lines)


def reference_documents() -> list[Document]:
    """The reference inputs, in a fixed order."""
    scraped = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt"))
    truth = sorted((DEVSET / "truth").glob("*.txt"))
    documents = [Document(f"{path.parent.name}/{path.name}", read_document(path)[0].lines) for path in scraped + truth]
    rng = random.Random(7)
    copies = []
    for round_number in (1, 2):
        for document in documents[: len(scraped)]:
            copies.append(Document.from_text(_edited("\n".join(document.lines), rng), f"copy{round_number}/{document.id}"))
    rng.shuffle(copies)
    return documents + copies


def removals_of(documents: list[Document]) -> dict[str, list[list]]:
    """Each document's removals as [line, filter, reason]."""
    pipeline = default_pipeline()
    return {
        document.id: [[removal.line, removal.filter, removal.reason] for removal in pipeline.run(document).removals]
        for document in documents
    }


def compact(removals: dict[str, list[list]]) -> dict:
    """The removals with each distinct (filter, reason) stored once, so the file stays small:
    each document's removals become [line, index into "verdicts"]."""
    verdicts = sorted({(name, reason) for found in removals.values() for _, name, reason in found})
    number = {verdict: index for index, verdict in enumerate(verdicts)}
    return {
        "verdicts": [list(verdict) for verdict in verdicts],
        "documents": {name: [[line, number[(kind, reason)]] for line, kind, reason in found] for name, found in removals.items()},
    }


def expand(stored: dict) -> dict[str, list[list]]:
    """The stored reference back as [line, filter, reason] per document."""
    verdicts = stored["verdicts"]
    return {name: [[line, *verdicts[index]] for line, index in found] for name, found in stored["documents"].items()}


def test_default_pipeline_removes_what_the_reference_run_removed() -> None:
    if not (DEVSET / "scraped").is_dir():
        pytest.skip("../shared/devset is not available")
    expected = expand(json.loads(REFERENCE.read_text(encoding="utf-8")))
    found = removals_of(reference_documents())
    assert list(found) == list(expected)
    changed = {name: (expected[name], found[name]) for name in expected if expected[name] != found[name]}
    assert not changed, f"{len(changed)} documents cleaned differently, e.g. {next(iter(changed.items()))}"


if __name__ == "__main__":
    REFERENCE.write_text(json.dumps(compact(removals_of(reference_documents())), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}")
