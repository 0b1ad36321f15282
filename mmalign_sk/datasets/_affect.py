"""MultiBench affect data sets: CMU-MOSI, CMU-MOSEI, MUStARD and UR-FUNNY.

MultiBench distributes each data set as one pickle: a dict ``split -> dict`` with splits
``"train"``, ``"valid"``, ``"test"`` and keys ``"vision"``, ``"audio"``, ``"text"`` (float arrays of
shape ``(n, steps, features)``, zero-padded at the front), ``"labels"`` (``(n, 1, 1)``) and
``"id"``. The pickles are read with an allow-listing unpickler and, by default, converted once to
``.npy`` files that later calls memory-map.
"""

import json
import os
import tempfile
from dataclasses import dataclass

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
from ._safe_pickle import safe_load_pickle

MODALITIES = ("vision", "audio", "text")
_SPLITS = ("train", "valid", "test")
_TASKS_SENTIMENT = ("regression", "binary", "7class")
_MULTIBENCH_URL = "https://github.com/pliang279/MultiBench (README, section 'Affective computing')"


@dataclass(frozen=True)
class _AffectSpec:
    name: str
    filename: str
    widths: dict
    sizes: tuple
    tasks: tuple
    label_text: str
    citation: str
    licence: str


_SPECS = {
    "mosi": _AffectSpec(
        "CMU-MOSI", "mosi_raw.pkl", {"vision": 20, "audio": 5, "text": 300}, (1284, 229, 686),
        _TASKS_SENTIMENT, "sentiment score in [-3, 3]",
        "Zadeh, Zellers, Pincus, Morency. Multimodal sentiment intensity analysis in videos: "
        "facial gestures and verbal messages. IEEE Intelligent Systems 31(6), 2016.",
        "CMU-MultimodalSDK terms (research use)",
    ),
    "mosei": _AffectSpec(
        "CMU-MOSEI", "mosei_senti_data.pkl", {"vision": 35, "audio": 74, "text": 300},
        (16265, 1869, 4643), _TASKS_SENTIMENT, "sentiment score in [-3, 3]",
        "Zadeh, Liang, Poria, Cambria, Morency. Multimodal language analysis in the wild: "
        "CMU-MOSEI dataset and interpretable dynamic fusion graph. ACL 2018.",
        "CMU-MultimodalSDK terms (research use)",
    ),
    "mustard": _AffectSpec(
        "MUStARD", "sarcasm.pkl", {"vision": 371, "audio": 81, "text": 300}, (414, 138, 138),
        ("binary",), "sarcastic (> 0) or not",
        "Castro, Hazarika, Perez-Rosas, Zimmermann, Mihalcea, Poria. Towards multimodal sarcasm "
        "detection (an obviously perfect paper). ACL 2019.",
        "MIT licence (MUStARD repository)",
    ),
    "urfunny": _AffectSpec(
        "UR-FUNNY", "humor.pkl", {"vision": 371, "audio": 81, "text": 300}, (10598, 2626, 3290),
        ("binary",), "humorous punchline (> 0) or not",
        "Hasan, Rahman, Zadeh, Zhong, Tanveer, Morency, Hoque. UR-FUNNY: a multimodal language "
        "dataset for understanding humor. EMNLP 2019.",
        "research use (UR-FUNNY repository)",
    ),
}

_MULTIBENCH_CITATION = (
    "Liang, Lyu, Fan, Wu, Cheng, Wu, Chen, Wu, Lee, Zhu, Salakhutdinov, Morency. MultiBench: "
    "multiscale benchmarks for multimodal representation learning. NeurIPS 2021 Datasets and "
    "Benchmarks."
)


def _descr(key):
    spec = _SPECS[key]
    sizes = ", ".join(f"{s} {n}" for s, n in zip(_SPLITS, spec.sizes))
    widths = ", ".join(f"{m} {w}" for m, w in spec.widths.items())
    return (
        f"{spec.name} (MultiBench processed features)\n\n"
        f"File: <data_home>/multibench/{spec.filename}, obtained by hand from {_MULTIBENCH_URL} "
        "(hosted on Google Drive, so it cannot be downloaded and verified automatically).\n"
        f"Splits and sizes (MultiBench): {sizes}.\n"
        f"Modalities and feature widths: {widths}; sequences of 50 time steps.\n"
        f"Labels: {spec.label_text}; tasks: {', '.join(spec.tasks)}.\n"
        f"Licence: {spec.licence}.\n"
        f"Citation: {spec.citation}\nProcessed features: {_MULTIBENCH_CITATION}\n"
    )


