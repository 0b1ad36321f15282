"""Argument checks shared by the encoders; every error names the argument and what came."""

import numbers


def check_int(value, name, minimum=1):
    """Return ``value`` as an int after checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int >= {minimum}; got {value!r} ({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value}.")
    return int(value)


def check_optional_int(value, name, minimum=1):
    """Like :func:`check_int` but lets ``None`` through."""
    return None if value is None else check_int(value, name, minimum)


def check_fraction(value, name):
    """Return ``value`` as a float in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a float in [0, 1); got {value!r} ({type(value).__name__})."
        )
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a float in [0, 1); got {value}.")
    return float(value)


def check_option(value, name, options):
    """Check that ``value`` is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}; got {value!r}.")
    return value


def check_sample_shape(input_shape, name, ndim):
    """Check that ``input_shape`` (one sample's shape) has ``ndim`` axes; return it as ints."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != ndim:
        raise ValueError(
            f"{name} expects samples with {ndim} axes; got samples of shape {shape}."
        )
    return shape
