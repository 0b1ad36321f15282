"""A character-level tokenizer built offline, for tests, examples and tiny models."""

import string


def make_character_tokenizer(alphabet=string.printable):
    """A ``transformers.PreTrainedTokenizerFast`` with one token per character.

    Ids: 0 = ``[PAD]``, 1 = ``[UNK]``, 2 = ``[EOS]``, then the characters of ``alphabet``. Built
    from a ``tokenizers`` vocabulary, so no file or network is needed.

    Parameters
    ----------
    alphabet : str, default=string.printable
        Characters that get their own id.

    Returns
    -------
    tokenizer : transformers.PreTrainedTokenizerFast

    Examples
    --------
    >>> from mmalign_sk.features import make_character_tokenizer
    >>> tok = make_character_tokenizer("abc")
    >>> tok("cab")["input_ids"]
    [5, 3, 4]
    """
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[EOS]": 2}
    for ch in alphabet:
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   eos_token="[EOS]")