# --------------------------------------------------------------------------------------------
# loading, with an .npy cache that later calls memory-map


def _validate_affect(obj, path, widths):
    if not isinstance(obj, dict) or not all(s in obj for s in _SPLITS):
        raise ValueError(
            f"{path} does not hold a MultiBench affect dict with splits {_SPLITS}; got "
            f"{type(obj).__name__} with keys {sorted(obj) if isinstance(obj, dict) else None}."
        )
    for split in _SPLITS:
        part = obj[split]
        missing = [k for k in (*MODALITIES, "labels") if k not in part]
        if missing:
            raise ValueError(f"{path}: split {split!r} lacks the keys {missing}.")
        labels = part["labels"]
        if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "biuf":
            kind = labels.dtype if isinstance(labels, np.ndarray) else type(labels).__name__
            raise ValueError(
                f"{path}: split {split!r}, 'labels' must be a numeric array of scores; got {kind}."
            )
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            rows = np.flatnonzero(~np.isfinite(labels.reshape(len(labels), -1)).all(1))
            raise ValueError(
                f"{path}: split {split!r}, 'labels' holds NaN or infinite scores at rows "
                f"{rows[:10].tolist()}."
            )
        n = len(labels)
        for m in MODALITIES:
            arr = part[m]
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
                kind = arr.dtype if isinstance(arr, np.ndarray) else type(arr).__name__
                raise ValueError(f"{path}: split {split!r}, {m!r} must be a numeric array; got "
                                 f"{kind}.")
            if arr.ndim != 3 or arr.shape[0] != n or (
                    widths is not None and arr.shape[2] != widths[m]):
                features = "features" if widths is None else f"features={widths[m]}"
                raise ValueError(
                    f"{path}: split {split!r}, {m!r} must have shape (n_samples={n}, steps, "
                    f"{features}); got {arr.shape}."
                )


def _cache_dir(path):
    return os.path.splitext(path)[0] + "_npy"


def _cache_stamp(path):
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _check_cache_folder(folder):
    """Refuse a cache folder that is, or holds, a symbolic link: writing or reading through one
    would touch a file elsewhere."""
    if os.path.islink(folder):
        raise ValueError(
            f"the cache folder {folder} is a symbolic link; mmalign_sk writes its cache only into "
            "a real folder. Delete the link (or pass cache=False)."
        )
    if os.path.isdir(folder):
        links = sorted(e.name for e in os.scandir(folder) if e.is_symlink())
        if links:
            raise ValueError(
                f"the cache folder {folder} holds symbolic links {links}; mmalign_sk never reads "
                "or writes its cache through links. Delete the folder (or pass cache=False)."
            )


def _write_file(folder, name, write):
    """Write a new file in ``folder`` with ``write(file object)``, then rename it to ``name``.

    The new file is created exclusively (never through an existing file or link) and the rename
    replaces whatever entry ``name`` was, without following it.
    """
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, os.path.join(folder, name))
    except BaseException:
        if os.path.lexists(tmp):
            os.remove(tmp)
        raise


def _write_cache(obj, path):
    folder = _cache_dir(path)
    _check_cache_folder(folder)
    os.makedirs(folder, exist_ok=True)
    _check_cache_folder(folder)
    stamp = os.path.join(folder, "stamp.json")
    if os.path.lexists(stamp):
        os.remove(stamp)  # the cache is stale until every file is written
    for split in _SPLITS:
        for key in (*MODALITIES, "labels"):
            array = np.asarray(obj[split][key])
            _write_file(folder, f"{split}_{key}.npy",
                        lambda f, a=array: np.save(f, a, allow_pickle=False))
    _write_file(folder, "stamp.json",
                lambda f: f.write(json.dumps(_cache_stamp(path)).encode("utf-8")))


