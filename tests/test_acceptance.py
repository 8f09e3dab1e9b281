"""The default pipeline against ../shared/acceptance/seeds.json (copied to tests/): every
`drop` line removed with a reason of its kind, every other non-empty line kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import newsclean
from newsclean import Document

from .conftest import SEEDS

ACCEPTANCE = json.loads((Path(__file__).parent / "seeds_acceptance.json").read_text(encoding="utf-8"))

#: The acceptance file's kinds of drop, and the filter that must give them.
FILTER_FOR_KIND = {
    "ad marker": "ad-marker",
    "share button": "share-button",
    "comment section": "comment-section",
    "non-English fragment": "non-english",
}


@pytest.mark.parametrize("name", sorted(ACCEPTANCE["files"]))
def test_seed_lines_dropped_and_kept_as_labelled(name: str) -> None:
    labels = ACCEPTANCE["files"][name]
    text = (SEEDS / name).read_text(encoding="utf-8")
    result = newsclean.default_pipeline().run(Document.from_text(text, name))
    removals = {removal.line: removal for removal in result.removals}
    must_drop = {int(line): kind for line, kind in labels["drop"].items()}
    either = set(labels["either"])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or number in either:
            continue
        if number in must_drop:
            assert number in removals, f"{name}:{number} should be dropped ({must_drop[number]}): {line!r}"
            assert removals[number].filter == FILTER_FOR_KIND[must_drop[number]], (name, number, removals[number])
            assert removals[number].reason
        else:
            assert number not in removals, f"{name}:{number} should be kept: {line!r} ({removals.get(number)})"
