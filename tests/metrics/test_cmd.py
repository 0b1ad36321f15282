"""CMD similarity against dense float64 correlation matrices."""

import pickle

import numpy as np
import pytest

from mmalign_sk.metrics import CMD, alignment_score, cka, cmd, get_metric

RAW = {"clip_quantile": None}


def naive_cmd(A, B, contract, centered, normalize):
    mats = []
    for X in (A, B):
        if centered:
            X = X - X.mean(0)
        if normalize:
            X = X / np.linalg.norm(X, axis=1, keepdims=True)
        mats.append(X @ X.T if contract == "features" else X.T @ X)
    C1, C2 = mats
    denominator = np.linalg.norm(C1) * np.linalg.norm(C2)
    return 0.0 if denominator == 0 else np.trace(C1 @ C2) / denominator


def naive_preprocess_then_centre(A, B, centered, normalize):
    out = []
    for X in (A, B):
        if normalize:
            X = X / np.linalg.norm(X, axis=1, keepdims=True)
        if centered:
            X = X - X.mean(0)
        out.append(X)
    return out


def paired(n, d_a, d_b, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d_a)) + 0.5
    B = A[:, :2] @ rng.normal(size=(2, d_b)) + rng.normal(size=(n, d_b))
    return A.astype(np.float32).astype(np.float64), B.astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("n, d_a, d_b", [(40, 5, 7), (12, 30, 20), (20, 30, 6)])
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("normalize", [True, False])
def test_cmd_features_matches_naive(n, d_a, d_b, centered, normalize):
    A, B = paired(n, d_a, d_b)
    # Preprocessing (row normalisation) comes first, then centring, as in the metric.
    An, Bn = naive_preprocess_then_centre(A, B, False, normalize)
    expected = naive_cmd(An, Bn, "features", centered, False)
    got = cmd(A, B, contract="features", centered=centered, normalize=normalize, **RAW)
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("n, d", [(40, 6), (8, 20)])
@pytest.mark.parametrize("centered", [False, True])
def test_cmd_samples_matches_naive(n, d, centered):
    A, B = paired(n, d, d, seed=1)
    An, Bn = naive_preprocess_then_centre(A, B, False, True)
    expected = naive_cmd(An, Bn, "samples", centered, False)
    got = cmd(A, B, contract="samples", centered=centered, **RAW)
    assert got == pytest.approx(expected, abs=1e-6)


def test_cmd_centered_features_equals_linear_cka():
    A, B = paired(30, 6, 9, seed=2)
    assert cmd(A, B, centered=True) == pytest.approx(cka(A, B), abs=1e-7)


def test_registered_presets():
    A, B = paired(25, 5, 5, seed=3)
    presets = {
        "cmd": (False, True), "cmd_centered": (True, True),
        "cmd_unnorm": (False, False), "cmd_centered_unnorm": (True, False),
    }
    for name, (centered, normalize) in presets.items():
        metric = get_metric(name, clip_quantile=None)
        assert isinstance(metric, CMD) and metric.name == name
        assert (metric.centered, metric.normalize) == (centered, normalize)
        An, Bn = naive_preprocess_then_centre(A, B, False, normalize)
        expected = naive_cmd(An, Bn, "features", centered, False)
        assert metric(A, B) == pytest.approx(expected, abs=1e-6)
    samples = alignment_score(A, B, metric="cmd_centered", contract="samples", clip_quantile=None)
    An, Bn = naive_preprocess_then_centre(A, B, False, True)
    assert samples == pytest.approx(naive_cmd(An, Bn, "samples", True, False), abs=1e-6)
    # Presets only change defaults, and round-trip through their parameters.
    metric = get_metric("cmd_unnorm", centered=True)
    assert (metric.centered, metric.normalize) == (True, False)
    for name in presets:
        metric = get_metric(name, contract="samples")
        clone = get_metric(name, **metric.get_params())
        assert clone.get_params() == metric.get_params()
        assert pickle.loads(pickle.dumps(metric)).get_params() == metric.get_params()


def test_cmd_identity_symmetry_and_zero():
    A, B = paired(30, 6, 4, seed=4)
    assert cmd(A, A) == pytest.approx(1.0, abs=1e-6)
    assert cmd(A, B) == pytest.approx(cmd(B, A), abs=1e-7)
    constant = np.full((30, 4), 2.0)
    assert cmd(constant, B, centered=True) == 0.0
    assert cmd(constant, constant, centered=True, contract="samples") == 0.0


def test_cmd_errors():
    A, B = paired(20, 5, 7)
    with pytest.raises(ValueError, match="d_A == d_B|same number of features"):
        cmd(A, B, contract="samples")
    with pytest.raises(ValueError, match="contract"):
        cmd(A, B, contract="rows")
    with pytest.raises(TypeError, match="centered"):
        CMD(centered="yes")


@pytest.mark.gpu
@pytest.mark.parametrize("contract", ["features", "samples"])
def test_cmd_cpu_and_cuda_agree(contract):
    A, B = paired(200, 12, 12, seed=5)
    cpu = cmd(A, B, contract=contract, centered=True, device="cpu")
    cuda = cmd(A, B, contract=contract, centered=True, device="cuda")
    assert cuda == pytest.approx(cpu, abs=1e-6)
