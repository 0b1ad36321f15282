import os
import pickle

import numpy as np
import pytest

from mmalign_sk.datasets import (
    UnsafePickleError,
    affect_labels,
    fetch_mosei,
    fetch_mosi,
    fetch_mustard,
    pad_or_truncate,
    safe_load_pickle,
)
from mmalign_sk.datasets import _affect, training_statistics
from mmalign_sk.datasets._affect import load_affect_arrays
from mmalign_sk.datasets._npy_rows import NpyRows

WIDTHS = {"vision": 35, "audio": 74, "text": 300}  # MOSEI


def _split(rng, n, steps=50, empty_text_row=None):
    part = {m: rng.normal(size=(n, steps, w)).astype(np.float32) * 3 + 1 for m, w in WIDTHS.items()}
    part["audio"][0, 3, 5] = -np.inf  # MultiBench audio holds -inf
    part["audio"][n - 1, 10, :2] = -np.inf
    if empty_text_row is not None:
        part["text"][empty_text_row] = 0.0
    part["labels"] = rng.uniform(-3, 3, size=(n, 1, 1)).astype(np.float32)
    part["id"] = np.array([[f"vid{i}", str(i)] for i in range(n)], dtype=object)
    return part


@pytest.fixture
def mosei_home(tmp_path):
    rng = np.random.RandomState(0)
    data = {"train": _split(rng, 7, empty_text_row=2), "valid": _split(rng, 3),
            "test": _split(rng, 4)}
    folder = tmp_path / "multibench"
    folder.mkdir()
    with open(folder / "mosei_senti_data.pkl", "wb") as f:
        pickle.dump(data, f, protocol=4)
    return tmp_path, data


def _naive_znorm(train, X):
    train = np.where(np.isfinite(train), train, 0.0).astype(np.float64)
    X = np.where(np.isfinite(X), X, 0.0).astype(np.float64)
    flat = train.reshape(-1, train.shape[-1])
    mean = flat.mean(0)
    std = np.sqrt(((flat - mean) ** 2).mean(0))
    std[std == 0] = 1
    return (X - mean) / std


def test_shapes_types_and_bunch(mosei_home):
    home, data = mosei_home
    bunch = fetch_mosei(data_home=home, subset="train", modalities=("text", "vision"), cache=False)
    assert bunch.modalities == ("text", "vision")
    assert bunch.X["text"].shape == (6, 50, 300)  # one sample with empty text dropped
    assert bunch.X["vision"].shape == (6, 50, 35)
    assert bunch.X["text"].dtype == np.float32 and bunch.y.dtype == np.float32
    assert "CMU-MOSEI" in bunch.DESCR and "16265" in bunch.DESCR
    X, y = fetch_mosei(data_home=home, return_X_y=True, cache=False)
    assert set(X.keys()) == {"vision", "audio", "text"} and len(X) == len(y) == 6
    assert X[:2]["audio"].shape == (2, 50, 74)  # SliceDict slicing


def test_text_untouched_and_rows_dropped(mosei_home):
    home, data = mosei_home
    bunch = fetch_mosei(data_home=home, modalities=("text",), cache=False)
    keep = [0, 1, 3, 4, 5, 6]
    np.testing.assert_array_equal(bunch.X["text"], data["train"]["text"][keep])
    np.testing.assert_allclose(bunch.y, data["train"]["labels"][keep, 0, 0])


def test_znorm_uses_training_statistics_and_removes_inf(mosei_home):
    home, data = mosei_home
    keep = [0, 1, 3, 4, 5, 6]
    for subset in ("train", "test"):
        bunch = fetch_mosei(data_home=home, subset=subset, cache=False)
        for m in ("vision", "audio"):
            expected = _naive_znorm(data["train"][m][keep], data[subset][m])
            if subset == "train":
                expected = expected[keep]
            np.testing.assert_allclose(bunch.X[m], expected, rtol=1e-4, atol=1e-4)
            assert np.isfinite(bunch.X[m]).all()
    train = fetch_mosei(data_home=home, subset="train", cache=False)
    flat = train.X["audio"].reshape(-1, 74).astype(np.float64)
    np.testing.assert_allclose(flat.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(0), 1, atol=1e-4)


