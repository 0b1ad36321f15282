"""Exact information quantities of discrete joint distributions, and their plug-in estimates.

Two ways in, one convention each:

* **Tables.** ``entropy``, ``mutual_information``, ``conditional_mutual_information`` and
  ``co_information`` take a joint probability table ``p`` (an ndarray with one axis per variable)
  and name the variables by their *axes*. Variables on axes that are not named are marginalised.
* **Samples.** The ``*_from_samples`` functions take paired samples of discrete variables, one
  argument per variable: an array of shape (n_samples,) or (n_samples, k) whose rows are the symbols
  (so a group of variables is passed by stacking its columns). They return the plug-in (empirical)
  estimate, i.e. the exact quantity of the empirical joint distribution, computed from counts
  without building the dense table. ``joint_table`` builds that dense table when you need it.

All quantities use ``0 log 0 = 0`` and are in bits by default (``base=2``; ``base=np.e`` gives
nats).
Mutual informations are computed as sums and differences of entropies; a result that rounding
makes slightly negative is returned as 0.
"""

import numbers

import numpy as np

__all__ = [
    "co_information",
    "co_information_from_samples",
    "conditional_mutual_information",
    "conditional_mutual_information_from_samples",
    "entropy",
    "entropy_from_samples",
    "joint_table",
    "mutual_information",
    "mutual_information_from_samples",
]

_SUM_ATOL = 1e-6


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _check_base(base):
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a positive real number other than 1; got {base!r}.")
    base = float(base)
    if not np.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"base must be a positive real number other than 1; got {base!r}.")
    return np.log(base)


