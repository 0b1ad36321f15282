import pytest
import torch
import torch.nn as nn

from mmalign_sk.encoders import (MLP, LinearHead, ProjectionHead, build_encoder, get_encoder_class,
                                 make_activation, output_width)
from encoder_testing import seeded_single_thread  # noqa: F401 (fixture)


def test_heads():
    head = LinearHead(5, 3)
    x = torch.randn(4, 5)
    torch.testing.assert_close(head(x), x @ head.weight.T + head.bias)
    proj = ProjectionHead(5, 7, hidden=6, activation="tanh")
    first, act, second = proj.net
    torch.testing.assert_close(proj(x), second(torch.tanh(first(x))))
    assert proj.out_features == 7


def test_registry_and_builder():
    assert get_encoder_class("gru").__name__ == "GRUSequenceEncoder"
    assert get_encoder_class(MLP) is MLP
    with pytest.raises(ValueError, match="encoder must be one of"):
        get_encoder_class("resnet")
    with pytest.raises(TypeError, match="encoder must be one of"):
        get_encoder_class(42)
    assert build_encoder("mlp", (2, 3), depth=2).in_features == 6


class _Plain(nn.Module):
    """A user encoder without from_input_shape or out_features."""

    def __init__(self, n_in=4, n_out=9):
        super().__init__()
        self.lin = nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.lin(x)


def test_custom_module_is_called_with_its_params_and_sized_by_a_dry_run():
    enc = build_encoder(_Plain, (4,), n_out=9)
    enc.train()
    assert output_width(enc, (4,)) == 9
    assert enc.training  # the dry run restores the mode


def test_make_activation():
    assert isinstance(make_activation(nn.GELU), nn.GELU)
    with pytest.raises(TypeError, match="must return a torch.nn.Module"):
        make_activation(lambda: 3)
