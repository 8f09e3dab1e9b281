"""Checks of filter options, made once when a filter is built: a wrong type or an out-of-range
value fails there, with the option and its allowed values named, instead of deep in a run
(numpy's "argmin of an empty sequence") or not at all (a str of markers read letter by letter).

Each check returns the value to store, so a constructor reads `self.min_run = whole_number(...)`.
"""

from __future__ import annotations

import numbers
from typing import Iterable


def whole_number(owner: str, option: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """`value` if it is a whole number (not a bool) from `minimum` to `maximum` (None: no limit);
    else a TypeError or ValueError naming `owner`'s option and its allowed values."""
    allowed = f"a whole number of at least {minimum}" if maximum is None else f"a whole number from {minimum} to {maximum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {option} must be {allowed}, not {type(value).__name__} {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{owner}: {option} must be {allowed}, not {value!r}")
    return int(value)


def number_in(owner: str, option: str, value: object, low: float, high: float | None, *, low_open: bool = False, high_open: bool = False) -> float:
    """`value` if it is a real number (not a bool) in the interval from `low` to `high` (None: no
    limit), each end open or closed as asked; else a TypeError or ValueError naming the interval."""
    interval = f"{'(' if low_open else '['}{low:g}, {'∞)' if high is None else f'{high:g}' + (')' if high_open else ']')}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {option} must be a number in {interval}, not {type(value).__name__} {value!r}")
    above_low = value > low if low_open else value >= low
    below_high = high is None or (value < high if high_open else value <= high)
    if not (above_low and below_high):
        raise ValueError(f"{owner}: {option} must be a number in {interval}, not {value!r}")
    return value  # type: ignore[return-value]  # a numbers.Real


def phrase_list(owner: str, option: str, value: object) -> tuple[str, ...]:
    """`value` as a tuple of str if it is a collection of str; a single str (which would be read
    one letter at a time) or anything else raises a TypeError saying to pass a list."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{owner}: {option} takes a list of phrases, not one {type(value).__name__}: pass [{value!r}]")
    if not isinstance(value, Iterable):
        raise TypeError(f"{owner}: {option} takes a list of phrases (str), not {type(value).__name__} {value!r}")
    phrases = tuple(value)
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise TypeError(f"{owner}: {option} takes a list of phrases (str), and {phrase!r} is a {type(phrase).__name__}")
    return phrases


def flag(owner: str, option: str, value: object) -> bool:
    """`value` if it is a bool, else a TypeError: a truthy str such as "no" must not mean True."""
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {option} must be True or False, not {type(value).__name__} {value!r}")
    return value
