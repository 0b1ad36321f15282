"""Per-layer features of a pretrained language model (Hugging Face transformers)."""

import copy
import os

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._device import check_positive_int, resolve_device, resolve_dtype

POOLINGS = ("mean", "last")


def _as_texts(X):
    if isinstance(X, str) or not hasattr(X, "__len__"):
        raise TypeError(f"X must be a sequence of strings; got {type(X).__name__}.")
    texts = list(X)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"X must hold strings only; X[{bad[0]}] is {type(texts[bad[0]]).__name__}.")
    if not texts:
        raise ValueError("X must hold at least one text; got 0.")
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(
            f"X[{empty[0]}] is {texts[empty[0]]!r}: an empty (or whitespace-only) text has no "
            f"tokens to pool ({len(empty)} such text(s) in X); drop or replace them first."
        )
    return texts


def _n_positions(model, tokenizer):
    """How many tokens ``model`` can take (None when unbounded or unknown)."""
    limits = []
    config = getattr(model, "config", None)
    for key in ("max_position_embeddings", "n_positions"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            # RoBERTa-style position ids start after the padding index
            offset = getattr(getattr(model, "embeddings", None), "padding_idx", None)
            limits.append(value - (offset + 1 if isinstance(offset, int) else 0))
            break
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_limit, int) and 0 < tokenizer_limit < 10**6:
        limits.append(tokenizer_limit)
    return min(limits) if limits else None


def _check_tokens(batch, start, texts, n_vocab):
    """Refuse texts with no tokens, or token ids the model's embedding does not have."""
    real = batch["attention_mask"].sum(1)
    if (real == 0).any():
        i = start + int((real == 0).nonzero()[0, 0])
        raise ValueError(f"X[{i}] ({texts[i][:50]!r}) has no tokens after tokenization; there is "
                         "nothing to pool.")
    ids = batch["input_ids"]
    bad = (ids < 0) | (ids >= n_vocab)
    if bad.any():
        row, col = (int(v) for v in bad.nonzero()[0])
        raise ValueError(
            f"X[{start + row}] has token id {int(ids[row, col])} but the model's embedding has "
            f"{n_vocab} rows (ids 0 to {n_vocab - 1}): the tokenizer does not match the model."
        )


def prefetch_hint(repo):
    """How to put the Hugging Face repository ``repo`` into the cache of an offline machine."""
    return (
        f"To pre-fetch it, run `hf download {repo}` (`huggingface-cli download {repo}` with older "
        "huggingface_hub) on a machine with internet; it goes to the Hugging Face cache "
        "(~/.cache/huggingface/hub, or $HF_HOME/hub), which you can copy to this machine."
    )


def _not_available(name, what, local_files_only, exc):
    if local_files_only:
        why = "is not in the local Hugging Face cache (local_files_only=True)"
    else:
        why = ("could not be loaded or downloaded (no network, a misspelt name, or a gated "
               "repository needing `hf auth login`?)")
    return OSError(
        f"The {what} {name!r} {why}. {prefetch_hint(name)} Alternatively save the model and "
        "tokenizer with `save_pretrained(folder)` and pass the folder's path. "
        f"Original error: {exc}"
    )


def pool_hidden(hidden, mask, pooling):
    """Pool ``hidden`` (n, t, d) over tokens where ``mask`` (n, t) is 1: mean or last token."""
    mask = mask.to(hidden.dtype)
    if pooling == "mean":
        return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp_min(1)
    positions = torch.arange(mask.shape[1], device=mask.device)
    last = (mask * positions).argmax(1)  # last real token, for left or right padding
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


