"""Text inputs that would pool padding, overrun the positions or index past the vocabulary."""

import numpy as np
import pytest
import torch
from transformers import (BertConfig, BertModel, GPT2Config, GPT2Model, RobertaConfig,
                          RobertaModel)

from mmalign_sk.features import PretrainedTextFeatures, make_character_tokenizer


def _gpt2(vocab_size=128, n_positions=16):
    torch.manual_seed(0)
    return GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=vocab_size,
                                n_positions=n_positions))


def _bert(max_positions=16):
    torch.manual_seed(0)
    return BertModel(BertConfig(num_hidden_layers=2, hidden_size=16, num_attention_heads=2,
                                intermediate_size=32, vocab_size=128,
                                max_position_embeddings=max_positions))


def _roberta(max_positions=18):  # positions start after pad id 0: 17 usable
    torch.manual_seed(0)
    return RobertaModel(RobertaConfig(num_hidden_layers=2, hidden_size=16, num_attention_heads=2,
                                      intermediate_size=32, vocab_size=128, pad_token_id=0,
                                      max_position_embeddings=max_positions))


@pytest.mark.parametrize("text", ["", " ", "\n\t  "])
def test_empty_texts_are_refused_naming_the_index(text):
    feats = PretrainedTextFeatures(_gpt2(), tokenizer=make_character_tokenizer())
    with pytest.raises(ValueError, match=r"X\[2\] is .*empty .*\(1 such text"):
        feats.fit(["a cat", "dog", text])
    feats.fit()
    with pytest.raises(ValueError, match=r"X\[1\] is .*empty"):
        feats.transform(["a cat", text, "x"])


def test_text_with_no_tokens_is_refused():
    # a tokenizer whose alphabet has no "~": the text becomes [UNK] tokens, which are real
    # tokens; a text of characters the pre-tokenizer drops has none at all
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "a": 2}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("-", behavior="removed")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]")
    assert fast(["a", "---"], padding=True)["attention_mask"][1] == [0]
    feats = PretrainedTextFeatures(_gpt2(), tokenizer=fast).fit()
    with pytest.raises(ValueError, match=r"X\[1\] \('---'\) has no tokens"):
        feats.transform(["a", "---"])


@pytest.mark.parametrize("make_model, usable", [(_gpt2, 16), (_bert, 16), (_roberta, 17)])
def test_texts_longer_than_the_positions_are_truncated_to_them(make_model, usable):
    model, tok = make_model(), make_character_tokenizer()
    feats = PretrainedTextFeatures(model, tokenizer=tok, max_length=512).fit()
    assert feats.max_length_ == usable
    long_text = "abcdefghij" * 10
    got = feats.transform_layers([long_text, "ab"])
    # independent: the model run by hand on the first `usable` tokens, no padding
    ids = torch.tensor([tok(long_text)["input_ids"][:usable]])
    with torch.no_grad():
        hidden = model.eval()(input_ids=ids, output_hidden_states=True).hidden_states
    for layer, h in zip(got, hidden):
        np.testing.assert_allclose(layer[0], h[0].mean(0).numpy(), rtol=1e-4, atol=1e-5)
    assert PretrainedTextFeatures(model, tokenizer=tok, max_length=5).fit().max_length_ == 5


def test_token_ids_beyond_the_vocabulary_are_refused():
    tok = make_character_tokenizer()  # 103 ids
    assert len(tok) > 50
    feats = PretrainedTextFeatures(_gpt2(vocab_size=50), tokenizer=tok).fit()
    # "a" .. "z" are ids 3..28, "~" is beyond 50
    np.testing.assert_array_equal(feats.transform(["abc"]).shape, (1, 16))
    with pytest.raises(ValueError, match=r"X\[1\] has token id \d+ but the model's embedding "
                                         r"has 50 rows .*does not match"):
        feats.transform(["abc", "a~b"])
