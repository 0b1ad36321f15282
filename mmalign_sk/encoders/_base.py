"""The encoder protocol shared by every encoder of the package."""

import torch.nn as nn


class LayeredEncoder(nn.Module):
    """Base class of encoders that expose the representation after every layer.

    Subclasses implement :meth:`forward_layers`, returning one ``(n, d_l)`` tensor per layer;
    :meth:`forward` returns the last of them, so ``forward(x)`` and ``forward_layers(x)[-1]`` are
    always the same tensor. Subclasses set ``out_features`` (the width of ``forward``'s output) and
    implement :meth:`from_input_shape`, which the estimators call with the shape of one sample.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import MLP
    >>> encoder = MLP(in_features=12, depth=3)
    >>> x = torch.zeros(5, 12)
    >>> [tuple(h.shape) for h in encoder.forward_layers(x)]
    [(5, 12), (5, 12), (5, 12)]
    >>> torch.equal(encoder(x), encoder.forward_layers(x)[-1])
    True
    """

    out_features = None

    def forward(self, x, **kwargs):
        """Final representation of ``x``, shape (n, out_features)."""
        return self.forward_layers(x, **kwargs)[-1]

    def forward_layers(self, x, **kwargs):  # pragma: no cover - abstract
        """Representation after every layer, a list of (n, d_l) tensors."""
        raise NotImplementedError

    @classmethod
    def from_input_shape(cls, input_shape, **params):  # pragma: no cover - abstract
        """Build the encoder for samples of shape ``input_shape`` (sample axis excluded)."""
        raise NotImplementedError
