"""Input validation for alignment metrics.

Every check raises a ``ValueError`` or ``TypeError`` whose message names the argument, what was
expected and what was given.
"""

import numpy as np
import torch

from .._checks import check_int, check_option, check_real  # noqa: F401  (re-exported)
from ._reuse import reused


def _shape(X):
    return tuple(X.shape)


def as_array(X, name):
    """``np.asarray(X)``, with an error naming ``name`` for ragged nested sequences."""
    try:
        return np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} must be a 2-D numeric array (rows of equal length); got a "
            f"{type(X).__name__} that is not one array: {exc}"
        ) from exc


def check_embedding(X, name="A"):
    """Validate one embedding matrix of shape (n_samples, n_features).

    Accepts numpy arrays, torch tensors and nested sequences of numbers. Returns a numpy array or
    a torch tensor (unchanged when already one of them).

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is not 2-D, is empty, or holds NaN or infinite values.

    Notes
    -----
    Inside :func:`~mmalign_sk.metrics.reuse_representations` each matrix is checked once, however
    many metrics are computed on it.
    """
    return reused("checked", (X,), (), lambda: _check_embedding(X, name))


def _check_embedding(X, name):
    if not isinstance(X, torch.Tensor):
        if isinstance(X, (str, bytes)) or X is None:
            raise TypeError(f"{name} must be a 2-D numeric array or tensor; got {type(X).__name__}.")
        X = as_array(X, name)
        if X.dtype == object or not (
            np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)
        ):
            raise TypeError(f"{name} must hold numbers; got an array of dtype {X.dtype}.")
        if np.iscomplexobj(X):
            raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}.")
    elif X.is_complex():
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got an array of shape {_shape(X)}."
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one sample and one feature; got shape {_shape(X)}.")
    if isinstance(X, torch.Tensor):
        finite = bool(torch.isfinite(X).all()) if X.is_floating_point() else True
    else:
        finite = bool(np.isfinite(X).all()) if np.issubdtype(X.dtype, np.floating) else True
    if not finite:
        raise ValueError(f"{name} contains NaN or infinite values; alignment metrics need finite inputs.")
    return X


def check_paired(A, B, min_samples=2):
    """Validate two embedding matrices whose rows are paired samples.

    Parameters
    ----------
    A, B : array-like or torch.Tensor of shape (n_samples, d_A) and (n_samples, d_B)
    min_samples : int, default=2
        The smallest number of samples the metric is defined for.

    Returns
    -------
    A, B : validated inputs.
    """
    A = check_embedding(A, "A")
    B = check_embedding(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            "A and B must have the same number of rows (paired samples); "
            f"got A with {A.shape[0]} and B with {B.shape[0]}."
        )
    if A.shape[0] < min_samples:
        raise ValueError(
            f"this metric needs at least {min_samples} samples; got A and B with {A.shape[0]}."
        )
    return A, B




def check_topk(topk, n_samples, minimum=1, include_self=False):
    """Check a neighbourhood size against the number of samples.

    Without self-matches a row has ``n_samples - 1`` candidate neighbours, so ``topk`` must be
    ``< n_samples``; with them it may equal ``n_samples``.
    """
    topk = check_int(topk, "topk", minimum=minimum)
    limit = n_samples if include_self else n_samples - 1
    if topk > limit:
        raise ValueError(
            f"topk must be < n_samples (each row has {limit} other rows to choose from); "
            f"got topk={topk} with n_samples={n_samples}."
        )
    return topk
