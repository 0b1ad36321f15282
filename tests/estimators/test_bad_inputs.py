"""Bad training parameters and data get errors naming the argument, before any training."""

import os

import numpy as np
import pytest
import torch
from skorch.callbacks import Checkpoint, LoadInitState
from skorch.helper import SliceDict

from mmalign_sk.estimators import AlignedContrastiveClassifier, UnimodalClassifier


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = SliceDict(a=rng.normal(size=(24, 3)).astype(np.float32),
                  b=rng.normal(size=(24, 4)).astype(np.float32))
    return X, np.arange(24) % 2


@pytest.mark.parametrize("params, error, match", [
    ({"max_epochs": -1}, ValueError, "max_epochs must be >= 1; got -1"),
    ({"max_epochs": 0}, ValueError, "max_epochs must be >= 1; got 0"),
    ({"max_epochs": 2.5}, TypeError, "max_epochs must be an int"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1, or -1 .*; got 0"),
    ({"batch_size": -3}, ValueError, "batch_size must be >= 1, or -1 .*; got -3"),
    ({"batch_size": "64"}, TypeError, "batch_size must be an int"),
    ({"device": "tpu"}, ValueError, "device must be 'auto', 'cpu', 'cuda'"),
    ({"device": 3}, TypeError, "device must be 'auto'"),
])
def test_training_parameters_are_checked(data, params, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        AlignedContrastiveClassifier(**params).fit(X, y)


def test_parameters_changed_before_a_later_fit_are_checked(data):
    X, y = data
    est = AlignedContrastiveClassifier(max_epochs=1, warm_start=True).fit(X, y)
    est.set_params(max_epochs=-1)
    with pytest.raises(ValueError, match="max_epochs must be >= 1"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="max_epochs must be >= 1"):
        est.partial_fit(X, y)


def test_batch_size_minus_one_is_the_whole_data_set(data):
    X, y = data
    est = AlignedContrastiveClassifier(max_epochs=1, batch_size=-1).fit(X, y)
    assert len(est.history_[-1]["batches"]) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1", torch.device("cuda")])
def test_cuda_without_a_gpu(data, device):
    X, y = data
    with pytest.raises(ValueError, match="CUDA is not available on this machine; use "
                                         "device='auto'"):
        AlignedContrastiveClassifier(max_epochs=1, device=device).fit(X, y)
    with pytest.raises(ValueError, match="CUDA is not available"):
        UnimodalClassifier(max_epochs=1, device=device).initialize()


def test_text_inputs_name_the_modality(data):
    X, y = data
    text = np.array([["word"] * 3] * 24)
    with pytest.raises(TypeError, match=r"X\['a'\] must hold numbers; got an array of strings"):
        AlignedContrastiveClassifier(max_epochs=1).fit(SliceDict(a=text, b=X["b"]), y)
    est = AlignedContrastiveClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(TypeError, match=r"X\['a'\] must hold numbers"):
        est.predict(SliceDict(a=text, b=X["b"]))
    mixed = text.astype(object)
    with pytest.raises(ValueError, match=r"X\['a'\] must be an array of numbers: could not "
                                         r"convert string to float"):
        est.predict(SliceDict(a=mixed, b=X["b"]))


@pytest.mark.parametrize("labels", [
    ["cat", 1] * 12,
    np.array(["cat", 1] * 12, dtype=object),
    np.array([0, 1.0, "x"] * 8, dtype=object),
])
def test_labels_mixing_text_and_numbers(data, labels):
    X, _ = data
    with pytest.raises(TypeError, match=r"y must hold class labels of one kind, all text or all "
                                        r"numbers; got a mix of"):
        AlignedContrastiveClassifier(max_epochs=1).fit(X, labels)


@pytest.mark.parametrize("labels", [
    np.array([0.0, np.nan] * 12),
    np.array([0.0, np.nan] * 12, dtype=object),
    np.array(["a", None] * 12, dtype=object),
])
def test_missing_labels(data, labels):
    X, _ = data
    with pytest.raises(ValueError, match="y contains (missing labels|NaN)"):
        AlignedContrastiveClassifier(max_epochs=1).fit(X, labels)


def test_label_lists_keep_their_type(data):
    X, y = data
    est = AlignedContrastiveClassifier(max_epochs=1).fit(X, [int(v) for v in y])
    assert est.classes_.dtype == np.int64 and est.predict(X).dtype == np.int64
    est = AlignedContrastiveClassifier(max_epochs=1).fit(X, ["no", "yes"] * 12)
    assert set(est.predict(X)) <= {"no", "yes"}


def test_truncated_checkpoint_names_the_file(data, tmp_path):
    X, y = data
    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    AlignedContrastiveClassifier(max_epochs=2, callbacks=[cp], random_state=0).fit(X, y)
    params = tmp_path / "params.pt"
    content = params.read_bytes()
    params.write_bytes(content[: len(content) // 2])
    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = AlignedContrastiveClassifier(max_epochs=1, callbacks=[cp, LoadInitState(cp)])
    with pytest.raises(ValueError, match=r"could not load f_params='.*params\.pt': the file is "
                                         r"truncated or corrupt"):
        resumed.fit(X, y)
    # an intact checkpoint still resumes (history of 2 epochs, then 1 more)
    params.write_bytes(content)
    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = AlignedContrastiveClassifier(max_epochs=1, callbacks=[cp, LoadInitState(cp)],
                                           random_state=0).fit(X, y)
    assert len(resumed.history_) == 3


def test_load_params_names_each_file(data, tmp_path):
    X, y = data
    est = AlignedContrastiveClassifier(max_epochs=1).fit(X, y)
    est.save_params(f_params=str(tmp_path / "p.pt"), f_history=str(tmp_path / "h.json"))
    (tmp_path / "h.json").write_text("{truncated")
    fresh = AlignedContrastiveClassifier(max_epochs=1).initialize(X, y)
    with pytest.raises(ValueError, match=r"could not load f_history='.*h\.json'"):
        fresh.load_params(f_params=str(tmp_path / "p.pt"), f_history=str(tmp_path / "h.json"))
    with pytest.raises(FileNotFoundError):
        fresh.load_params(f_params=str(tmp_path / "missing.pt"))
    fresh.load_params(f_params=str(tmp_path / "p.pt"))
    np.testing.assert_allclose(fresh.predict_proba(X), est.predict_proba(X), rtol=1e-6)
    assert os.path.exists(tmp_path / "p.pt")
