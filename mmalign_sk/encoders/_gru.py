"""GRU encoder for padded feature sequences."""

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._base import LayeredEncoder
from ._padding import padding_mask as make_padding_mask
from ._validation import check_int, check_optional_int, check_option, check_sample_shape


class GRUSequenceEncoder(LayeredEncoder):
    """Stacked GRU for (n, T, f) feature sequences, pooled to (n, out_features).

    Padded time steps (all features equal to ``pad_value``) are dropped wherever they are (left,
    right or in between): the unpadded steps are packed in their original order, so the recurrence
    never sees padding.

    Parameters
    ----------
    in_features : int
        Feature width ``f`` of the input.
    width : int, optional
        Hidden size of every GRU layer; defaults to ``in_features``.
    depth : int, default=1
        Number of stacked GRU layers.
    bidirectional : bool, default=False
        Run each layer in both directions (the representation then has ``2 * width`` features).
    pooling : {"last", "mean"}, default="last"
        ``"last"``: final hidden state(s) of the layer; ``"mean"``: mean of the layer's outputs over
        the unpadded steps.
    pad_value : float or None, default=0.0
        Value that marks padded time steps; ``None`` disables masking.

    Attributes
    ----------
    out_features : int
        Width of the representation.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import GRUSequenceEncoder
    >>> enc = GRUSequenceEncoder(6, width=4, depth=2, bidirectional=True)
    >>> enc(torch.randn(3, 7, 6)).shape
    torch.Size([3, 8])
    """

    def __init__(self, in_features, width=None, depth=1, bidirectional=False, pooling="last",
                 pad_value=0.0):
        super().__init__()
        in_features = check_int(in_features, "in_features")
        width = check_optional_int(width, "width") or in_features
        depth = check_int(depth, "depth")
        self.pooling = check_option(pooling, "pooling", ("last", "mean"))
        self.pad_value = pad_value
        directions = 2 if bidirectional else 1
        self.layers = nn.ModuleList(
            nn.GRU(in_features if i == 0 else directions * width, width, batch_first=True,
                   bidirectional=bool(bidirectional))
            for i in range(depth)
        )
        self.in_features = in_features
        self.out_features = directions * width

    def forward_layers(self, x, padding_mask=None):
        """Pooled output of every layer, a list of ``depth`` tensors of shape (n, out_features).

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
        n, T, _ = x.shape
        mask = make_padding_mask(x, pad_value=self.pad_value, mask=padding_mask)
        # move the unpadded steps to the front, keeping their order
        order = torch.argsort(mask.to(torch.int8), dim=1, stable=True)
        x = torch.gather(x, 1, order.unsqueeze(-1).expand(-1, -1, x.shape[2]))
        lengths = (~mask).sum(dim=1)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs = []
        for gru in self.layers:
            packed, h_n = gru(packed)
            if self.pooling == "last":
                outputs.append(h_n.transpose(0, 1).reshape(n, -1))
            else:
                padded, _ = pad_packed_sequence(packed, batch_first=True, total_length=T)
                outputs.append(padded.sum(dim=1) / lengths.unsqueeze(1).to(padded.dtype))
        return outputs

    @classmethod
    def from_input_shape(cls, input_shape, **params):
        """Encoder for samples of shape (T, f)."""
        _, features = check_sample_shape(input_shape, cls.__name__, 2)
        return cls(features, **params)
