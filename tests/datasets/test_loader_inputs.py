"""Malformed data folders and arguments of the fetchers get errors that name what is wrong."""

import json

import numpy as np
import pytest

from mmalign_sk.datasets import fetch_avmnist, fetch_mmimdb, fetch_mosi, get_data_home
from mmalign_sk.datasets._mmimdb import GENRES


@pytest.mark.parametrize("data_home", [123, ["a", "b"], 1.5])
def test_data_home_must_be_a_path(data_home):
    with pytest.raises(TypeError, match=r"data_home must be a folder path \(str or path-like\) "
                                        r"or None; got"):
        get_data_home(data_home)
    with pytest.raises(TypeError, match="data_home"):
        fetch_mosi(data_home=data_home)


def _mmimdb(tmp_path, split, movies):
    root = tmp_path / "mmimdb"
    (root / "dataset").mkdir(parents=True)
    for movie, record in movies.items():
        (root / "dataset" / f"{movie}.json").write_text(json.dumps(record))
    (root / "split.json").write_text(json.dumps(split))
    return root


def test_mmimdb_single_genre_string_is_one_genre(tmp_path):
    _mmimdb(tmp_path, {"train": ["1"], "dev": [], "test": []},
            {"1": {"plot": "One plot.", "genres": "Drama"}})
    bunch = fetch_mmimdb(data_home=tmp_path)
    expected = np.zeros((1, len(GENRES)), dtype=np.int64)
    expected[0, GENRES.index("Drama")] = 1
    np.testing.assert_array_equal(bunch.y, expected)
    assert list(bunch.X["text"]) == ["One plot."]


@pytest.mark.parametrize("record, match", [
    ({"plot": ["p"], "genres": [1, 2]}, "'genres' must be a list of genre names"),
    ({"plot": ["p"], "genres": {"Drama": 1}}, "'genres' must be a list of genre names"),
    ({"plot": 5, "genres": []}, "'plot' must be a list of texts or a text"),
    (["not", "an", "object"], "must hold an object with 'plot' and 'genres'"),
])
def test_mmimdb_malformed_record_names_the_file(tmp_path, record, match):
    _mmimdb(tmp_path, {"train": ["7"], "dev": [], "test": []}, {"7": record})
    with pytest.raises(ValueError, match=r"7\.json.*" + match):
        fetch_mmimdb(data_home=tmp_path)


@pytest.mark.parametrize("movie", ["../../../outside/secret", "/etc/passwd", "a/b", "..", "",
                                   None, 1.5, True])
def test_mmimdb_movie_id_cannot_leave_the_dataset_folder(tmp_path, movie):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps({"plot": ["secret"], "genres": ["Drama"]}))
    home = tmp_path / "home"
    _mmimdb(home, {"train": [movie], "dev": [], "test": []}, {})
    with pytest.raises(ValueError, match=r"split.json: 'train' holds the movie id .*; ids must be "
                                         r"letters, digits"):
        fetch_mmimdb(data_home=home)


@pytest.mark.parametrize("split, match", [
    (["1", "2"], r"split.json must hold an object .* got a list"),
    ({"train": "1", "dev": [], "test": []}, r"'train' must be a list of movie ids; got str"),
    ({"dev": [], "test": []}, r"has no 'train' list"),
])
def test_mmimdb_malformed_split_file(tmp_path, split, match):
    _mmimdb(tmp_path, split, {"1": {"plot": ["p"], "genres": []}})
    with pytest.raises(ValueError, match=match):
        fetch_mmimdb(data_home=tmp_path)


def test_mmimdb_integer_ids_are_accepted(tmp_path):
    _mmimdb(tmp_path, {"train": [42], "dev": [], "test": []},
            {"42": {"plot": ["p"], "genres": ["War"]}})
    assert list(fetch_mmimdb(data_home=tmp_path).ids) == ["42"]


def _avmnist(tmp_path, n_train):
    root = tmp_path / "avmnist"
    (root / "image").mkdir(parents=True)
    (root / "audio").mkdir()
    for split, n in (("train", n_train), ("test", 3)):
        np.save(root / "image" / f"{split}_data.npy", np.zeros((n, 784), np.float32))
        np.save(root / "audio" / f"{split}_data.npy", np.zeros((n, 112, 112), np.float32))
        np.save(root / f"{split}_labels.npy", np.arange(n) % 10)


@pytest.mark.parametrize("subset", ["valid", "train", "all"])
def test_avmnist_too_few_training_rows_for_the_valid_split(tmp_path, subset):
    _avmnist(tmp_path, 20)
    with pytest.raises(ValueError, match=r"train_labels.npy holds 20 rows; the valid split is its "
                                         r"last 5000 rows"):
        fetch_avmnist(data_home=tmp_path, subset=subset)
    assert fetch_avmnist(data_home=tmp_path, subset="test").y.tolist() == [0, 1, 2]
