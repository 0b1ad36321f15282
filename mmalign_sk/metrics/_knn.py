"""k-nearest-neighbour alignment metrics: mutual, cycle, LCS and edit-distance kNN.

Every metric here represents a matrix by its kNN lists (:func:`knn_indices`, computed once per
matrix) and compares the lists of two matrices row by row.

The lists come from ``_knn_search`` (tiled, never an n x n matrix; near-equal similarities are ties
within a documented tolerance and go to the lower index).
"""

import torch

from ._base import AlignmentMetric, check_precision
from ._knn_search import knn_indices
from ._registry import register_metric
from ._validation import check_int, check_topk

#: Elements of the per-block (rows, k+1, k+1) tables used when comparing kNN lists.
_COMPARE_ELEMENTS = 2**22


# --------------------------------------------------------------------------------------------
# Row-wise comparisons of kNN lists (vectorised over rows, blocked to bound memory)
# --------------------------------------------------------------------------------------------
def _row_blocks(n, topk):
    step = max(1, _COMPARE_ELEMENTS // (topk + 1) ** 2)
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


def _per_row(rows_fn, knn_a, knn_b):
    """``rows_fn`` applied to blocks of rows, concatenated: one int tensor of shape (n,)."""
    parts = [rows_fn(knn_a, knn_b, rows) for rows in _row_blocks(knn_a.shape[0], knn_a.shape[1])]
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.int64, device=knn_a.device)


def _shared_counts(knn_a, knn_b, rows):
    """``|knn_a[i] & knn_b[i]|`` for the rows of the block (lists have distinct entries)."""
    a, b = knn_a[rows], knn_b[rows]
    return (a[:, :, None] == b[:, None, :]).sum(dim=(1, 2))


def _cycle_hits(knn_a, knn_b, rows):
    """1 for the rows ``i`` of the block found among the A-neighbours of their B-neighbours."""
    back = knn_a[knn_b[rows]]  # (rows, topk, topk)
    own = torch.arange(rows.start, rows.stop, device=knn_a.device)
    return (back == own[:, None, None]).flatten(1).any(dim=1).to(torch.int64)


def _lcs_lengths(knn_a, knn_b, rows):
    """Longest-common-subsequence length of the two ordered lists of every row of the block.

    Row ``i`` of the DP table is a running maximum: ``L[i, j] = max_{j' <= j} c[j']`` with
    ``c[j] = max(L[i-1, j], L[i-1, j-1] + match(i, j))``, so each of the ``k`` DP rows is one
    ``cummax`` over all kNN rows at once.
    """
    k = knn_a.shape[1]
    a, b = knn_a[rows], knn_b[rows]
    L = torch.zeros((a.shape[0], k + 1), dtype=torch.int32, device=a.device)
    for i in range(k):
        match = (b == a[:, i : i + 1]).to(torch.int32)
        c = torch.cat([L[:, :1], torch.maximum(L[:, 1:], L[:, :-1] + match)], dim=1)
        L = torch.cummax(c, dim=1).values
    return L[:, k].to(torch.int64)


def _edit_distances(knn_a, knn_b, rows):
    """Levenshtein distance between the two ordered lists of every row of the block.

    Row ``i`` of the DP table is ``D[i, j] = min_{j' <= j} (c[j'] + j - j')`` with
    ``c[0] = i`` and ``c[j] = min(D[i-1, j] + 1, D[i-1, j-1] + differ(i, j))``: one ``cummin``
    per DP row over all kNN rows at once.
    """
    k = knn_a.shape[1]
    steps = torch.arange(k + 1, dtype=torch.int32, device=knn_a.device)
    a, b = knn_a[rows], knn_b[rows]
    D = steps.expand(a.shape[0], k + 1)
    for i in range(k):
        differ = (b != a[:, i : i + 1]).to(torch.int32)
        first = torch.full_like(D[:, :1], i + 1)
        c = torch.cat([first, torch.minimum(D[:, 1:] + 1, D[:, :-1] + differ)], dim=1)
        D = torch.cummin(c - steps, dim=1).values + steps
    return D[:, k].to(torch.int64)


def relabel_knn(knn, perm):
    """kNN lists of ``X[perm]`` from the lists ``knn`` of ``X``, in ``O(n * topk)``.

    Row ``i`` of ``X[perm]`` is row ``perm[i]`` of ``X``, whose neighbours ``knn[perm[i]]`` are
    rows ``inverse[knn[perm[i]]]`` of ``X[perm]``. The order of each list is kept, so the result
    equals a new search on ``X[perm]`` except where tied similarities (see :func:`knn_indices`)
    would be ordered by the new row indices instead of the old ones.
    """
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(perm.numel(), device=perm.device)
    return inverse[knn[perm]]


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

    def permute_representation(self, rep, perm):
        return relabel_knn(rep, perm)


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
        return int(_per_row(_shared_counts, rep_a, rep_b).sum()) / (rep_a.shape[0] * rep_a.shape[1])



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
        return int(_per_row(_cycle_hits, rep_a, rep_b).sum()) / rep_a.shape[0]



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

    @property
    def score_range(self):
        return (0.0, float(self.topk))

    def compare(self, rep_a, rep_b):
        return int(_per_row(_lcs_lengths, rep_a, rep_b).sum()) / rep_a.shape[0]



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
        return 1.0 - int(_per_row(_edit_distances, rep_a, rep_b).sum()) / (n * k)



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
