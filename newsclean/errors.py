"""The exceptions newsclean raises for user mistakes and bad input; the CLI turns each into one
line on stderr and an exit code, never a traceback."""


class NewscleanError(Exception):
    """Base class: something the user can fix, with a message that says how."""


class InputError(NewscleanError):
    """One input cannot be read or decoded; the others are still processed."""


class UsageError(NewscleanError):
    """The command line asks for something impossible or unsafe (exit code 2)."""


class IndexFileError(NewscleanError):
    """A near-duplicate index file cannot be used as it is (corrupt, not an index, another
    format version or other parameters); the file is left untouched."""


class IndexBusyError(IndexFileError):
    """Another run holds the near-duplicate index's write lock for longer than the timeout."""


class IndexUsageError(NewscleanError):
    """A near-duplicate index is used where it cannot be: after `close()`, or (an SQLite index)
    from another thread than the one that opened it. The index file is left untouched."""


class BinaryInputError(InputError):
    """An input is not text (NUL bytes, an image, an archive): it is skipped, not cleaned."""


class EncodingError(InputError):
    """An input is not valid in its encoding and --strict-encoding forbids the fallback."""


class OutputError(NewscleanError):
    """An output cannot be written (disk full, read-only directory): the run stops, and
    nothing half-written is left behind."""


class WorkerError(NewscleanError):
    """A worker process of a --jobs run died; the run stops with every written output complete."""
