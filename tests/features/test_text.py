import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

from mmalign_sk.features import PretrainedTextFeatures, make_character_tokenizer
from mmalign_sk.features._text import pool_hidden

TEXTS = ["a cat", "two dogs run", "x", "the quick brown fox"]


def _gpt2():
    torch.manual_seed(0)
    return GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=128, n_positions=64))


def _bert():
    torch.manual_seed(0)
    return BertModel(BertConfig(num_hidden_layers=2, hidden_size=16, num_attention_heads=2,
                                intermediate_size=32, vocab_size=128, max_position_embeddings=64))


def _naive(model, tok, text, pooling):
    ids = torch.tensor([tok(text)["input_ids"]])
    with torch.no_grad():
        hidden = model.eval()(input_ids=ids, output_hidden_states=True).hidden_states
    return [h[0].double().mean(0).numpy() if pooling == "mean" else h[0, -1].double().numpy()
            for h in hidden]


@pytest.mark.parametrize("make_model", [_gpt2, _bert])
@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_pooling_matches_unpadded_single_runs(make_model, pooling):
    model, tok = make_model(), make_character_tokenizer()
    feats = PretrainedTextFeatures(model, tokenizer=tok, pooling=pooling, batch_size=4).fit()
    layers = feats.transform_layers(TEXTS)
    assert feats.n_layers_ == 3 and len(layers) == 3
    for i, text in enumerate(TEXTS):
        for got, expected in zip(layers, _naive(model, tok, text, pooling)):
            np.testing.assert_allclose(got[i], expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(feats.transform(TEXTS), layers[-1])


def test_deterministic_and_batch_invariant():
    model, tok = _gpt2(), make_character_tokenizer()
    a = PretrainedTextFeatures(model, tokenizer=tok, batch_size=1, layer=1).fit()
    b = PretrainedTextFeatures(model, tokenizer=tok, batch_size=3, layer=1).fit()
    np.testing.assert_array_equal(a.transform(TEXTS), a.transform(TEXTS))
    np.testing.assert_allclose(a.transform(TEXTS), b.transform(TEXTS), rtol=1e-5, atol=1e-6)
    assert a.transform(TEXTS).dtype == np.float32


def test_pool_hidden_left_and_right_padding():
    hidden = torch.arange(8.0).reshape(2, 4, 1)
    right = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    left = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    assert pool_hidden(hidden, right, "last").ravel().tolist() == [1.0, 7.0]
    assert pool_hidden(hidden, left, "last").ravel().tolist() == [3.0, 7.0]
    assert pool_hidden(hidden, right, "mean").ravel().tolist() == [0.5, 5.5]
    assert pool_hidden(hidden, left, "mean").ravel().tolist() == [2.5, 5.5]


def test_load_from_local_folder(tmp_path):
    model, tok = _bert(), make_character_tokenizer()
    model.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    from_path = PretrainedTextFeatures(str(tmp_path / "tiny")).fit().transform(TEXTS)
    from_instance = PretrainedTextFeatures(model, tokenizer=tok).fit().transform(TEXTS)
    np.testing.assert_allclose(from_path, from_instance, rtol=1e-5, atol=1e-6)


def test_missing_named_model_explains_download(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(OSError, match=r"'no-such-org/no-such-lm' is not in the local .*"
                                      r"hf download no-such-org/no-such-lm"):
        PretrainedTextFeatures("no-such-org/no-such-lm", local_files_only=True).fit()


def _fake_hub(monkeypatch, folder, calls, online=True):
    """Replace transformers' loaders at the hub boundary: a download serves ``folder``."""
    import transformers

    def loader(cls):
        original = cls.from_pretrained.__func__

        def from_pretrained(klass, name, local_files_only=False, **kwargs):
            calls.append((klass.__name__, name, local_files_only))
            if local_files_only or not online:
                raise OSError(f"We couldn't connect to 'https://huggingface.co' to load {name}")
            return original(klass, str(folder), local_files_only=True, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(from_pretrained))

    loader(transformers.AutoModel)
    loader(transformers.AutoTokenizer)


def test_named_model_downloads_by_default(monkeypatch, tmp_path):
    model, tok = _bert(), make_character_tokenizer()
    model.save_pretrained(tmp_path / "hub")
    tok.save_pretrained(tmp_path / "hub")
    calls = []
    _fake_hub(monkeypatch, tmp_path / "hub", calls)
    feats = PretrainedTextFeatures("some-org/tiny-bert").fit()
    assert sorted(calls) == [("AutoModel", "some-org/tiny-bert", False),
                             ("AutoTokenizer", "some-org/tiny-bert", False)]
    expected = PretrainedTextFeatures(model, tokenizer=tok).fit().transform(TEXTS)
    np.testing.assert_allclose(feats.transform(TEXTS), expected, rtol=1e-5, atol=1e-6)
    assert feats.n_parameters_ == sum(p.numel() for p in model.parameters())
    calls.clear()
    with pytest.raises(OSError, match="local_files_only=True"):
        PretrainedTextFeatures("some-org/tiny-bert", local_files_only=True).fit()
    assert calls[0][2] is True


def test_offline_error_names_model_and_prefetch(monkeypatch, tmp_path):
    _fake_hub(monkeypatch, tmp_path, [], online=False)
    with pytest.raises(OSError, match=r"'some-org/lm' could not be loaded or downloaded.*"
                                      r"hf download some-org/lm"):
        PretrainedTextFeatures("some-org/lm").fit()


def test_bad_arguments():
    model, tok = _gpt2(), make_character_tokenizer()
    with pytest.raises(TypeError, match="sequence of strings"):
        PretrainedTextFeatures(model, tokenizer=tok).fit("one text")
    with pytest.raises(TypeError, match=r"X\[1\]"):
        PretrainedTextFeatures(model, tokenizer=tok).fit(["a", 3])
    with pytest.raises(ValueError, match="pooling"):
        PretrainedTextFeatures(model, tokenizer=tok, pooling="cls").fit()
    with pytest.raises(ValueError, match="needs a CUDA device"):
        PretrainedTextFeatures(model, tokenizer=tok, device="cpu", dtype="float16").fit()
    with pytest.raises(ValueError, match="layer"):
        PretrainedTextFeatures(model, tokenizer=tok, layer=3).fit()
    with pytest.raises(ValueError, match="tokenizer must be given"):
        PretrainedTextFeatures(model).fit()


@pytest.mark.gpu
def test_half_precision_on_cuda_close_to_float32():
    model, tok = _gpt2(), make_character_tokenizer()
    ref = PretrainedTextFeatures(model, tokenizer=tok, device="cpu").fit().transform(TEXTS)
    for dtype in ("float16", "bfloat16"):
        got = PretrainedTextFeatures(model, tokenizer=tok, device="cuda", dtype=dtype).fit()
        np.testing.assert_allclose(got.transform(TEXTS), ref, rtol=0.05, atol=0.05)
