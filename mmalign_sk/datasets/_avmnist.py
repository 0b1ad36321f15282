"""AV-MNIST: MNIST digits paired with spoken-digit spectrograms, as distributed by MultiBench."""

import os

import numpy as np

from ._base import (
    check_modalities,
    check_subset,
    get_data_home,
    make_bunch,
    missing_file_error,
    scarce_indices,
)
from ._npy_rows import NpyRows, iter_row_blocks

MODALITIES = ("image", "audio")
N_VALID = 5000
_FILES = {
    ("image", "train"): "image/train_data.npy",
    ("audio", "train"): "audio/train_data.npy",
    ("labels", "train"): "train_labels.npy",
    ("image", "test"): "image/test_data.npy",
    ("audio", "test"): "audio/test_data.npy",
    ("labels", "test"): "test_labels.npy",
}
_SHAPES = {"image": (1, 28, 28), "audio": (1, 112, 112)}
_HOW = (
    "AV-MNIST is distributed by MultiBench (https://github.com/pliang279/MultiBench, README, "
    "section 'Multimedia') as a folder 'avmnist' on Google Drive; download and unpack it by hand."
)

DESCR = """AV-MNIST (MultiBench)

Files under <data_home>/avmnist/: image/train_data.npy (60000, 784), audio/train_data.npy
(60000, 112, 112), train_labels.npy (60000,), and the same three for test (10000 rows). Obtain
them by hand from MultiBench (Google Drive). Images are MNIST digits whose energy was reduced by
PCA; audio are 112x112 spectrograms of spoken digits (Free Spoken Digit Dataset).
Splits: train 55000 (first rows of the training files), valid 5000 (last rows), test 10000.
Task: 10-class digit classification.
Citation: Vielzeuf, Lechervy, Pateux, Jurie. CentralNet: a multilayer approach for multimodal
fusion. ECCV Workshops 2018; Liang et al. MultiBench, NeurIPS 2021 Datasets and Benchmarks.
Licence: MNIST (CC BY-SA 3.0), FSDD (CC BY-SA 4.0).
"""


def _load(folder, key, split):
    path = os.path.join(folder, _FILES[(key, split)])
    if not os.path.exists(path):
        raise missing_file_error(path, _HOW)
    if key == "labels":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise ValueError(f"{path} is not a readable .npy file (truncated or corrupt?): "
                             f"{exc}") from exc
    return NpyRows(path)  # read row blocks: the audio training file is about 3 GB


def _rows(split, n_rows, path):
    if split != "test" and n_rows <= N_VALID:
        raise ValueError(
            f"{path} holds {n_rows} rows; the valid split is its last {N_VALID} rows and the "
            f"train split the rows before them, so subset={split!r} needs more than {N_VALID}."
        )
    if split == "train":
        return np.arange(n_rows - N_VALID)
    if split == "valid":
        return np.arange(n_rows - N_VALID, n_rows)
    return np.arange(n_rows)


def fetch_avmnist(*, data_home=None, subset="train", modalities=None, scale=True,
                  n_labelled=None, random_state=None, return_X_y=False,
                  download_if_missing=True):
    """Load AV-MNIST (MNIST images + spoken-digit spectrograms) as distributed by MultiBench.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder (see :func:`get_data_home`); files are expected under ``<data_home>/avmnist``.
    subset : {"train", "valid", "test", "all"}, default="train"
        Split(s); valid is the last 5000 rows of the training files, as in MultiBench.
    modalities : sequence of {"image", "audio"}, default=None
        Modalities to return (None: both).
    scale : bool, default=True
        Divide pixel and spectrogram values by 255.
    n_labelled : int, default=None
        Keep at most this many samples per split (seeded by ``random_state``).
    random_state : int, RandomState instance or None, default=None
        Seed for ``n_labelled``.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    download_if_missing : bool, default=True
        Kept for the fetcher signature: the files are obtained by hand; a missing file raises
        ``FileNotFoundError`` naming the expected path.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` with ``"image"`` (n, 1, 28, 28) and ``"audio"`` (n, 1, 112, 112) float32 arrays,
        ``y`` int64 digits, ``split``, ``target_names`` and ``DESCR``.

    Examples
    --------
    >>> from mmalign_sk.datasets import fetch_avmnist
    >>> data = fetch_avmnist(subset="valid")  # doctest: +SKIP
    >>> data.X["image"].shape  # doctest: +SKIP
    (5000, 1, 28, 28)
    """
    splits = check_subset(subset)
    modalities = check_modalities(modalities, MODALITIES)
    folder = os.path.join(get_data_home(data_home), "avmnist")
    rng = np.random.RandomState(random_state) if isinstance(random_state, (int, np.integer)) \
        else random_state
    X = {m: [] for m in modalities}
    y, split_of = [], []
    for split in splits:
        file_split = "test" if split == "test" else "train"
        labels = _load(folder, "labels", file_split)
        rows = _rows(split, len(labels), os.path.join(folder, _FILES[("labels", file_split)]))
        rows = rows[scarce_indices(len(rows), n_labelled, rng)]
        for m in modalities:
            arr = _load(folder, m, file_split)
            if arr.shape[0] != len(labels):
                raise ValueError(
                    f"{os.path.join(folder, _FILES[(m, file_split)])} has {arr.shape[0]} rows but "
                    f"the labels file has {len(labels)}."
                )
            if int(np.prod(arr.shape[1:])) != int(np.prod(_SHAPES[m])):
                raise ValueError(
                    f"{os.path.join(folder, _FILES[(m, file_split)])}: each {m} sample must hold "
                    f"{int(np.prod(_SHAPES[m]))} values {_SHAPES[m]}; got shape {arr.shape[1:]}."
                )
            out = np.empty((len(rows), *_SHAPES[m]), dtype=np.float32)
            for i, block in iter_row_blocks(arr, rows):
                out[i:i + len(block)] = block.reshape((len(block), *_SHAPES[m]))
            if scale:
                out /= np.float32(255.0)
            X[m].append(out)
        y.append(np.asarray(labels[rows]).astype(np.int64).ravel())
        split_of.append(np.full(len(rows), split))
    X = {m: np.concatenate(v) for m, v in X.items()}
    return make_bunch(X, np.concatenate(y), return_X_y, DESCR, split=np.concatenate(split_of),
                      target_names=np.arange(10))
