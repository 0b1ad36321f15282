import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2Model

from mmalign_sk.features import (
    PretrainedTextFeatures,
    cached_layer_features,
    load_cached_layer_features,
    make_character_tokenizer,
)

TEXTS = [f"text number {i}" for i in range(7)]


def _gpt2():
    torch.manual_seed(0)
    return GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=128, n_positions=64))


@pytest.fixture
def saved(tmp_path):
    model, tok = _gpt2(), make_character_tokenizer()
    model.save_pretrained(tmp_path / "models" / "tiny-lm")
    tok.save_pretrained(tmp_path / "models" / "tiny-lm")
    return str(tmp_path / "models" / "tiny-lm")


def test_features_match_transform_layers_and_are_memory_mapped(saved, tmp_path):
    out = cached_layer_features(PretrainedTextFeatures(saved, batch_size=3), TEXTS,
                                tmp_path / "cache", progress=False)
    expected = PretrainedTextFeatures(saved, batch_size=7).fit().transform_layers(TEXTS)
    assert len(out.layers) == 3 and out.path.parent.name == "tiny-lm"
    for got, ref in zip(out.layers, expected):
        assert isinstance(got, np.memmap) and got.dtype == np.float32 and not got.flags.writeable
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    assert sorted(p.name for p in out.path.iterdir()) == [
        "layer_000.npy", "layer_001.npy", "layer_002.npy", "meta.json"]
    assert out.n_parameters == sum(p.numel() for p in _gpt2().parameters())
    back = load_cached_layer_features(out.path)
    np.testing.assert_array_equal(back.layers[2], out.layers[2])


def test_rerun_skips_and_settings_change_the_key(saved, tmp_path, monkeypatch):
    tmp_path = tmp_path / "cache"
    first = cached_layer_features(PretrainedTextFeatures(saved), TEXTS, tmp_path, progress=False)
    calls = []
    monkeypatch.setattr(PretrainedTextFeatures, "fit", lambda self, *a: calls.append(1))
    # batch size and device do not change the values: same folder, nothing computed
    again = cached_layer_features(PretrainedTextFeatures(saved, batch_size=2, device="cpu"),
                                  TEXTS, tmp_path, progress=False)
    assert again.path == first.path and calls == []
    monkeypatch.undo()
    other_pooling = cached_layer_features(PretrainedTextFeatures(saved, pooling="last"), TEXTS,
                                          tmp_path, progress=False)
    other_texts = cached_layer_features(PretrainedTextFeatures(saved), TEXTS[:-1], tmp_path,
                                        progress=False)
    assert len({first.path, other_pooling.path, other_texts.path}) == 3


def test_interrupted_run_leaves_nothing_and_keeps_finished_models(saved, tmp_path, monkeypatch):
    tmp_path = tmp_path / "cache"
    done = cached_layer_features(PretrainedTextFeatures(saved), TEXTS, tmp_path, progress=False)
    original = PretrainedTextFeatures.transform_layers
    seen = []

    def fail_on_second_batch(self, X):
        seen.append(len(X))
        if len(seen) == 2:
            raise KeyboardInterrupt
        return original(self, X)

    monkeypatch.setattr(PretrainedTextFeatures, "transform_layers", fail_on_second_batch)
    extractor = PretrainedTextFeatures(saved, pooling="last", batch_size=3)
    with pytest.raises(KeyboardInterrupt):
        cached_layer_features(extractor, TEXTS, tmp_path, progress=False)
    assert sorted(p.name for p in (tmp_path / "tiny-lm").iterdir()) == [done.path.name]
    monkeypatch.undo()
    redone = cached_layer_features(extractor, TEXTS, tmp_path, progress=False)
    np.testing.assert_allclose(redone.layers[-1], extractor.transform_layers(TEXTS)[-1],
                               rtol=1e-5, atol=1e-6)


def test_instance_needs_a_name(tmp_path):
    feats = PretrainedTextFeatures(_gpt2(), tokenizer=make_character_tokenizer())
    with pytest.raises(ValueError, match="name must be given"):
        cached_layer_features(feats, TEXTS, tmp_path)
    with pytest.raises(ValueError, match="at least one sample"):
        cached_layer_features(feats, [], tmp_path, name="x")
    with pytest.raises(FileNotFoundError, match="no finished features"):
        load_cached_layer_features(tmp_path)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_features_on_cuda_close_to_float32(saved, tmp_path, dtype):
    ref = cached_layer_features(PretrainedTextFeatures(saved, device="cpu"), TEXTS,
                                tmp_path / "cache", progress=False)
    half = cached_layer_features(PretrainedTextFeatures(saved, device="cuda", dtype=dtype),
                                 TEXTS, tmp_path / "cache", progress=False)
    assert half.path != ref.path  # the precision is part of the key
    for got, expected in zip(half.layers, ref.layers):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=0.05, atol=0.05)
