"""A benchmark corpus built deterministically from seeds/ and the devset's scraped pages:
the pages as they are, then copies with light word-level edits until the corpus reaches the
size asked for. Long paragraphs in a copy are near-duplicates of the originals (a word
dropped, doubled, swapped or a number changed), as syndicated and re-scraped news is; short
lines (menus, "Share", headings) stay exact, as page furniture does."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from newsclean.document import split_lines

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DEVSET = ROOT.parent / "shared" / "devset" / "scraped"

#: Paragraphs with fewer words than this are copied unchanged.
MIN_WORDS_TO_EDIT = 8
#: Share of long paragraphs a copy edits; the rest are exact repeats.
EDIT_PROBABILITY = 0.8


@dataclass(frozen=True)
class CorpusFile:
    """One page of the corpus: where it goes (relative path) and its text."""

    name: str
    text: str

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def source_pages() -> list[CorpusFile]:
    """seeds/*.txt and the devset's scraped/*.txt, in name order."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(DEVSET.glob("*.txt"))
    if not any(path.parent == DEVSET for path in files):
        raise SystemExit(f"benchmarks: the devset is missing ({DEVSET}); it is needed to build the corpus")
    return [CorpusFile(f"{path.parent.name}/{path.name}", path.read_text(encoding="utf-8")) for path in files]


def edit_paragraph(text: str, rng: random.Random) -> str:
    """One or two small word-level edits, so the paragraph stays a near-duplicate."""
    tokens = text.split(" ")
    for _ in range(rng.choice((1, 1, 2))):
        position = rng.randrange(len(tokens))
        edit = rng.choice(("drop", "double", "swap", "number"))
        if edit == "drop" and len(tokens) > MIN_WORDS_TO_EDIT:
            del tokens[position]
        elif edit == "double":
            tokens.insert(position, tokens[position])
        elif edit == "swap" and position + 1 < len(tokens):
            tokens[position], tokens[position + 1] = tokens[position + 1], tokens[position]
        else:
            tokens.insert(position, str(rng.randrange(2, 100)))
    return " ".join(tokens)


def edited_copy(page: CorpusFile, copy: int, seed: int) -> CorpusFile:
    rng = random.Random(f"{seed}:{copy}:{page.name}")
    lines = [
        edit_paragraph(line, rng) if len(line.split()) >= MIN_WORDS_TO_EDIT and rng.random() < EDIT_PROBABILITY else line
        for line in split_lines(page.text)
    ]
    return CorpusFile(f"copy{copy:04d}/{page.name}", "\n".join(lines) + "\n")


def build_corpus(target_bytes: int, seed: int = 0) -> list[CorpusFile]:
    """The source pages, then edited copies of all of them, until `target_bytes` is reached."""
    sources = source_pages()
    corpus = [CorpusFile(f"copy0000/{page.name}", page.text) for page in sources]
    total = sum(page.size for page in corpus)
    copy = 1
    while total < target_bytes:
        for page in sources:
            edited = edited_copy(page, copy, seed)
            corpus.append(edited)
            total += edited.size
        copy += 1
    return corpus


def write_corpus(corpus: list[CorpusFile], directory: Path) -> None:
    for page in corpus:
        path = directory / page.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.text, encoding="utf-8")
