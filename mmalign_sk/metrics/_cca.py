"""Singular vector canonical correlation analysis (SVCCA, Raghu et al., 2017)."""

import scipy.linalg
import torch

from ._base import AlignmentMetric
from ._matmul import gram_t, numpy_threads
from ._registry import register_metric
from ._sums import column_sums, sums_of_squares, to_float64
from ._validation import check_embedding, check_int

#: Directions kept when ``cca_dim=None`` (fewer when a matrix has fewer features or rows).
_DEFAULT_DIM = 10
# Singular values below this fraction of the largest are treated as zero (float32 inputs).
_RANK_RTOL = 1e-6


def standardize_columns(X):
    """Columns with mean 0 and standard deviation 1 (float64); constant columns become 0."""
    X = to_float64(X)  # one float64 copy, worked on in place
    X -= column_sums(X) / X.shape[0]
    std = (sums_of_squares(X, dim=0) / X.shape[0]).sqrt()
    return X.div_(torch.where(std > 0, std, torch.ones_like(std)))


def top_left_singular_vectors(X, k):
    """The ``k`` leading left singular vectors of ``X`` (n, d), exactly and deterministically.

    Uses the eigendecomposition of the smaller of ``X^T X`` (d x d) and ``X X^T`` (n x n) in
    float64 (on the CPU a symmetric rank-k update and only the ``k`` leading eigenpairs).
    Directions whose singular value is zero (rank below ``k``) are returned as zero columns, so
    they add nothing to the canonical correlations.
    """
    n, d = X.shape
    if d <= n:
        eigvals, eigvecs = _top_eigenpairs(gram_t(X), k)
        sing = eigvals.clamp_min(0.0).sqrt()
        keep = sing > _RANK_RTOL * sing[0].clamp_min(1e-300)
        scale = torch.where(keep, 1.0 / torch.where(keep, sing, 1.0), 0.0)
        return (X @ eigvecs) * scale
    eigvals, eigvecs = _top_eigenpairs(gram_t(X.T), k)
    sing = eigvals.clamp_min(0.0).sqrt()
    keep = sing > _RANK_RTOL * sing[0].clamp_min(1e-300)
    return eigvecs * keep


def _top_eigenpairs(C, k):
    """The ``k`` largest eigenvalues of the symmetric ``C`` (decreasing) and their eigenvectors."""
    if C.device.type != "cpu":
        eigvals, eigvecs = torch.linalg.eigh(C)
        return eigvals.flip(0)[:k], eigvecs.flip(1)[:, :k]
    m = C.shape[0]
    with numpy_threads():
        eigvals, eigvecs = scipy.linalg.eigh(C.numpy(), subset_by_index=[m - k, m - 1],
                                             driver="evr", check_finite=False)
    return (torch.from_numpy(eigvals[::-1].copy()).to(C.dtype),
            torch.from_numpy(eigvecs[:, ::-1].copy()).to(C.dtype))


class SVCCA(AlignmentMetric):
    """Singular vector CCA similarity; see :func:`svcca`."""

    name = "svcca"

    def __init__(self, cca_dim=None, **common):
        super().__init__(**common)
        self.cca_dim = None if cca_dim is None else check_int(cca_dim, "cca_dim", minimum=1)

    def check_n_samples(self, n_samples):
        if self.cca_dim is not None and self.cca_dim > n_samples:
            raise ValueError(
                f"cca_dim must be <= min(d_A, d_B, n_samples); got cca_dim={self.cca_dim} "
                f"with n_samples={n_samples}."
            )

    def prepare(self, X, name="A", device=None):
        X = check_embedding(X, name)
        if self.cca_dim is not None and self.cca_dim > X.shape[1]:
            raise ValueError(
                f"cca_dim must be <= min(d_A, d_B, n_samples); got cca_dim={self.cca_dim} "
                f"with {name} of {X.shape[1]} features."
            )
        return super().prepare(X, name, device)

    def represent(self, X):
        k = min(_DEFAULT_DIM, *X.shape) if self.cca_dim is None else self.cca_dim
        return top_left_singular_vectors(standardize_columns(X), k)

    def permute_representation(self, rep, perm):
        # standardising and X^T X do not depend on the order of rows: the leading left singular
        # vectors of X[perm] are those of X with their rows permuted
        return rep[perm]

    def compare(self, rep_a, rep_b):
        # with cca_dim=None each side keeps min(10, d, n) directions: the leading min(k_A, k_B)
        # of both are the representations for cca_dim = min(10, d_A, d_B, n)
        k = min(rep_a.shape[1], rep_b.shape[1])
        correlations = torch.linalg.svdvals(rep_a[:, :k].T @ rep_b[:, :k]).clamp(0.0, 1.0)
        return float(correlations.mean())


register_metric("svcca", SVCCA)


def svcca(A, B, cca_dim=None, **params):
    """SVCCA similarity: mean canonical correlation of the leading singular subspaces.

    Each matrix is standardised column-wise (mean 0, standard deviation 1; constant columns
    become 0), reduced to its ``cca_dim`` leading left singular vectors, and the canonical
    correlations between the two orthonormal bases ``U_A`` and ``U_B`` -- the singular values of
    ``U_A^T U_B``, i.e. the cosines of the principal angles between the subspaces -- are averaged.

    This is exact CCA in closed form (float64 eigendecomposition of a ``d x d`` or ``n x n``
    covariance), deterministic and free of convergence tolerances; it replaces the iterative
    ``sklearn.cross_decomposition.CCA`` used by the reference code, which approximates the same
    correlations. A matrix of rank below ``cca_dim`` contributes only its non-zero directions;
    the missing correlations count as 0 (a constant matrix scores 0).

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
    cca_dim : int or None, default=None
        Number of singular directions kept; must be ``<= min(d_A, d_B, n_samples)``. ``None``
        keeps ``min(10, d_A, d_B, n_samples)`` (10, the usual choice, when both matrices have at
        least 10 features and rows).
    **params
        ``clip_quantile``, ``normalize`` and ``device`` (see :class:`AlignmentMetric`).

    Returns
    -------
    float
        In ``[0, 1]``; 1 when the two leading subspaces coincide.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import svcca
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(200, 6))
    >>> R = rng.normal(size=(6, 6))  # any invertible map of the features
    >>> round(svcca(A, A @ R, cca_dim=6, clip_quantile=None, normalize=False), 6)
    1.0
    """
    return SVCCA(cca_dim=cca_dim, **params)(A, B)
