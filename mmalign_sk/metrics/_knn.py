"""k-nearest-neighbour alignment metrics (mutual kNN and friends).

PLACEHOLDER IMPLEMENTATION: correct but slow (full stable sort per row). To be replaced by the blocked
top-k version.
"""

import torch

from ._base import AlignmentMetric
from ._registry import register_metric
from ._validation import check_int, check_topk


def knn_indices(X, topk, *, include_self=False, block_size=None, precision="float32"):
    """Indices of the ``topk`` rows with the largest inner product with each row of ``X``.

    Rows are ordered by decreasing similarity; ties are broken by the lower row index.
    """
    n = X.shape[0]
    topk = check_topk(topk, n, include_self=include_self)
    block = block_size or 1024
    out = torch.empty((n, topk), dtype=torch.long, device=X.device)
    for start in range(0, n, block):
        stop = min(start + block, n)
        S = X[start:stop] @ X.T
        if not include_self:
            rows = torch.arange(stop - start, device=X.device)
            S[rows, rows + start] = -float("inf")
        out[start:stop] = torch.sort(S, dim=1, descending=True, stable=True).indices[:, :topk]
    return out


class MutualKNN(AlignmentMetric):
    """Mean fraction of shared k nearest neighbours."""

    name = "mutual_knn"

    def __init__(self, topk=10, **common):
        super().__init__(**common)
        self.topk = check_int(topk, "topk", minimum=1)

    def check_n_samples(self, n_samples):
        check_topk(self.topk, n_samples)

    def represent(self, X):
        return knn_indices(X, self.topk)

    def compare(self, rep_a, rep_b):
        shared = (rep_a[:, :, None] == rep_b[:, None, :]).any(dim=2).sum(dim=1)
        return float(shared.double().mean() / self.topk)


register_metric("mutual_knn", MutualKNN)


def mutual_knn(A, B, topk=10, **params):
    """Mutual k-nearest-neighbour alignment of two paired embedding matrices."""
    return MutualKNN(topk=topk, **params)(A, B)
