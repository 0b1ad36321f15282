"""Activation functions by name."""

import torch.nn as nn

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}


def make_activation(activation):
    """Return a new activation module.

    Parameters
    ----------
    activation : str or callable
        One of ``"relu"``, ``"gelu"``, ``"tanh"``, ``"sigmoid"``, ``"silu"``, ``"elu"``,
        ``"leaky_relu"``, or a callable (e.g. an ``nn.Module`` class) returning a module when called
        without arguments.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from mmalign_sk.encoders import make_activation
    >>> make_activation("tanh")
    Tanh()
    """
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)} or a module class; "
                f"got {activation!r}."
            )
        return _ACTIVATIONS[activation]()
    if callable(activation):
        module = activation()
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"activation() must return a torch.nn.Module; got {type(module).__name__}."
            )
        return module
    raise TypeError(f"activation must be a str or a module class; got {activation!r}.")
