"""Seeds: one integer drawn from ``random_state`` per fit, and independent streams from it."""

import numbers
import zlib

import numpy as np
from sklearn.utils import check_random_state


def draw_seed(random_state):
    """Integer seed for one fit, following scikit-learn's ``random_state`` convention.

    ``None`` draws from numpy's global generator, an int is used as is, a ``RandomState`` draws
    (and advances).
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        check_random_state(random_state)  # validates the range
        return int(random_state)
    try:
        rng = check_random_state(random_state)
    except ValueError as exc:
        raise ValueError(
            f"random_state must be None, an int or a numpy RandomState; got {random_state!r}."
        ) from exc
    return int(rng.randint(np.iinfo(np.int32).max))


def _as_int(key):
    if isinstance(key, str):
        return zlib.crc32(key.encode("utf-8"))
    return int(key)


def derive_seed(seed, *keys):
    """Seed of an independent random stream identified by ``keys`` (ints or strings).

    The same ``(seed, *keys)`` always gives the same value, so e.g. the initialisation of the
    branch of modality ``"x1"`` does not depend on which other modalities the model has.
    """
    entropy = [int(seed) & 0xFFFFFFFF, *(_as_int(k) & 0xFFFFFFFF for k in keys)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> 1)
