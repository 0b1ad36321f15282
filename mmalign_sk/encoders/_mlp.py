"""Multilayer perceptron encoder."""

import math

import torch.nn as nn

from ._activation import make_activation
from ._base import LayeredEncoder
from ._validation import check_int, check_optional_int


class MLP(LayeredEncoder):
    """Multilayer perceptron: ``depth`` blocks of ``Linear`` followed by a nonlinearity.

    Inputs with more than one feature axis are flattened. The representation of a layer is the
    output of its nonlinearity, as in Tjandrasuwita et al. (2025).

    Parameters
    ----------
    in_features : int
        Number of input features (after flattening).
    depth : int, default=1
        Number of hidden layers (``Linear`` + activation).
    width : int, optional
        Width of every hidden layer. Defaults to ``in_features`` (the synthetic studies use hidden
        width = input width).
    activation : str or module class, default="relu"
        See :func:`make_activation`.

    Attributes
    ----------
    out_features : int
        Width of the final representation (= ``width``).
    layers : torch.nn.ModuleList
        The ``depth`` blocks.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import MLP
    >>> enc = MLP(12, depth=3)
    >>> enc(torch.zeros(5, 12)).shape
    torch.Size([5, 12])
    >>> [h.shape[1] for h in enc.forward_layers(torch.zeros(5, 12))]
    [12, 12, 12]
    """

    def __init__(self, in_features, depth=1, width=None, activation="relu"):
        super().__init__()
        in_features = check_int(in_features, "in_features")
        depth = check_int(depth, "depth")
        width = check_optional_int(width, "width") or in_features
        blocks = []
        for i in range(depth):
            blocks.append(nn.Sequential(
                nn.Linear(in_features if i == 0 else width, width), make_activation(activation)
            ))
        self.layers = nn.ModuleList(blocks)
        self.in_features = in_features
        self.out_features = width

    def forward_layers(self, x):
        """Output of every block, a list of ``depth`` tensors of shape (n, width)."""
        h = x.flatten(1)
        outputs = []
        for block in self.layers:
            h = block(h)
            outputs.append(h)
        return outputs

    @classmethod
    def from_input_shape(cls, input_shape, **params):
        """MLP for samples of shape ``input_shape`` (flattened)."""
        return cls(int(math.prod(input_shape)), **params)
