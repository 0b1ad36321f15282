import json

import numpy as np
import pytest

from mmalign_sk.datasets import fetch_avmnist, fetch_mmimdb
from mmalign_sk.datasets import _avmnist
from mmalign_sk.datasets._mmimdb import GENRES


@pytest.fixture
def avmnist_home(tmp_path, monkeypatch):
    monkeypatch.setattr(_avmnist, "N_VALID", 2)
    rng = np.random.RandomState(0)
    root = tmp_path / "avmnist"
    (root / "image").mkdir(parents=True)
    (root / "audio").mkdir()
    files = {}
    for split, n in (("train", 6), ("test", 3)):
        files[split] = (
            rng.randint(0, 256, size=(n, 784)).astype(np.float32),
            rng.randint(0, 256, size=(n, 112, 112)).astype(np.float32),
            rng.randint(0, 10, size=n),
        )
        np.save(root / "image" / f"{split}_data.npy", files[split][0])
        np.save(root / "audio" / f"{split}_data.npy", files[split][1])
        np.save(root / f"{split}_labels.npy", files[split][2])
    return tmp_path, files


def test_avmnist_splits_shapes_scaling(avmnist_home):
    home, files = avmnist_home
    train = fetch_avmnist(data_home=home, subset="train")
    valid = fetch_avmnist(data_home=home, subset="valid")
    test = fetch_avmnist(data_home=home, subset="test", scale=False)
    assert train.X["image"].shape == (4, 1, 28, 28) and train.X["audio"].shape == (4, 1, 112, 112)
    assert valid.X["image"].shape[0] == 2 and test.X["image"].shape[0] == 3
    np.testing.assert_allclose(train.X["image"][1, 0], files["train"][0][1].reshape(28, 28) / 255)
    np.testing.assert_allclose(valid.X["audio"][0, 0], files["train"][1][4] / 255, rtol=1e-6)
    np.testing.assert_array_equal(test.X["image"][2, 0], files["test"][0][2].reshape(28, 28))
    np.testing.assert_array_equal(valid.y, files["train"][2][4:])
    assert train.y.dtype == np.int64
    X, y = fetch_avmnist(data_home=home, subset="all", modalities=["image"], return_X_y=True)
    assert list(X.keys()) == ["image"] and len(y) == 9


def test_avmnist_missing_and_corrupt(avmnist_home, tmp_path):
    with pytest.raises(FileNotFoundError, match="train_labels.npy"):
        fetch_avmnist(data_home=tmp_path / "nothing")
    home, _ = avmnist_home
    path = home / "avmnist" / "audio" / "test_data.npy"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="test_data.npy"):
        fetch_avmnist(data_home=home, subset="test")


def test_avmnist_scarce_seeded(avmnist_home):
    home, files = avmnist_home
    a = fetch_avmnist(data_home=home, subset="train", n_labelled=3, random_state=0)
    b = fetch_avmnist(data_home=home, subset="train", n_labelled=3, random_state=0)
    np.testing.assert_array_equal(a.X["image"], b.X["image"])
    assert len(a.y) == 3


@pytest.fixture
def mmimdb_home(tmp_path):
    root = tmp_path / "mmimdb"
    (root / "dataset").mkdir(parents=True)
    movies = {
        "0001": {"plot": ["A detective.", "Other plot."], "genres": ["Crime", "Drama"]},
        "0002": {"plot": ["Space war."], "genres": ["Sci-Fi", "Action", "Unknown"]},
        "0003": {"plot": ["Songs."], "genres": ["Musical"]},
    }
    for movie, record in movies.items():
        (root / "dataset" / f"{movie}.json").write_text(json.dumps(record))
        (root / "dataset" / f"{movie}.jpeg").write_bytes(b"")
    (root / "split.json").write_text(json.dumps({"train": ["0001", "0002"], "dev": ["0003"],
                                                 "test": []}))
    return tmp_path


def test_mmimdb(mmimdb_home):
    bunch = fetch_mmimdb(data_home=mmimdb_home)
    assert list(bunch.X["text"]) == ["A detective.", "Space war."]
    assert bunch.y.shape == (2, 23)
    expected = np.zeros((2, 23), dtype=int)
    expected[0, [GENRES.index("Crime"), GENRES.index("Drama")]] = 1
    expected[1, [GENRES.index("Sci-Fi"), GENRES.index("Action")]] = 1
    np.testing.assert_array_equal(bunch.y, expected)
    assert bunch.X["image"][0].endswith("0001.jpeg")
    valid = fetch_mmimdb(data_home=mmimdb_home, subset="valid", modalities="text")
    assert list(valid.ids) == ["0003"] and valid.modalities == ("text",)
    assert fetch_mmimdb(data_home=mmimdb_home, subset="test").y.shape == (0, 23)


def test_mmimdb_errors(mmimdb_home, tmp_path):
    with pytest.raises(FileNotFoundError, match="split.json"):
        fetch_mmimdb(data_home=tmp_path / "none")
    (mmimdb_home / "mmimdb" / "dataset" / "0002.json").write_text("{not json")
    with pytest.raises(ValueError, match="0002.json"):
        fetch_mmimdb(data_home=mmimdb_home)
