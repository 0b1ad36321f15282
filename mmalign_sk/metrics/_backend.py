"""Array backend: device resolution and conversion of numpy arrays / torch tensors to tensors."""

import numpy as np
import torch


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


def to_tensor(X, device, dtype=torch.float32):
    """Convert ``X`` (numpy array, torch tensor or nested sequence) to a tensor on ``device``.

    A tensor already of the right dtype on the right device is returned as is (no copy).
    """
    if isinstance(X, torch.Tensor):
        return X.detach().to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(X), dtype=dtype, device=device)
