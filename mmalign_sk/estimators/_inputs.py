"""Validation and conversion of the inputs and targets of the estimators."""

import numbers
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import type_of_target

ARRAY_KEY = "X"
"""Name of the single modality when an estimator is given a plain array."""


def check_modality_names(modalities, name="modalities", minimum=1):
    """Return ``modalities`` as a tuple of distinct, non-empty names without dots."""
    if isinstance(modalities, str) or not hasattr(modalities, "__iter__"):
        raise TypeError(f"{name} must be a sequence of modality names; got {modalities!r}.")
    names = tuple(modalities)
    for m in names:
        if not isinstance(m, str) or not m or "." in m:
            raise ValueError(f"{name} must hold non-empty str names without '.'; got {m!r}.")
    if len(set(names)) != len(names):
        raise ValueError(f"{name} must not repeat a name; got {names}.")
    if len(names) < minimum:
        raise ValueError(f"{name} must name at least {minimum} modalities; got {names}.")
    return names


def check_tensor(X, name):
    """Validate a torch tensor input (kept on its device, cast to float32)."""
    if X.is_complex() or X.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers; got a tensor of dtype {X.dtype}.")
    if X.ndim < 2:
        raise ValueError(f"{name} must have a sample axis and at least one feature axis; got a "
                         f"tensor of shape {tuple(X.shape)}.")
    if X.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples; at least 1 is required.")
    X = X.float()
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{name} contains NaN or infinity.")
    return X


def check_modality_array(X, name):
    """Validate one modality's data: numeric, finite, samples on axis 0; returns float32."""
    if isinstance(X, torch.Tensor):
        return check_tensor(X, name)
    if sp.issparse(X):
        raise TypeError(f"{name} is a sparse matrix; pass a dense array (X.toarray()).")
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", None) in ("U", "S"):
        raise TypeError(
            f"{name} must hold numbers; got an array of strings (dtype {dtype}). Turn text into "
            "features first (for example with PretrainedTextFeatures)."
        )
    try:
        return check_array(X, dtype=np.float32, allow_nd=True, ensure_2d=True, input_name=name)
    except (ValueError, TypeError) as exc:
        if name in str(exc):
            raise
        raise type(exc)(f"{name} must be an array of numbers: {exc}") from exc


def n_samples(X):
    return X.shape[0]


def check_same_length(arrays, name="X"):
    """Check that every modality has the same number of samples."""
    lengths = {m: int(n_samples(a)) for m, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"all modalities of {name} must have the same number of samples; got {lengths}."
        )
    return next(iter(lengths.values()))


def select_modalities(X, modalities, name="X"):
    """``{m: X[m]}`` for the requested modalities, with a clear error for missing ones."""
    if not isinstance(X, Mapping):
        raise TypeError(
            f"{name} must be a mapping {{modality: array}} such as a skorch.helper.SliceDict with "
            f"the modalities {list(modalities)}; got {type(X).__name__}."
        )
    missing = [m for m in modalities if m not in X]
    if missing:
        raise ValueError(
            f"{name} has no modality {', '.join(map(repr, missing))}; it has {sorted(X)}."
        )
    return {m: X[m] for m in modalities}


def check_inputs(X, modalities, name="X"):
    """Validated float32 data ``{m: array or tensor}`` for ``modalities`` of a mapping ``X``."""
    arrays = {m: check_modality_array(a, f"{name}[{m!r}]")
              for m, a in select_modalities(X, modalities, name).items()}
    check_same_length(arrays, name)
    return arrays


def _as_object_array(y):
    try:
        return np.asarray(y, dtype=object)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"y must be a 1-D sequence of class labels; got {type(y).__name__} "
                         f"that is not one array: {exc}") from exc


def _check_label_kinds(y):
    """Class labels of one kind: all text or all numbers, none missing."""
    flat = y.ravel()
    missing = [v for v in flat if v is None or (isinstance(v, (float, np.floating)) and v != v)]
    if missing:
        raise ValueError(f"y contains missing labels (None or NaN); got {missing[:3]}.")
    is_text = np.array([isinstance(v, (str, bytes, np.str_, np.bytes_)) for v in flat], bool)
    if is_text.any() and not is_text.all():
        kinds = sorted({type(v).__name__ for v in flat})
        raise TypeError(
            f"y must hold class labels of one kind, all text or all numbers; got a mix of "
            f"{kinds} (e.g. {flat[is_text][:1].tolist() + flat[~is_text][:1].tolist()})."
        )


def check_classification_y(y, estimator_name, regressor_name):
    """1-D class labels; a clear error for continuous or multi-output targets."""
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None; "
                         "it needs class labels.")
    if isinstance(y, torch.Tensor):
        y = y.cpu()
    elif not isinstance(y, np.ndarray) and not hasattr(y, "__array__"):
        # look at the labels before numpy turns the numbers of a mixed list into text
        _check_label_kinds(_as_object_array(y))
    y = np.asarray(y)
    if y.dtype == object:
        _check_label_kinds(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels for {estimator_name}; got shape {y.shape}.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity.")
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"y must hold class labels for {estimator_name}; got a {kind!r} target "
            f"(e.g. {y[:3].tolist()}). For continuous targets use {regressor_name}."
        )
    return column_or_1d(y)


def check_regression_y(y, estimator_name, classifier_name):
    """Float32 targets of shape (n,) or (n, k); a clear error for labels that are not numbers."""
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None; "
                         "it needs numeric targets.")
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    y_arr = np.asarray(y)
    if y_arr.dtype.kind in "OUSb" and not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in y_arr.ravel()[:100]):
        raise ValueError(
            f"y must hold numbers for {estimator_name}; got values of dtype {y_arr.dtype} "
            f"(e.g. {y_arr.ravel()[:3].tolist()}). For class labels use {classifier_name}."
        )
    y_arr = check_array(y_arr, dtype=np.float32, ensure_2d=False, input_name="y")
    if y_arr.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D; got shape {y_arr.shape}.")
    return y_arr


def check_n_samples(n_X, y):
    if len(y) != n_X:
        raise ValueError(f"X and y must have the same number of samples; got {n_X} and {len(y)}.")
