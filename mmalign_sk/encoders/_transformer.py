"""Transformer encoder for padded feature sequences."""

import torch
import torch.nn as nn

from ._base import LayeredEncoder
from ._padding import masked_mean
from ._padding import padding_mask as make_padding_mask
from ._validation import (check_fraction, check_int, check_optional_int, check_option,
                          check_sample_shape)


class TransformerSequenceEncoder(LayeredEncoder):
    """Transformer encoder for (n, T, f) feature sequences, pooled to (n, width).

    The configuration of the affect experiments of Tjandrasuwita et al. (2025) is the default:
    width = feature width, one head, mean pooling. Time steps whose features all equal
    ``pad_value`` (MultiBench pads with zeros) are masked out of attention and pooling.

    Parameters
    ----------
    in_features : int
        Feature width ``f`` of the input.
    width : int, optional
        Model width; defaults to ``in_features`` (no input projection). Otherwise the input is
        projected by a ``Linear(in_features, width)``.
    depth : int, default=1
        Number of Transformer encoder layers.
    heads : int, default=1
        Attention heads; must divide ``width``.
    feedforward : int, optional
        Width of the feed-forward sublayer; defaults to ``4 * width``.
    dropout : float, default=0.0
        Dropout inside the layers (0 keeps training deterministic given the seed).
    pooling : {"mean", "cls"}, default="mean"
        ``"mean"``: average over the unpadded time steps; ``"cls"``: a learned token is prepended
        and its output is the representation.
    max_length : int, default=512
        Longest sequence accepted (size of the learned positional embedding).
    positional : {"learned", "none"}, default="learned"
        Learned absolute positional embedding, or none.
    activation : {"relu", "gelu"}, default="relu"
        Activation of the feed-forward sublayer.
    pad_value : float or None, default=0.0
        Value that marks padded time steps; ``None`` disables masking.

    Attributes
    ----------
    out_features : int
        Width of the representation (= ``width``).

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import TransformerSequenceEncoder
    >>> enc = TransformerSequenceEncoder(8, depth=2, max_length=10)
    >>> x = torch.randn(4, 10, 8)
    >>> enc(x).shape
    torch.Size([4, 8])
    >>> len(enc.forward_layers(x))
    2
    """

    def __init__(self, in_features, width=None, depth=1, heads=1, feedforward=None, dropout=0.0,
                 pooling="mean", max_length=512, positional="learned", activation="relu",
                 pad_value=0.0):
        super().__init__()
        in_features = check_int(in_features, "in_features")
        width = check_optional_int(width, "width") or in_features
        depth = check_int(depth, "depth")
        heads = check_int(heads, "heads")
        if width % heads:
            raise ValueError(f"heads must divide width; got heads={heads} and width={width}.")
        feedforward = check_optional_int(feedforward, "feedforward") or 4 * width
        dropout = check_fraction(dropout, "dropout")
        self.pooling = check_option(pooling, "pooling", ("mean", "cls"))
        self.max_length = check_int(max_length, "max_length")
        positional = check_option(positional, "positional", ("learned", "none"))
        check_option(activation, "activation", ("relu", "gelu"))
        self.pad_value = pad_value

        self.input_projection = (
            nn.Identity() if width == in_features else nn.Linear(in_features, width)
        )
        n_extra = 1 if self.pooling == "cls" else 0
        self.cls_token = (
            nn.Parameter(torch.randn(1, 1, width) * 0.02) if self.pooling == "cls" else None
        )
        self.position = (
            nn.Parameter(torch.randn(1, self.max_length + n_extra, width) * 0.02)
            if positional == "learned" else None
        )
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(width, heads, dim_feedforward=feedforward, dropout=dropout,
                                       activation=activation, batch_first=True)
            for _ in range(depth)
        )
        self.in_features = in_features
        self.out_features = width

    def _pool(self, h, mask):
        return h[:, 0] if self.pooling == "cls" else masked_mean(h, mask)

    def forward_layers(self, x, padding_mask=None):
        """Pooled output of every layer, a list of ``depth`` tensors of shape (n, width).

        Parameters
        ----------
        x : torch.Tensor of shape (n, T, in_features)
        padding_mask : torch.Tensor of bool, shape (n, T), optional
            True at padded steps; by default derived from ``pad_value``.
        """
        if x.ndim != 3 or x.shape[2] != self.in_features:
            raise ValueError(
                f"x must have shape (n, T, {self.in_features}); got {tuple(x.shape)}."
            )
        if x.shape[1] > self.max_length:
            raise ValueError(
                f"sequences of length {x.shape[1]} exceed max_length={self.max_length}."
            )
        mask = make_padding_mask(x, pad_value=self.pad_value, mask=padding_mask)
        h = self.input_projection(x)
        if self.cls_token is not None:
            h = torch.cat([self.cls_token.expand(h.shape[0], -1, -1), h], dim=1)
            mask = torch.cat([mask.new_zeros((mask.shape[0], 1)), mask], dim=1)
        if self.position is not None:
            h = h + self.position[:, : h.shape[1]]
        outputs = []
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=mask)
            outputs.append(self._pool(h, mask))
        return outputs

    @classmethod
    def from_input_shape(cls, input_shape, **params):
        """Encoder for samples of shape (T, f); ``max_length`` defaults to ``T``."""
        length, features = check_sample_shape(input_shape, cls.__name__, 2)
        params.setdefault("max_length", length)
        return cls(features, **params)

