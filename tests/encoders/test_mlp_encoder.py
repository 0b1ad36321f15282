import numpy as np
import pytest
import torch

from mmalign_sk.encoders import MLP
from encoder_testing import seeded_single_thread  # noqa: F401 (fixture)


def _numpy_forward(mlp, x):
    """Independent float64 forward pass through the MLP's weights, ReLU after every layer."""
    h = x.reshape(len(x), -1).astype(np.float64)
    layers = []
    for block in mlp.layers:
        W = block[0].weight.detach().double().numpy()
        b = block[0].bias.detach().double().numpy()
        h = np.maximum(h @ W.T + b, 0.0)
        layers.append(h)
    return layers


def test_layers_match_a_float64_forward_pass():
    mlp = MLP(12, depth=3)
    x = np.random.RandomState(0).randn(7, 12).astype(np.float32)
    got = [h.detach().double().numpy() for h in mlp.forward_layers(torch.from_numpy(x))]
    want = _numpy_forward(mlp, x)
    assert len(got) == 3
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mlp(torch.from_numpy(x)).detach().numpy(),
                                  mlp.forward_layers(torch.from_numpy(x))[-1].detach().numpy())


def test_width_defaults_to_input_width_and_inputs_are_flattened():
    mlp = MLP.from_input_shape((3, 4), depth=2)
    assert mlp.in_features == 12 and mlp.out_features == 12
    out = mlp(torch.randn(5, 3, 4))
    assert out.shape == (5, 12)
    assert MLP(12, width=7).out_features == 7


def test_activation_by_name():
    mlp = MLP(4, depth=1, activation="tanh")
    x = torch.randn(3, 4)
    W, b = mlp.layers[0][0].weight, mlp.layers[0][0].bias
    torch.testing.assert_close(mlp(x), torch.tanh(x @ W.T + b))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"in_features": 0}, ValueError, "in_features must be >= 1; got 0"),
    ({"in_features": 4, "depth": 0}, ValueError, "depth must be >= 1; got 0"),
    ({"in_features": 4, "depth": 1.5}, TypeError, "depth must be an int"),
    ({"in_features": 4, "activation": "swish"}, ValueError, "activation must be one of"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)
