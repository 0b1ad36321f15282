"""Encoders: plain PyTorch modules that expose the representation after every layer.

Every encoder has ``forward(x) -> (n, out_features)`` and ``forward_layers(x) -> [(n, d_l), ...]``
(``forward(x)`` is ``forward_layers(x)[-1]``), an ``out_features`` attribute, and a
``from_input_shape(shape, **params)`` classmethod the estimators use to size it from the data.
"""

from ._activation import make_activation
from ._base import LayeredEncoder
from ._cnn import SmallCNN
from ._gru import GRUSequenceEncoder
from ._head import LinearHead
from ._mlp import MLP
from ._padding import masked_mean, padding_mask
from ._projection import ProjectionHead
from ._registry import ENCODERS, build_encoder, get_encoder_class, output_width
from ._transformer import TransformerSequenceEncoder

__all__ = [
    "ENCODERS",
    "GRUSequenceEncoder",
    "LayeredEncoder",
    "LinearHead",
    "MLP",
    "ProjectionHead",
    "SmallCNN",
    "TransformerSequenceEncoder",
    "build_encoder",
    "get_encoder_class",
    "make_activation",
    "masked_mean",
    "output_width",
    "padding_mask",
]
