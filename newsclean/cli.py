"""The `newsclean` command line: a thin layer that parses arguments, builds a pipeline, streams
documents through it and writes the results. Anything it does, the Python API can do."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, NoReturn, Sequence

from . import __version__
from .document import Document, Result
from .errors import InputError, NewscleanError, UsageError
from .batch import clean_files, plan_outputs
from .io import JsonlWriter, atomic_write_text, check_extra_output_safe, check_output_safe, decode_bytes, find_inputs, read_document
from .jsonl import JsonlLineError, JsonlRecord, cleaned_record, read_json_objects, read_jsonl
from .parallel import available_cores
from .pipeline import Pipeline, default_pipeline
from .runtime import tune_garbage_collector
from .stats import CleaningStatistics, document_summary

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

DESCRIPTION = """\
Turn scraped news text into clean article text. Each input file is a document, one
paragraph per non-empty line; newsclean drops page furniture (ad markers, share buttons,
newsletter and cookie prompts, menus, related links, comment sections), non-English
fragments and near-duplicate paragraphs, and says why for every line it drops.
"""

CLEAN_EPILOG = """\
examples:
  newsclean clean seeds/ -o out/                 clean every *.txt under seeds/ into out/
  newsclean clean a.txt b.txt -o out/ --report removals.jsonl
  newsclean clean pages/ -o out/ --glob '*.md'   other file names
  cat page.txt | newsclean clean -               clean stdin to stdout
  newsclean clean --jsonl docs.jsonl.gz -o clean.jsonl.gz --removals   JSON-lines documents
  newsclean clean seeds/ --format jsonl -o seeds.jsonl --stats        files into one JSONL
  newsclean clean new/ -o out/ --index seen.db   also drop paragraphs seen in earlier runs

exit codes: 0 all inputs cleaned, 1 some inputs failed (the rest were cleaned),
2 usage error (nothing was done), 130 interrupted.
After a crash, a full disk or Ctrl-C, the same command with --resume finishes the job.
"""

EXPLAIN_EPILOG = """\
examples:
  newsclean explain seeds/003_f62884ef3a0fed5e.txt          KEEP/DROP and the reason per line
  newsclean explain page.txt --json | jq 'select(.action=="DROP")'
"""

STATS_EPILOG = """\
examples:
  newsclean clean seeds/ -o out/ --report removals.jsonl && newsclean stats removals.jsonl
  newsclean stats removals.jsonl --json | jq .removals_by_filter
