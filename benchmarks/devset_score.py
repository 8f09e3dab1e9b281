"""Score the default pipeline on the shared dev sample and check the seeds acceptance labels.

    python benchmarks/devset_score.py [--per-page] [--devset ../shared/devset]

Cleans devset/scraped/ with the default boilerplate filters (no deduplication, as the devset
README asks), prints score.py's --english-only summary, the word count kept on the
non-English pages, and whether every seeds.json label holds. Run by hand; not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from newsclean.document import Document
from newsclean.pipeline import Pipeline, boilerplate_filters
from newsclean.wordlists import words

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEVSET = Path("/work/shared/devset")
DEFAULT_ACCEPTANCE = Path("/work/shared/acceptance/seeds.json")

# Seed label names -> the filter whose reason must explain the removal.
LABEL_FILTERS = {
    "ad marker": "ad-marker",
    "share button": "share-button",
    "comment section": "comment-section",
    "non-English fragment": "non-english",
}


def check_seeds(acceptance_path: Path, seeds_dir: Path) -> list[str]:
    """Every failure of the seeds acceptance labels, as readable lines (empty when all hold)."""
    labels = json.loads(acceptance_path.read_text(encoding="utf-8"))["files"]
    pipeline = Pipeline(boilerplate_filters())
    failures = []
    for name, label in sorted(labels.items()):
        text = (seeds_dir / name).read_text(encoding="utf-8")
        result = pipeline.run(Document.from_text(text, id=name))
        removals = {removal.line: removal for removal in result.removals}
        either = set(label["either"])
        for number, line in enumerate(result.lines, start=1):
            if not line or number in either:
                continue
            expected = label["drop"].get(str(number))
            removal = removals.get(number)
            if expected is None and removal is not None:
                failures.append(f"{name}:{number} dropped ({removal.filter}: {removal.reason}) but must stay: {line[:80]!r}")
            elif expected is not None and (removal is None or removal.filter != LABEL_FILTERS[expected]):
                got = "kept" if removal is None else f"dropped by {removal.filter}"
                failures.append(f"{name}:{number} must go as {expected}, {got}: {line[:80]!r}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--acceptance", type=Path, default=DEFAULT_ACCEPTANCE)
    parser.add_argument("--per-page", action="store_true")
    args = parser.parse_args()

    pipeline = Pipeline(boilerplate_filters())
    with tempfile.TemporaryDirectory() as out:
        out_dir = Path(out)
        for page in sorted((args.devset / "scraped").glob("*.txt")):
            result = pipeline.run(Document.from_text(page.read_text(encoding="utf-8"), id=page.name))
            (out_dir / page.name).write_text(result.text, encoding="utf-8")
        command = [sys.executable, str(args.devset / "score.py"), out, "--english-only", "--bootstrap", "0"]
        if args.per_page:
            command.append("--per-page")
        subprocess.run(command, check=True)
        manifest = (args.devset / "manifest.tsv").read_text(encoding="utf-8").splitlines()
        for row in manifest[1:]:
            page_id, _, language = row.split("\t")[:3]
            if language != "en":
                kept = len(words((out_dir / f"{page_id}.txt").read_text(encoding="utf-8")))
                print(f"non-English page {page_id[:12]} ({language}): {kept} words kept")
    failures = check_seeds(args.acceptance, ROOT / "seeds")
    print("seeds acceptance:", "pass" if not failures else f"{len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
