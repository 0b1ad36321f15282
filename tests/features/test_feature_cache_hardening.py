"""Unreadable feature-cache entries of any kind are named, warned about and computed again."""

import json
import os
import warnings

import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2Model

from mmalign_sk.features import (PretrainedTextFeatures, cached_layer_features,
                                 load_cached_layer_features, make_character_tokenizer)
from mmalign_sk.features._cache import MAX_META_BYTES

TEXTS = ["a cat", "two dogs", "x y z"]


@pytest.fixture(scope="module")
def extractor():
    torch.manual_seed(0)
    model = GPT2Model(GPT2Config(n_layer=2, n_embd=8, n_head=2, vocab_size=128, n_positions=32))
    return PretrainedTextFeatures(model, tokenizer=make_character_tokenizer()).fit()


@pytest.fixture(scope="module")
def reference(extractor):
    return [np.asarray(a) for a in extractor.transform_layers(TEXTS)]


def _meta(text):
    return lambda folder: (folder / "meta.json").write_bytes(text)


def _edit_meta(**changes):
    def edit(folder):
        meta = json.loads((folder / "meta.json").read_text())
        (folder / "meta.json").write_text(json.dumps({**meta, **changes}))
    return edit


def _layer(write):
    def edit(folder):
        path = folder / "layer_001.npy"
        good = np.load(path)
        path.unlink()
        write(path, good)
    return edit


def _huge_header(path, good):
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 10**6)})
        f.write(b"\0" * 32)


CORRUPTIONS = {
    "meta not json": (_meta(b"{n_layers: 3"), "meta.json"),
    "meta deeply nested": (_meta(b"[" * 200_000 + b"]" * 200_000), "meta.json"),
    "meta not utf-8": (_meta(b'{"n_layers": "\xff"}'), "meta.json"),
    "meta a list": (_meta(b"[3]"), "meta.json"),
    "meta too large": (_meta(b" " * (MAX_META_BYTES + 1) + b"{}"), "MAX_META_BYTES"),
    "negative layer count": (_edit_meta(n_layers=-1), "'n_layers' must be a positive"),
    "zero layer count": (_edit_meta(n_layers=0), "'n_layers' must be a positive"),
    "layer count as text": (_edit_meta(n_layers="3"), "'n_layers' must be a positive"),
    "layer count as bool": (_edit_meta(n_layers=True), "'n_layers' must be a positive"),
    "more layers than files": (_edit_meta(n_layers=4), "layer_003.npy"),
    "sample count differs": (_edit_meta(n_samples=2), "records 2 samples"),
    "truncated layer": (_layer(lambda p, a: p.write_bytes(_npy_bytes(p, a)[:-10])),
                        "layer_001.npy"),
    "garbage layer": (_layer(lambda p, a: p.write_bytes(os.urandom(200))), "layer_001.npy"),
    "object layer": (_layer(lambda p, a: np.save(p, a.astype(object), allow_pickle=True)),
                     "layer_001.npy"),
    "float64 layer": (_layer(lambda p, a: np.save(p, a.astype(np.float64))), "float64"),
    "layer with other rows": (_layer(lambda p, a: np.save(p, a[:2])), "shape (2, 8)"),
    "1-D layer": (_layer(lambda p, a: np.save(p, a.ravel())), "layer_001.npy"),
    "layer header claims 10^15 values": (_layer(_huge_header), "layer_001.npy"),
    "layer is a folder": (_layer(lambda p, a: p.mkdir()), "layer_001.npy"),
}
CORRUPTIONS["meta missing"] = (lambda folder: (folder / "meta.json").unlink(), "missing")
if hasattr(os, "mkfifo"):  # a reader opening a FIFO would wait for a writer forever
    CORRUPTIONS["layer is a FIFO"] = (_layer(lambda p, a: os.mkfifo(p)), "not a regular file")
    CORRUPTIONS["meta is a FIFO"] = (lambda folder: ((folder / "meta.json").unlink(),
                                                     os.mkfifo(folder / "meta.json")),
                                     "not a regular file")


def _npy_bytes(path, array):
    np.save(path, array)
    return path.read_bytes()


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_unreadable_entries_warn_and_are_recomputed(tmp_path, extractor, reference, kind):
    corrupt, named = CORRUPTIONS[kind]
    first = cached_layer_features(extractor, TEXTS, tmp_path, name="tiny", progress=False)
    folder = first.path
    del first
    corrupt(folder)
    with pytest.raises(FileNotFoundError if kind == "meta missing" else ValueError,
                       match=str(folder)):
        load_cached_layer_features(folder)
    with pytest.warns(RuntimeWarning, match=r"cached features in .* are unreadable") as record:
        again = cached_layer_features(extractor, TEXTS, tmp_path, name="tiny", progress=False)
    assert named in str(record[0].message)
    assert again.path == folder
    for got, expected in zip(again.layers, reference, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reread = load_cached_layer_features(folder)
    assert len(reread.layers) == len(reference)
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # nothing left behind
