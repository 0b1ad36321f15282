"""Per-layer features of a (model, dataset) pair, computed once and memory-mapped back."""

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

# parameters that change where or how fast features are computed, not their values
_NOT_IN_KEY = ("device", "batch_size", "local_files_only")
#: Largest ``meta.json`` of a feature folder read, in bytes.
MAX_META_BYTES = 1 << 20


def _slug(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "model"


def _content_digest(X, settings):
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    if isinstance(X, np.ndarray) and X.dtype != object:
        digest.update(f"{X.dtype}{X.shape}".encode())
        digest.update(np.ascontiguousarray(X).tobytes())
    else:
        for item in X:
            digest.update(os.fspath(item).encode() if isinstance(item, (str, os.PathLike))
                          else repr(item).encode())
            digest.update(b"\x00")
    return digest.hexdigest()[:16]


def _extractor_settings(extractor):
    params = extractor.get_params(deep=False)
    settings = {"class": type(extractor).__name__}
    for key, value in params.items():
        if key in _NOT_IN_KEY:
            continue
        if isinstance(value, (str, int, float, bool, type(None), dict, list, tuple, os.PathLike)):
            settings[key] = os.fspath(value) if isinstance(value, os.PathLike) else value
        else:
            settings[key] = type(value).__name__
    return settings


def feature_folder(extractor, X, cache_dir, name=None):
    """Where :func:`cached_layer_features` keeps the features of ``extractor`` on ``X``."""
    model = name if name is not None else extractor.get_params(deep=False).get("model")
    if name is None and not isinstance(model, (str, os.PathLike)):
        raise ValueError(
            "name must be given when the extractor's model is an instance (it names the cache "
            f"folder); got model of type {type(model).__name__}."
        )
    model = os.path.basename(os.path.normpath(os.fspath(model))) if name is None and \
        os.path.isdir(os.fspath(model)) else model
    settings = _extractor_settings(extractor)
    return Path(cache_dir).expanduser() / _slug(model) / _content_digest(X, settings)


def _read_meta(folder):
    path = folder / "meta.json"
    try:
        if not path.is_file():
            raise ValueError("not a regular file" if path.exists() else "missing")
        if path.stat().st_size > MAX_META_BYTES:
            raise ValueError(f"larger than MAX_META_BYTES = {MAX_META_BYTES}")
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise ValueError(f"{path} is unreadable: {type(exc).__name__}: {exc}") from None
    for key in ("n_layers", "n_samples"):
        value = meta.get(key) if isinstance(meta, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{path}: {key!r} must be a positive integer; got {value!r}.")
    return meta


def _load_layer(path, n_samples):
    if not path.is_file():  # a FIFO would block the reader
        raise ValueError(f"{path} is not a regular file.")
    try:
        layer = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path} is unreadable: {type(exc).__name__}: {exc}") from None
    if layer.dtype != np.float32 or layer.ndim != 2 or layer.shape[0] != n_samples:
        raise ValueError(f"{path} holds a {layer.dtype} array of shape {layer.shape}; expected "
                         f"float32 of shape ({n_samples}, n_features).")
    return layer


def _load(folder, n_samples=None):
    """Read a finished feature folder; ``ValueError`` naming the file for anything malformed."""
    meta = _read_meta(folder)
    if n_samples is not None and meta["n_samples"] != n_samples:
        raise ValueError(f"{folder / 'meta.json'} records {meta['n_samples']} samples; the "
                         f"samples it was computed for are {n_samples}.")
    layers = [_load_layer(folder / f"layer_{i:03d}.npy", meta["n_samples"])
              for i in range(meta["n_layers"])]
    return Bunch(layers=layers, n_parameters=meta.get("n_parameters"), path=folder, meta=meta)


def _discard(folder):
    """Take a broken feature folder out of the way (renamed first, so no reader sees it half
    deleted)."""
    trash = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.broken-"))
    try:
        os.replace(folder, trash / folder.name)
    except FileNotFoundError:  # another process discarded it already
        pass
    shutil.rmtree(trash, ignore_errors=True)


def load_cached_layer_features(folder):
    """The features written by :func:`cached_layer_features` to ``folder`` (memory-mapped).

    Parameters
    ----------
    folder : str or path-like
        A finished feature folder (the ``path`` of what :func:`cached_layer_features` returned).

    Returns
    -------
    Bunch
        ``layers`` (one read-only memory-mapped array per layer), ``n_parameters``, ``path`` and
        ``meta``.

    Raises
    ------
    FileNotFoundError
        When ``folder`` holds no finished features.
    ValueError
        When its ``meta.json`` or a layer file is unreadable, truncated or of the wrong dtype or
        shape; the message names the file.

    Examples
    --------
    >>> import tempfile
    >>> from transformers import GPT2Config, GPT2Model
    >>> from mmalign_sk.features import (PretrainedTextFeatures, cached_layer_features,
    ...                                  load_cached_layer_features, make_character_tokenizer)
    >>> model = GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=128))
    >>> extractor = PretrainedTextFeatures(model, tokenizer=make_character_tokenizer())
    >>> first = cached_layer_features(extractor, ["a cat", "two dogs"], tempfile.mkdtemp(),
    ...                               name="tiny-gpt2", progress=False)
    >>> again = load_cached_layer_features(first.path)
    >>> len(again.layers), bool((again.layers[-1] == first.layers[-1]).all())
    (3, True)
    """
    folder = Path(folder)
    if not (folder / "meta.json").exists():
        raise FileNotFoundError(f"{folder} holds no finished features (no meta.json).")
    return _load(folder)


def _chunk(X, start, stop):
    return X[start:stop] if isinstance(X, np.ndarray) else list(X[start:stop])


def cached_layer_features(extractor, X, cache_dir, *, name=None, progress=True):
    """Features of every layer of ``extractor`` on ``X``, computed once and kept on disk.

    The first call fits ``extractor`` (when it is not fitted yet; loading or downloading the
    model), runs ``X`` through it in batches of ``extractor.batch_size`` with a progress bar and
    writes one ``.npy`` file per layer into a temporary folder that is renamed into place when
    every batch is done. Later calls with the same model, settings and samples memory-map those
    files back without loading the model. A run interrupted before the rename leaves nothing
    behind, so only the unfinished model is recomputed. A finished folder that cannot be read
    back (a ``meta.json`` or layer file that is corrupt, truncated, of another dtype or shape)
    is discarded and computed again, with a ``RuntimeWarning`` naming the file.

    Parameters
    ----------
    extractor : PretrainedTextFeatures or PretrainedImageFeatures
        Any transformer with ``fit``, ``transform_layers`` and ``batch_size``. Its device and
        precision (``device``, ``dtype``: float16/bfloat16 on CUDA) are used as set.
    X : sequence of str / image paths, or ndarray
        The samples (texts for a language model, image paths or arrays for a vision model).
    cache_dir : str or path-like
        Root folder. Features go to ``cache_dir/<model>/<digest>/layer_000.npy ...``, the digest
        covering the extractor's parameters (but not device or batch size) and the samples.
    name : str, default=None
        Folder name of the model; by default the extractor's ``model`` (a name or a folder's
        base name). Required when the model is an instance.
    progress : bool, default=True
        Show a tqdm progress bar over batches.

    Returns
    -------
    features : :class:`~sklearn.utils.Bunch`
        ``layers`` (list of read-only memory-mapped float32 ``(n_samples, d_l)`` arrays),
        ``n_parameters`` (the model's size), ``path`` (the folder) and ``meta``.

    Examples
    --------
    >>> import tempfile
    >>> from transformers import GPT2Config, GPT2Model
    >>> from mmalign_sk.features import (PretrainedTextFeatures, cached_layer_features,
    ...                                  make_character_tokenizer)
    >>> model = GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=128))
    >>> tok = make_character_tokenizer()
    >>> cache = tempfile.mkdtemp()
    >>> out = cached_layer_features(PretrainedTextFeatures(model, tokenizer=tok),
    ...                             ["a cat", "two dogs"], cache, name="tiny-gpt2", progress=False)
    >>> [a.shape for a in out.layers], out.n_parameters > 0
    ([(2, 16), (2, 16), (2, 16)], True)
    >>> fresh = PretrainedTextFeatures(model, tokenizer=tok)
    >>> again = cached_layer_features(fresh, ["a cat", "two dogs"], cache, name="tiny-gpt2",
    ...                               progress=False)
    >>> again.path == out.path, hasattr(fresh, "model_")  # read back without loading the model
    (True, False)
    """
    folder = feature_folder(extractor, X, cache_dir, name)
    if folder.exists():  # finished folders are renamed into place whole, with their meta.json
        try:
            return _load(folder, len(X))
        except ValueError as exc:
            warnings.warn(f"cached features in {folder} are unreadable ({exc}); computing them "
                          "again.", RuntimeWarning, stacklevel=2)
            _discard(folder)
    from sklearn.utils.validation import check_is_fitted
    from sklearn.exceptions import NotFittedError
    from tqdm.auto import tqdm

    n = len(X)
    if n == 0:
        raise ValueError("X must hold at least one sample; got 0.")
    try:
        check_is_fitted(extractor, "model_")
    except NotFittedError:
        extractor.fit()
    batch = int(extractor.batch_size)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.tmp-"))
    try:
        files = None
        bar = tqdm(total=n, desc=folder.parent.name, unit="sample", disable=not progress,
                   dynamic_ncols=True, leave=False)
        with bar:
            for start in range(0, n, batch):
                layers = extractor.transform_layers(_chunk(X, start, start + batch))
                if files is None:
                    files = [np.lib.format.open_memmap(tmp / f"layer_{i:03d}.npy", mode="w+",
                                                       dtype=np.float32, shape=(n, a.shape[1]))
                             for i, a in enumerate(layers)]
                for out, a in zip(files, layers):
                    out[start:start + len(a)] = a
                bar.update(len(layers[0]))
        for out in files:
            out.flush()
        del files
        meta = {"n_samples": n, "n_layers": len(layers),
                "n_parameters": getattr(extractor, "n_parameters_", None),
                "settings": _extractor_settings(extractor)}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str) + "\n")
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / "meta.json").is_file():  # not a concurrent writer's finished copy
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return _load(folder)