class PretrainedTextFeatures(TransformerMixin, BaseEstimator):
    """Pooled hidden states of every layer of a Hugging Face language model.

    Works with encoder models (BERT-like) and decoder-only causal models (GPT-2, BLOOM, LLaMA,
    ...). A model given by name is downloaded on first use into the Hugging Face cache
    (``~/.cache/huggingface/hub``, or ``$HF_HOME/hub``), as ``transformers`` does; later uses
    read the cache. ``local_files_only=True`` never reaches the network.

    Parameters
    ----------
    model : str, path-like or transformers.PreTrainedModel, default="gpt2"
        Model name on the Hugging Face Hub (downloaded on first use), a folder written by
        ``save_pretrained``, or a model instance.
    tokenizer : str, path-like, tokenizer instance or None, default=None
        Tokenizer; None loads it from ``model`` (which must then be a name or path). A tokenizer
        without a padding token gets its end-of-sequence token as padding (on a copy).
    layer : int, default=-1
        Index into the hidden states that :meth:`transform` returns (0 = embedding output,
        -1 = last layer).
    pooling : {"mean", "last"}, default="mean"
        Mean over the real (non-padding) tokens, or the last real token.
    batch_size : int, default=32
        Texts per forward pass.
    max_length : int, default=512
        Tokens kept per text (longer texts are truncated); at most the number of positions the
        model has (see ``max_length_``).
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available.
    dtype : {"auto", "float32", "float16", "bfloat16"}, default="auto"
        Model precision: ``"auto"`` is bfloat16 (or float16) on CUDA and float32 on CPU. Half
        precision needs CUDA. Outputs are always float32.
    local_files_only : bool, default=False
        Load a named model only from the local cache, never from the network (for offline
        machines whose cache was filled elsewhere).

    Attributes
    ----------
    model_ : transformers.PreTrainedModel
        The loaded model, in eval mode.
    tokenizer_ : tokenizer
    n_layers_ : int
        Number of hidden states returned by :meth:`transform_layers` (layers + embeddings).
    n_parameters_ : int
        Number of parameters of the model (its size, as in scaling studies).
    device_ : torch.device
    max_length_ : int
        Tokens kept per text: ``max_length``, or fewer when the model has fewer positions
        (``max_position_embeddings`` / ``n_positions`` of its config, or the tokenizer's
        ``model_max_length``).

    Raises
    ------
    OSError
        From :meth:`fit`, when a named model or tokenizer can neither be found in the cache nor
        downloaded; the message names it and says how to pre-fetch it.

    Notes
    -----
    An empty or whitespace-only text, a text that tokenizes to nothing, or a token id beyond
    the model's embedding (a tokenizer that does not match the model) raises ``ValueError``
    naming ``X[i]``; nothing is pooled from padding.

    Examples
    --------
    >>> from transformers import GPT2Config, GPT2Model
    >>> from mmalign_sk.features import PretrainedTextFeatures
    >>> from mmalign_sk.features import make_character_tokenizer
    >>> model = GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=128))
    >>> feats = PretrainedTextFeatures(model, tokenizer=make_character_tokenizer())
    >>> feats.fit(["a cat", "two dogs"]).transform(["a cat", "two dogs"]).shape
    (2, 16)
    >>> [a.shape for a in feats.transform_layers(["a cat"])]
    [(1, 16), (1, 16), (1, 16)]
    """

    def __init__(self, model="gpt2", tokenizer=None, layer=-1, pooling="mean", batch_size=32,
                 max_length=512, device="auto", dtype="auto", local_files_only=False):
        self.model = model
        self.tokenizer = tokenizer
        self.layer = layer
        self.pooling = pooling
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.dtype = dtype
        self.local_files_only = local_files_only

    def _load_model(self, dtype):
        import transformers

        if isinstance(self.model, torch.nn.Module):
            return copy.deepcopy(self.model).to(dtype)
        if not isinstance(self.model, (str, os.PathLike)):
            raise TypeError(
                "model must be a name, a path or a transformers model; got "
                f"{type(self.model).__name__}."
            )
        # transformers 5 names the precision argument dtype, 4.x torch_dtype
        major = int(transformers.__version__.split(".")[0])
        precision = {"dtype" if major >= 5 else "torch_dtype": dtype}
        try:
            return transformers.AutoModel.from_pretrained(
                os.fspath(self.model), local_files_only=self.local_files_only, **precision
            )
        except (OSError, ValueError) as exc:
            raise _not_available(os.fspath(self.model), "model", self.local_files_only,
                                 exc) from exc

    def _load_tokenizer(self):
        import transformers

        source = self.model if self.tokenizer is None else self.tokenizer
        if isinstance(source, torch.nn.Module):
            raise ValueError("tokenizer must be given when model is a model instance; got None.")
        if isinstance(source, (str, os.PathLike)):
            try:
                tok = transformers.AutoTokenizer.from_pretrained(
                    os.fspath(source), local_files_only=self.local_files_only
                )
            except (OSError, ValueError) as exc:
                raise _not_available(os.fspath(source), "tokenizer", self.local_files_only,
                                     exc) from exc
        else:
            tok = copy.deepcopy(source)
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise ValueError(
                    "the tokenizer has neither a padding nor an end-of-sequence token."
                )
            tok.pad_token = tok.eos_token
        return tok

    def fit(self, X=None, y=None):
        """Load the model and tokenizer; ``X`` is only validated (nothing is learned)."""
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}; got {self.pooling!r}.")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.max_length, "max_length")
        if X is not None:
            _as_texts(X)
        self.device_ = resolve_device(self.device)
        dtype = resolve_dtype(self.dtype, self.device_)
        self.tokenizer_ = self._load_tokenizer()
        self.model_ = self._load_model(dtype).to(device=self.device_, dtype=dtype).eval()
        self.n_parameters_ = int(sum(p.numel() for p in self.model_.parameters()))
        positions = _n_positions(self.model_, self.tokenizer_)
        self.max_length_ = self.max_length if positions is None else min(self.max_length,
                                                                         positions)
        n_layers = getattr(self.model_.config, "num_hidden_layers", None)
        self.n_layers_ = int(n_layers) + 1 if n_layers is not None else None
        if self.n_layers_ is not None and not -self.n_layers_ <= self.layer < self.n_layers_:
            raise ValueError(
                f"layer must index one of the {self.n_layers_} hidden states; got {self.layer}."
            )
        return self

    @torch.no_grad()
    def transform_layers(self, X):
        """Pooled features of every hidden state: a list of ``(n_samples, hidden)`` float32 arrays.

        Element 0 is the embedding output, element ``l`` the output of layer ``l``.
        """
        check_is_fitted(self, "model_")
        texts = _as_texts(X)
        n_vocab = self.model_.get_input_embeddings().num_embeddings
        per_layer = None
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer_(texts[start:start + self.batch_size], padding=True,
                                    truncation=True, max_length=self.max_length_,
                                    return_tensors="pt")
            _check_tokens(batch, start, texts, n_vocab)
            batch = {k: v.to(self.device_) for k, v in batch.items()
                     if k in ("input_ids", "attention_mask", "token_type_ids")}
            out = self.model_(**batch, output_hidden_states=True)
            pooled = [pool_hidden(h, batch["attention_mask"], self.pooling).float().cpu().numpy()
                      for h in out.hidden_states]
            if per_layer is None:
                per_layer = [[] for _ in pooled]
            for store, p in zip(per_layer, pooled):
                store.append(p)
        return [np.concatenate(p).astype(np.float32) for p in per_layer]

    def transform(self, X):
        """Pooled features of hidden state ``layer``: ``(n_samples, hidden)`` float32."""
        return self.transform_layers(X)[self.layer]
