"""Affect pickles and their .npy cache: bad files are named, the cache never follows links."""

import json
import os
import pickle

import numpy as np
import pytest

from mmalign_sk.datasets import affect_labels, fetch_mosi

WIDTHS = {"vision": 20, "audio": 5, "text": 300}  # CMU-MOSI


def _part(n, widths=WIDTHS, labels=None):
    rng = np.random.default_rng(n)
    part = {m: rng.normal(size=(n, 4, w)).astype(np.float32) for m, w in widths.items()}
    part["labels"] = (rng.uniform(-3, 3, size=(n, 1, 1)).astype(np.float32)
                      if labels is None else labels)
    return part


def _write(home, data):
    folder = home / "multibench"
    folder.mkdir(exist_ok=True)
    path = folder / "mosi_raw.pkl"
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=4)
    return path


@pytest.fixture
def mosi_home(tmp_path):
    data = {"train": _part(5), "valid": _part(3), "test": _part(4)}
    return tmp_path, _write(tmp_path, data), data


def test_feature_width_must_match_the_data_set(tmp_path):
    data = {"train": _part(5, {**WIDTHS, "text": 7}), "valid": _part(3), "test": _part(4)}
    path = _write(tmp_path, data)
    for cache in (False, True):
        with pytest.raises(ValueError, match=r"mosi_raw.pkl: split 'train', 'text' must have "
                                             r"shape \(n_samples=5, steps, features=300\); "
                                             r"got \(5, 4, 7\)"):
            fetch_mosi(data_home=tmp_path, cache=cache)
    assert not os.path.exists(str(path)[:-4] + "_npy")


def test_string_labels_name_the_file(tmp_path):
    labels = np.array(["pos", "neg", "pos", "neg", "pos"]).reshape(5, 1, 1)
    _write(tmp_path, {"train": _part(5, labels=labels), "valid": _part(3), "test": _part(4)})
    with pytest.raises(ValueError, match=r"mosi_raw.pkl: split 'train', 'labels' must be a "
                                         r"numeric array"):
        fetch_mosi(data_home=tmp_path, cache=False)


@pytest.mark.parametrize("task", ["regression", "binary", "7class"])
def test_nan_label_is_refused_naming_the_file(tmp_path, task):
    labels = np.array([1.0, np.nan, -1.0, 2.0, 0.5], dtype=np.float32).reshape(5, 1, 1)
    _write(tmp_path, {"train": _part(5, labels=labels), "valid": _part(3), "test": _part(4)})
    with pytest.raises(ValueError, match=r"mosi_raw.pkl: split 'train', 'labels' holds NaN "
                                         r"or infinite scores at rows \[1\]"):
        fetch_mosi(data_home=tmp_path, task=task)


def test_affect_labels_refuses_nan_and_strings():
    with pytest.raises(ValueError, match=r"scores must be finite; got NaN or infinity at rows "
                                         r"\[1\]"):
        affect_labels(np.array([0.5, np.nan]), "7class", "mosi")
    with pytest.raises(TypeError, match="scores must be numeric"):
        affect_labels(np.array(["a", "b"]), "binary", "mosi")


def test_corrupt_stamp_rebuilds_the_cache(mosi_home):
    home, path, data = mosi_home
    first = fetch_mosi(data_home=home, subset="all")
    folder = str(path)[:-4] + "_npy"
    for corrupt in (b"{not json", b"\xff\xfe\x00", b"[1, 2]"):
        with open(os.path.join(folder, "stamp.json"), "wb") as f:
            f.write(corrupt)
        again = fetch_mosi(data_home=home, subset="all")
        np.testing.assert_array_equal(again.X["text"], first.X["text"])
        with open(os.path.join(folder, "stamp.json")) as f:
            assert set(json.load(f)) == {"size", "mtime_ns"}  # rebuilt


def test_cache_never_writes_through_planted_links(mosi_home, tmp_path):
    home, path, _ = mosi_home
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious")
    folder = str(path)[:-4] + "_npy"
    os.makedirs(folder)
    for name in ("stamp.json", "train_text.npy"):
        os.symlink(victim, os.path.join(folder, name))
    with pytest.raises(ValueError, match="holds symbolic links"):
        fetch_mosi(data_home=home)
    assert victim.read_text() == "precious"
    # without the cache the data still load, and nothing is written
    assert fetch_mosi(data_home=home, cache=False).X["text"].shape == (5, 50, 300)
    assert victim.read_text() == "precious"


def test_cache_folder_that_is_a_link_is_refused(mosi_home, tmp_path):
    home, path, _ = mosi_home
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, str(path)[:-4] + "_npy")
    with pytest.raises(ValueError, match="is a symbolic link"):
        fetch_mosi(data_home=home)
    assert os.listdir(elsewhere) == []


def test_cache_files_are_replaced_not_written_through(mosi_home):
    # a hard link to a cache file must keep its old bytes: a new file is renamed into place
    home, path, _ = mosi_home
    fetch_mosi(data_home=home)
    folder = str(path)[:-4] + "_npy"
    keep = os.path.join(os.path.dirname(folder), "kept.npy")
    os.link(os.path.join(folder, "train_text.npy"), keep)
    before = open(keep, "rb").read()
    _write(home, {"train": _part(6), "valid": _part(3), "test": _part(4)})  # changed pickle
    assert fetch_mosi(data_home=home).X["text"].shape[0] == 6
    assert open(keep, "rb").read() == before
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]
