"""k-nearest-neighbour alignment metrics: mutual, cycle, LCS and edit-distance kNN.

Every metric here represents a matrix by its kNN lists (:func:`knn_indices`, computed once per
matrix) and compares the lists of two matrices row by row.

``knn_indices`` never forms an n x n matrix: rows are processed in blocks, each block's similarity
rows (block, n) are reduced to a handful of top candidates with ``torch.topk`` and the block buffer
is reused, so memory is O(n * (topk + block)).

Ties. Two rows with the same inner product with row ``i`` may come out of a float32 matrix product a
few ulps apart, depending on the CPU, the BLAS kernel, the thread count and the block shape.
Similarities of row ``i`` that lie within ``tol_i = 16 * eps * ||x_i|| * max_j ||x_j||`` of each
other (``eps`` the machine epsilon of ``X``'s dtype; 1.9e-6 for unit rows in float32) are therefore
ties, chained in order of value, and ties go to the lower row index. Duplicated rows thus get the
same kNN lists everywhere, also on inputs with massive ties (binary or duplicated rows).
"""

import contextlib

import torch

from ._base import AlignmentMetric, check_precision
from ._registry import register_metric
from ._validation import check_int, check_topk

#: Bytes of similarity block allowed when ``block_size`` is None.
_BLOCK_BYTES = {"cpu": 128 * 2**20, "cuda": 256 * 2**20}
#: Extra top-k candidates kept per row so that short tie runs are resolved without the fallback.
_TIE_MARGIN = 8
#: Tie tolerance in units of the machine epsilon times the row's scale ``||x_i|| * max_j ||x_j||``.
_TIE_ULPS = 16
#: Elements of the per-block (rows, k+1, k+1) tables used when comparing kNN lists.
_COMPARE_ELEMENTS = 2**22