def _check_table(p, name="p"):
    """Return ``p`` as a float64 ndarray after checking that it is a probability table."""
    if p is None or isinstance(p, (str, bytes)):
        raise TypeError(f"{name} must be an array of probabilities; got {type(p).__name__}.")
    p = np.asarray(p)
    if p.dtype == object or not (
        np.issubdtype(p.dtype, np.floating)
        or np.issubdtype(p.dtype, np.integer)
        or np.issubdtype(p.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold real numbers; got an array of dtype {p.dtype}.")
    p = p.astype(np.float64, copy=False)
    if p.ndim == 0 or p.size == 0:
        raise ValueError(
            f"{name} must be a non-empty table with one axis per variable; got shape {p.shape}."
        )
    if not np.isfinite(p).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    if (p < 0).any():
        raise ValueError(
            f"{name} must be non-negative; got {int((p < 0).sum())} negative entries "
            f"(smallest {p.min():.3g})."
        )
    total = p.sum()
    if not np.isclose(total, 1.0, rtol=0.0, atol=_SUM_ATOL):
        raise ValueError(f"{name} must sum to 1 (within {_SUM_ATOL:g}); got a sum of {total:.10g}.")
    return p


def _check_axes(axes, ndim, name, allow_empty=False):
    """Normalise ``axes`` (int, sequence of ints or None) into a sorted tuple of axis indices."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (numbers.Integral, np.integer)) and not isinstance(axes, bool):
        axes = (axes,)
    try:
        axes = tuple(axes)
    except TypeError:
        raise TypeError(
            f"{name} must be an int or a tuple of ints (axes of p); got {type(axes).__name__}."
        ) from None
    for ax in axes:
        if isinstance(ax, bool) or not isinstance(ax, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must contain ints (axes of p); got {ax!r} in {axes!r}.")
        if not -ndim <= ax < ndim:
            raise ValueError(
                f"{name} contains axis {ax}, out of range for a table with {ndim} axes "
                f"(valid: {-ndim}..{ndim - 1})."
            )
    normalised = tuple(sorted(int(ax) % ndim for ax in axes))
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"{name} names the same axis twice; got {axes!r}.")
    if not normalised and not allow_empty:
        raise ValueError(f"{name} must name at least one axis of p; got an empty tuple.")
    return normalised


def _entropy_of_marginal(p, axes, log_base):
    """Entropy of the marginal of an already validated table on sorted ``axes``."""
    if not axes:
        return 0.0
    others = tuple(ax for ax in range(p.ndim) if ax not in axes)
    q = p.sum(axis=others) if others else p
    q = q[q > 0]
    return float(-(q * np.log(q)).sum() / log_base)


def _non_negative(value):
    """Mutual informations are >= 0; drop the rounding error of a difference of entropies."""
    return max(value, 0.0)


def _union(*groups):
    return tuple(sorted(set().union(*groups)))


# --------------------------------------------------------------------------------------------
# quantities of a joint probability table
# --------------------------------------------------------------------------------------------
def entropy(p, axes=None, base=2):
    """Shannon entropy of some variables of a joint probability table.

    Parameters
    ----------
    p : array-like of shape (k_1, ..., k_m)
        Joint probability table of m discrete variables: non-negative, summing to 1 (within 1e-6).
        Axis j indexes the values of variable j.
    axes : int, tuple of int or None, default=None
        The variables whose joint entropy is returned. Variables on the other axes are
        marginalised. None means all variables.
    base : float, default=2
        Logarithm base: 2 gives bits, ``np.e`` gives nats.

    Returns
    -------
    float
        H(variables on ``axes``), with ``0 log 0 = 0``.

    Raises
    ------
    ValueError
        If ``p`` has negative or non-finite entries, does not sum to 1, or ``axes`` is out of range
        or repeats an axis.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import entropy
    >>> p = np.full((2, 2), 0.25)          # two independent fair bits
    >>> entropy(p)
    2.0
    >>> entropy(p, axes=0)
    1.0
    """
    log_base = _check_base(base)
    p = _check_table(p)
    axes = _check_axes(axes, p.ndim, "axes")
    return _entropy_of_marginal(p, axes, log_base)


def mutual_information(p, axes_a, axes_b, base=2):
    """Mutual information I(A; B) between two groups of variables of a joint probability table.

    I(A; B) = H(A) + H(B) - H(A, B). Variables in neither group are marginalised.

    Parameters
    ----------
    p : array-like of shape (k_1, ..., k_m)
        Joint probability table (non-negative, sums to 1).
    axes_a, axes_b : int or tuple of int
        Axes of the variables forming A and B. Groups may overlap (I(A; A) = H(A)).
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import mutual_information
    >>> p = np.array([[0.5, 0.0], [0.0, 0.5]])   # Y = X, a fair bit
    >>> mutual_information(p, 0, 1)
    1.0
    """
    log_base = _check_base(base)
    p = _check_table(p)
    a = _check_axes(axes_a, p.ndim, "axes_a")
    b = _check_axes(axes_b, p.ndim, "axes_b")
    h = _entropy_of_marginal
    return _non_negative(h(p, a, log_base) + h(p, b, log_base) - h(p, _union(a, b), log_base))


def conditional_mutual_information(p, axes_a, axes_b, axes_c, base=2):
    """Conditional mutual information I(A; B | C) of groups of variables of a joint table.

    I(A; B | C) = H(A, C) + H(B, C) - H(A, B, C) - H(C).

    Parameters
    ----------
    p : array-like of shape (k_1, ..., k_m)
        Joint probability table (non-negative, sums to 1).
    axes_a, axes_b : int or tuple of int
        Axes of the variables forming A and B.
    axes_c : int or tuple of int
        Axes of the conditioning variables C; an empty tuple gives I(A; B).
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import conditional_mutual_information
    >>> p = np.zeros((2, 2, 2))
    >>> for x1 in (0, 1):
    ...     for x2 in (0, 1):
    ...         p[x1, x2, x1 ^ x2] = 0.25          # Y = X1 XOR X2
    >>> conditional_mutual_information(p, 0, 2, 1)  # I(X1; Y | X2)
    1.0
    """
    log_base = _check_base(base)
    p = _check_table(p)
    a = _check_axes(axes_a, p.ndim, "axes_a")
    b = _check_axes(axes_b, p.ndim, "axes_b")
    c = _check_axes(axes_c, p.ndim, "axes_c", allow_empty=True)
    h = _entropy_of_marginal
    return _non_negative(
        h(p, _union(a, c), log_base)
        + h(p, _union(b, c), log_base)
        - h(p, _union(a, b, c), log_base)
        - h(p, c, log_base)
    )


def co_information(p, axes_a, axes_b, axes_c, base=2):
    """Co-information I(A; B; C) = I(A; B) - I(A; B | C) of three groups of variables.

    Positive values indicate redundancy (net), negative values synergy (net) among the groups.
    The quantity is symmetric in A, B and C.

    Parameters
    ----------
    p : array-like of shape (k_1, ..., k_m)
        Joint probability table (non-negative, sums to 1).
    axes_a, axes_b, axes_c : int or tuple of int
        Axes of the variables forming A, B and C.
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import co_information
    >>> p = np.zeros((2, 2, 2))
    >>> p[0, 0, 0] = p[1, 1, 1] = 0.5         # X1 = X2 = Y: pure redundancy
    >>> co_information(p, 0, 1, 2)
    1.0
    """
    log_base = _check_base(base)
    p = _check_table(p)
    a = _check_axes(axes_a, p.ndim, "axes_a")
    b = _check_axes(axes_b, p.ndim, "axes_b")
    c = _check_axes(axes_c, p.ndim, "axes_c")
    h = _entropy_of_marginal
    # I(A;B;C) = H(A)+H(B)+H(C) - H(A,B) - H(A,C) - H(B,C) + H(A,B,C)
    return (
        h(p, a, log_base)
        + h(p, b, log_base)
        + h(p, c, log_base)
        - h(p, _union(a, b), log_base)
        - h(p, _union(a, c), log_base)
        - h(p, _union(b, c), log_base)
        + h(p, _union(a, b, c), log_base)
    )


# --------------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------------
def _check_variable(v, name):
    """Return (codes, uniques) of one discrete variable given as (n,) or (n, k) samples."""
    if v is None or isinstance(v, (str, bytes)):
        raise TypeError(
            f"{name} must be an array of samples of shape (n_samples,) or (n_samples, k); "
            f"got {type(v).__name__}."
        )
    v = np.asarray(v)
    if v.ndim not in (1, 2):
        raise ValueError(
            f"{name} must have shape (n_samples,) or (n_samples, k); got shape {v.shape}."
        )
    if v.shape[0] == 0 or (v.ndim == 2 and v.shape[1] == 0):
        raise ValueError(
            f"{name} must hold at least one sample and one column; got shape {v.shape}."
        )
    if np.iscomplexobj(v):
        raise TypeError(f"{name} must hold real or categorical values; got dtype {v.dtype}.")
    if v.dtype == object and v.ndim == 2:
        raise TypeError(
            f"{name}: 2-D samples must have a numeric, boolean or string dtype; got dtype object."
        )
    if np.issubdtype(v.dtype, np.floating) and not np.isfinite(v).all():
        raise ValueError(f"{name} contains NaN or infinite values; symbols must be finite.")
    if v.ndim == 1:
        uniques, codes = np.unique(v, return_inverse=True)
    else:
        uniques, codes = np.unique(v, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), uniques


def _check_variables(variables, names):
    encoded = [_check_variable(v, name) for v, name in zip(variables, names)]
    counts = {name: len(codes) for (codes, _), name in zip(encoded, names)}
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in counts.items())
        raise ValueError(f"all variables must have the same number of samples; got {detail}.")
    return encoded


def _joint_codes(codes_list):
    """Integer codes of the joint symbol of several encoded variables (0..K-1)."""
    if not codes_list:
        return None
    joint = codes_list[0]
    for codes in codes_list[1:]:
        radix = int(codes.max()) + 1
        if int(joint.max()) + 1 > np.iinfo(np.int64).max // radix:
            # re-compact before the product overflows
            joint = np.unique(joint, return_inverse=True)[1].reshape(-1)
        joint = joint * radix + codes
    return np.unique(joint, return_inverse=True)[1].reshape(-1)


def _entropy_of_codes(codes, log_base):
    if codes is None:
        return 0.0
    counts = np.bincount(codes)
    q = counts[counts > 0] / codes.size
    return float(-(q * np.log(q)).sum() / log_base)


def joint_table(*variables):
    """Plug-in (empirical) joint probability table of paired samples of discrete variables.

    Parameters
    ----------
    *variables : array-like of shape (n_samples,) or (n_samples, k)
        One argument per variable, all with the same number of samples. A 2-D array is one
        variable whose symbols are its rows (e.g. a binary vector).

    Returns
    -------
    table : ndarray of shape (n_values_1, ..., n_values_m)
        ``table[i_1, ..., i_m]`` is the fraction of samples in which variable j took its
        ``i_j``-th observed value. Only observed values get an index, so the table has no
        all-zero slices.
    values : list of ndarray
        The sorted observed values of each variable (rows for 2-D variables), in the order of the
        table's axes.

    Raises
    ------
    ValueError
        If no variable is given, a variable has a bad shape, contains NaN, or the sample counts
        differ.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import joint_table, mutual_information
    >>> x = np.array([0, 0, 1, 1])
    >>> y = np.array(["a", "a", "b", "b"])
    >>> table, values = joint_table(x, y)
    >>> table
    array([[0.5, 0. ],
           [0. , 0.5]])
    >>> values[1]
    array(['a', 'b'], dtype='<U1')
    >>> mutual_information(table, 0, 1)
    1.0
    """
    if not variables:
        raise ValueError("joint_table needs at least one variable; got none.")
    names = [f"variables[{j}]" for j in range(len(variables))]
    encoded = _check_variables(variables, names)
    shape = tuple(len(uniques) for _, uniques in encoded)
    n_cells = int(np.prod(shape, dtype=np.float64))
    if n_cells > 2**31:
        raise ValueError(
            f"the joint table would have {n_cells} cells (shape {shape}); too large to build "
            "densely. Use the *_from_samples functions, which work from counts."
        )
    flat = np.ravel_multi_index([codes for codes, _ in encoded], shape)
    n = flat.size
    table = np.bincount(flat, minlength=n_cells).reshape(shape) / n
    return table, [uniques for _, uniques in encoded]


def entropy_from_samples(*variables, base=2):
    """Plug-in joint entropy H(V_1, ..., V_m) of paired samples of discrete variables.

    Parameters
    ----------
    *variables : array-like of shape (n_samples,) or (n_samples, k)
        One argument per variable (rows of a 2-D array are symbols).
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float
        Entropy of the empirical joint distribution (biased low for small samples).

    Examples
    --------
    >>> from mmalign_sk.information import entropy_from_samples
    >>> entropy_from_samples([0, 1, 2, 3])
    2.0
    """
    log_base = _check_base(base)
    if not variables:
        raise ValueError("entropy_from_samples needs at least one variable; got none.")
    names = [f"variables[{j}]" for j in range(len(variables))]
    encoded = _check_variables(variables, names)
    return _entropy_of_codes(_joint_codes([codes for codes, _ in encoded]), log_base)


def _from_samples(variables, names, keys, base):
    """Plug-in joint entropy of each group of variables in ``keys`` (tuples of argument indices)."""
    log_base = _check_base(base)
    encoded = _check_variables(variables, names)
    return {
        key: _entropy_of_codes(_joint_codes([encoded[i][0] for i in key]), log_base)
        for key in keys
    }


def mutual_information_from_samples(a, b, base=2):
    """Plug-in mutual information I(A; B) of paired samples of two discrete variables.

    Parameters
    ----------
    a, b : array-like of shape (n_samples,) or (n_samples, k)
        Samples of A and B (rows of a 2-D array are symbols; stack columns to group variables).
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float
        I(A; B) of the empirical joint distribution. The plug-in estimate is biased upwards when
        the number of samples is not large compared with the number of joint symbols.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import mutual_information_from_samples
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = x[:, 0] ^ x[:, 1]
    >>> mutual_information_from_samples(x, y)        # (X1, X2) determines Y
    1.0
    >>> mutual_information_from_samples(x[:, 0], y)  # X1 alone says nothing about XOR
    0.0
    """
    h = _from_samples((a, b), ("a", "b"), [(0,), (1,), (0, 1)], base)
    return _non_negative(h[(0,)] + h[(1,)] - h[(0, 1)])


def conditional_mutual_information_from_samples(a, b, c, base=2):
    """Plug-in conditional mutual information I(A; B | C) of paired samples.

    Parameters
    ----------
    a, b, c : array-like of shape (n_samples,) or (n_samples, k)
        Samples of A, B and the conditioning variable C.
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import conditional_mutual_information_from_samples
    >>> x1 = np.array([0, 0, 1, 1]); x2 = np.array([0, 1, 0, 1])
    >>> conditional_mutual_information_from_samples(x1, x1 ^ x2, x2)
    1.0
    """
    h = _from_samples((a, b, c), ("a", "b", "c"), [(0, 2), (1, 2), (0, 1, 2), (2,)], base)
    return _non_negative(h[(0, 2)] + h[(1, 2)] - h[(0, 1, 2)] - h[(2,)])


def co_information_from_samples(a, b, c, base=2):
    """Plug-in co-information I(A; B; C) = I(A; B) - I(A; B | C) of paired samples.

    Parameters
    ----------
    a, b, c : array-like of shape (n_samples,) or (n_samples, k)
        Samples of the three variables.
    base : float, default=2
        Logarithm base (2: bits).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import co_information_from_samples
    >>> x1 = np.array([0, 0, 1, 1]); x2 = np.array([0, 1, 0, 1])
    >>> co_information_from_samples(x1, x2, x1 ^ x2)   # XOR: pure synergy
    -1.0
    """
    keys = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
    h = _from_samples((a, b, c), ("a", "b", "c"), keys, base)
    return (
        h[(0,)] + h[(1,)] + h[(2,)]
        - h[(0, 1)] - h[(0, 2)] - h[(1, 2)]
        + h[(0, 1, 2)]
    )
