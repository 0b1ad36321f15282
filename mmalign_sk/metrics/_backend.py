"""Array backend: device resolution and conversion of numpy arrays / torch tensors to tensors."""

import math

import numpy as np
import torch

# Largest absolute value kept as is by ``to_tensor(..., rescale=True)``: inside this window float32
# Gram products and their squares neither overflow nor underflow, so nothing needs rescaling.
_SAFE_LOG2 = 20


def resolve_device(device="auto", like=None):
    """Return the :class:`torch.device` to compute on.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"} or str or torch.device, default="auto"
        ``"auto"`` keeps a torch tensor ``like`` on its own device (no host/device copy) and otherwise
        picks CUDA when it is available, else the CPU.
    like : torch.Tensor or array-like, optional
        An input whose device ``"auto"`` should follow.

    Returns
    -------
    torch.device
    """
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be 'auto', 'cpu', 'cuda' or a torch.device; got {device!r}.")
    if device == "auto":
        if isinstance(like, torch.Tensor):
            return like.device
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; use 'auto' or 'cpu'.")
    return resolved


def times_power_of_two(X, exponent):
    """``X * 2**exponent`` (exact: only exponents change), in steps that never overflow a scalar."""
    exponent = int(exponent)
    while exponent:
        step = max(-100, min(100, exponent))
        X = X * 2.0 ** step
        exponent -= step
    return X


def _max_abs(X):
    if isinstance(X, torch.Tensor):
        return float(torch.linalg.vector_norm(X, ord=math.inf)) if X.numel() else 0.0
    return max(float(X.max()), -float(X.min())) if X.size else 0.0


def to_tensor(X, device, dtype=torch.float32, *, rescale=False, name="X"):
    """Convert ``X`` (numpy array, torch tensor or nested sequence) to a tensor on ``device``.

    A tensor already of the right dtype on the right device is returned as is (no copy).

    Parameters
    ----------
    X : array-like or torch.Tensor
        Finite values.
    device : torch.device
    dtype : torch.dtype, default=torch.float32
    rescale : bool, default=False
        Divide the whole matrix by a power of two first, in its own precision, when its largest
        absolute value lies outside ``[2**-20, 2**20]``: the result's largest absolute value is then
        in ``[0.5, 1)``. The operation is exact (only exponents change), so a metric that is
        invariant to scaling a whole matrix computes the right value for any finite input, even one
        beyond the range of float32 or so small that float32 products would underflow. Without it,
        values beyond the range of ``dtype`` raise a ``ValueError``.
    name : str, default="X"
        Name of the argument in error messages.
    """
    if isinstance(X, torch.Tensor):
        X = X.detach()
        if not X.is_floating_point():
            X = X.to(dtype)
        elif X.element_size() < 4:  # half precision: float32 holds it exactly
            X = X.to(torch.float32)
    else:
        X = np.asarray(X)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        elif X.dtype.itemsize < 4:
            X = X.astype(np.float32)
    if torch.empty((), dtype=dtype).is_floating_point():
        largest = _max_abs(X)
        if rescale and largest > 0.0 and not 2.0 ** -_SAFE_LOG2 <= largest <= 2.0 ** _SAFE_LOG2:
            exponent = -math.frexp(largest)[1]
            X = (times_power_of_two(X, exponent) if isinstance(X, torch.Tensor)
                 else np.ldexp(X, exponent))
        elif largest > torch.finfo(dtype).max:
            raise ValueError(
                f"{name} holds values up to {largest:.3g}, beyond the range of {dtype} "
                f"(largest {torch.finfo(dtype).max:.3g}); this computation depends on the scale of "
                f"{name}, so divide {name} (and the parameters that share its scale) by a constant."
            )
    if isinstance(X, torch.Tensor):
        return X.to(device=device, dtype=dtype)
    return torch.as_tensor(X, dtype=dtype, device=device)
