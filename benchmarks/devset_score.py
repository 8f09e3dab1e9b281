"""Score the default boilerplate filters on the shared dev sample (run by hand).

    python benchmarks/devset_score.py [--per-page] [--devset ../shared/devset]

Cleans devset/scraped/ with the default boilerplate filters (no deduplication, as the devset
README asks), prints score.py's --english-only summary and the word count kept on the
non-English pages. Run by hand; the seeds acceptance lives in tests/test_acceptance.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from newsclean.document import Document
from newsclean.pipeline import Pipeline, boilerplate_filters
from newsclean.wordlists import words

DEFAULT_DEVSET = Path(__file__).resolve().parent.parent.parent / "shared" / "devset"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
