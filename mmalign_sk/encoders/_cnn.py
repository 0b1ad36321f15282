"""Small convolutional encoder for images."""

import torch.nn as nn

from ._activation import make_activation
from ._base import LayeredEncoder
from ._validation import check_int


class SmallCNN(LayeredEncoder):
    """Small CNN for (n, C, H, W) images such as MNIST digits (n, 1, 28, 28).

    Block ``i`` is ``Conv2d(3x3, padding 1)`` with ``width * 2**i`` channels, the activation, and
    2x2 max pooling. The representation of a block is its output averaged over space (global
    average pooling), so layer ``i`` has ``width * 2**i`` features.

    Parameters
    ----------
    in_channels : int, default=1
    depth : int, default=2
        Number of convolutional blocks; the images need ``H, W >= 2**depth``.
    width : int, default=32
        Channels of the first block (doubled by every further block).
    activation : str or module class, default="relu"

    Attributes
    ----------
    out_features : int
        ``width * 2**(depth - 1)``.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import SmallCNN
    >>> enc = SmallCNN(depth=2, width=8)
    >>> [h.shape[1] for h in enc.forward_layers(torch.zeros(2, 1, 28, 28))]
    [8, 16]
    """

    def __init__(self, in_channels=1, depth=2, width=32, activation="relu"):
        super().__init__()
        in_channels = check_int(in_channels, "in_channels")
        depth = check_int(depth, "depth")
        width = check_int(width, "width")
        blocks = []
        channels = in_channels
        for i in range(depth):
            out = width * 2 ** i
            blocks.append(nn.Sequential(
                nn.Conv2d(channels, out, kernel_size=3, padding=1),
                make_activation(activation),
                nn.MaxPool2d(2),
            ))
            channels = out
        self.layers = nn.ModuleList(blocks)
        self.in_channels = in_channels
        self.depth = depth
        self.out_features = channels

    def forward_layers(self, x):
        """Globally average-pooled output of every block, a list of ``depth`` (n, c_i) tensors."""
        if x.ndim == 3 and self.in_channels == 1:
            x = x.unsqueeze(1)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (n, {self.in_channels}, H, W); got {tuple(x.shape)}."
            )
        if min(x.shape[2:]) < 2 ** self.depth:
            raise ValueError(
                f"images of size {tuple(x.shape[2:])} are too small for depth={self.depth}; "
                f"need at least {2 ** self.depth} pixels per side."
            )
        outputs = []
        h = x
        for block in self.layers:
            h = block(h)
            outputs.append(h.mean(dim=(2, 3)))
        return outputs

    @classmethod
    def from_input_shape(cls, input_shape, **params):
        """CNN for samples of shape (C, H, W), or (H, W) for single-channel images."""
        shape = tuple(int(s) for s in input_shape)
        if len(shape) not in (2, 3):
            raise ValueError(
                f"{cls.__name__} expects image samples of shape (C, H, W) or (H, W); got {shape}."
            )
        depth = params.get("depth", 2)
        if len(shape) == 3:
            params.setdefault("in_channels", shape[0])
        if min(shape[-2:]) < 2 ** depth:
            raise ValueError(
                f"images of size {shape[-2:]} are too small for depth={depth}; need at least "
                f"{2 ** depth} pixels per side."
            )
        return cls(**params)
