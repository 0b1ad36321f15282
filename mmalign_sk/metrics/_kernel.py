"""Kernel alignment metrics: HSIC, CKA (linear and RBF, biased and unbiased) and CKNNA.

All three estimators reduce to a handful of sums over the two kernel matrices ``K`` and ``L``:
``tr(KL)``, their row and column sums and their totals. This module computes those sums without
ever holding several dense ``n x n`` matrices:

* linear CKA works in feature space (``O(n d^2)``) when ``d < n``, because
  ``tr(KL) = ||A^T B||_F^2`` for ``K = A A^T`` and ``L = B B^T``;
* RBF CKA walks over blocks of rows, so memory is ``O(n * block)``;
* CKNNA only touches the ``n * topk`` kNN entries of each kernel.

Products are formed in float32 and every sum is accumulated in float64.
"""

import math

import numpy as np
import torch

from ._backend import times_power_of_two
from ._base import AlignmentMetric
from ._knn import knn_indices, relabel_knn
from ._matmul import cross_t, gram_t
from ._registry import register_metric
from ._reuse import reused
from ._sums import column_sums, rows_times, sums_of_squares
from ._validation import as_array, check_int, check_option, check_real, check_topk

_KERNELS = ("linear", "rbf")
# Largest number of float32 entries of one block of kernel rows (64 MiB).
_BLOCK_ENTRIES = 2 ** 24