"""


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so main() owns the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'newsclean {self.prog.split()[-1]} --help')" if " " in self.prog else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="newsclean",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'newsclean COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"newsclean {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    clean = commands.add_parser(
        "clean",
        help="clean files or directories into an output directory",
        description="Clean files and directories (recursively) and write the kept text.",
        epilog=CLEAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    clean.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories, or - for stdin")
    clean.add_argument(
        "-o", "--output", metavar="OUTDIR",
        help="output directory, created if missing, also for a single input file (page.txt -o cleaned.txt "
        "writes cleaned.txt/page.txt); a directory input's files keep their relative paths; - writes to stdout; "
        "with stdin input (-), -o names the output file (default: stdout)",
    )
    clean.add_argument("--glob", default="*.txt", help="file-name pattern inside directories (default: %(default)s)")
    clean.add_argument(
        "--report", metavar="FILE",
        help="write one JSON line per removal (file, line, filter, reason, text) and one "
        "'\"kind\": \"document\"' summary line per document (lines, paragraphs, characters in and out)",
    )
    clean.add_argument("--no-dedup", action="store_true", help="do not drop near-duplicate paragraphs across inputs")
    clean.add_argument(
        "--index", metavar="PATH",
        help="near-duplicate index file (SQLite, created if missing): later runs also drop paragraphs seen in earlier runs",
    )
    clean.add_argument(
        "--template-documents", type=int, default=3, metavar="N",
        help="a line occurring in N or more documents is a site template line, dropped in all of them (default: %(default)s)",
    )
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary on stderr")
    clean.add_argument(
        "--jsonl", action="store_true",
        help="inputs are JSON-lines files (or - for stdin), one document per line with 'text' and 'id'; "
        "-o names the output JSON-lines file (.gz: gzip), default stdout",
    )
    clean.add_argument(
        "--format", choices=("text", "jsonl"), default="text",
        help="output for file inputs: text files in OUTDIR (default), or jsonl: one JSON-lines file -o FILE "
        "with an 'id' and 'text' per input",
    )
    clean.add_argument("--removals", action="store_true", help="JSON-lines output: add each document's removals under metadata.removals")
    clean.add_argument("--stats", action="store_true", help="print removals per filter and reason, lines and characters in and out, on stderr")
    clean.add_argument(
        "--strict-encoding", action="store_true",
        help="skip (as an error) inputs that are not valid UTF-8/UTF-16 instead of decoding them with the cp1252 or U+FFFD fallback",
    )
    clean.add_argument(
        "--resume", action="store_true",
        help="skip inputs whose output in OUTDIR is complete and up to date (after a crash, a kill or Ctrl-C); "
        "the result is the same as one uninterrupted run",
    )
    clean.add_argument(
        "-j", "--jobs", type=_positive_int, default=None, metavar="N",
        help="processes that read, normalise and filter input files for text output (default: all cores, "
        f"here {available_cores()}); the output is the same for any N",
    )
    clean.set_defaults(handler=run_clean)

    explain = commands.add_parser(
        "explain",
        help="show every line of one file with KEEP or DROP and the reason",
        description="Show what the default pipeline does to each line of one file, and why.",
        epilog=EXPLAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("file", metavar="FILE", help="a text file, or - for stdin")
    explain.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    explain.add_argument(
        "--width", type=_width, default=100, help="truncate shown text to this many characters (0: never; default: %(default)s)"
    )
    explain.add_argument(
        "--index", metavar="PATH",
        help="also show near-duplicates of paragraphs in this index (from 'clean --index'); the index is not changed",
    )
    explain.set_defaults(handler=run_explain)

    stats = commands.add_parser(
        "stats",
        help="sum up a --report file: removals per filter and reason, lines and characters in and out",
        description="Sum up a report written by 'newsclean clean --report FILE'.",
        epilog=STATS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stats.add_argument("report", metavar="REPORT", help="a report file (JSON lines, .gz allowed), or - for stdin")
    stats.add_argument("--json", action="store_true", help="print the statistics as one JSON object")
    stats.set_defaults(handler=run_stats)
    return parser


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _width(text: str) -> int:
    """A --width: a whole number, 0 (never truncate) or more; a negative one is a mistake, not 0."""
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (never truncate) or more, got {value}")
    return value


def build_pipeline(args: argparse.Namespace) -> Pipeline:
    """The pipeline for a CLI run: the defaults, with what the options change."""
    index = getattr(args, "index", None)
    if args.command == "explain":
        if not index:
            return default_pipeline()
        _check_index_to_read(Path(index))
        return default_pipeline(dedup=True, index=index, record=False)
    if args.no_dedup:
        if index:
            raise UsageError("--index needs near-duplicate removal; drop --no-dedup or --index")
        return default_pipeline()
    if args.template_documents < 2:
        raise UsageError("--template-documents must be at least 2")
    # A file the index already holds (an earlier run, or the interrupted one on --resume) is the
    # same document seen again, never a copy of itself: a re-run writes what the first one wrote.
    return default_pipeline(dedup=True, index=index, template_documents=args.template_documents, replay_known=True)


def _check_index_to_read(path: Path) -> None:
    """Refuse (UsageError) an `explain --index` path that holds no index: explain only reads an
    index and promises not to change it, and opening a missing or empty file would create one.
    A directory is left to the index, which says what to do with it."""
    if path.is_dir():
        return
    if not path.exists():
        problem = "does not exist"
    elif path.stat().st_size == 0:
        problem = "is empty"
    else:
        return
    raise UsageError(
        f"index {path} {problem}; explain only reads an index written by 'newsclean clean --index' "
        "and never creates one: check the path, or drop --index"
    )


def _warn(message: str) -> None:
    print(f"newsclean: {message}", file=sys.stderr)


def _read_stdin(name: str = "<stdin>", strict: bool = False) -> Document:
    decoded = decode_bytes(sys.stdin.buffer.read(), name, strict)
    if decoded.warning:
        _warn(f"warning: {decoded.warning}")
    return Document.from_text(decoded.text, name)


def _report_records(result: Result) -> list[dict]:
    records = []
    for removal in result.removals:
        record = {"file": result.id, **removal.to_dict(), "text": result.lines[removal.line - 1]}
        records.append(record)
    return records


def _progress(items: Iterable, quiet: bool, total: int):
    """A progress bar on stderr when it is a terminal; the plain iterable otherwise."""
    if quiet or not sys.stderr.isatty() or total < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, file=sys.stderr, unit="file", leave=False, total=total)


def run_clean(args: argparse.Namespace) -> int:
    if args.jsonl or args.format == "jsonl":
        if args.resume:
            raise UsageError("--resume needs text outputs in -o OUTDIR (it records finished outputs there)")
        return run_clean_to_jsonl(args)
    if args.removals:
        raise UsageError("--removals needs JSON-lines output (--jsonl or --format jsonl)")
    use_stdin = args.inputs == ["-"]
    if "-" in args.inputs and not use_stdin:
        raise UsageError("- (stdin) cannot be combined with other inputs")
    if args.output is None and not use_stdin:
        raise UsageError("pass -o OUTDIR for the cleaned files (or -o - to write them to stdout)")
    to_stdout = args.output in (None, "-")
    if args.resume and (to_stdout or use_stdin):
        raise UsageError("--resume needs files as inputs and -o OUTDIR (it records finished outputs there)")
    if not to_stdout:
        check_output_safe(args.inputs, Path(args.output))
        if use_stdin and Path(args.output).is_dir():
            raise UsageError(f"{args.output} is a directory; with stdin input, -o names the output file")
        if not use_stdin:
            _check_output_directory(Path(args.output))
    if args.report and args.report != "-":
        check_extra_output_safe(args.inputs, Path(args.report), "report")
    if use_stdin:
        return _clean_stdin(args, to_stdout)
    pipeline = build_pipeline(args)
    # What the filters load (langdetect's profiles) loads in a thread while this one lists and
    # plans the inputs, and forked workers share it (docs/performance.md, "Twelfth round").
    pipeline.prepare_in_background()
    inputs, missing = find_inputs(args.inputs, args.glob)
    outdir = None if to_stdout else Path(args.output)
    plan = plan_outputs(inputs, outdir) if outdir is not None else [(item, None) for item in inputs]
    if not inputs and not missing:
        _warn(f"warning: no files matching {args.glob!r} in {' '.join(args.inputs)}")
    report = JsonlWriter(args.report) if args.report else None
    statistics = CleaningStatistics() if args.stats else None
    wants_every_result = report is not None or statistics is not None
    with _closing_run(pipeline, report):
        jobs = args.jobs or available_cores()
        # The template-line pass over every input, the first of the two passes, is run by
        # `clean_files` with the cleaning pass (inputs it leaves out, already done, count too).
        summary = clean_files(
            plan, pipeline, outdir=outdir, resume=args.resume, input_errors=missing,
            strict_encoding=args.strict_encoding, jobs=jobs, template_inputs=inputs,
            write_stdout=sys.stdout.write, warn=_warn,
            on_result=(lambda result: _account(result, report, statistics)) if wants_every_result else None,
            progress=lambda items, total: _progress(items, args.quiet, total),
        )
    if report is not None:
        if summary.interrupted or summary.output_error:
            report.abort()
        else:
            report.close()
    if not args.quiet or summary.interrupted or summary.output_error:
        for line in summary.lines():
            _warn(line)
    if statistics is not None:
        sys.stderr.write(statistics.format_table())
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if summary.skipped or summary.output_error else EXIT_OK


def _check_output_directory(outdir: Path) -> None:
    """Refuse (UsageError) an OUTDIR that exists but is not a directory: for file inputs -o
    always names a directory, so an existing file there is a mistake, not a target."""
    if (outdir.exists() or outdir.is_symlink()) and not outdir.is_dir():
        raise UsageError(
            f"output {outdir} exists and is not a directory; for file inputs -o names an output directory "
            "(each input is written to OUTDIR/<file name>): choose a directory, or clean one document "
            f"into one file with 'newsclean clean - -o {outdir} < page.txt'"
        )


@contextlib.contextmanager
def _closing_run(pipeline: Pipeline, report: JsonlWriter | None) -> Iterator[None]:
    """Close the pipeline (a stateful filter saves its state) however the run ends, and drop
    a partial report when it ends with an exception."""
    try:
        yield
    except BaseException:
        if report is not None:
            report.abort()
        raise
    finally:
        pipeline.close()


def _clean_stdin(args: argparse.Namespace, to_stdout: bool) -> int:
    """Clean stdin as one document into stdout or the -o file."""
    pipeline = build_pipeline(args)
    report = JsonlWriter(args.report, resumable=False) if args.report else None  # stdin input cannot --resume
    statistics = CleaningStatistics() if args.stats else None
    stats: Counter[str] = Counter()
    with _closing_run(pipeline, report):
        document = _read_stdin(strict=args.strict_encoding)
        _write_results([(pipeline.run(document), None if to_stdout else Path(args.output))], report, stats, statistics)
    if report is not None:
        report.close()
    if not args.quiet:
        _warn(f"cleaned {stats['documents']} document(s): kept {stats['kept']} of {stats['paragraphs']} paragraphs")
    if statistics is not None:
        sys.stderr.write(statistics.format_table())
    return EXIT_OK


def _write_results(
    results: list[tuple[Result, Path | None]],
    report: JsonlWriter | None,
    stats: Counter[str],
    statistics: CleaningStatistics | None = None,
) -> None:
    """Write each result to its target (stdout when None); OutputError stops the run."""
    for result, target in results:
        text = result.text
        if target is None:
            sys.stdout.write(text)
        else:
            atomic_write_text(target, text)
        _account(result, report, statistics)
        stats["documents"] += 1
        stats["kept"] += len(result.kept())
        stats["paragraphs"] += sum(1 for line in result.lines if line)


def _account(result: Result, report: JsonlWriter | None, statistics: CleaningStatistics | None) -> None:
    """Add a cleaned document to the report (its removals, then its summary) and statistics."""
    if report is not None:
        for record in _report_records(result):
            report.write(record)
        report.write(document_summary(result))
    if statistics is not None:
        statistics.add_result(result)


def _jsonl_documents(args: argparse.Namespace) -> Iterator[JsonlRecord | JsonlLineError | InputError]:
    """The documents of a JSON-lines run, in order: records of --jsonl inputs, or one record per
    file of text inputs; an unreadable file or a malformed line comes as its error instead."""
    if args.jsonl:
        for source in args.inputs:
            try:
                yield from read_jsonl(source)
            except InputError as error:
                yield error
        return
    if args.inputs == ["-"]:
        document = _read_stdin(strict=args.strict_encoding)
        yield JsonlRecord({"id": document.id}, document, "-", 1)
        return
    inputs, missing = find_inputs(args.inputs, args.glob)
    for message in missing:
        yield InputError(message)
    for item in inputs:
        try:
            document, warning = read_document(item.path, strict=args.strict_encoding)
        except InputError as error:
            yield error
            continue
        if warning:
            _warn(f"warning: {warning}")
        yield JsonlRecord({"id": document.id}, document, str(item.path), 1)


def run_clean_to_jsonl(args: argparse.Namespace) -> int:
    """`clean --jsonl` / `--format jsonl`: every document becomes one JSON line of the output
    (-o FILE, gzip for .gz, or stdout), the input record with its text cleaned."""
    if "-" in args.inputs and args.inputs != ["-"]:
        raise UsageError("- (stdin) cannot be combined with other inputs")
    output = args.output or "-"
    if output != "-":
        if Path(output).is_dir() or output.endswith(("/", os.sep)):
            raise UsageError(
                f"{output} is a directory; with JSON-lines output (--jsonl, --format jsonl), -o names the output file, "
                f"e.g. -o {output.rstrip('/' + os.sep) or '.'}/documents.jsonl"
            )
        check_output_safe(args.inputs, Path(output))
    pipeline = build_pipeline(args)
    # This mode cannot --resume: an output error advises running the command again.
    writer = JsonlWriter(output, resumable=False)
    report = JsonlWriter(args.report, resumable=False) if args.report else None
    statistics = CleaningStatistics() if args.stats else None
    failures = documents = 0
    try:
        for item in _jsonl_documents(args):
            if isinstance(item, (JsonlLineError, InputError)):
                _warn(f"error: {item}")
                failures += 1
                continue
            result = pipeline.run(item.document)
            writer.write(cleaned_record(item, result, with_removals=args.removals))
            _account(result, report, statistics)
            documents += 1
    except BaseException:
        writer.abort()
        if report is not None:
            report.abort()
        raise
    finally:
        pipeline.close()
    writer.close()
    if report is not None:
        report.close()
    if not args.quiet:
        _warn(f"cleaned {documents} document(s)" + (f"; {failures} failed (see the errors above)" if failures else ""))
    if statistics is not None:
        sys.stderr.write(statistics.format_table())
    return EXIT_SOME_FAILED if failures else EXIT_OK


def run_stats(args: argparse.Namespace) -> int:
    statistics = CleaningStatistics()
    failures = 0
    for line, record in read_json_objects(args.report):
        if isinstance(record, JsonlLineError):
            _warn(f"error: {record}")
            failures += 1
            continue
        try:
            statistics.add_record(record)
        except ValueError as error:
            _warn(f"error: {JsonlLineError(args.report, line, str(error))}")
            failures += 1
    sys.stdout.write(statistics.to_json() if args.json else statistics.format_table())
    return EXIT_SOME_FAILED if failures else EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    if args.file == "-":
        document = _read_stdin()
    else:
        document, warning = read_document(Path(args.file))
        if warning:
            _warn(f"warning: {warning}")
    with build_pipeline(args) as pipeline:
        result = pipeline.run(document)
    if args.json:
        for decision in result.decisions():
            if decision.action != "BLANK":
                sys.stdout.write(_json_line(decision.to_dict()))
        return EXIT_OK
    sys.stdout.write(format_explanation(result, args.width))
    return EXIT_OK


def _json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _shorten(text: str, width: int) -> str:
    return text if width <= 0 or len(text) <= width else text[: width - 1] + "…"


def format_explanation(result: Result, width: int = 100) -> str:
    """Every non-blank line as 'LINE KEEP|DROP text', with the reason under each dropped line."""
    out: list[str] = []
    digits = len(str(len(result.lines))) if result.lines else 1
    indent = " " * (digits + 8)
    for decision in result.decisions():
        if decision.action == "BLANK":
            continue
        out.append(f"{decision.line:>{digits}}  {decision.action}  {_shorten(decision.text, width)}")
        if decision.removal is not None:
            out.append(f"{indent}└ {decision.removal.filter}: {decision.removal.reason}")
        if decision.normalisation is not None:
            out.append(f"{indent}· normalised: {', '.join(decision.normalisation.steps)}")
    kept = len(result.kept())
    total = sum(1 for line in result.lines if line)
    by_filter = Counter(removal.filter for removal in result.removals)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(by_filter.items()))
    out.append(f"{result.id}: kept {kept} of {total} paragraphs" + (f"; dropped {total - kept} ({summary})" if summary else ""))
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    Run as a program (`argv` from the command line), it first tunes this process's garbage
    collector for a batch run (`runtime.tune_garbage_collector`); called with `argv` from
    Python, it leaves the caller's process settings alone.
    """
    if argv is None:
        tune_garbage_collector()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return args.handler(args)
    except UsageError as error:
        _warn(f"error: {error}")
        return EXIT_USAGE
    except NewscleanError as error:
        _warn(f"error: {error}")
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        _warn("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OSError as error:  # writing standard output or a report failed, e.g. a full disk
        _warn(f"error: {error}")
        return EXIT_SOME_FAILED


def run() -> NoReturn:
    """The `newsclean` program (the console script and `python -m newsclean`): `main()`, then
    exit without tearing the interpreter down.

    A normal exit frees every object the run made, one by one (each memo's lines, the
    near-duplicate index): 0.3-0.6 s after a 20 MB run, spent as the process ends anyway
    (docs/performance.md, "Sixth round"). Nothing is left to do by then: `main` returns after
    every output is written, synced and renamed, the index and report closed and the worker
    processes joined; only the standard streams' buffers are flushed here.
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader is gone (`newsclean ... | head`): nothing more to say
        pass
    except OSError as error:  # e.g. the disk that standard output goes to is full
        _warn(f"error: could not write to standard output: {error}")
        code = EXIT_SOME_FAILED
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # gone, or closed by main after a broken pipe
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
