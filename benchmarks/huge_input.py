"""Peak memory and time of `newsclean clean` on huge inputs: one file that is a single line of
50 MB, and one 500 MB file of ordinary article lines. Run by hand:

    python benchmarks/huge_input.py [--line-mb 50] [--file-mb 500]

Each run is a separate `newsclean` process, so its peak RSS (ru_maxrss of the child) is its own.
The text is made of seeds/ lines (real article text), repeated with a seeded shuffle.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return lines


def write_single_line(path: Path, megabytes: int, rng: random.Random) -> None:
    """One line of `megabytes` MB: seed words joined by spaces, no newline at all."""
    words = " ".join(seed_lines()).split()
    target = megabytes * 1_000_000
    with open(path, "w", encoding="utf-8") as stream:
        written = 0
        while written < target:
            chunk = " ".join(rng.choice(words) for _ in range(10_000)) + " "
            stream.write(chunk)
            written += len(chunk.encode("utf-8"))


def write_many_lines(path: Path, megabytes: int, rng: random.Random) -> None:
    """`megabytes` MB of seed lines in shuffled order, separated by blank lines."""
    lines = seed_lines()
    target = megabytes * 1_000_000
    with open(path, "w", encoding="utf-8") as stream:
        written = 0
        while written < target:
            block = "\n\n".join(rng.sample(lines, len(lines))) + "\n\n"
            stream.write(block)
            written += len(block.encode("utf-8"))


def measure(path: Path, outdir: Path, options: list[str]) -> tuple[float, float]:
    """Run `newsclean clean` on one file; return (seconds, peak RSS in MB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "newsclean", "clean", str(path), "-o", str(outdir), "--quiet", *options],
        check=True,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        print("  (peak RSS below an earlier child's; run this case alone for its figure)")
    return seconds, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--line-mb", type=int, default=50)
    parser.add_argument("--file-mb", type=int, default=500)
    parser.add_argument("--only", choices=("line", "file"))
    parser.add_argument("--no-dedup", action="store_true", help="pass --no-dedup to newsclean (near-duplicate removal off)")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cases = []
        if args.only in (None, "line"):
            cases.append(("single line", args.line_mb, write_single_line))
        if args.only in (None, "file"):
            cases.append(("many lines", args.file_mb, write_many_lines))
        for label, megabytes, writer in cases:
            source = root / f"{label.replace(' ', '_')}.txt"
            writer(source, megabytes, rng)
            seconds, peak = measure(source, root / "out", ["--no-dedup"] if args.no_dedup else [])
            size = source.stat().st_size / 1_000_000
            print(f"{label}{' (--no-dedup)' if args.no_dedup else ''}: {size:.0f} MB in {seconds:.1f} s ({size / seconds:.2f} MB/s), peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
