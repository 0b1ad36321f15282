"""Argument checks shared across the package.

Every check raises a ``TypeError`` (wrong type) or ``ValueError`` (wrong value) whose message names
the argument, what was expected and what came, and returns the value converted to a plain Python type.
"""

import numbers

import numpy as np


def check_int(value, name, minimum=None, maximum=None):
    """``value`` as an int after checking it is an integer in ``[minimum, maximum]`` (either optional)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r} of type {type(value).__name__}.")
    value = int(value)
    too_low = minimum is not None and value < minimum
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        if minimum is not None and maximum is not None:
            expected = f"in {minimum}..{maximum}"
        else:
            expected = f">= {minimum}" if too_low else f"<= {maximum}"
        raise ValueError(f"{name} must be {expected}; got {value}.")
    return value


def check_optional_int(value, name, minimum=1):
    """Like :func:`check_int` with a lower bound, but lets ``None`` through."""
    return None if value is None else check_int(value, name, minimum)


def check_real(value, name, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """``value`` as a finite float within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        bound = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {bound} {low}; got {value}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        bound = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {bound} {high}; got {value}.")
    return value


def check_option(value, name, options):
    """``value`` after checking it is one of ``options``."""
    try:
        known = value in options
    except TypeError:  # unhashable value tested against a set
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {', '.join(sorted(map(repr, options)))}; got {value!r}.")
    return value
