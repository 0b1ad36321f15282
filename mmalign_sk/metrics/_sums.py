"""Sums accumulated in float64 without a float64 copy of the matrix.

On the CPU numpy's reductions read float32 (or float64) rows directly and are several times
faster than torch's ``sum(dtype=torch.float64)`` and column ``vector_norm``; elsewhere, and for
tensors that require grad, torch ops do (sums of squares on row blocks of at most 32 MiB in
float64).
"""

import numpy as np
import torch

#: Float64 entries of one row block on the torch route (32 MiB).
_BLOCK_ENTRIES = 2**22


def _numpy_route(X):
    return (X.device.type == "cpu" and X.dtype in (torch.float32, torch.float64)
            and not X.requires_grad)


def _row_blocks(X):
    step = max(1, _BLOCK_ENTRIES // max(X.shape[1], 1))
    return (X[start:start + step].to(torch.float64) for start in range(0, X.shape[0], step))


def column_sums(X):
    """Column sums of the 2-D ``X`` in float64, a float64 tensor of shape (d,) on X's device."""
    if _numpy_route(X):
        return torch.from_numpy(np.asarray(X.numpy().sum(0, dtype=np.float64)))
    return X.sum(0, dtype=torch.float64)


def sums_of_squares(X, dim):
    """``(X * X).sum(dim)`` of the 2-D ``X`` in float64: per column (``dim=0``, shape (d,)) or
    per row (``dim=1``, shape (n,))."""
    if _numpy_route(X):
        values = X.numpy()
        spec = "ij,ij->j" if dim == 0 else "ij,ij->i"
        return torch.from_numpy(np.einsum(spec, values, values, dtype=np.float64))
    parts = [(block * block).sum(dim) for block in _row_blocks(X)]
    if dim == 1:
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64, device=X.device)
    return sum(parts, torch.zeros(X.shape[1], dtype=torch.float64, device=X.device))


def rows_times(X, V):
    """``X @ V`` of the 2-D ``X`` (n, d) and a float64 ``V`` (d, k) in float64, shape (n, k).

    On the CPU numpy converts row blocks of at most 32 MiB of float64 at a time (torch's
    conversion to float64 is several times slower).
    """
    step = max(1, _BLOCK_ENTRIES // max(X.shape[1], 1))
    if _numpy_route(X):
        values, right = X.numpy(), V.numpy()
        return torch.from_numpy(np.concatenate(
            [values[start:start + step] @ right for start in range(0, X.shape[0], step)]
        ) if X.shape[0] else np.zeros((0, V.shape[1])))
    if not X.shape[0]:
        return torch.zeros((0, V.shape[1]), dtype=torch.float64, device=X.device)
    return torch.cat([block @ V for block in _row_blocks(X)])


def to_float64(X):
    """A float64 copy of the 2-D ``X`` (numpy's conversion on the CPU, several times faster)."""
    if _numpy_route(X):
        return torch.from_numpy(X.numpy().astype(np.float64))
    return X.to(torch.float64, copy=True)
