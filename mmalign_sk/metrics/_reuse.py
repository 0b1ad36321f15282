"""Reuse of preprocessed matrices and kNN lists across several metrics of the same inputs."""

import contextlib
import contextvars

_STORE = contextvars.ContextVar("mmalign_sk_reuse", default=None)


@contextlib.contextmanager
def reuse_representations():
    """Compute each input matrix's preprocessing and kNN lists once inside the ``with`` block.

    Metrics of the same matrices (e.g. ``mutual_knn``, ``cycle_knn``, ``lcs_knn``,
    ``edit_distance_knn`` and ``cknna``, which all need the kNN lists of ``A`` and of ``B``)
    normally compute them once per call. Inside this block these are computed once per matrix
    and reused: the input checks; the preprocessing with the same settings; the kNN lists of
    the same preprocessed matrix with the same ``topk``, ``include_self`` and ``precision``; the
    column-centred matrix and linear-kernel sums shared by ``cka``, ``unbiased_cka`` and the
    centred ``cmd`` variants; and the Gram inner products ``||X^T Y||_F^2`` of the same two
    matrices. Results are identical to separate calls (kNN lists do not depend on
    ``block_size``).

    Outside a block each call holds one preprocessed copy per input matrix; inside one, the
    clipped and the normalised copies (and the centred ones, for the metrics above) are kept
    until the block ends, trading memory for time.

    Matrices are recognised by identity (and, for tensors, their version counter): do not modify
    a numpy array in place inside the block. Everything cached is released when the block ends.
    Blocks nest; an inner block shares the outer block's store.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import get_metric, reuse_representations
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.normal(size=(300, 16)), rng.normal(size=(300, 8))
    >>> names = ["mutual_knn", "cycle_knn", "lcs_knn", "edit_distance_knn"]
    >>> with reuse_representations():  # the kNN lists of A and of B are computed once
    ...     scores = {name: get_metric(name, topk=5)(A, B) for name in names}
    >>> scores["mutual_knn"] == get_metric("mutual_knn", topk=5)(A, B)
    True
    """
    if _STORE.get() is not None:
        yield
        return
    token = _STORE.set({})
    try:
        yield
    finally:
        _STORE.reset(token)


def reusing():
    """Whether a :func:`reuse_representations` block is active (values computed now are kept)."""
    return _STORE.get() is not None


def reused(kind, objects, settings, compute):
    """``compute()``, or its value stored for the same ``objects`` and ``settings`` in the block.

    Outside :func:`reuse_representations` this is just ``compute()``. The objects are kept alive
    with the value, so that their ids are not reused by other objects while the block lasts.
    """
    store = _STORE.get()
    if store is None:
        return compute()
    key = (kind, tuple((id(o), getattr(o, "_version", None)) for o in objects), settings)
    if key not in store:
        store[key] = (objects, compute())
    return store[key][1]


@contextlib.contextmanager
def not_reusing():
    """Compute without the store of an enclosing :func:`reuse_representations` block, e.g. for
    the temporary permuted matrices of a permutation test (kept alive there, they would pile
    up)."""
    token = _STORE.set(None)
    try:
        yield
    finally:
        _STORE.reset(token)