def _cache_is_fresh(path):
    folder = _cache_dir(path)
    stamp = os.path.join(folder, "stamp.json")
    if not os.path.lexists(stamp):
        return False
    _check_cache_folder(folder)
    try:
        with open(stamp, encoding="utf-8") as f:
            return json.load(f) == _cache_stamp(path)
    except (OSError, ValueError):  # unreadable or corrupt stamp: rebuild the cache
        return False


def load_affect_arrays(path, cache=True, widths=None):
    """``{split: {key: array}}`` from a MultiBench affect pickle.

    With ``cache=True`` the pickle is converted once to ``.npy`` files in ``<name>_npy/`` beside
    it (rebuilt when the pickle's size or modification time changes); the values returned are then
    :class:`NpyRows` readers of those files, which read only the row blocks asked for. The cache
    folder is written without following links (new files renamed into place) and refused when it
    is or holds a symbolic link; a corrupt ``stamp.json`` makes the cache stale. ``widths``
    (``{modality: features}``) is checked against the pickle when given.
    """
    path = os.fspath(path)
    if cache and _cache_is_fresh(path):
        folder = _cache_dir(path)
        return {
            split: {
                key: NpyRows(os.path.join(folder, f"{split}_{key}.npy"))
                for key in (*MODALITIES, "labels")
            }
            for split in _SPLITS
        }
    obj = safe_load_pickle(path)
    _validate_affect(obj, path, widths)
    if not cache:
        return obj
    _write_cache(obj, path)
    del obj
    return load_affect_arrays(path, cache=True, widths=widths)


# --------------------------------------------------------------------------------------------
# preprocessing


def pad_or_truncate(X, max_seq_len):
    """Keep the first ``max_seq_len`` steps of ``X`` (n, steps, d), front-padding short ones with 0.

    Front padding matches the MultiBench files, whose sequences are zero-padded at the front.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.datasets import pad_or_truncate
    >>> pad_or_truncate(np.ones((1, 2, 1)), 3)[0, :, 0]
    array([0., 1., 1.])
    >>> pad_or_truncate(np.arange(4.0).reshape(1, 4, 1), 2)[0, :, 0]
    array([0., 1.])
    """
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, (int, np.integer)) \
            or max_seq_len < 1:
        raise ValueError(f"max_seq_len must be a positive integer; got {max_seq_len!r}.")
    n, steps, d = X.shape
    if steps >= max_seq_len:
        return X[:, :max_seq_len]
    out = np.zeros((n, max_seq_len, d), dtype=X.dtype)
    out[:, max_seq_len - steps:] = X
    return out


def _iter_blocks(source, rows, max_seq_len, block_rows=256):
    """Yield ``(i, block)``: float32 copies of ``source[rows[i:i + k]]``, cut/padded in time.

    ``source`` is an array or anything sliceable by contiguous rows (:class:`NpyRows`); ``rows``
    are sorted. Non-finite values are replaced by 0.
    """
    for i, block in iter_row_blocks(source, rows, block_rows):
        block = pad_or_truncate(block, max_seq_len).astype(np.float32, copy=True)
        block[~np.isfinite(block)] = 0.0
        yield i, block


def _statistics(source, rows, max_seq_len):
    d = source.shape[-1]
    total, count = np.zeros(d), 0
    for _, block in _iter_blocks(source, rows, max_seq_len):
        flat = block.reshape(-1, d).astype(np.float64)
        total += flat.sum(0)
        count += flat.shape[0]
    mean = total / max(count, 1)
    sq = np.zeros(d)
    for _, block in _iter_blocks(source, rows, max_seq_len):
        sq += ((block.reshape(-1, d).astype(np.float64) - mean) ** 2).sum(0)
    std = np.sqrt(sq / max(count, 1))
    std[std == 0] = 1.0
    return mean, std


def training_statistics(X_train):
    """Per-feature mean and standard deviation over samples and steps of ``X_train`` (n, t, d).

    Computed in float64 over blocks of samples (so a large array is never copied whole), with
    non-finite values counted as 0. A feature with zero spread gets a standard deviation of 1.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.datasets import training_statistics
    >>> mean, std = training_statistics(np.array([[[1.0, 5.0], [3.0, 5.0]]]))
    >>> mean.tolist(), std.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    """
    return _statistics(X_train, np.arange(len(X_train)), X_train.shape[1])


