"""Device and precision choices shared by the pretrained feature extractors."""

import torch

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_device(device):
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to torch.device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto' or a torch device; got {device!r}.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; use "
            "device='auto' (CUDA when present, else the CPU) or device='cpu'."
        )
    return resolved


def resolve_dtype(dtype, device):
    """``"auto"`` -> bfloat16 (or float16) on CUDA, float32 on CPU; half precision only on CUDA."""
    if dtype == "auto":
        if device.type != "cuda":
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be 'auto' or one of {tuple(_DTYPES)}; got {dtype!r}.")
    if dtype != "float32" and device.type != "cuda":
        raise ValueError(f"dtype={dtype!r} needs a CUDA device; got device {device}.")
    return _DTYPES[dtype]


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
