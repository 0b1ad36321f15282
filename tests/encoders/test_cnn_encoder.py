import pytest
import torch

from mmalign_sk.encoders import SmallCNN
from encoder_testing import seeded_single_thread  # noqa: F401 (fixture)


def test_layers_are_space_averaged_block_outputs():
    enc = SmallCNN(depth=3, width=4)
    x = torch.randn(2, 1, 28, 28)
    layers = enc.forward_layers(x)
    assert [h.shape[1] for h in layers] == [4, 8, 16]
    h = x
    for block, got in zip(enc.layers, layers):
        conv, act, pool = block
        h = pool(act(conv(h)))
        torch.testing.assert_close(got, h.mean(dim=(2, 3)))
    assert enc.out_features == 16
    torch.testing.assert_close(enc(x), layers[-1])


def test_single_channel_images_may_omit_the_channel_axis():
    enc = SmallCNN.from_input_shape((28, 28), depth=2, width=4)
    x = torch.randn(3, 28, 28)
    torch.testing.assert_close(enc(x), enc(x.unsqueeze(1)))
    assert SmallCNN.from_input_shape((3, 16, 16)).in_channels == 3


def test_too_small_images_are_rejected():
    with pytest.raises(ValueError, match="too small for depth=3"):
        SmallCNN.from_input_shape((1, 6, 6), depth=3)
    with pytest.raises(ValueError, match=r"\(n, 1, H, W\)"):
        SmallCNN()(torch.zeros(2, 3, 8, 8))