# --------------------------------------------------------------------------------------------
# kNN lists
# --------------------------------------------------------------------------------------------
def knn_indices(X, topk, *, include_self=False, block_size=None, precision="float32"):
    """Indices of the ``topk`` rows with the largest inner product with each row of ``X``.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Float rows, usually preprocessed (clipped and L2-normalised, so that inner products are
        cosine similarities), on any device.
    topk : int
        Number of neighbours per row; ``1 <= topk < n_samples`` (``<= n_samples`` with
        ``include_self=True``).
    include_self : bool, default=False
        Whether a row may be its own neighbour. By default it is excluded.
    block_size : int or None, default=None
        Rows of ``X`` processed at once; the similarity block has ``block_size x n_samples``
        entries. ``None`` picks it so that the block takes about 128 MiB on the CPU and 256 MiB on
        CUDA. The result does not depend on it.
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products. ``"float32"`` is exact single precision (the dtype of
        ``X`` for other float dtypes). ``"tf32"`` allows TensorFloat-32 matrix products on CUDA
        (no effect on the CPU). ``"bf16"`` forms the products in bfloat16: fastest on recent
        GPUs, but near-equal similarities may swap order or tie.

    Returns
    -------
    torch.LongTensor of shape (n_samples, topk)
        On the device of ``X``. Row ``i`` lists its neighbours by decreasing inner product; tied
        inner products (see Notes) are ordered by increasing row index (the lower index comes
        first and wins the last places), so the result is deterministic.

    Notes
    -----
    **Tie tolerance.** Row ``i``'s similarities are sorted by decreasing value and cut into tie
    groups wherever two consecutive values differ by more than
    ``tol_i = 16 * eps * ||x_i|| * max_j ||x_j||``, with ``eps`` the machine epsilon of the
    dtype of ``X`` (``2**-23`` for float32, so ``tol_i`` is about ``1.9e-6`` for L2-normalised
    rows). Within a group, rows are ordered by increasing index. Rounding of the matrix product
    differs between CPUs, BLAS kernels, thread counts and block sizes by far less than ``tol_i``,
    so equal inner products (duplicated rows, binary data) give the same lists everywhere, while
    similarities that differ by more than ``tol_i`` keep their order. With
    ``precision="bf16"`` the products are rounded to bfloat16 first and only equal rounded
    values are ties.

    **Algorithm.** Each block keeps ``topk + 8`` candidates per row and orders them by (tie
    group, index); only rows whose tie group at the ``topk``-th place reaches the last candidate
    scan their full similarity row again to take the lowest indices of that group. Peak memory is
    ``O(n_samples * (topk + block_size))``.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import knn_indices
    >>> X = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [1.0, 0.0]])
    >>> knn_indices(X, 2)
    tensor([[3, 1],
            [0, 3],
            [1, 0],
            [0, 1]])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor; got {type(X).__name__}.")
    if X.ndim != 2 or not X.is_floating_point():
        raise ValueError(
            "X must be a 2-D floating-point tensor; "
            f"got shape {tuple(X.shape)} and dtype {X.dtype}."
        )
    if not isinstance(include_self, bool):
        raise TypeError(f"include_self must be a bool; got {include_self!r}.")
    n = X.shape[0]
    topk = check_topk(topk, n, include_self=include_self)
    precision = check_precision(precision)
    with torch.no_grad():
        return _blocked_knn(X, topk, include_self, _block_rows(X, block_size, precision), precision)


def _blocked_knn(X, topk, include_self, block, precision):
    n = X.shape[0]
    gram_X = X.to(torch.bfloat16) if precision == "bf16" else X
    tol = _tie_tolerance(X)
    out = torch.empty((n, topk), dtype=torch.long, device=X.device)
    buffer = torch.empty((block, n), dtype=gram_X.dtype, device=X.device)
    with _matmul_precision(precision, X.device):
        for start in range(0, n, block):
            stop = min(start + block, n)
            S = buffer[: stop - start]
            torch.matmul(gram_X[start:stop], gram_X.T, out=S)
            if not include_self:
                rows = torch.arange(stop - start, device=X.device)
                S[rows, rows + start] = -float("inf")
            out[start:stop] = _topk_lowest_index(
                S, topk, available=n - (not include_self), tol=tol[start:stop, None]
            )
    return out


def _tie_tolerance(X):
    """Per-row tie tolerance ``_TIE_ULPS * eps * ||x_i|| * max_j ||x_j||`` (shape (n,), float32)."""
    dtype = X.dtype if X.dtype in (torch.float32, torch.float64) else torch.float32
    norms = torch.linalg.vector_norm(X.to(dtype), dim=1)
    scale = norms * norms.max() if norms.numel() else norms
    return (_TIE_ULPS * torch.finfo(X.dtype).eps * scale).float()


def _block_rows(X, block_size=None, precision="float32"):
    """Rows per similarity block: ``block_size``, or what fits the memory budget of X's device."""
    n = X.shape[0]
    if block_size is not None:
        return min(check_int(block_size, "block_size", minimum=1), n)
    budget = _BLOCK_BYTES.get(X.device.type, _BLOCK_BYTES["cpu"])
    itemsize = 2 if precision == "bf16" else X.element_size()
    return max(1, min(n, budget // (itemsize * n)))


@contextlib.contextmanager
def _matmul_precision(precision, device):
    """Allow TF32 matrix products on CUDA inside the block when asked; restore the flag after."""
    if precision != "tf32" or torch.device(device).type != "cuda":
        yield
        return
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        previous = matmul.fp32_precision
        matmul.fp32_precision = "tf32"
        try:
            yield
        finally:
            matmul.fp32_precision = previous
    else:  # pragma: no cover - older torch
        previous = matmul.allow_tf32
        matmul.allow_tf32 = True
        try:
            yield
        finally:
            matmul.allow_tf32 = previous


def _topk_lowest_index(S, topk, available, tol):
    """Top-``topk`` columns of every row of ``S`` under the tie rule of :func:`knn_indices`.

    ``available`` is the number of columns that may be chosen (self-matches are ``-inf``) and
    ``tol`` the rows' tie tolerances, shape (rows, 1).
    """
    m = min(S.shape[1], topk + _TIE_MARGIN)
    values, index = torch.topk(S, m, dim=1, sorted=True)
    result, group, tied = _order_candidates(values, index, topk, tol)
    if m >= available or not tied:  # the window holds every row's last tie group entirely
        return result[:, :topk].contiguous()
    open_rows = torch.nonzero(group[:, topk - 1] == group[:, m - 1]).flatten()
    result = result[:, :topk].contiguous()
    if open_rows.numel():
        result[open_rows] = _resolve_open_rows(
            S[open_rows], values[open_rows], group[open_rows], result[open_rows], topk,
            tol[open_rows],
        )
    return result


def _order_candidates(values, index, topk, tol):
    """Order candidates (sorted by decreasing value) by (tie group, index).

    Returns the reordered indices, the tie group of each reordered position (non-decreasing) and
    whether any two candidates were tied at all (when not, the value order is kept as is).
    """
    linked = (values[:, :-1] - values[:, 1:]) <= tol  # consecutive values in one tie group
    if not bool(linked.any()):
        group = torch.arange(values.shape[1], device=values.device).expand_as(index)
        return index, group, False
    group = torch.zeros_like(index)
    torch.cumsum(~linked, dim=1, out=group[:, 1:])
    key = group * (int(index.max()) + 1) + index
    key, order = key.sort(dim=1)
    return index.gather(1, order), group.gather(1, order), True


def _resolve_open_rows(S, values, group, ordered, topk, tol):
    """Exact kNN lists of rows whose tie group at the ``topk``-th place reached the window edge.

    ``S`` holds the rows' full similarities, ``values`` their window sorted by decreasing value,
    ``group`` and ``ordered`` the window's tie groups and indices ordered by (group, index). The
    groups before the ``topk``-th place's are complete in the window; the tie group itself is
    the interval ``[low, high]`` of values, with ``low`` found by following the chain of values
    less than ``tol`` apart below the window; its lowest column indices take the remaining places.
    """
    n = S.shape[1]
    key_dtype = torch.int32 if n < 2**31 - 1 else torch.long
    columns = torch.arange(n, dtype=key_dtype, device=S.device)
    chunk = max(1, _BLOCK_BYTES["cpu"] // (12 * n))  # a copy of the rows, their mask and keys
    positions = torch.arange(topk, device=S.device)
    parts = []
    for start in range(0, S.shape[0], chunk):
        rows = slice(start, start + chunk)
        S_r, g, t = S[rows], group[rows], tol[rows]
        last = g[:, topk - 1 : topk]
        n_above = (g[:, :topk] < last).sum(dim=1, keepdim=True)
        # the group's top value: the largest window value in group ``last`` (groups numbered as in
        # _order_candidates, in value order)
        v = values[rows]
        value_group = torch.zeros_like(g)
        torch.cumsum((v[:, :-1] - v[:, 1:]) > t, dim=1, out=value_group[:, 1:])
        high = torch.where(value_group == last, v, -float("inf")).amax(dim=1, keepdim=True)
        low = v[:, -1:]
        while True:  # extend the group downwards along values less than tol apart
            reach = torch.where(S_r >= low - t, S_r, float("inf")).amin(dim=1, keepdim=True)
            new_low = torch.minimum(low, reach)
            if torch.equal(new_low, low):
                break
            low = new_low
        member = (S_r >= low) & (S_r <= high + t / 2)
        n_tied = int((topk - n_above).max())
        key = torch.where(member, columns, n)
        lowest = torch.topk(key, n_tied, dim=1, largest=False, sorted=True).values.long()
        tie_slot = (positions - n_above).clamp(0, n_tied - 1)
        parts.append(torch.where(positions < n_above, ordered[rows], lowest.gather(1, tie_slot)))
    return torch.cat(parts)


# --------------------------------------------------------------------------------------------
# Row-wise comparisons of kNN lists (vectorised over rows, blocked to bound memory)
# --------------------------------------------------------------------------------------------
def _row_blocks(n, topk):
    step = max(1, _COMPARE_ELEMENTS // (topk + 1) ** 2)
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


def _shared_counts_sum(knn_a, knn_b):
    """Sum over rows of ``|knn_a[i] & knn_b[i]|`` (lists have distinct entries)."""
    total = 0
    for rows in _row_blocks(knn_a.shape[0], knn_a.shape[1]):
        a, b = knn_a[rows], knn_b[rows]
        total += int((a[:, :, None] == b[:, None, :]).sum())
    return total


def _cycle_hits_sum(knn_a, knn_b):
    """Number of rows ``i`` found among the A-neighbours of their B-neighbours."""
    total = 0
    n = knn_a.shape[0]
    for rows in _row_blocks(n, knn_a.shape[1]):
        back = knn_a[knn_b[rows]]  # (rows, topk, topk)
        own = torch.arange(rows.start, rows.stop, device=knn_a.device)
        total += int((back == own[:, None, None]).flatten(1).any(dim=1).sum())
    return total


def _lcs_lengths_sum(knn_a, knn_b):
    """Sum over rows of the longest-common-subsequence length of the two ordered lists.

    Row ``i`` of the DP table is a running maximum: ``L[i, j] = max_{j' <= j} c[j']`` with
    ``c[j] = max(L[i-1, j], L[i-1, j-1] + match(i, j))``, so each of the ``k`` DP rows is one
    ``cummax`` over all kNN rows at once.
    """
    k = knn_a.shape[1]
    total = 0
    for rows in _row_blocks(knn_a.shape[0], k):
        a, b = knn_a[rows], knn_b[rows]
        L = torch.zeros((a.shape[0], k + 1), dtype=torch.int32, device=a.device)
        for i in range(k):
            match = (b == a[:, i : i + 1]).to(torch.int32)
            c = torch.cat([L[:, :1], torch.maximum(L[:, 1:], L[:, :-1] + match)], dim=1)
            L = torch.cummax(c, dim=1).values
        total += int(L[:, k].sum())
    return total


def _edit_distances_sum(knn_a, knn_b):
    """Sum over rows of the Levenshtein distance between the two ordered lists.

    Row ``i`` of the DP table is ``D[i, j] = min_{j' <= j} (c[j'] + j - j')`` with
    ``c[0] = i`` and ``c[j] = min(D[i-1, j] + 1, D[i-1, j-1] + differ(i, j))``: one ``cummin``
    per DP row over all kNN rows at once.
    """
    k = knn_a.shape[1]
    steps = torch.arange(k + 1, dtype=torch.int32, device=knn_a.device)
    total = 0
    for rows in _row_blocks(knn_a.shape[0], k):
        a, b = knn_a[rows], knn_b[rows]
        D = steps.expand(a.shape[0], k + 1)
        for i in range(k):
            differ = (b != a[:, i : i + 1]).to(torch.int32)
            first = torch.full_like(D[:, :1], i + 1)
            c = torch.cat([first, torch.minimum(D[:, 1:] + 1, D[:, :-1] + differ)], dim=1)
            D = torch.cummin(c - steps, dim=1).values + steps
        total += int(D[:, k].sum())
    return total


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------
class _KNNMetric(AlignmentMetric):
    """Shared parameters and representation of the kNN metrics (the kNN lists of each matrix)."""

    def __init__(self, topk=10, *, block_size=None, precision="float32", **common):
        super().__init__(**common)
        self.topk = check_int(topk, "topk", minimum=1)
        if block_size is not None:
            check_int(block_size, "block_size", minimum=1)
        self.block_size = block_size
        self.precision = check_precision(precision)

    def check_n_samples(self, n_samples):
        check_topk(self.topk, n_samples)

    def represent(self, X):
        return knn_indices(X, self.topk, block_size=self.block_size, precision=self.precision)


class MutualKNN(_KNNMetric):
    """Mutual k-nearest-neighbour alignment: mean fraction of shared neighbours.

    ``mean_i |kNN_A(i) & kNN_B(i)| / topk``, in [0, 1]; about ``topk / (n - 1)`` for independent
    representations and 1 for representations with the same neighbourhoods.

    Parameters
    ----------
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``; the row itself is never its own neighbour.
    block_size : int or None, default=None
        Rows per similarity block in :func:`knn_indices` (``None``: chosen to bound memory).
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products, see :func:`knn_indices`.
    clip_quantile : float in (0, 1] or None, default=0.95
        Clip each matrix at this quantile of its absolute values first; ``None`` disables it.
    normalize : bool, default=True
        L2-normalise rows after clipping (inner products become cosine similarities).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to compute; ``"auto"`` keeps tensors on their device and sends numpy arrays to CUDA
        when available.

    Notes
    -----
    Neighbours are ranked by inner product. Similarities of a row within
    ``16 * eps * ||x_i|| * max_j ||x_j||`` of each other (16 float32 ulps of the row's scale,
    about 1.9e-6 for L2-normalised rows) are ties and go to the lower row index, so duplicated
    rows give the same lists, and the same score, on any CPU, thread count and ``block_size``;
    see :func:`knn_indices`.
    """

    name = "mutual_knn"

    def compare(self, rep_a, rep_b):
        return _shared_counts_sum(rep_a, rep_b) / (rep_a.shape[0] * rep_a.shape[1])


class CycleKNN(_KNNMetric):
    """Cycle kNN alignment: how often a sample is reached back through the other space.

    For each row ``i``, take its neighbours in B, then the neighbours in A of those rows; the
    score is 1 when ``i`` is among them. The metric is the mean score, in [0, 1].

    Parameters
    ----------
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``; the row itself is never its own neighbour.
    block_size : int or None, default=None
        Rows per similarity block in :func:`knn_indices` (``None``: chosen to bound memory).
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products, see :func:`knn_indices`.
    clip_quantile : float in (0, 1] or None, default=0.95
        Clip each matrix at this quantile of its absolute values first; ``None`` disables it.
    normalize : bool, default=True
        L2-normalise rows after clipping (inner products become cosine similarities).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to compute; ``"auto"`` keeps tensors on their device and sends numpy arrays to CUDA
        when available.

    Notes
    -----
    Neighbours are ranked by inner product. Similarities of a row within
    ``16 * eps * ||x_i|| * max_j ||x_j||`` of each other (16 float32 ulps of the row's scale,
    about 1.9e-6 for L2-normalised rows) are ties and go to the lower row index, so duplicated
    rows give the same lists, and the same score, on any CPU, thread count and ``block_size``;
    see :func:`knn_indices`.
    """

    name = "cycle_knn"

    def compare(self, rep_a, rep_b):
        return _cycle_hits_sum(rep_a, rep_b) / rep_a.shape[0]


class LCSKNN(_KNNMetric):
    """Longest-common-subsequence kNN alignment.

    Mean over rows of the length of the longest common subsequence of the two ordered kNN lists,
    in [0, topk] (``topk`` for identical neighbour rankings).

    Parameters
    ----------
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``; the row itself is never its own neighbour.
    block_size : int or None, default=None
        Rows per similarity block in :func:`knn_indices` (``None``: chosen to bound memory).
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products, see :func:`knn_indices`.
    clip_quantile : float in (0, 1] or None, default=0.95
        Clip each matrix at this quantile of its absolute values first; ``None`` disables it.
    normalize : bool, default=True
        L2-normalise rows after clipping (inner products become cosine similarities).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to compute; ``"auto"`` keeps tensors on their device and sends numpy arrays to CUDA
        when available.

    Notes
    -----
    Neighbours are ranked by inner product. Similarities of a row within
    ``16 * eps * ||x_i|| * max_j ||x_j||`` of each other (16 float32 ulps of the row's scale,
    about 1.9e-6 for L2-normalised rows) are ties and go to the lower row index, so duplicated
    rows give the same lists, and the same score, on any CPU, thread count and ``block_size``;
    see :func:`knn_indices`.
    """

    name = "lcs_knn"

    def compare(self, rep_a, rep_b):
        return _lcs_lengths_sum(rep_a, rep_b) / rep_a.shape[0]


class EditDistanceKNN(_KNNMetric):
    """Edit-distance kNN alignment.

    ``1 - mean_i Levenshtein(kNN_A(i), kNN_B(i)) / topk`` over the ordered kNN lists, in [0, 1]
    (1 for identical rankings).

    Parameters
    ----------
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``; the row itself is never its own neighbour.
    block_size : int or None, default=None
        Rows per similarity block in :func:`knn_indices` (``None``: chosen to bound memory).
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products, see :func:`knn_indices`.
    clip_quantile : float in (0, 1] or None, default=0.95
        Clip each matrix at this quantile of its absolute values first; ``None`` disables it.
    normalize : bool, default=True
        L2-normalise rows after clipping (inner products become cosine similarities).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to compute; ``"auto"`` keeps tensors on their device and sends numpy arrays to CUDA
        when available.

    Notes
    -----
    Neighbours are ranked by inner product. Similarities of a row within
    ``16 * eps * ||x_i|| * max_j ||x_j||`` of each other (16 float32 ulps of the row's scale,
    about 1.9e-6 for L2-normalised rows) are ties and go to the lower row index, so duplicated
    rows give the same lists, and the same score, on any CPU, thread count and ``block_size``;
    see :func:`knn_indices`.
    """

    name = "edit_distance_knn"

    def compare(self, rep_a, rep_b):
        n, k = rep_a.shape
        return 1.0 - _edit_distances_sum(rep_a, rep_b) / (n * k)


for _metric in (MutualKNN, CycleKNN, LCSKNN, EditDistanceKNN):
    register_metric(_metric.name, _metric)


def mutual_knn(A, B, topk=10, **params):
    """Mutual k-nearest-neighbour alignment of two paired embedding matrices.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Paired embeddings: row ``i`` of ``A`` and of ``B`` describe the same sample.
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``.
    **params
        ``clip_quantile``, ``normalize``, ``device``, ``block_size``, ``precision``; see
        :class:`MutualKNN`.

    Returns
    -------
    float
        Mean fraction of shared neighbours, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import mutual_knn
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(100, 16))
    >>> mutual_knn(A, 3.0 * A, topk=5)
    1.0
    >>> mutual_knn(A, rng.normal(size=(100, 8)), topk=5) < 0.3
    True
    """
    return MutualKNN(topk=topk, **params)(A, B)


def cycle_knn(A, B, topk=10, **params):
    """Cycle kNN alignment of two paired embedding matrices.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Paired embeddings: row ``i`` of ``A`` and of ``B`` describe the same sample.
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``.
    **params
        ``clip_quantile``, ``normalize``, ``device``, ``block_size``, ``precision``; see
        :class:`MutualKNN`.

    Returns
    -------
    float
        Fraction of rows reached back through their B-neighbours' A-neighbours, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import cycle_knn
    >>> A = np.random.default_rng(0).normal(size=(100, 16))
    >>> round(cycle_knn(A, A, topk=5), 2)  # kNN relations are not symmetric
    0.99
    """
    return CycleKNN(topk=topk, **params)(A, B)


def lcs_knn(A, B, topk=10, **params):
    """Longest-common-subsequence kNN alignment of two paired embedding matrices.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Paired embeddings: row ``i`` of ``A`` and of ``B`` describe the same sample.
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``.
    **params
        ``clip_quantile``, ``normalize``, ``device``, ``block_size``, ``precision``; see
        :class:`MutualKNN`.

    Returns
    -------
    float
        Mean LCS length of the ordered kNN lists, in [0, topk].

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import lcs_knn
    >>> A = np.random.default_rng(0).normal(size=(100, 16))
    >>> lcs_knn(A, A, topk=5)
    5.0
    """
    return LCSKNN(topk=topk, **params)(A, B)


def edit_distance_knn(A, B, topk=10, **params):
    """Edit-distance kNN alignment of two paired embedding matrices.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Paired embeddings: row ``i`` of ``A`` and of ``B`` describe the same sample.
    topk : int, default=10
        Neighbours per row, ``1 <= topk < n_samples``.
    **params
        ``clip_quantile``, ``normalize``, ``device``, ``block_size``, ``precision``; see
        :class:`MutualKNN`.

    Returns
    -------
    float
        ``1 - mean Levenshtein distance / topk``, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import edit_distance_knn
    >>> A = np.random.default_rng(0).normal(size=(100, 16))
    >>> edit_distance_knn(A, A, topk=5)
    1.0
    """
    return EditDistanceKNN(topk=topk, **params)(A, B)
