"""Encoders by name, and building an encoder for a given input shape."""

import inspect

import torch
import torch.nn as nn

from ._cnn import SmallCNN
from ._gru import GRUSequenceEncoder
from ._mlp import MLP
from ._transformer import TransformerSequenceEncoder

ENCODERS = {
    "mlp": MLP,
    "transformer": TransformerSequenceEncoder,
    "gru": GRUSequenceEncoder,
    "cnn": SmallCNN,
}


def get_encoder_class(encoder):
    """Return the encoder class for a name, or ``encoder`` itself when it is a module class.

    Parameters
    ----------
    encoder : {"mlp", "transformer", "gru", "cnn"} or torch.nn.Module subclass

    Examples
    --------
    >>> from mmalign_sk.encoders import get_encoder_class
    >>> get_encoder_class("mlp").__name__
    'MLP'
    """
    if isinstance(encoder, str):
        if encoder not in ENCODERS:
            raise ValueError(
                f"encoder must be one of {sorted(ENCODERS)} or a torch.nn.Module subclass; "
                f"got {encoder!r}."
            )
        return ENCODERS[encoder]
    if inspect.isclass(encoder) and issubclass(encoder, nn.Module):
        return encoder
    raise TypeError(
        f"encoder must be one of {sorted(ENCODERS)} or a torch.nn.Module subclass; got {encoder!r}."
    )


def build_encoder(encoder, input_shape, **params):
    """Instantiate an encoder for samples of shape ``input_shape``.

    Classes with a ``from_input_shape`` classmethod (every encoder of this package) are built with
    it, so the input width is taken from the data; any other ``nn.Module`` class is called as
    ``encoder(**params)``.

    Parameters
    ----------
    encoder : str or torch.nn.Module subclass
    input_shape : tuple of int
        Shape of one sample (without the sample axis).
    **params
        Constructor parameters, e.g. ``depth=3``.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from mmalign_sk.encoders import build_encoder
    >>> build_encoder("mlp", (12,), depth=2).out_features
    12
    """
    cls = get_encoder_class(encoder)
    factory = getattr(cls, "from_input_shape", None)
    if factory is not None:
        return factory(tuple(input_shape), **params)
    return cls(**params)


def output_width(encoder, input_shape):
    """Width of ``encoder``'s representation: its ``out_features``, else found by a dry run.

    The dry run feeds two zero samples of shape ``input_shape`` in evaluation mode without
    gradients and restores the training mode afterwards.
    """
    width = getattr(encoder, "out_features", None)
    if isinstance(width, int):
        return width
    first = next(encoder.parameters(), None)
    device = first.device if first is not None else "cpu"
    was_training = encoder.training
    encoder.eval()
    with torch.no_grad():
        out = encoder(torch.zeros((2, *input_shape), device=device))
    encoder.train(was_training)
    if out.ndim != 2:
        raise ValueError(
            f"encoder {type(encoder).__name__} must return (n, d) representations; "
            f"got output of shape {tuple(out.shape)}."
        )
    return int(out.shape[1])