def _block_rows(n_rows, n_cols):
    return max(1, min(n_rows, _BLOCK_ENTRIES // max(n_cols, 1)))


# -- HSIC from sums ------------------------------------------------------------------------------
def _hsic_from_sums(trace_kl, row_k, col_k, row_l, col_l, sum_k, sum_l, n, unbiased):
    """HSIC from the sums of two (possibly non-symmetric) kernel matrices.

    ``trace_kl = tr(KL) = sum_ij K_ij L_ji``; ``row_*``/``col_*`` are float64 row/column sums;
    ``sum_*`` the totals. For the unbiased estimator the inputs must describe ``K`` and ``L``
    with zeroed diagonals.
    """
    if unbiased:
        value = (
            trace_kl
            + sum_k * sum_l / ((n - 1) * (n - 2))
            - 2.0 * float(torch.dot(col_k, row_l)) / (n - 2)
        )
        return value / (n * (n - 3))
    cross = float(torch.dot(row_k, col_l)) + float(torch.dot(col_k, row_l))
    return trace_kl - cross / n + sum_k * sum_l / n ** 2


def _as_kernel(K, name):
    if not isinstance(K, torch.Tensor):
        K = as_array(K, name)
        if K.dtype == object or not np.issubdtype(K.dtype, np.number):
            raise TypeError(f"{name} must be a numeric matrix; got dtype {K.dtype}.")
    K = torch.as_tensor(K).detach()
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(
            f"{name} must be a square (n, n) kernel matrix; got shape {tuple(K.shape)}."
        )
    if K.is_complex():
        raise TypeError(f"{name} must be real; got dtype {K.dtype}.")
    K = K.to(torch.float64)
    if not bool(torch.isfinite(K).all()):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return K


def hsic(K, L, unbiased=False):
    """Hilbert-Schmidt independence criterion of two explicit kernel matrices.

    Parameters
    ----------
    K, L : array-like or torch.Tensor of shape (n_samples, n_samples)
        Kernel (Gram) matrices of the same samples. They need not be symmetric (CKNNA feeds masked
        kernels).
    unbiased : bool, default=False
        ``False``: the biased estimator ``tr(K H L H)`` with ``H = I - 11^T/n`` (no ``1/(n-1)^2``
        factor, as in Huh et al. 2024; it cancels in CKA). ``True``: the unbiased estimator of
        Song et al. (2012, eq. 5), which needs ``n >= 4``.

    Returns
    -------
    float
        Computed in float64 in ``O(n^2)`` time.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import hsic
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> K = X @ X.T
    >>> H = np.eye(6) - 1 / 6
    >>> bool(np.isclose(hsic(K, K), np.trace(K @ H @ K @ H)))
    True
    """
    if not isinstance(unbiased, bool):
        raise TypeError(f"unbiased must be a bool; got {unbiased!r}.")
    K = _as_kernel(K, "K")
    L = _as_kernel(L, "L").to(K.device)
    if K.shape != L.shape:
        raise ValueError(
            f"K and L must have the same shape; got {tuple(K.shape)} and {tuple(L.shape)}."
        )
    n = K.shape[0]
    if unbiased:
        if n < 4:
            raise ValueError(f"the unbiased HSIC needs at least 4 samples; got n={n}.")
        K = K.clone().fill_diagonal_(0.0)
        L = L.clone().fill_diagonal_(0.0)
    trace_kl = float((K * L.T).sum())
    return _hsic_from_sums(
        trace_kl, K.sum(1), K.sum(0), L.sum(1), L.sum(0), float(K.sum()), float(L.sum()), n,
        unbiased,
    )


def _ratio(hsic_kl, hsic_kk, hsic_ll):
    """CKA from three HSIC values, each clipped at 0; 0 when the denominator is 0."""
    hsic_kl, hsic_kk, hsic_ll = (max(h, 0.0) for h in (hsic_kl, hsic_kk, hsic_ll))
    denominator = math.sqrt(hsic_kk * hsic_ll)
    if denominator == 0.0:
        return 0.0
    return min(hsic_kl / denominator, 1.0)


# -- linear kernel -------------------------------------------------------------------------------
def centre_columns(X):
    """Subtract the column means (computed in float64) from ``X``."""
    mean = column_sums(X) / X.shape[0]
    return X - mean.to(X.dtype)


def centred(X):
    """:func:`centre_columns` of ``X``, computed once per matrix inside
    :func:`reuse_representations` (CKA, unbiased CKA and the centred CMD share it)."""
    return reused("centre", (X,), (), lambda: centre_columns(X))


def gram(X):
    """``X @ X.T``, computed once per matrix inside :func:`reuse_representations`."""
    return reused("gram", (X,), (), lambda: X @ X.T)


def gram_inner(X, Y, gram_x=None, gram_y=None):
    """``<X X^T, Y Y^T>_F = ||X^T Y||_F^2`` in float64, by the cheaper of the two routes.

    With both Gram matrices given, their entrywise product is summed by row blocks; otherwise
    ``X^T Y`` is accumulated over row blocks (``O(n d_X d_Y)``). A missing Gram matrix is formed
    when the other one is given (the features are then wider than ``n``). Inside
    :func:`reuse_representations` the value for the same two matrices is computed once.
    """
    return reused("gram_inner", (X, Y), (), lambda: _gram_inner(X, Y, gram_x, gram_y))


def _gram_inner(X, Y, gram_x, gram_y):
    if gram_x is not None or gram_y is not None:
        gram_x = gram(X) if gram_x is None else gram_x
        gram_y = gram(Y) if gram_y is None else gram_y
        n = gram_x.shape[0]
        step = _block_rows(n, n)
        total = 0.0
        for start in range(0, n, step):
            blk = gram_x[start:start + step] * gram_y[start:start + step]
            total += float(blk.sum(dtype=torch.float64))
        return total
    n = X.shape[0]
    step = max(1, _BLOCK_ENTRIES // max(X.shape[1] + Y.shape[1], 1))
    cross = torch.zeros((X.shape[1], Y.shape[1]), dtype=torch.float64, device=X.device)
    for start in range(0, n, step):
        if _same(X, Y):  # X^T X is symmetric: half the arithmetic
            block = gram_t(X[start:start + step])
        else:
            block = cross_t(X[start:start + step], Y[start:start + step])
        cross += block.to(torch.float64)
    return float((cross * cross).sum())


def _same(X, Y):
    """Whether ``X`` and ``Y`` are the same matrix (the same memory, shape and strides)."""
    return X is Y or (X.shape == Y.shape and X.stride() == Y.stride() and X.dtype == Y.dtype
                      and X.device == Y.device and X.data_ptr() == Y.data_ptr())


def _shift(X):
    """What :func:`uncentred_gram_inner` needs of ``X`` besides its centred product (computed once
    per matrix inside :func:`reuse_representations`): the float32 column means ``m`` that
    :func:`centre_columns` subtracts, the column sums ``c`` of the centred matrix ``X~`` (zero
    up to rounding) and the projections ``X~ c`` and ``X~ m``, all in float64."""

    def compute():
        X_c = centred(X)
        mean = (column_sums(X) / X.shape[0]).to(X.dtype).to(torch.float64)
        sums = column_sums(X_c)
        proj = rows_times(X_c, torch.stack([sums, mean], dim=1))
        return {"mean": mean, "sums": sums, "proj": proj}

    return reused("shift", (X,), (), compute)


def uncentred_gram_inner(X, Y):
    """``||X^T Y||_F^2`` in float64 from the product of the centred matrices.

    With ``X = X~ + 1 m_X^T`` (``X~`` the centred matrix, ``m_X`` the means subtracted, ``c_X``
    the column sums of ``X~``), ``X^T Y = P + c_X m_Y^T + m_X (c_Y + n m_Y)^T`` with
    ``P = X~^T Y~``, so that ``||X^T Y||^2 = ||P||^2 + 2 u^T P v`` terms (each ``(X~ u).(Y~ v)``,
    ``O(n d)``) ``+`` the norm of the rank-two part. ``||P||^2`` is the centred inner product that
    linear CKA needs too (computed once inside :func:`reuse_representations`), and forming it
    from centred matrices keeps its accuracy when column means are large.
    """
    sx, sy = _shift(X), _shift(Y)
    n = X.shape[0]
    X_c = centred(X)
    inner = gram_inner(X_c, X_c if Y is X else centred(Y))
    v = sy["sums"] + n * sy["mean"]  # c_Y + n m_Y
    Xc_c, Xc_m = sx["proj"][:, 0], sx["proj"][:, 1]
    Yc_c, Yc_m = sy["proj"][:, 0], sy["proj"][:, 1]
    cross = float(Xc_c @ Yc_m) + float(Xc_m @ (Yc_c + n * Yc_m))
    rank_two = (float(sx["sums"] @ sx["sums"]) * float(sy["mean"] @ sy["mean"])
                + 2.0 * float(sx["sums"] @ sx["mean"]) * float(sy["mean"] @ v)
                + float(sx["mean"] @ sx["mean"]) * float(v @ v))
    return max(inner + 2.0 * cross + rank_two, 0.0)


def _linear_rep(X):
    """Centred features plus the float64 sums the linear HSIC estimators need (computed once
    per matrix inside :func:`reuse_representations`; do not modify the returned dict)."""
    return reused("linear_rep", (X,), (), lambda: _linear_sums(centred(X)))


def _linear_sums(X):
    n, d = X.shape
    sq_norms = sums_of_squares(X, dim=1)
    col_sum = column_sums(X)
    row_sum = rows_times(X, col_sum[:, None])[:, 0]
    return {"X": X, "gram": gram(X) if d >= n else None, "diag": sq_norms, "row_sum": row_sum,
            "total": float(col_sum @ col_sum)}


def _linear_hsic(rep_a, rep_b, unbiased):
    n = rep_a["X"].shape[0]
    inner = gram_inner(rep_a["X"], rep_b["X"], rep_a["gram"], rep_b["gram"])
    if not unbiased:
        # Centred features: tr(K H L H) = ||A~^T B~||_F^2 exactly.
        return inner
    trace_kl = inner - float(rep_a["diag"] @ rep_b["diag"])
    row_k = rep_a["row_sum"] - rep_a["diag"]
    row_l = rep_b["row_sum"] - rep_b["diag"]
    sum_k = rep_a["total"] - float(rep_a["diag"].sum())
    sum_l = rep_b["total"] - float(rep_b["diag"].sum())
    return _hsic_from_sums(trace_kl, row_k, row_k, row_l, row_l, sum_k, sum_l, n, True)


# -- RBF kernel ----------------------------------------------------------------------------------
def _rbf_block(X, sq_norms, start, stop, sigma, shift):
    """Rows ``start:stop`` of the RBF kernel minus ``shift`` (0 or 1), with a zero diagonal.

    Both HSIC estimators are invariant to adding a constant to the off-diagonal entries, and the
    diagonal is added back analytically, so the kernel is stored as ``exp(.) - 1`` (``expm1``)
    when its entries are mostly close to 1 (wide kernels) and as ``exp(.)`` otherwise: the small
    stored values stay accurate in float32 either way.
    """
    dist = sq_norms[start:stop, None] + sq_norms[None, :] - 2.0 * (X[start:stop] @ X.T)
    # a bandwidth tiny next to the distances: exp(-d/0) is 1 for d = 0 and 0 otherwise, not NaN
    coef = max(-0.5 / (sigma * sigma), -torch.finfo(dist.dtype).max)
    scaled = dist.clamp_min_(0.0) * coef
    block = torch.expm1(scaled) if shift else torch.exp(scaled)
    rows = torch.arange(stop - start, device=X.device)
    block[rows, rows + start] = 0.0
    return block


def _rbf_rep(X, sigma):
    X = centre_columns(X)
    n = X.shape[0]
    # exp(-|x - y|^2 / (2 sigma^2)) is unchanged when X and sigma are scaled together: bring the
    # largest entry near 1 (by a power of two, exactly) so squared distances cannot overflow
    largest = float(torch.linalg.vector_norm(X, ord=math.inf))
    if largest > 0.0:
        exponent = -math.frexp(largest)[1]
        X, sigma = times_power_of_two(X, exponent), math.ldexp(sigma, exponent)
    sq_norms = torch.linalg.vector_norm(X, dim=1) ** 2
    # For centred rows the mean squared distance over all pairs is 2 * mean(||x_i||^2).
    typical = math.exp(-float(sq_norms.mean(dtype=torch.float64)) / (sigma * sigma))
    shift = 1.0 if typical > 0.5 else 0.0
    row_sum = torch.empty(n, dtype=torch.float64, device=X.device)
    self_trace = 0.0  # sum_ij K_ij^2 of the stored kernel, for HSIC(K, K) without a second pass
    step = _block_rows(n, 2 * n)
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = _rbf_block(X, sq_norms, start, stop, sigma, shift).to(torch.float64)
        row_sum[start:stop] = block.sum(1)
        self_trace += float((block * block).sum())
    return {"X": X, "sq_norms": sq_norms, "shift": shift, "row_sum": row_sum,
            "total": float(row_sum.sum()), "self_trace": self_trace, "sigma": sigma}


def _rbf_hsic(rep_a, rep_b, unbiased):
    X, Y = rep_a["X"], rep_b["X"]
    n = X.shape[0]
    step = _block_rows(n, 2 * n)
    trace_kl = rep_a["self_trace"] if rep_a is rep_b else 0.0
    for start in range(0, 0 if rep_a is rep_b else n, step):
        stop = min(start + step, n)
        K = _rbf_block(X, rep_a["sq_norms"], start, stop, rep_a["sigma"], rep_a["shift"])
        L = _rbf_block(Y, rep_b["sq_norms"], start, stop, rep_b["sigma"], rep_b["shift"])
        trace_kl += float((K.to(torch.float64) * L.to(torch.float64)).sum())
    return _rbf_hsic_from_trace(trace_kl, rep_a, rep_b["row_sum"], rep_b, unbiased)


def _rbf_hsic_from_trace(trace_kl, rep_a, row_l, rep_b, unbiased):
    """HSIC of the two stored (shifted, zero-diagonal) RBF kernels from ``sum_ij K_ij L_ij``
    and the row sums ``row_l`` of ``L`` (those of ``rep_b``, or their permutation)."""
    n = rep_a["X"].shape[0]
    row_k = rep_a["row_sum"]
    sum_k, sum_l = rep_a["total"], rep_b["total"]
    if not unbiased:
        # Put the diagonal back: K_ii = 1 - shift.
        diag_k, diag_l = 1.0 - rep_a["shift"], 1.0 - rep_b["shift"]
        trace_kl += n * diag_k * diag_l
        row_k, row_l = row_k + diag_k, row_l + diag_l
        sum_k, sum_l = sum_k + n * diag_k, sum_l + n * diag_l
    return _hsic_from_sums(trace_kl, row_k, row_k, row_l, row_l, sum_k, sum_l, n, unbiased)


#: Largest n * n for which the RBF permutation null keeps both kernels in memory (float32).
_DENSE_NULL_ENTRIES = 2 ** 26


def _rbf_null_traces(rep_a, rep_b, permutations):
    """``sum_ij K_ij L_{p_i p_j}`` for every permutation ``p``: both stored kernels are formed
    once, then each draw gathers ``L``'s rows and columns (``O(n^2)``, no exponentials), by row
    blocks, and sums the products in float64."""
    n = rep_a["X"].shape[0]
    K = _rbf_block(rep_a["X"], rep_a["sq_norms"], 0, n, rep_a["sigma"], rep_a["shift"])
    L = _rbf_block(rep_b["X"], rep_b["sq_norms"], 0, n, rep_b["sigma"], rep_b["shift"])
    step = _block_rows(n, 2 * n)
    on_cpu = K.device.type == "cpu"
    if on_cpu:  # numpy gathers and sums float32 products in float64 without a float64 copy
        K, L = K.numpy(), L.numpy()
    traces = []
    for perm in permutations:
        total = 0.0
        for start in range(0, n, step):
            rows = perm[start:start + step]
            if on_cpu:
                block = L[np.ix_(rows.numpy(), perm.numpy())]
                total += float(np.einsum("ij,ij->", K[start:start + step], block,
                                         dtype=np.float64))
            else:
                block = L.index_select(0, rows).index_select(1, perm)
                total += float((K[start:start + step] * block).sum(dtype=torch.float64))
        traces.append(total)
    return traces


class CKA(AlignmentMetric):
    """Centered kernel alignment, ``HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))``.

    See :func:`cka` for the parameters.
    """

    name = "cka"

    def __init__(self, kernel="linear", sigma=1.0, unbiased=False, **common):
        super().__init__(**common)
        self.kernel = check_option(kernel, "kernel", _KERNELS)
        self.sigma = check_real(sigma, "sigma", low=0.0, low_inclusive=False)
        if not isinstance(unbiased, bool):
            raise TypeError(f"unbiased must be a bool; got {unbiased!r}.")
        self.unbiased = unbiased

    @property
    def min_samples(self):
        # with 2 samples every centred kernel matrix is a multiple of [[1, -1], [-1, 1]]: the
        # biased CKA is then 1 whatever the data
        return 4 if self.unbiased else 3

    @property
    def scale_invariant(self):
        # an RBF kernel of fixed bandwidth sees the scale of rows that are not normalised
        return self.kernel == "linear" or self.normalize

    def check_n_samples(self, n_samples):
        if n_samples < self.min_samples:
            estimator = "unbiased HSIC" if self.unbiased else "HSIC"
            why = ("" if self.unbiased else ": with 2, every centred kernel matrix is a multiple "
                   "of [[1, -1], [-1, 1]] and the score is 1 whatever the data")
            raise ValueError(
                f"{self.name} with the {estimator} needs at least {self.min_samples} samples "
                f"(rows of A and B){why}; got {n_samples}."
            )

    def _hsic(self, rep_a, rep_b):
        if self.kernel == "linear":
            return _linear_hsic(rep_a, rep_b, self.unbiased)
        return _rbf_hsic(rep_a, rep_b, self.unbiased)

    def permute_representation(self, rep, perm):
        if self.kernel == "linear":
            gram_perm = None if rep["gram"] is None else rep["gram"][perm][:, perm]
            return {**rep, "X": rep["X"][perm], "gram": gram_perm, "diag": rep["diag"][perm],
                    "row_sum": rep["row_sum"][perm]}
        return {**rep, "X": rep["X"][perm], "sq_norms": rep["sq_norms"][perm],
                "row_sum": rep["row_sum"][perm]}

    def null_scores(self, rep_a, rep_b, permutations):
        n = rep_a["X"].shape[0]
        if self.kernel == "linear" or n * n > _DENSE_NULL_ENTRIES:
            return super().null_scores(rep_a, rep_b, permutations)
        permutations = list(permutations)
        traces = _rbf_null_traces(rep_a, rep_b, permutations)
        return [_ratio(_rbf_hsic_from_trace(trace, rep_a, rep_b["row_sum"][perm], rep_b,
                                            self.unbiased), rep_a["self_hsic"], rep_b["self_hsic"])
                for trace, perm in zip(traces, permutations)]

    def represent(self, X):
        if self.kernel == "linear":
            rep = dict(_linear_rep(X))  # a copy: the shared representation stays unchanged
        else:
            rep = dict(reused("rbf_rep", (X,), (self.sigma,), lambda: _rbf_rep(X, self.sigma)))
        rep["self_hsic"] = self._hsic(rep, rep)
        return rep

    def compare(self, rep_a, rep_b):
        return _ratio(self._hsic(rep_a, rep_b), rep_a["self_hsic"], rep_b["self_hsic"])


class UnbiasedCKA(CKA):
    """:class:`CKA` whose ``unbiased`` parameter defaults to True (the ``unbiased_cka`` metric)."""

    name = "unbiased_cka"

    def __init__(self, kernel="linear", sigma=1.0, unbiased=True, **common):
        super().__init__(kernel=kernel, sigma=sigma, unbiased=unbiased, **common)


register_metric("cka", CKA)
register_metric("unbiased_cka", UnbiasedCKA)


def cka(A, B, kernel="linear", sigma=1.0, unbiased=False, **params):
    """Centered kernel alignment (CKA) of two paired embedding matrices.

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with ``K = A A^T`` and ``L = B B^T`` (linear)
    or ``K_ij = exp(-||a_i - a_j||^2 / (2 sigma^2))`` (RBF), computed after the usual preprocessing
    (outlier clipping, row normalisation). HSIC values are clipped at 0 and CKA is 0 when the
    denominator is 0, so degenerate inputs never give NaN.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Row ``i`` of ``A`` and of ``B`` describe the same sample.
    kernel : {"linear", "rbf"}, default="linear"
        The linear kernel is computed in feature space in ``O(n d^2)`` when ``d < n`` (and via the
        ``n x n`` Gram matrix otherwise); the RBF kernel in ``O(n^2 d)`` over blocks of rows with
        ``O(n)`` memory per row of the block.
    sigma : float > 0, default=1.0
        Bandwidth of the RBF kernel (ignored for the linear kernel).
    unbiased : bool, default=False
        Use the unbiased HSIC estimator of Song et al. (2012); needs ``n >= 4``.
    **params
        ``clip_quantile``, ``normalize`` and ``device`` (see :class:`AlignmentMetric`).

    Returns
    -------
    float
        In ``[0, 1]``; 1 for representations that agree up to rotation and isotropic scaling.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import cka
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(100, 8))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    >>> round(cka(A, 3.0 * A @ Q, normalize=False, clip_quantile=None), 6)
    1.0
    >>> 0.0 <= cka(A, rng.normal(size=(100, 5)), kernel="rbf", sigma=0.5) < 0.5
    True
    """
    return CKA(kernel=kernel, sigma=sigma, unbiased=unbiased, **params)(A, B)


def unbiased_cka(A, B, kernel="linear", sigma=1.0, **params):
    """CKA with the unbiased HSIC estimator (Song et al. 2012); see :func:`cka`.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import unbiased_cka
    >>> A = np.random.default_rng(0).normal(size=(50, 6))
    >>> round(unbiased_cka(A, A), 6)
    1.0
    """
    return UnbiasedCKA(kernel=kernel, sigma=sigma, **params)(A, B)


# -- CKNNA -------------------------------------------------------------------------------------
def _knn_entries(X, idx):
    """Inner products ``X[i] . X[idx[i, j]]`` of every row with its listed neighbours, (n, k).

    Rows go in blocks of at most 1024 (their gathered neighbours, ``1024 * k * d`` entries, stay
    in cache), each block one batched matrix-vector product.
    """
    n, k = idx.shape
    out = torch.empty((n, k), dtype=X.dtype, device=X.device)
    step = min(1024, _block_rows(n, k * X.shape[1]))
    for start in range(0, n, step):
        stop = min(start + step, n)
        neighbours = torch.index_select(X, 0, idx[start:stop].reshape(-1))
        out[start:stop] = torch.bmm(neighbours.view(stop - start, k, -1),
                                    X[start:stop, :, None])[..., 0]
    return out


#: Pairs whose transposes are looked up at once in :func:`_sparse_hsic` (bounds its memory).
_PAIR_CHUNK = 2**18


def _sparse_hsic(rows, cols, k_vals, l_vals, n, unbiased):
    """HSIC of two kernels that are zero outside the pairs ``(rows, cols)``.

    The pairs must be sorted by ``rows * n + cols`` (CKNNA builds them row by row with sorted
    columns). ``k_vals`` and ``l_vals`` are float64 values of the two kernels on those pairs.
    """
    keys = rows * n + cols
    trace_kl = 0.0  # sum over pairs of K_ij L_ji, the transposed pairs looked up in chunks
    for start in range(0, keys.numel(), _PAIR_CHUNK):
        stop = start + _PAIR_CHUNK
        transposed = cols[start:stop] * n + rows[start:stop]
        pos = torch.searchsorted(keys, transposed).clamp_max_(keys.numel() - 1)
        found = keys[pos] == transposed
        trace_kl += float((k_vals[start:stop] * torch.where(found, l_vals[pos], 0.0)).sum())
    sums = [torch.zeros(n, dtype=torch.float64, device=rows.device).index_add_(0, at, vals)
            for at in (rows, cols) for vals in (k_vals, l_vals)]
    row_k, row_l, col_k, col_l = sums
    return _hsic_from_sums(trace_kl, row_k, col_k, row_l, col_l, float(k_vals.sum()),
                           float(l_vals.sum()), n, unbiased)


class CKNNA(AlignmentMetric):
    """Centered kernel nearest-neighbour alignment (Huh et al., 2024).

    See :func:`cknna` for the parameters.
    """

    name = "cknna"

    def __init__(self, topk=10, unbiased=True, **common):
        super().__init__(**common)
        self.topk = check_int(topk, "topk", minimum=2)
        if not isinstance(unbiased, bool):
            raise TypeError(f"unbiased must be a bool; got {unbiased!r}.")
        self.unbiased = unbiased

    @property
    def min_samples(self):
        return 4 if self.unbiased else 2

    def check_n_samples(self, n_samples):
        if self.unbiased and n_samples < 4:
            raise ValueError(
                f"cknna with the unbiased HSIC needs at least 4 samples; got {n_samples}."
            )
        check_topk(self.topk, n_samples, minimum=2, include_self=not self.unbiased)

    def represent(self, X):
        n = X.shape[0]
        idx = knn_indices(X, self.topk, include_self=not self.unbiased)
        idx = torch.sort(idx, dim=1).values
        values = _knn_entries(X, idx).to(torch.float64)
        rows = torch.arange(n, device=X.device).repeat_interleave(self.topk)
        cols, vals = idx.reshape(-1), values.reshape(-1)
        self_sim = _sparse_hsic(rows, cols, vals, vals, n, self.unbiased)
        return {"idx": idx, "values": values, "self_sim": self_sim}

    score_range = (-1.0, 1.0)

    def permute_representation(self, rep, perm):
        idx, order = torch.sort(relabel_knn(rep["idx"], perm), dim=1)
        return {"idx": idx, "values": torch.gather(rep["values"][perm], 1, order),
                "self_sim": rep["self_sim"]}

    def compare(self, rep_a, rep_b):
        idx_a, idx_b = rep_a["idx"], rep_b["idx"]
        n, k = idx_a.shape
        pos = torch.searchsorted(idx_b, idx_a).clamp_max_(k - 1)
        mutual = torch.gather(idx_b, 1, pos) == idx_a
        rows = torch.arange(n, device=idx_a.device)[:, None].expand(n, k)[mutual]
        sim_kl = _sparse_hsic(rows, idx_a[mutual], rep_a["values"][mutual],
                              torch.gather(rep_b["values"], 1, pos)[mutual], n, self.unbiased)
        denominator = rep_a["self_sim"] * rep_b["self_sim"]
        if denominator <= 0.0:
            return 0.0
        return sim_kl / math.sqrt(denominator)


register_metric("cknna", CKNNA)


def cknna(A, B, topk=10, unbiased=True, **params):
    """Centered kernel nearest-neighbour alignment (CKNNA) of two paired embedding matrices.

    CKA restricted to mutual nearest neighbours (Huh et al., 2024): with ``K = A A^T``,
    ``L = B B^T`` and the mask ``M`` that keeps pair ``(i, j)`` when ``j`` is among the ``topk``
    nearest neighbours of ``i`` in both ``A`` and ``B``, ``sim(K, L) = HSIC(M * K, M * L)`` and
    ``cknna = sim(K, L) / sqrt(sim(K, K) sim(L, L))`` (``sim(K, K)`` uses the kNN mask of ``A``
    alone). Returns 0 when the denominator is not positive. Only the ``n * topk`` kNN entries of
    each kernel are ever formed; no dense ``n x n`` matrix is built.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
    topk : int >= 2, default=10
        Neighbourhood size; must be below ``n_samples`` (at most ``n_samples`` when biased).
    unbiased : bool, default=True
        Unbiased HSIC (Song et al. 2012; self-matches excluded from the neighbourhoods, ``n >= 4``)
        or biased ``tr(K H L H)`` (each row counts itself among its neighbours).
    **params
        ``clip_quantile``, ``normalize`` and ``device`` (see :class:`AlignmentMetric`).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import cknna
    >>> A = np.random.default_rng(0).normal(size=(200, 16))
    >>> round(cknna(A, 2.0 * A, topk=10), 6)
    1.0
    """
    return CKNNA(topk=topk, unbiased=unbiased, **params)(A, B)
