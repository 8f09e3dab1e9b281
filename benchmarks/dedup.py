"""Near-duplicate benchmark (run by hand): recall and precision on planted copies of real
paragraphs, signature speed against datasketch, and time / peak memory / index size at scale.

    python -m benchmarks.dedup --quick     # under a minute: 2 rounds, 100k scale only
    python -m benchmarks.dedup             # 10 rounds, 100k and 1M paragraphs

The corpus is the real paragraphs of seeds/ and ../shared/devset (scraped and truth), each
article one document, followed by planted copies (exact, cosmetic, and with ~5%, ~15% and
~30% of words substituted, inserted or deleted), each copy in a document of its own. Truth
is the exact Jaccard similarity of word-bigram sets, the quantity MinHash estimates.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from itertools import islice
from pathlib import Path
from typing import Iterator

import numpy as np
import regex

from newsclean.dedup import NearDuplicateFilter, words
from newsclean.dedup.shingles import word_batch
from newsclean.document import Paragraph
from newsclean.filters.base import PageView

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
#: Documents per find_removals_batch call in the scale runs (10,000 paragraphs).
DOCUMENTS_PER_CALL = 500
#: The word definition `words` implements, as the `regex` findall used before the speed work.
REGEX_WORD = regex.compile(r"[\p{L}\p{N}\p{M}_]+")
BANDS = [(1.0, 1.01), (0.8, 1.0), (0.6, 0.8), (0.4, 0.6), (0.3, 0.4), (0.0, 0.3)]
EDIT_WORDS = ["reportedly", "officials", "Tuesday", "analysts", "sharply", "also", "however", "local", "new", "the"]


def articles() -> list[tuple[str, list[str]]]:
    """(name, paragraphs) of every real article, in name order."""
    paths = sorted((ROOT / "seeds").glob("*.txt")) + sorted((DEVSET / "scraped").glob("*.txt")) + sorted((DEVSET / "truth").glob("*.txt"))
    found = []
    for path in paths:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        found.append((f"{path.parent.name}/{path.name}", lines))
    return found


def bigrams(text: str) -> set[tuple[str, str]]:
    found = words(text)
    return set(zip(found, found[1:])) if len(found) > 1 else {tuple(found)}


def jaccard(first: set, second: set) -> float:
    return len(first & second) / len(first | second) if first | second else 1.0


def cosmetic(text: str, rng: random.Random) -> str:
    """Case, quote, punctuation and spacing changes only."""
    text = text.replace("'", "’").replace('"', "“") if rng.random() < 0.5 else text.replace("’", "'").replace("“", '"').replace("”", '"')
    text = text.upper() if rng.random() < 0.2 else text.lower() if rng.random() < 0.5 else text
    return text.replace(", ", " , ").replace(". ", ".  ").rstrip(".") + rng.choice(["", " ", "!"])


def edited(text: str, fraction: float, rng: random.Random) -> str:
    items = text.split()
    for _ in range(max(1, round(len(items) * fraction))):
        position = rng.randrange(len(items))
        operation = rng.randrange(3)
        if operation == 0:
            items[position] = rng.choice(EDIT_WORDS)
        elif operation == 1:
            items.insert(position, rng.choice(EDIT_WORDS))
        elif len(items) > 2:
            del items[position]
    return " ".join(items)


def page(name: str, texts: list[str]) -> PageView:
    lines = tuple(texts)
    return PageView(name, lines, [Paragraph(number, text) for number, text in enumerate(lines, start=1) if text])


def quality(rounds: int) -> None:
    """Recall per kind and per exact-similarity band, and false drops of distinct paragraphs."""
    corpus = articles()
    long_paragraphs = [(name, line, text) for name, lines in corpus for line, text in enumerate(lines, start=1) if len(words(text)) >= 20]
    kinds = {"exact": None, "cosmetic": None, "5% edited": 0.05, "15% edited": 0.15, "30% edited": 0.30}
    found_by_kind: dict[str, list[bool]] = defaultdict(list)
    found_by_band: dict[tuple, list[bool]] = defaultdict(list)
    distinct_total = distinct_dropped = 0
    dropped_pairs: list[float] = []
    for round_number in range(rounds):
        rng = random.Random(round_number)
        dedup = NearDuplicateFilter()
        texts_by_location = {}
        for name, lines in corpus:
            texts_by_location.update({(name, number): text for number, text in enumerate(lines, start=1)})
        seen_sets: list[set] = []
        for name, lines in corpus:
            removals = {removal.line: removal for removal in dedup.find_removals(page(name, lines))}
            for number, text in enumerate(lines, start=1):
                if len(words(text)) < 8:
                    continue
                shingles = bigrams(text)
                nearest = max((jaccard(shingles, other) for other in seen_sets), default=0.0)
                if nearest < 0.3:
                    distinct_total += 1
                    distinct_dropped += number in removals
                if number in removals:
                    details = removals[number].details
                    if "original_document" in details:
                        original = texts_by_location[(details["original_document"], details["original_line"])]
                        dropped_pairs.append(jaccard(shingles, bigrams(original)))
                seen_sets.append(shingles)
        for index, (name, line, text) in enumerate(long_paragraphs):
            for kind, fraction in kinds.items():
                copy = text if kind == "exact" else cosmetic(text, rng) if fraction is None else edited(text, fraction, rng)
                removals = dedup.find_removals(page(f"copy-{round_number}-{index}-{kind}", [copy]))
                found = bool(removals)
                found_by_kind[kind].append(found)
                similarity = jaccard(bigrams(text), bigrams(copy))
                band = next(band for band in BANDS if band[0] <= similarity < band[1])
                found_by_band[band].append(found)
                if found and "original_document" in removals[0].details:
                    details = removals[0].details
                    original = texts_by_location.get((details["original_document"], details["original_line"]), text)
                    dropped_pairs.append(jaccard(bigrams(copy), bigrams(original)))
        dedup.close()
    print(f"\n## Recall on planted copies ({rounds} rounds, {len(long_paragraphs)} real paragraphs of >= 20 words, so ~5% is at most one word in twenty)\n")
    print("| copy | planted | found | recall |\n|---|---:|---:|---:|")
    for kind, found in found_by_kind.items():
        print(f"| {kind} | {len(found)} | {sum(found)} | {100 * sum(found) / len(found):.2f}% |")
    print("\n| exact bigram Jaccard | planted | found | recall |\n|---|---:|---:|---:|")
    for band in BANDS:
        found = found_by_band.get(band, [])
        if found:
            label = "1.0" if band[0] == 1.0 else f"[{band[0]:.1f}, {band[1]:.1f})"
            print(f"| {label} | {len(found)} | {sum(found)} | {100 * sum(found) / len(found):.2f}% |")
    precise = sum(similarity >= 0.3 for similarity in dropped_pairs)
    print(f"\nprecision: {precise} of {len(dropped_pairs)} drops have exact Jaccard >= 0.3 with the named original "
          f"({100 * precise / max(1, len(dropped_pairs)):.2f}%)")
    print(f"distinct real paragraphs (Jaccard < 0.3 with every earlier one) dropped: {distinct_dropped} of {distinct_total} "
          f"({100 * distinct_dropped / max(1, distinct_total):.3f}%)")


def signature_speed(count: int) -> None:
    """Paragraphs per CPU second: our batched words + signatures vs datasketch MinHash.update
    per shingle, and the words alone (`word_batch`: words, word hashes and exact keys; the
    tokeniser before the speed work, the `regex` findall, for comparison)."""
    from datasketch import MinHash

    texts = [text for _, lines in articles() for text in lines if len(words(text)) >= 8]
    texts = (texts * (count // len(texts) + 1))[:count]
    dedup = NearDuplicateFilter()
    start = time.process_time()
    batch = word_batch(texts)  # what the filter does for a batch: words, their hashes, exact keys
    tokenised = time.process_time()
    dedup.batch_signatures(batch, np.arange(len(texts)), texts)
    ours = count / (time.process_time() - start)
    words_alone = count / (tokenised - start)
    dedup.close()
    start = time.process_time()
    for text in texts:
        REGEX_WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    regex_words = count / (time.process_time() - start)
    sample = texts[: max(1, count // 20)]
    start = time.process_time()
    for text in sample:
        found = words(text)
        signature = MinHash(num_perm=128)
        for shingle in zip(found, found[1:]):
            signature.update(" ".join(shingle).encode("utf-8"))
    theirs = len(sample) / (time.process_time() - start)
    print(f"\n## Signatures (128 permutations, word bigrams, paragraphs per CPU second)\n\nours (words + signatures): {ours:,.0f}; "
          f"datasketch MinHash.update per shingle: {theirs:,.0f} ({ours / theirs:.0f}x)\n"
          f"words alone: {words_alone:,.0f} (regex findall over NFKC + casefold: {regex_words:,.0f})")


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that over
    exec from the forking parent, so a scale run would report the parent's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_documents(count: int) -> Iterator[PageView]:
    """`count` paragraphs, 20 per document: new paragraphs as long as real ones, their words
    drawn from the real text's word stream (so word frequencies are real and the paragraphs
    distinct, as distinct articles' are), and every tenth a 5%-edited copy of an earlier one.

    (Shuffling the words of the same few thousand real paragraphs, as this benchmark did
    first, makes near-collisions grow with the corpus: at 1M paragraphs each new paragraph had
    ~15 LSH candidates among earlier shuffles of its words, which real text does not have.)
    """
    real = [text.split() for _, lines in articles() for text in lines if len(words(text)) >= 8]
    stream = [word for items in real for word in items]
    lengths = [len(items) for items in real]
    pool: list[str] = []
    rng = random.Random(1)
    draws = np.random.default_rng(1)
    for number in range(0, count, 20):
        batch = []
        for offset in range(min(20, count - number)):
            if (number + offset) % 10 == 9 and pool:
                batch.append(edited(pool[rng.randrange(len(pool))], 0.05, rng))
            else:
                batch.append(" ".join(stream[position] for position in draws.integers(0, len(stream), lengths[(number + offset) % len(lengths)]).tolist()))
        if len(pool) < 10000:
            pool.extend(batch[:2])
        yield page(f"doc-{number}", batch)


def scale(count: int, index: str | None, per_call: int) -> None:
    """Time and peak RSS for `count` paragraphs through one filter (run in a fresh process),
    `per_call` documents per find_removals_batch call (1: find_removals one at a time).
    Only the filter's calls are timed, not making the text: wall-clock time, and CPU time,
    which is what one core costs when other jobs share the machine."""
    dedup = NearDuplicateFilter(index=index)
    dropped = 0
    megabytes = 0.0
    elapsed = cpu = 0.0
    documents = scale_documents(count)
    while pages := list(islice(documents, per_call)):
        megabytes += sum(len(paragraph.text.encode("utf-8")) + 1 for page in pages for paragraph in page.paragraphs) / 1e6
        start, start_cpu = time.perf_counter(), time.process_time()
        if per_call == 1:
            dropped += len(dedup.find_removals(pages[0]))
        else:
            dropped += sum(len(removals) for removals in dedup.find_removals_batch(pages))
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    start, start_cpu = time.perf_counter(), time.process_time()
    dedup.close()
    elapsed += time.perf_counter() - start
    cpu += time.process_time() - start_cpu
    peak = peak_rss_mib()
    size = f"{Path(index).stat().st_size / count:,.0f}" if index else ""
    print(
        f"| {count:,} ({megabytes:,.0f} MB) | {'SQLite' if index else 'memory'} | {per_call} | {elapsed:.1f} s | {cpu:.1f} s | "
        f"{count / cpu:,.0f} | {peak:,.0f} MiB | {dropped:,} | {size} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="under a minute: fewer rounds, 100k paragraphs only")
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--per-call", type=int, default=DOCUMENTS_PER_CALL, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.index, args.per_call)
        return
    quality(2 if args.quick else 10)
    signature_speed(20000 if args.quick else 100000)
    print(f"\n## Scale (20 paragraphs per document, 10% planted 5%-edited copies; {DOCUMENTS_PER_CALL} documents per call, 1 = one at a time)\n")
    print("| paragraphs | index | documents per call | wall time | CPU time | paragraphs/s (CPU) | peak RSS | dropped | index bytes/paragraph |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    runs = [(100_000, False, DOCUMENTS_PER_CALL)]
    if not args.quick:
        runs += [(100_000, False, 1), (20_000, True, 1), (100_000, True, DOCUMENTS_PER_CALL), (1_000_000, False, DOCUMENTS_PER_CALL)]
    for count, on_disk, per_call in runs:
        with tempfile.TemporaryDirectory() as directory:
            command = [sys.executable, "-m", "benchmarks.dedup", "--scale", str(count), "--per-call", str(per_call)]
            if on_disk:
                command += ["--index", str(Path(directory) / "index.db")]
            subprocess.run(command, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
