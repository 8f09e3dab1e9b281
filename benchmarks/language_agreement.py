"""How the language filter's decisions compare with langdetect run on every line.

    python -m benchmarks.language_agreement [--show N]

For every non-empty line of seeds/ and ../shared/devset/scraped (normalised, each page judged
as one by `LanguageFilter.verdicts`), it compares newsclean's verdict with langdetect's
(`detect_langs`, seeded, the library itself rather than newsclean's FastDetector) on the lines
where both speak: newsclean decided ENGLISH or FOREIGN (not UNDECIDED, a line too short or too
name-heavy to judge that follows its neighbours), and langdetect found features and gave its
best language a probability of at least 0.9, the filter's own bar for a langdetect verdict.
It prints the agreement overall and by line length, who decided newsclean's verdicts (cheap
evidence or langdetect on a block), the disagreements, and both sides' CPU time.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from newsclean.document import kept_paragraphs
from newsclean.filters.language import LANGDETECT_SEED, LanguageFilter, Verdict
from newsclean.io import read_document
from newsclean.normalise import normalise_lines

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT.parent / "shared" / "devset" / "scraped").glob("*.txt"))
#: langdetect speaks when its best language has at least this probability (the filter's bar).
MIN_PROBABILITY = 0.9
LENGTHS = ((0, 4, "1-4 words"), (5, 14, "5-14 words"), (15, 10**9, "15+ words"))


def newsclean_verdicts(language_filter: LanguageFilter) -> tuple[list[tuple[str, Verdict, str]], float]:
    """(line, verdict, reason) for every paragraph of every page, and the CPU seconds taken."""
    judged = []
    seconds = 0.0
    for path in PAGES:
        lines, _ = normalise_lines(read_document(path)[0].lines)
        paragraphs = kept_paragraphs(lines, ())
        start = time.process_time()
        verdicts = language_filter.verdicts(paragraphs)
        seconds += time.process_time() - start
        judged.extend((paragraph.text, verdict, reason) for paragraph, (verdict, reason) in zip(paragraphs, verdicts))
    return judged, seconds


def langdetect_answers(lines: list[str]) -> tuple[list[tuple[str, float] | None], float]:
    """langdetect's best (language, probability) per line, None where it finds no features."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(LANGDETECT_SEED)
    answers: list[tuple[str, float] | None] = []
    start = time.process_time()
    for line in lines:
        detector = factory.create()
        detector.append(line)
        try:
            best = detector.get_probabilities()[0]
            answers.append((best.lang, best.prob))
        except (LangDetectException, IndexError):
            answers.append(None)
    return answers, time.process_time() - start


def decided_how(reason: str) -> str:
    """What decided a verdict, from its reason (English verdicts carry none: cheap evidence)."""
    for marker, how in (
        ("written in", " (script)"),
        ("function words", " (function words)"),
        ("langdetect", " (langdetect on its block)"),
        ("short line inside", " (short line inside a foreign block)"),
    ):
        if marker in reason:
            return how
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", type=int, default=15, help="disagreements to print (default: 15)")
    args = parser.parse_args(argv)
    if not any(path.parent.name == "scraped" for path in PAGES):
        raise SystemExit("benchmarks: ../shared/devset/scraped is missing")
    judged, ours_seconds = newsclean_verdicts(LanguageFilter())
    answers, theirs_seconds = langdetect_answers([line for line, _, _ in judged])
    decided_by = Counter()
    both = agree = 0
    by_length: Counter[tuple[str, bool]] = Counter()
    disagreements = []
    for (line, verdict, reason), answer in zip(judged, answers):
        if verdict is Verdict.UNDECIDED:
            decided_by["newsclean: undecided (follows neighbours, kept)"] += 1
            continue
        decided_by[f"newsclean: {verdict.value}" + decided_how(reason)] += 1
        if answer is None or answer[1] < MIN_PROBABILITY:
            continue
        ours_foreign = verdict is Verdict.FOREIGN
        theirs_foreign = answer[0] != "en"
        words = len(line.split())
        bucket = next(name for low, high, name in LENGTHS if low <= words <= high)
        both += 1
        agree += ours_foreign == theirs_foreign
        by_length[(bucket, ours_foreign == theirs_foreign)] += 1
        if ours_foreign != theirs_foreign:
            disagreements.append((verdict.value, f"{answer[0]} {answer[1]:.2f}", line))
    print(f"{len(judged)} lines of {len(PAGES)} pages; langdetect speaks (p >= {MIN_PROBABILITY}) on "
          f"{sum(1 for a in answers if a and a[1] >= MIN_PROBABILITY)}")
    for name, count in sorted(decided_by.items()):
        print(f"  {name}: {count}")
    print(f"both speak on {both} lines; agreement {agree}/{both} = {agree / both:.1%}")
    for _, _, bucket in LENGTHS:
        yes, no = by_length[(bucket, True)], by_length[(bucket, False)]
        if yes + no:
            print(f"  {bucket}: {yes}/{yes + no} = {yes / (yes + no):.1%}")
    print(f"disagreements ({len(disagreements)}; newsclean, langdetect, line):")
    for ours, theirs, line in disagreements[: args.show]:
        print(f"  {ours:8} {theirs:8} {line[:100]!r}")
    print(f"CPU: newsclean's language filter {ours_seconds:.2f} s, langdetect on every line {theirs_seconds:.2f} s "
          f"({theirs_seconds / ours_seconds:.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