def affect_labels(scores, task, dataset):
    """Turn MultiBench affect labels (n, 1, 1) into the targets of ``task``.

    ``"regression"``: the float score; ``"binary"``: 1 if score > 0 else 0 (MultiBench's
    positive/negative convention, 0 counts as negative); ``"7class"``: round(clip(score, -3, 3))
    + 3, classes 0..6.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.datasets import affect_labels
    >>> scores = np.array([-2.6, 0.0, 0.4, 3.2]).reshape(4, 1, 1)
    >>> affect_labels(scores, "binary", "mosi").tolist()
    [0, 0, 1, 1]
    >>> affect_labels(scores, "7class", "mosi").tolist()
    [0, 3, 3, 6]
    """
    tasks = _SPECS[dataset].tasks
    if task not in tasks:
        raise ValueError(f"task must be one of {tasks} for {_SPECS[dataset].name}; got {task!r}.")
    raw = np.asarray(scores)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"scores must be numeric sentiment scores; got an array of dtype "
                        f"{raw.dtype} (e.g. {raw.ravel()[:3].tolist()}).")
    if raw.ndim == 0:
        raise ValueError("scores must have one score per sample; got a scalar.")
    scores = raw.astype(np.float64).reshape(len(raw), -1)[:, 0]
    if not np.isfinite(scores).all():
        raise ValueError(
            f"scores must be finite; got NaN or infinity at rows "
            f"{np.flatnonzero(~np.isfinite(scores))[:10].tolist()}."
        )
    if task == "regression":
        return scores.astype(np.float32)
    if task == "binary":
        return (scores > 0).astype(np.int64)
    return (np.rint(np.clip(scores, -3, 3)) + 3).astype(np.int64)


# --------------------------------------------------------------------------------------------
# the fetchers


def _fetch_affect(key, data_home, subset, modalities, task, max_seq_len, z_normalize,
                  drop_empty_text, n_labelled, random_state, cache, return_X_y,
                  download_if_missing):
    splits = check_subset(subset)
    modalities = check_modalities(modalities, MODALITIES)
    spec = _SPECS[key]
    affect_labels(np.zeros((1, 1, 1)), task, key)  # validates task before any file work
    path = os.path.join(get_data_home(data_home), "multibench", spec.filename)
    if not os.path.exists(path):
        raise missing_file_error(
            path,
            f"{spec.name} is distributed by MultiBench as {spec.filename!r} on Google Drive and "
            f"must be obtained by hand: see {_MULTIBENCH_URL}."
            + ("" if download_if_missing else " (download_if_missing=False)"),
        )
    data = load_affect_arrays(path, cache=cache, widths=spec.widths)
    stats = {}
    if z_normalize:
        train_rows = np.flatnonzero(_keep_rows(data["train"], drop_empty_text))
        for m in ("vision", "audio"):
            if m in modalities:
                stats[m] = _statistics(data["train"][m], train_rows, max_seq_len)
    rng = np.random.RandomState(random_state) if isinstance(random_state, (int, np.integer)) \
        else random_state
    X = {m: [] for m in modalities}
    y, split_of = [], []
    for split in splits:
        part = data[split]
        rows = np.flatnonzero(_keep_rows(part, drop_empty_text))
        rows = rows[scarce_indices(len(rows), n_labelled, rng)]
        for m in modalities:
            X[m].append(_take_rows(part[m], rows, max_seq_len, stats.get(m)))
        y.append(affect_labels(np.asarray(part["labels"])[rows], task, key))
        split_of.append(np.full(len(rows), split))
    X = {m: v[0] if len(v) == 1 else np.concatenate(v) for m, v in X.items()}
    y = np.concatenate(y)
    return make_bunch(X, y, return_X_y, _descr(key), split=np.concatenate(split_of),
                      task=task, feature_widths=dict(spec.widths))


