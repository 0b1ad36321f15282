"""Resolution of ``device="auto"``."""

import torch


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when CUDA is available, else ``"cpu"``; other values unchanged."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def check_device(device):
    """Refuse a device torch does not know, or a CUDA device on a machine without CUDA.

    ``None`` (skorch: leave the module where it is) and ``"auto"`` pass.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return device
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N', a torch.device or None; got "
            f"{device!r} of type {type(device).__name__}."
        )
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N', a torch.device or None; got "
            f"{device!r}."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this machine; use "
                "device='auto' (CUDA when present, else the CPU) or device='cpu'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    return device


def cuda_index(device):
    """Index of the CUDA device ``device`` names, or None for a non-CUDA device."""
    if device is None:
        return None
    dev = torch.device(device)
    if dev.type != "cuda":
        return None
    return torch.cuda.current_device() if dev.index is None else dev.index
