"""Correlation matrix distance (CMD) similarity.

``tr(C_A C_B) / (||C_A||_F ||C_B||_F)`` between the correlation matrices of two representations
(Herdin et al., 2005), as used to compare representations in Tjandrasuwita et al. (2025).
"""

import torch

from ._base import AlignmentMetric
from ._kernel import centred, gram, gram_inner, uncentred_gram_inner
from ._registry import register_metric
from ._validation import check_embedding, check_option

_CONTRACTIONS = ("features", "samples")


class CMD(AlignmentMetric):
    """Correlation matrix distance similarity; see :func:`cmd`."""

    name = "cmd"

    def __init__(self, contract="features", centered=False, **common):
        super().__init__(**common)
        self.contract = check_option(contract, "contract", _CONTRACTIONS)
        if not isinstance(centered, bool):
            raise TypeError(f"centered must be a bool; got {centered!r}.")
        self.centered = centered

    def check_n_samples(self, n_samples):
        super().check_n_samples(n_samples)
        if self.centered and self.contract == "features" and n_samples < 3:
            raise ValueError(
                f"{self.name} (centered=True, contract='features') needs at least 3 samples "
                f"(rows of A and B): with 2, both centred Gram matrices are multiples of "
                f"[[1, -1], [-1, 1]] and the score is 1 whatever the data; got {n_samples}."
            )

    def represent(self, X):
        if self.centered:
            X = centred(X)  # shared with CKA inside reuse_representations
        if self.contract == "samples":
            # C = X^T X (d x d) is formed once; tr(C_A C_B) = <C_A, C_B>_F.
            return {"C": X.T @ X}
        n, d = X.shape
        X_gram = gram(X) if d >= n else None
        rep = {"X": X, "gram": X_gram}
        rep["norm_sq"] = self._inner(rep, rep)
        return rep

    def check_permutable(self):
        if self.contract == "samples":
            raise ValueError(
                "cmd with contract='samples' compares d x d feature correlation matrices, which do "
                "not change when the rows of B are permuted: a permutation test of it is undefined "
                "(every null draw equals the score). Use contract='features'."
            )

    def permute_representation(self, rep, perm):
        if self.contract == "samples":
            return rep
        gram_perm = None if rep["gram"] is None else rep["gram"][perm][:, perm]
        return {"X": rep["X"][perm], "gram": gram_perm, "norm_sq": rep["norm_sq"]}

    def _inner(self, rep_a, rep_b):
        """``||A^T B||_F^2``; uncentred in feature space, from the centred product (which
        linear CKA shares), so that large column means cost no accuracy."""
        if self.centered or rep_a["gram"] is not None or rep_b["gram"] is not None:
            return gram_inner(rep_a["X"], rep_b["X"], rep_a["gram"], rep_b["gram"])
        return uncentred_gram_inner(rep_a["X"], rep_b["X"])

    def compare(self, rep_a, rep_b):
        if self.contract == "samples":
            C_a, C_b = rep_a["C"], rep_b["C"]
            if C_a.shape != C_b.shape:
                raise ValueError(
                    "cmd with contract='samples' compares d x d feature correlation matrices and "
                    f"needs d_A == d_B; got d_A={C_a.shape[0]} and d_B={C_b.shape[0]}. "
                    "Use contract='features' for matrices of different widths."
                )
            inner = float((C_a * C_b).sum(dtype=torch.float64))
            norm_sq_a = float((C_a * C_a).sum(dtype=torch.float64))
            norm_sq_b = float((C_b * C_b).sum(dtype=torch.float64))
        else:
            inner = self._inner(rep_a, rep_b)
            norm_sq_a, norm_sq_b = rep_a["norm_sq"], rep_b["norm_sq"]
        denominator = (norm_sq_a * norm_sq_b) ** 0.5
        if denominator == 0.0:
            return 0.0
        return min(max(inner / denominator, 0.0), 1.0)

    def __call__(self, A, B):
        if self.contract == "samples":
            A, B = check_embedding(A, "A"), check_embedding(B, "B")
            if A.shape[1] != B.shape[1]:
                raise ValueError(
                    "cmd with contract='samples' needs A and B with the same number of features; "
                    f"got d_A={A.shape[1]} and d_B={B.shape[1]}."
                )
        return super().__call__(A, B)


class CMDCentered(CMD):
    """:class:`CMD` with ``centered=True`` by default (the ``cmd_centered`` metric)."""

    name = "cmd_centered"

    def __init__(self, contract="features", centered=True, **common):
        super().__init__(contract=contract, centered=centered, **common)


class CMDUnnorm(CMD):
    """:class:`CMD` with ``normalize=False`` by default (the ``cmd_unnorm`` metric)."""

    name = "cmd_unnorm"

    def __init__(self, contract="features", centered=False, normalize=False, **common):
        super().__init__(contract=contract, centered=centered, normalize=normalize, **common)


class CMDCenteredUnnorm(CMD):
    """:class:`CMD` with ``centered=True, normalize=False`` by default."""

    name = "cmd_centered_unnorm"

    def __init__(self, contract="features", centered=True, normalize=False, **common):
        super().__init__(contract=contract, centered=centered, normalize=normalize, **common)


register_metric("cmd", CMD)
register_metric("cmd_centered", CMDCentered)
register_metric("cmd_unnorm", CMDUnnorm)
register_metric("cmd_centered_unnorm", CMDCenteredUnnorm)


def cmd(A, B, contract="features", centered=False, **params):
    """Correlation matrix distance (CMD) similarity of two paired embedding matrices.

    ``tr(C_A C_B) / (||C_A||_F ||C_B||_F)`` where ``C = X X^T`` (``contract="features"``, an
    ``n x n`` sample-similarity matrix, computed in feature space in ``O(n d^2)`` without forming
    it when ``d < n``) or ``C = X^T X`` (``contract="samples"``, a ``d x d`` feature matrix; needs
    ``d_A == d_B``). CMD itself is one minus this similarity. With ``centered=True`` the columns are
    centred first; ``contract="features", centered=True`` then equals linear (biased) CKA.

    The registered names are presets of this one metric (their defaults; each can be overridden):

    ======================== ============ ============
    name                     centered     normalize
    ======================== ============ ============
    ``cmd``                  False        True
    ``cmd_centered``         True         True
    ``cmd_unnorm``           False        False
    ``cmd_centered_unnorm``  True         False
    ======================== ============ ============

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
    contract : {"features", "samples"}, default="features"
        The axis summed over when forming ``C``.
    centered : bool, default=False
        Centre each column before forming ``C``.
    **params
        ``clip_quantile``, ``normalize`` (``False`` for the "unnorm" variants) and ``device``.

    Returns
    -------
    float
        In ``[0, 1]``; 0 when either matrix is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import cmd
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(100, 8))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    >>> round(cmd(A, A @ Q, clip_quantile=None), 6)  # C = A A^T ignores rotations
    1.0
    >>> cmd(A, A @ Q, contract="samples", clip_quantile=None) < 0.99  # C = A^T A does not
    True
    """
    return CMD(contract=contract, centered=centered, **params)(A, B)
