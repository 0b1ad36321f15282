"""Preprocessing shared by every alignment metric: outlier clipping, then row L2-normalisation.

This follows the protocol of Huh et al. (2024) used by Tjandrasuwita et al. (2025): each matrix is
clipped to ``[-t, t]`` where ``t`` is the exact ``q``-quantile of the absolute values of all its
entries, then every row is scaled to unit Euclidean norm so that inner products are cosines.
"""

import math

import numpy as np
import torch

from ._sums import sums_of_squares
from ._validation import check_embedding, check_real


def _as_tensor(X):
    """``(tensor, was_tensor)``: numpy arrays and nested sequences are validated and converted."""
    if isinstance(X, torch.Tensor):
        return X, True
    X = np.asarray(check_embedding(X, "X"))
    return torch.as_tensor(X if X.dtype.kind == "f" else X.astype(np.float64)), False


def _like_input(X, was_tensor):
    return X if was_tensor else X.numpy()


def abs_quantile(X, q):
    """Exact ``q``-quantile of ``|X|`` over all entries (linear interpolation, as ``numpy.quantile``).

    Uses the two order statistics around the quantile instead of a full sort, so it works for
    tensors of any size (``torch.quantile`` is limited to 2**24 elements). On the CPU they come
    from one in-place partial sort of a copy of the absolute values; on a GPU from
    ``torch.kthvalue``.
    """
    return _quantile_of(X.reshape(-1).abs(), q).to(X.dtype)


def _quantile_of(values, q):
    """Exact ``q``-quantile of the 1-D tensor ``values``, which it may reorder (CPU)."""
    if values.numel() == 1:
        return values[0].clone()
    pos = q * (values.numel() - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, values.numel() - 1)
    frac = pos - lo
    if values.device.type == "cpu" and values.dtype in (torch.float32, torch.float64):
        values.numpy().partition([lo, hi])
        v_lo, v_hi = values[lo], values[hi]
    else:
        work = values if values.device.type == "cpu" else values.float()
        v_lo = torch.kthvalue(work, lo + 1).values
        v_hi = torch.kthvalue(work, hi + 1).values if frac else v_lo
    if frac == 0.0:
        return v_lo.clone()
    return v_lo + frac * (v_hi - v_lo)


def clip_outliers(X, q=0.95):
    """Clip ``X`` to ``[-t, t]`` with ``t`` the exact ``q``-quantile of ``|X|``.

    Parameters
    ----------
    X : torch.Tensor or array-like of shape (n_samples, n_features)
    q : float in (0, 1]
        Quantile of the absolute values used as the clipping threshold; ``1`` clips nothing.

    Returns
    -------
    torch.Tensor or ndarray
        A new tensor of the same shape, dtype and device (an ndarray for an array-like ``X``).
        It is the only copy made: the absolute values whose quantile is taken are computed into
        it, then overwritten by the clipped values.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import clip_outliers
    >>> clip_outliers(torch.tensor([[1.0, -10.0], [2.0, 3.0]]), q=0.5)
    tensor([[ 1.0000, -2.5000],
            [ 2.0000,  2.5000]])
    """
    q = check_real(q, "clip_quantile", low=0.0, high=1.0, low_inclusive=False)
    X, was_tensor = _as_tensor(X)
    out = X.detach().abs()
    if not out.is_contiguous():
        out = out.contiguous()
    t = _quantile_of(out.view(-1), q).to(X.dtype)
    if X.requires_grad:  # keep the autograd graph (clipped entries get zero gradient)
        return X.clamp(-t, t)
    return _like_input(torch.clamp(X, -t, t, out=out), was_tensor)


def normalize_rows(X):
    """Scale every row of ``X`` to unit L2 norm; an all-zero row stays zero.

    Norms are computed in float64, so rows of any non-zero norm (however small) reach unit norm.
    ``X`` is a tensor or an array-like of shape (n_samples, n_features); an array-like gives an
    ndarray.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import normalize_rows
    >>> normalize_rows(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    X, was_tensor = _as_tensor(X)
    return _like_input(_normalize_rows(X, out=None), was_tensor)


def _normalize_rows(X, out):
    """Rows of ``X`` scaled to unit norm, written to ``out`` (``X`` itself for in place) or, for
    ``out=None``, to a new tensor (always, when ``X`` requires grad)."""
    if X.requires_grad:
        out = None
    if X.dtype == torch.float64:
        X = _rows_within_square_range(X, out)
    norms = sums_of_squares(X, dim=1).sqrt_()[:, None]  # float64
    norms = torch.where(norms > 0.0, norms, 1.0)
    if X.dtype != torch.float64 and bool((norms < torch.finfo(X.dtype).tiny).any()):
        # a norm below the normal range of X's dtype: divide in float64
        scaled = (X.to(torch.float64) / norms).to(X.dtype)
        return scaled if out is None else out.copy_(scaled)
    return torch.div(X, norms.to(X.dtype), out=out) if out is not None else X / norms.to(X.dtype)


#: Float64 rows whose largest entry lies outside [2**-_SQUARE_LOG2, 2**_SQUARE_LOG2] are scaled
#: by a power of two before their squares are summed (which would overflow or underflow).
_SQUARE_LOG2 = 500


def _rows_within_square_range(X, out):
    """``X`` (float64) with every row whose largest absolute value is outside the range where its
    squares are safe multiplied by a power of two (exact) so that it lies in [0.5, 1); a row's
    direction, all that normalisation keeps, is unchanged. Written to ``out`` when given."""
    largest = torch.maximum(X.amax(dim=1), -X.amin(dim=1)) if X.shape[1] else X.new_zeros(len(X))
    bad = (largest > 2.0**_SQUARE_LOG2) | ((largest > 0) & (largest < 2.0**-_SQUARE_LOG2))
    if not bool(bad.any()):
        return X
    exponent = torch.frexp(torch.where(bad, largest, 1.0)).exponent
    shift = torch.where(bad, -exponent, 0)[:, None].to(X.dtype)  # rows in range: 2**0
    half = torch.trunc(shift / 2)  # two steps: 2**shift alone can overflow (|shift| <= 1074)
    scaled = torch.mul(X, torch.exp2(half), out=out)
    return scaled.mul_(torch.exp2(shift - half))


def preprocess(X, clip_quantile=0.95, normalize=True):
    """Apply the metric preprocessing: optional outlier clipping, then optional row normalisation.

    Parameters
    ----------
    X : torch.Tensor or array-like of shape (n_samples, n_features)
        An array-like ``X`` is validated and the result returned as an ndarray.
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
    X, was_tensor = _as_tensor(X)
    if clip_quantile is not None:
        X = clip_outliers(X, clip_quantile)
        if normalize:  # the clipped matrix is ours: normalise it in place (one copy in all)
            X = _normalize_rows(X, out=X)
    elif normalize:
        X = normalize_rows(X)
    return _like_input(X, was_tensor)
