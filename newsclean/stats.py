"""What a cleaning run did, in numbers: removals per filter and reason kind, lines, paragraphs
and characters in and out, duplicates found. Built from Results as they are produced
(`clean --stats`) or from a `--report` file afterwards (`newsclean stats REPORT`); both go
through the same records, so the two always agree.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import regex

from .document import Result

#: The filter name of the near-duplicate filter; its removals are the duplicates found.
NEAR_DUPLICATE_FILTER = "near-duplicate"
#: The `kind` of the per-document summary records a report holds besides its removal records.
DOCUMENT_RECORD_KIND = "document"

# Quoted text (a repr of the line, either quote style), parenthesised evidence, and numbers vary
# from line to line; what is left of a reason is its kind.
_QUOTED = regex.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_PARENTHESISED = regex.compile(r"\([^()]*\)")
_NUMBER = regex.compile(r"\d+(?:[.,]\d+)*%?")
_SPACES = regex.compile(r"\s+")


#: What a reason kind says instead of the document a removal names (a near-duplicate's
#: original, `details["original_document"]`): one group for all of them, and a file name is
#: never taken apart (its digits read as numbers, its parentheses as evidence).
OTHER_DOCUMENT = "another document"


def reason_kind(reason: str, details: Mapping[str, Any] | None = None) -> str:
    """The kind of a removal reason: the reason without the quoted line, the parenthesised
    evidence and anything after a colon, numbers written as N, and the document it names
    (`details["original_document"]`) as OTHER_DOCUMENT.

    >>> reason_kind("ad marker 'Advertisement'")
    'ad marker'
    >>> reason_kind("non-English fragment: written in Cyrillic script (100% of letters non-Latin)")
    'non-English fragment'
    >>> reason_kind("user comment in the comment section from line 61")
    'user comment in the comment section from line N'
    >>> reason_kind("duplicate of line 9 of seeds/002_1d7f.txt (same text after normalisation)",
    ...             {"original_document": "seeds/002_1d7f.txt", "original_line": 9})
    'duplicate of line N of another document'
    """
    document = details.get("original_document") if details else None
    if isinstance(document, str) and document:
        reason = reason.replace(document, OTHER_DOCUMENT)
    text = _PARENTHESISED.sub(" ", _QUOTED.sub(" ", reason)).split(":", 1)[0]
    return _SPACES.sub(" ", _NUMBER.sub("N", text)).strip(" ,;-") or reason


def document_summary(result: Result) -> dict[str, Any]:
    """The report record that sums up one document: lines, paragraphs and characters in and out.

    Characters in count each input line and its line break; characters out are the kept text's.
    """
    text = result.text
    return {
        "kind": DOCUMENT_RECORD_KIND,
        "file": result.id,
        "lines_in": len(result.document.lines),
        "lines_out": text.count("\n"),
        "paragraphs_in": sum(1 for line in result.lines if line),
        "paragraphs_out": len(result.kept()),
        "chars_in": sum(len(line) + 1 for line in result.document.lines),
        "chars_out": len(text),
    }


_TOTALS = ("lines_in", "lines_out", "paragraphs_in", "paragraphs_out", "chars_in", "chars_out")


@dataclass
class CleaningStatistics:
    """Counts over a run. Feed it Results (`add_result`) or report records (`add_record`)."""

    documents: int = 0
    totals: Counter[str] = field(default_factory=Counter)
    removals: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add_result(self, result: Result) -> None:
        self.add_record(document_summary(result))
        for removal in result.removals:
            self._add_removal(removal.filter, removal.reason, removal.details)

    def add_record(self, record: dict[str, Any]) -> None:
        """Count one report record: a document summary or a removal (`filter` and `reason`).

        Raises ValueError for a record that is neither, naming the missing keys."""
        if record.get("kind") == DOCUMENT_RECORD_KIND:
            missing = [key for key in _TOTALS if not isinstance(record.get(key), int)]
            if missing:
                raise ValueError(f"document record without {', '.join(missing)}")
            self.documents += 1
            self.totals.update({key: record[key] for key in _TOTALS})
            return
        if not isinstance(record.get("filter"), str) or not isinstance(record.get("reason"), str):
            raise ValueError("neither a removal (needs 'filter' and 'reason') nor a document record")
        details = record.get("details")
        self._add_removal(record["filter"], record["reason"], details if isinstance(details, Mapping) else None)

    def _add_removal(self, filter_name: str, reason: str, details: Mapping[str, Any] | None = None) -> None:
        self.removals[(filter_name, reason_kind(reason, details))] += 1

    @property
    def duplicates(self) -> int:
        """Paragraphs dropped as near-duplicates of earlier ones."""
        return sum(count for (name, _), count in self.removals.items() if name == NEAR_DUPLICATE_FILTER)

    def by_filter(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (name, _), count in self.removals.items():
            counts[name] += count
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        """The statistics as JSON-ready data (`newsclean stats --json`)."""
        return {
            "documents": self.documents,
            **{key: self.totals[key] for key in _TOTALS},
            "removals": sum(self.removals.values()),
            "duplicates": self.duplicates,
            "removals_by_filter": self.by_filter(),
            "removals_by_reason": [
                {"filter": name, "reason": kind, "count": count} for (name, kind), count in self._sorted_removals()
            ],
        }

    def _sorted_removals(self) -> list[tuple[tuple[str, str], int]]:
        return sorted(self.removals.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))

    def format_table(self) -> str:
        """The statistics as an aligned plain-text table for a terminal."""
        totals = self.totals
        rows = [("documents", f"{self.documents:,}")]
        if self.documents:
            kept = totals["chars_out"] / totals["chars_in"] if totals["chars_in"] else 1.0
            rows += [
                ("lines in -> out", f"{totals['lines_in']:,} -> {totals['lines_out']:,}"),
                ("paragraphs in -> out", f"{totals['paragraphs_in']:,} -> {totals['paragraphs_out']:,}"),
                ("characters in -> out", f"{totals['chars_in']:,} -> {totals['chars_out']:,} ({kept:.1%} kept)"),
            ]
        rows.append(("duplicates found", f"{self.duplicates:,}"))
        label_width = max(len(label) for label, _ in rows)
        out = [f"{label:<{label_width}}  {value}" for label, value in rows]
        if not self.documents and self.removals:
            out.append("(the report has no document records: lines and characters are unknown)")
        out.append("")
        table = [(name, kind, f"{count:,}") for (name, kind), count in self._sorted_removals()]
        table.append(("total", "", f"{sum(self.removals.values()):,}"))
        header = ("filter", "reason", "removals")
        widths = [max(len(row[column]) for row in [header, *table]) for column in range(3)]
        for row in [header, *table]:
            out.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}".rstrip())
        return "\n".join(out) + "\n"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


def statistics_of(results: Iterable[Result]) -> CleaningStatistics:
    """The statistics of a sequence of Results, for use from Python."""
    statistics = CleaningStatistics()
    for result in results:
        statistics.add_result(result)
    return statistics