def test_without_znorm_only_inf_replaced(mosei_home):
    home, data = mosei_home
    bunch = fetch_mosei(data_home=home, subset="test", z_normalize=False, drop_empty_text=False,
                        cache=False)
    expected = data["test"]["audio"].copy()
    assert np.isneginf(expected).sum() == 3
    expected[~np.isfinite(expected)] = 0
    np.testing.assert_array_equal(bunch.X["audio"], expected)


def test_subset_all_concatenates_in_order(mosei_home):
    home, data = mosei_home
    bunch = fetch_mosei(data_home=home, subset="all", modalities="text", cache=False)
    assert list(bunch.split) == ["train"] * 6 + ["valid"] * 3 + ["test"] * 4
    np.testing.assert_array_equal(bunch.X["text"][6:9], data["valid"]["text"])


def test_label_tasks_hand_computed():
    scores = np.array([-3.7, -0.4, 0.0, 0.6, 2.5, 3.4, -1.5]).reshape(-1, 1, 1)
    np.testing.assert_array_equal(affect_labels(scores, "binary", "mosei"), [0, 0, 0, 1, 1, 1, 0])
    # round(clip(s, -3, 3)) + 3 with round-half-to-even: -3, -0, 0, 1, 2, 3, -2
    np.testing.assert_array_equal(affect_labels(scores, "7class", "mosi"), [0, 3, 3, 4, 5, 6, 1])
    np.testing.assert_allclose(affect_labels(scores, "regression", "mosi"), scores.ravel(),
                               rtol=1e-6)
    np.testing.assert_array_equal(affect_labels(np.array([[[0.0]], [[1.0]]]), "binary", "urfunny"),
                                  [0, 1])
    with pytest.raises(ValueError, match="task must be one of"):
        affect_labels(scores, "regression", "mustard")


def test_fetch_tasks(mosei_home):
    home, data = mosei_home
    bunch = fetch_mosei(data_home=home, subset="valid", task="7class", cache=False)
    expected = np.rint(np.clip(data["valid"]["labels"][:, 0, 0], -3, 3)).astype(int) + 3
    np.testing.assert_array_equal(bunch.y, expected)
    assert bunch.y.dtype == np.int64


def test_pad_or_truncate_hand_values():
    X = np.arange(6, dtype=np.float32).reshape(1, 3, 2) + 1
    np.testing.assert_array_equal(pad_or_truncate(X, 2), [[[1, 2], [3, 4]]])
    np.testing.assert_array_equal(pad_or_truncate(X, 4), [[[0, 0], [1, 2], [3, 4], [5, 6]]])
    with pytest.raises(ValueError, match="max_seq_len"):
        pad_or_truncate(X, 0)


def test_max_seq_len_in_fetcher(mosei_home):
    home, data = mosei_home
    short = fetch_mosei(data_home=home, subset="test", modalities="text", max_seq_len=20,
                        cache=False)
    np.testing.assert_array_equal(short.X["text"], data["test"]["text"][:, :20])
    long = fetch_mosei(data_home=home, subset="test", modalities="text", max_seq_len=55,
                       cache=False)
    assert long.X["text"].shape == (4, 55, 300)
    assert not long.X["text"][:, :5].any()


def test_scarce_subset_seeded(mosei_home):
    home, data = mosei_home
    a = fetch_mosei(data_home=home, subset="all", n_labelled=2, random_state=3, cache=False)
    b = fetch_mosei(data_home=home, subset="all", n_labelled=2, random_state=3, cache=False)
    assert list(a.split) == ["train"] * 2 + ["valid"] * 2 + ["test"] * 2
    np.testing.assert_array_equal(a.X["text"], b.X["text"])
    # each chosen test row is one of the original test rows
    for row in a.X["text"][4:]:
        assert any(np.array_equal(row, t) for t in data["test"]["text"])
    with pytest.raises(ValueError, match="n_labelled"):
        fetch_mosei(data_home=home, n_labelled=0, cache=False)


def test_cache_reads_npy_files_and_matches(mosei_home, monkeypatch):
    home, data = mosei_home
    uncached = fetch_mosei(data_home=home, subset="all", cache=False)
    first = fetch_mosei(data_home=home, subset="all", cache=True)
    arrays = load_affect_arrays(home / "multibench" / "mosei_senti_data.pkl", cache=True)
    assert isinstance(arrays["train"]["text"], NpyRows)
    np.testing.assert_array_equal(arrays["valid"]["audio"][1:3], data["valid"]["audio"][1:3])

    def no_unpickling(path):
        raise AssertionError("the warm cache must not unpickle")

    monkeypatch.setattr(_affect, "safe_load_pickle", no_unpickling)
    second = fetch_mosei(data_home=home, subset="all", cache=True)
    for m in ("vision", "audio", "text"):
        np.testing.assert_array_equal(first.X[m], uncached.X[m])
        np.testing.assert_array_equal(second.X[m], uncached.X[m])


