import pytest
import torch

from mmalign_sk.encoders import GRUSequenceEncoder, TransformerSequenceEncoder, padding_mask
from encoder_testing import seeded_single_thread  # noqa: F401 (fixture)


def _nonzero_sequence(length, features, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, length, features, generator=g) + 0.5  # never equal to the pad value 0


def test_padding_mask_marks_all_pad_steps_and_keeps_empty_sequences_unmasked():
    x = torch.tensor([[[1.0, 0.0], [0.0, 0.0], [2.0, 2.0]], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]])
    assert padding_mask(x).tolist() == [[False, True, False], [False, False, False]]
    assert not padding_mask(x, pad_value=None).any()
    with pytest.raises(ValueError, match="padding_mask"):
        padding_mask(x, mask=torch.zeros(2, 4, dtype=torch.bool))


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_transformer_ignores_trailing_padding(pooling):
    enc = TransformerSequenceEncoder(4, depth=2, pooling=pooling, max_length=10).eval()
    seq = _nonzero_sequence(5, 4, seed=1)
    padded = torch.cat([seq, torch.zeros(1, 3, 4)], dim=1)
    with torch.no_grad():
        alone = enc.forward_layers(seq)
        with_pad = enc.forward_layers(padded)
    assert len(alone) == 2
    for a, b in zip(alone, with_pad):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_transformer_without_positions_is_permutation_invariant():
    enc = TransformerSequenceEncoder(6, width=8, heads=2, positional="none").eval()
    seq = _nonzero_sequence(7, 6, seed=2)
    perm = torch.randperm(7)
    with torch.no_grad():
        torch.testing.assert_close(enc(seq), enc(seq[:, perm]), rtol=1e-5, atol=1e-5)
    assert enc(seq).shape == (1, 8)


def test_transformer_checks():
    with pytest.raises(ValueError, match="heads must divide width"):
        TransformerSequenceEncoder(5, heads=2)
    enc = TransformerSequenceEncoder(3, max_length=4)
    with pytest.raises(ValueError, match="max_length=4"):
        enc(torch.ones(2, 5, 3))
    with pytest.raises(ValueError, match=r"\(n, T, 3\)"):
        enc(torch.ones(2, 4, 2))
    built = TransformerSequenceEncoder.from_input_shape((9, 3))
    assert built.max_length == 9 and built.out_features == 3
    with pytest.raises(ValueError, match="2 axes"):
        TransformerSequenceEncoder.from_input_shape((9,))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gru_last_state_ignores_left_and_right_padding(bidirectional):
    enc = GRUSequenceEncoder(3, width=5, depth=2, bidirectional=bidirectional)
    seq = _nonzero_sequence(4, 3, seed=3)
    right = torch.cat([seq, torch.zeros(1, 2, 3)], dim=1)
    left = torch.cat([torch.zeros(1, 2, 3), seq], dim=1)
    batch = torch.cat([right, left], dim=0)
    with torch.no_grad():
        alone = enc.forward_layers(seq)
        both = enc.forward_layers(batch)
    for a, b in zip(alone, both):
        torch.testing.assert_close(b[0:1], a, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(b[1:2], a, rtol=1e-5, atol=1e-6)
    assert enc.out_features == (10 if bidirectional else 5)


def test_gru_matches_torch_gru_on_unpadded_input():
    enc = GRUSequenceEncoder(3, width=4, pooling="mean")
    x = _nonzero_sequence(6, 3, seed=4)
    with torch.no_grad():
        outputs, h_n = enc.layers[0](x)
        torch.testing.assert_close(enc(x), outputs.mean(dim=1), rtol=1e-5, atol=1e-6)
        enc.pooling = "last"
        torch.testing.assert_close(enc(x), h_n[0], rtol=1e-5, atol=1e-6)
