"""Preprocessing shared by every alignment metric: outlier clipping, then row L2-normalisation.

This follows the protocol of Huh et al. (2024) used by Tjandrasuwita et al. (2025): each matrix is
clipped to ``[-t, t]`` where ``t`` is the exact ``q``-quantile of the absolute values of all its
entries, then every row is scaled to unit Euclidean norm so that inner products are cosines.
"""

import math

import torch

from ._validation import check_real


def abs_quantile(X, q):
    """Exact ``q``-quantile of ``|X|`` over all entries (linear interpolation, as ``numpy.quantile``).

    Uses two order statistics (``torch.kthvalue``) instead of a full sort, so it works for
    tensors of any size (``torch.quantile`` is limited to 2**24 elements).
    """
    flat = X.reshape(-1).abs()
    if flat.numel() == 1:
        return flat[0]
    pos = q * (flat.numel() - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, flat.numel() - 1)
    frac = pos - lo
    work = flat if flat.device.type == "cpu" else flat.float()
    v_lo = torch.kthvalue(work, lo + 1).values
    if frac == 0.0:
        return v_lo.to(X.dtype)
    v_hi = torch.kthvalue(work, hi + 1).values
    return (v_lo + frac * (v_hi - v_lo)).to(X.dtype)


def clip_outliers(X, q=0.95):
    """Clip ``X`` to ``[-t, t]`` with ``t`` the exact ``q``-quantile of ``|X|``.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
    q : float in (0, 1]
        Quantile of the absolute values used as the clipping threshold; ``1`` clips nothing.

    Returns
    -------
    torch.Tensor
        A new tensor of the same shape, dtype and device.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import clip_outliers
    >>> clip_outliers(torch.tensor([[1.0, -10.0], [2.0, 3.0]]), q=0.5)
    tensor([[ 1.0000, -2.5000],
            [ 2.0000,  2.5000]])
    """
    q = check_real(q, "clip_quantile", low=0.0, high=1.0, low_inclusive=False)
    t = abs_quantile(X, q)
    return X.clamp(-t, t)


def normalize_rows(X, eps=1e-12):
    """Scale every row of ``X`` to unit L2 norm; an all-zero row stays zero.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import normalize_rows
    >>> normalize_rows(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    norms = torch.linalg.vector_norm(X, dim=1, keepdim=True, dtype=torch.float64)
    return X / norms.clamp_min(eps).to(X.dtype)


def preprocess(X, clip_quantile=0.95, normalize=True):
    """Apply the metric preprocessing: optional outlier clipping, then optional row normalisation.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
    clip_quantile : float in (0, 1] or None, default=0.95
        Quantile of ``|X|`` to clip at; ``None`` disables clipping.
    normalize : bool, default=True
        Whether to L2-normalise rows afterwards.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import preprocess
    >>> X = torch.tensor([[3.0, 4.0], [100.0, 0.0], [0.0, 1.0]])
    >>> preprocess(X, clip_quantile=None).norm(dim=1)
    tensor([1., 1., 1.])
    """
    if clip_quantile is not None:
        X = clip_outliers(X, clip_quantile)
    if normalize:
        X = normalize_rows(X)
    return X
