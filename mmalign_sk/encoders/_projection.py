"""Projection head into the space where modalities are aligned."""

import torch.nn as nn

from ._activation import make_activation
from ._validation import check_int, check_optional_int


class ProjectionHead(nn.Module):
    """Projection of an encoder's representation into the shared contrastive space.

    Parameters
    ----------
    in_features : int
    out_features : int
    hidden : int, optional
        ``None``: a single ``Linear`` (as in CLIP). An int: ``Linear -> activation -> Linear`` with
        this hidden width (as in SimCLR).
    activation : str or module class, default="relu"
        Used only when ``hidden`` is set.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import ProjectionHead
    >>> ProjectionHead(12, 64)(torch.zeros(3, 12)).shape
    torch.Size([3, 64])
    >>> ProjectionHead(12, 64, hidden=32)
    ProjectionHead(
      (net): Sequential(
        (0): Linear(in_features=12, out_features=32, bias=True)
        (1): ReLU()
        (2): Linear(in_features=32, out_features=64, bias=True)
      )
    )
    """

    def __init__(self, in_features, out_features, hidden=None, activation="relu"):
        super().__init__()
        in_features = check_int(in_features, "in_features")
        out_features = check_int(out_features, "out_features")
        hidden = check_optional_int(hidden, "hidden")
        if hidden is None:
            self.net = nn.Sequential(nn.Linear(in_features, out_features))
        else:
            self.net = nn.Sequential(
                nn.Linear(in_features, hidden), make_activation(activation),
                nn.Linear(hidden, out_features),
            )
        self.out_features = out_features

    def forward(self, x):
        """Projected representation, shape (n, out_features)."""
        return self.net(x)
