"""Resolution of ``device="auto"``."""

import torch


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when CUDA is available, else ``"cpu"``; other values unchanged."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def cuda_index(device):
    """Index of the CUDA device ``device`` names, or None for a non-CUDA device."""
    if device is None:
        return None
    dev = torch.device(device)
    if dev.type != "cuda":
        return None
    return torch.cuda.current_device() if dev.index is None else dev.index
