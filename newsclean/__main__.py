"""`python -m newsclean` runs the command line."""

from ._console import run

run()
