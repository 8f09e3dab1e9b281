"""The exceptions newsclean raises for user mistakes and bad input; the CLI turns each into one
line on stderr and an exit code, never a traceback."""


class NewscleanError(Exception):
    """Base class: something the user can fix, with a message that says how."""


class InputError(NewscleanError):
    """One input cannot be read or decoded; the others are still processed."""


class UsageError(NewscleanError):
    """The command line asks for something impossible or unsafe (exit code 2)."""
