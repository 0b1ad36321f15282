"""Padding masks of padded sequence batches."""

import torch


def padding_mask(x, pad_value=0.0, mask=None):
    """Boolean (n, T) mask, True at padded time steps of a (n, T, f) batch.

    Parameters
    ----------
    x : torch.Tensor of shape (n, T, f)
    pad_value : float or None, default=0.0
        A time step whose features all equal ``pad_value`` is padding. ``None``: no padding.
    mask : torch.Tensor of shape (n, T), optional
        An explicit mask (True = padding); overrides ``pad_value``.

    Returns
    -------
    torch.Tensor of bool, shape (n, T)
        A sequence made only of padding is treated as unpadded, so that pooling and attention
        stay finite.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import padding_mask
    >>> x = torch.tensor([[[1.0], [0.0]], [[0.0], [0.0]]])
    >>> padding_mask(x)
    tensor([[False,  True],
            [False, False]])
    """
    n, T = x.shape[:2]
    if mask is not None:
        if tuple(mask.shape) != (n, T):
            raise ValueError(
                f"padding_mask must have shape (n, T) = {(n, T)}; got {tuple(mask.shape)}."
            )
        mask = mask.to(device=x.device, dtype=torch.bool)
    elif pad_value is None:
        return torch.zeros((n, T), dtype=torch.bool, device=x.device)
    else:
        mask = (x == pad_value).all(dim=-1)
    all_padding = mask.all(dim=1, keepdim=True)
    return mask & ~all_padding


def masked_mean(h, mask):
    """Mean of (n, T, d) ``h`` over the steps where ``mask`` (n, T; True = padding) is False."""
    keep = (~mask).unsqueeze(-1).to(h.dtype)
    return (h * keep).sum(dim=1) / keep.sum(dim=1).clamp_min(1.0)