def test_block_reader_sparse_and_dense_rows(tmp_path):
    X = np.random.RandomState(0).normal(size=(40, 3, 2)).astype(np.float32)
    X[5, 1, 0] = -np.inf
    np.save(tmp_path / "x.npy", X)
    source = NpyRows(tmp_path / "x.npy")
    for rows in (np.array([0, 39]), np.arange(3, 9), np.array([1, 5, 6, 30])):
        got = np.concatenate([b for _, b in _affect._iter_blocks(source, rows, 3, block_rows=2)])
        expected = np.where(np.isfinite(X[rows]), X[rows], 0)
        np.testing.assert_array_equal(got, expected)
    (tmp_path / "t.npy").write_bytes((tmp_path / "x.npy").read_bytes()[:-8])
    with pytest.raises(ValueError, match="t.npy is truncated"):
        NpyRows(tmp_path / "t.npy")
    with pytest.raises(TypeError, match="contiguous row slices"):
        source[[1, 2]]


def test_training_statistics_hand_values():
    X = np.array([[[1.0, 2.0], [3.0, 2.0]], [[-np.inf, 2.0], [4.0, 2.0]]])
    mean, std = training_statistics(X)
    # first feature: values 1, 3, 0 (-inf counted as 0), 4
    np.testing.assert_allclose(mean, [2.0, 2.0])
    np.testing.assert_allclose(std, [np.sqrt((1 + 1 + 4 + 4) / 4), 1.0])


def test_missing_file_message_names_path(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        fetch_mosi(data_home=tmp_path)
    assert str(tmp_path / "multibench" / "mosi_raw.pkl") in str(info.value)
    assert "MultiBench" in str(info.value)


def test_bad_arguments(mosei_home):
    home, _ = mosei_home
    with pytest.raises(ValueError, match="subset"):
        fetch_mosei(data_home=home, subset="validation")
    with pytest.raises(ValueError, match="modalities"):
        fetch_mosei(data_home=home, modalities=("video",))
    with pytest.raises(ValueError, match="task"):
        fetch_mustard(data_home=home, task="regression")


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    folder = tmp_path / "multibench"
    folder.mkdir()
    path = folder / "mosei_senti_data.pkl"
    with open(path, "wb") as f:
        pickle.dump({"train": {"labels": np.zeros((1, 1, 1)), "x": _Exploit(marker)}}, f)
    # The payload really runs under plain pickle (checked in a copy, then the marker removed).
    with open(path, "rb") as f:
        pickle.load(f)
    assert marker.exists()
    marker.unlink()
    with pytest.raises(UnsafePickleError, match="posix.system|os.system|nt.system"):
        safe_load_pickle(path)
    with pytest.raises(UnsafePickleError, match=str(path).replace("\\", "\\\\")):
        fetch_mosei(data_home=tmp_path, cache=False)
    assert not marker.exists()


def test_pickle_naming_eval_refused(tmp_path):
    path = tmp_path / "evil.pkl"
    # protocol-0 pickle calling builtins.eval
    path.write_bytes(b"cbuiltins\neval\n(S'1+1'\ntR.")
    with pytest.raises(UnsafePickleError, match="builtins.eval"):
        safe_load_pickle(path)


def test_truncated_and_wrong_structure(mosei_home, tmp_path):
    home, _ = mosei_home
    good = (home / "multibench" / "mosei_senti_data.pkl").read_bytes()
    bad = tmp_path / "bad" / "multibench"
    bad.mkdir(parents=True)
    (bad / "mosei_senti_data.pkl").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="mosei_senti_data.pkl.*truncated or corrupt"):
        fetch_mosei(data_home=tmp_path / "bad", cache=False)
    with open(bad / "mosei_senti_data.pkl", "wb") as f:
        pickle.dump({"train": {}, "valid": {}, "test": {}}, f)
    with pytest.raises(ValueError, match="lacks the keys"):
        fetch_mosei(data_home=tmp_path / "bad", cache=False)
