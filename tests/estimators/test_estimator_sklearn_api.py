import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.exceptions import DeviceWarning

from mmalign_sk.estimators import AlignedContrastiveClassifier, UnimodalClassifier
from estimator_testing import one_torch_thread, data  # noqa: F401 (fixtures)

SMALL = dict(encoder__depth=2, max_epochs=3, batch_size=64, lr=1e-2)


def test_nested_params_survive_clone_and_reach_the_modules(data):
    X, y = data
    est = AlignedContrastiveClassifier(encoder__x1__depth=3, optimizer__weight_decay=0.05,
                                       alignment_weight=0.5, random_state=0, **SMALL)
    params = est.get_params()
    assert params["encoder__depth"] == 2 and params["encoder__x1__depth"] == 3
    assert params["optimizer__weight_decay"] == 0.05 and params["device"] == "auto"
    twin = clone(est)
    assert twin.get_params()["encoder__x1__depth"] == 3
    twin.fit(X, y)
    assert len(twin.module_.encoders["x1"].layers) == 3
    assert len(twin.module_.encoders["x2"].layers) == 2
    assert twin.optimizer_.param_groups[0]["weight_decay"] == 0.05
    assert isinstance(twin.optimizer_, torch.optim.AdamW)
    # fitting resolves the device but the parameter stays as given
    assert twin.device in ("cpu", "cuda") and twin.get_params()["device"] == "auto"
    assert "encoder__x1__depth=3" in repr(twin) and "_params_to_validate" not in repr(twin)


def test_set_params_on_a_fitted_estimator_rebuilds_the_encoder(data):
    X, y = data
    est = UnimodalClassifier(modality="x1", random_state=0, **SMALL).fit(X, y)
    est.set_params(encoder__depth=4)
    assert len(est.module_.encoders["x1"].layers) == 4
    assert len(est.fit(X, y).embed_layers(X)["x1"]) == 4
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(alignment_weight=1.0)


def test_same_seed_same_numbers_and_global_rng_untouched(data):
    X, y = data
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    a = AlignedContrastiveClassifier(random_state=7, **SMALL).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.random.get_state()[1].tolist() == np_state[1].tolist()
    b = AlignedContrastiveClassifier(random_state=7, **SMALL).fit(X, y)
    c = AlignedContrastiveClassifier(random_state=8, **SMALL).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    # a RandomState instance draws a new seed per fit, as in scikit-learn
    rs = np.random.RandomState(0)
    d = AlignedContrastiveClassifier(random_state=rs, **SMALL)
    first = d.fit(X, y).seed_
    assert d.fit(X, y).seed_ != first


def test_refit_is_idempotent(data):
    X, y = data
    est = AlignedContrastiveClassifier(random_state=2, **SMALL)
    first = est.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(est.fit(X, y).predict_proba(X), first)


def test_pickle_round_trip(data):
    X, y = data
    unfitted = pickle.loads(pickle.dumps(AlignedContrastiveClassifier(encoder__depth=3)))
    assert unfitted.get_params()["device"] == "auto" and unfitted.device == "auto"
    assert unfitted.get_params()["encoder__depth"] == 3
    est = AlignedContrastiveClassifier(alignment_weight=0.3, random_state=0, **SMALL).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(again.embed(X)["x2"], est.embed(X)["x2"])
    again.partial_fit(X, y)  # training can continue
    assert len(again.history_) == 2 * SMALL["max_epochs"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a machine without CUDA")
def test_an_estimator_saved_on_cuda_loads_on_cpu(data):
    """skorch maps CUDA tensors to the CPU when unpickling without CUDA; we mark a CPU-trained
    estimator as a CUDA one, which is what such a file contains, and check it loads and predicts."""
    X, y = data
    est = AlignedContrastiveClassifier(random_state=0, **SMALL).fit(X, y)
    expected = est.predict_proba(X)
    est.device = "cuda"
    blob = pickle.dumps(est)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(blob)
    assert any(issubclass(w.category, DeviceWarning) for w in caught)
    assert torch.device(loaded.device).type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_save_and_load_params_into_a_fresh_estimator(data, tmp_path):
    X, y = data
    est = AlignedContrastiveClassifier(random_state=0, **SMALL).fit(X, y)
    est.save_params(f_params=tmp_path / "params.pt")
    # a few samples size the network; the classes must then be given explicitly
    fresh = AlignedContrastiveClassifier(classes=[0, 1, 2, 3], random_state=1,
                                         **SMALL).initialize(X[:4], y[:4])
    assert not np.array_equal(fresh.predict_proba(X), est.predict_proba(X))
    fresh.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(fresh.predict_proba(X), est.predict_proba(X))


def test_unfitted_estimator_raises_not_fitted(data):
    from sklearn.exceptions import NotFittedError
    X, _ = data
    with pytest.raises(NotFittedError):
        AlignedContrastiveClassifier().predict(X)
    with pytest.raises(NotFittedError):
        UnimodalClassifier().embed(X["x1"])
    with pytest.raises(RuntimeError, match="initialize\\(X, y\\)"):
        AlignedContrastiveClassifier().initialize()


@pytest.mark.parametrize("cls", [AlignedContrastiveClassifier, UnimodalClassifier])
def test_predict_proba_rows_sum_to_one_in_float64_for_log_loss(data, cls):
    from sklearn.metrics import log_loss

    X, y = data
    params = dict(SMALL, modality="x1") if cls is UnimodalClassifier else SMALL
    est = cls(random_state=0, **params).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(np.float64).eps)
    raw = est._predict_raw(X).astype(np.float64)  # the float32 softmax, before renormalising
    np.testing.assert_array_equal(proba.argmax(axis=1), raw.argmax(axis=1))
    np.testing.assert_allclose(proba, raw, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "y_prob values do not sum to one"
        log_loss(y, proba, labels=est.classes_)