def _take_rows(source, rows, max_seq_len, stats):
    """float32 ``(len(rows), max_seq_len, d)`` copy of the rows, standardised with ``stats``."""
    out = np.empty((len(rows), max_seq_len, source.shape[-1]), dtype=np.float32)
    if stats is not None:
        mean, std = (s.astype(np.float32) for s in stats)
    for i, block in _iter_blocks(source, rows, max_seq_len):
        if stats is not None:
            block -= mean
            block /= std
        out[i:i + len(block)] = block
    return out


def _keep_rows(part, drop_empty_text):
    n = len(part["labels"])
    if not drop_empty_text:
        return np.ones(n, dtype=bool)
    keep = np.empty(n, dtype=bool)
    text = part["text"]
    for start in range(0, n, 256):
        chunk = np.asarray(text[start:start + 256])
        keep[start:start + 256] = (chunk != 0).reshape(len(chunk), -1).any(1)
    return keep


_PARAMS_DOC = """
    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder (see :func:`get_data_home`); the pickle is expected at
        ``<data_home>/multibench/{filename}``.
    subset : {{"train", "valid", "test", "all"}}, default="train"
        Split(s) to return; ``"all"`` concatenates them in that order (see ``split``).
    modalities : sequence of {{"vision", "audio", "text"}}, default=None
        Modalities to return (None: all three).
    task : {tasks}, default="{default_task}"
        Target to return (see :func:`affect_labels`).
    max_seq_len : int, default=50
        Steps kept per sequence (first steps kept; shorter sequences front-padded with zeros).
    z_normalize : bool, default=True
        Standardise each vision and audio feature with the mean and standard deviation of the
        training split (over samples and steps), whatever ``subset`` is returned.
    drop_empty_text : bool, default=True
        Drop samples whose text features are all zero, as MultiBench does.
    n_labelled : int, default=None
        Keep at most this many samples per split, drawn without replacement (scarce-data study;
        the paper uses 1024). None keeps all.
    random_state : int, RandomState instance or None, default=None
        Seed for ``n_labelled``.
    cache : bool, default=True
        Convert the pickle once to ``.npy`` files beside it and memory-map them afterwards.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    download_if_missing : bool, default=True
        Kept for the scikit-learn fetcher signature: these files are never downloaded
        automatically, and a missing file raises ``FileNotFoundError`` naming the expected path.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (:class:`skorch.helper.SliceDict` of float32 arrays ``(n, max_seq_len, width)``),
        ``y``, ``modalities``, ``split`` (split name of each row), ``task``, ``feature_widths``
        and ``DESCR``.
    (X, y) : tuple if ``return_X_y`` is True.

    Notes
    -----
    Non-finite values (MultiBench audio holds ``-inf``) are replaced by 0 before normalisation.
"""


def _make_fetcher(key, default_task):
    spec = _SPECS[key]

    def fetcher(*, data_home=None, subset="train", modalities=None, task=default_task,
                max_seq_len=50, z_normalize=True, drop_empty_text=True, n_labelled=None,
                random_state=None, cache=True, return_X_y=False, download_if_missing=True):
        return _fetch_affect(key, data_home, subset, modalities, task, max_seq_len, z_normalize,
                             drop_empty_text, n_labelled, random_state, cache, return_X_y,
                             download_if_missing)

    fetcher.__name__ = fetcher.__qualname__ = f"fetch_{key}"
    tasks = "{" + ", ".join(f'"{t}"' for t in spec.tasks) + "}"
    fetcher.__doc__ = (
        f"Load {spec.name} as processed by MultiBench ({spec.label_text}).\n"
        + _PARAMS_DOC.format(filename=spec.filename, tasks=tasks, default_task=default_task)
        + f"""
    Examples
    --------
    >>> from mmalign_sk.datasets import fetch_{key}
    >>> data = fetch_{key}(subset="train", modalities=("text", "vision"))  # doctest: +SKIP
    >>> data.X["text"].shape  # doctest: +SKIP
    ({spec.sizes[0]}, 50, 300)
"""
    )
    return fetcher


fetch_mosi = _make_fetcher("mosi", "regression")
fetch_mosei = _make_fetcher("mosei", "regression")
fetch_mustard = _make_fetcher("mustard", "binary")
fetch_urfunny = _make_fetcher("urfunny", "binary")
