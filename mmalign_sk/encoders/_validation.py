"""Argument checks shared by the encoders; every error names the argument and what came."""

import numbers

from .._checks import check_int as _check_int
from .._checks import check_optional_int, check_option  # noqa: F401  (re-exported)


def check_int(value, name, minimum=1):
    """``value`` as an int ``>= minimum`` (encoder sizes are at least 1 by default)."""
    return _check_int(value, name, minimum)






def check_fraction(value, name):
    """Return ``value`` as a float in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a float in [0, 1); got {value!r} ({type(value).__name__})."
        )
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a float in [0, 1); got {value}.")
    return float(value)




def check_sample_shape(input_shape, name, ndim):
    """Check that ``input_shape`` (one sample's shape) has ``ndim`` axes; return it as ints."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != ndim:
        raise ValueError(
            f"{name} expects samples with {ndim} axes; got samples of shape {shape}."
        )
    return shape
