"""Document, Result and the output text's separation rules."""

from __future__ import annotations

import pytest

from newsclean import Document, Removal, Result
from newsclean.document import split_lines


def result_of(text: str, removed: dict[int, str]) -> Result:
    document = Document.from_text(text)
    removals = tuple(Removal(line, "test", reason) for line, reason in sorted(removed.items()))
    return Result(document, document.lines, removals)


def test_split_lines_numbers_lines_like_an_editor() -> None:
    assert split_lines("a\r\nb\rc\n\nd\n") == ["a", "b", "c", "", "d"]
    assert split_lines("") == []


def test_blank_separated_paragraphs_keep_one_blank_line() -> None:
    text = "Share\n\nKerry announced a plan.\n\nAdvertisement\n\nThe truce begins Monday.\n"
    result = result_of(text, {1: "share", 5: "ad"})
    assert result.text == "Kerry announced a plan.\n\nThe truce begins Monday.\n"


def test_newline_separated_paragraphs_stay_newline_separated() -> None:
    result = result_of("First paragraph.\nAdvertisement\nSecond paragraph.\n", {2: "ad"})
    assert result.text == "First paragraph.\nSecond paragraph.\n"


def test_runs_of_blank_lines_collapse_and_nothing_kept_means_empty() -> None:
    assert result_of("One.\n\n\n\nTwo.", {}).text == "One.\n\nTwo.\n"
    assert result_of("Share\n\nAdvertisement\n", {1: "x", 3: "y"}).text == ""


def test_decisions_cover_every_line() -> None:
    result = result_of("Share\n\nBody text here.\n", {1: "share button"})
    actions = [(d.line, d.action) for d in result.decisions()]
    assert actions == [(1, "DROP"), (2, "BLANK"), (3, "KEEP")]
    assert next(result.decisions()).to_dict()["reason"] == "share button"


def test_document_rejects_bytes_with_a_hint() -> None:
    with pytest.raises(TypeError, match="decode"):
        Document.from_text(b"bytes")  # type: ignore[arg-type]


def test_removal_survives_pickling_with_its_details() -> None:
    import pickle

    removal = Removal(7, "navigation", "short title-like line in a run of 5: navigation list", {"run_start": 3, "run_length": 5})
    restored = pickle.loads(pickle.dumps(removal, pickle.HIGHEST_PROTOCOL))
    assert restored == removal and type(restored) is Removal
    assert restored.details == {"run_start": 3, "run_length": 5}
    assert restored.to_dict() == removal.to_dict()


def test_removal_is_a_frozen_value_compared_without_its_details() -> None:
    import dataclasses

    plain = Removal(3, "ad-marker", "ad marker 'Advertisement'")
    detailed = Removal(3, "ad-marker", "ad marker 'Advertisement'", {"marker": "advertisement"})
    assert plain.details == {} and plain.details is not Removal(4, "x", "y").details
    assert plain == detailed and hash(plain) == hash(detailed)
    assert plain != Removal(4, "ad-marker", "ad marker 'Advertisement'")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plain.line = 4  # type: ignore[misc]
    assert repr(detailed) == "Removal(line=3, filter='ad-marker', reason=\"ad marker 'Advertisement'\", details={'marker': 'advertisement'})"
    assert dataclasses.replace(detailed, line=5) == Removal(5, "ad-marker", "ad marker 'Advertisement'")


def test_new_removal_builds_the_same_frozen_removal_as_the_constructor() -> None:
    import dataclasses

    from newsclean.document import new_removal

    built = new_removal(7, "navigation", "short title-like line in a run of 5: navigation list", {"run_start": 3, "run_length": 5})
    expected = Removal(7, "navigation", "short title-like line in a run of 5: navigation list", {"run_start": 3, "run_length": 5})
    assert type(built) is Removal and built == expected and hash(built) == hash(expected)
    assert repr(built) == repr(expected) and built.to_dict() == expected.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.reason = "changed"  # type: ignore[misc]
    assert not hasattr(built, "__dict__")  # slots: no per-removal dictionary


def reference_removals(lines: list[int], filter: str, reason: str, details: dict) -> list[Removal]:
    """What `new_removals` replaces: one `new_removal` per line, each with its own details."""
    from newsclean.document import new_removal

    return [new_removal(line, filter, reason, dict(details)) for line in lines]


@pytest.mark.parametrize("lines", [[], [4], [3, 4, 5, 9, 12], list(range(1, 300))])
def test_new_removals_builds_what_one_new_removal_per_line_builds(lines: list[int]) -> None:
    from newsclean.document import new_removals

    reason, details = "short title-like line in a run of 5: navigation list", {"run_start": 3, "run_length": 5}
    built = new_removals(lines, "navigation", reason, details)
    expected = reference_removals(lines, "navigation", reason, details)
    assert [type(removal) for removal in built] == [Removal] * len(lines)
    assert built == expected and [removal.to_dict() for removal in built] == [removal.to_dict() for removal in expected]
    # Each removal owns its details: changing one (or the caller's) changes no other.
    assert len({id(removal.details) for removal in built} | {id(details)}) == len(lines) + 1
    if built:
        built[0].details["run_length"] = 99  # type: ignore[index]
        assert [removal.details for removal in built[1:]] == [details] * (len(lines) - 1)
