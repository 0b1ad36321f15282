"""PID of continuous representations: discretise each modality by clustering, then solve exactly.

This is the estimator of Liang et al. (NeurIPS 2023) for high-dimensional data: each modality's
representation is clustered (optionally after PCA), a continuous label is cut into quantile bins,
and the exact decomposition of the plug-in distribution of (cluster 1, cluster 2, label) is
computed with :func:`~mmalign_sk.information.pid`.
"""

import warnings
from dataclasses import replace

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target

from .._checks import check_int as _check_int
from .._checks import check_optional_int
from ._discrete import joint_table
from ._pid import check_pid_size, pid

__all__ = ["SmallSampleWarning", "estimate_pid"]

#: Above this many samples the modalities are clustered with MiniBatchKMeans instead of KMeans.
MINIBATCH_THRESHOLD = 20_000
#: A SmallSampleWarning is issued when the first-order bias of the plug-in I(X1, X2; Y) exceeds
#: this many bits.
BIAS_WARNING_BITS = 0.05
#: Number of quantile bins of a continuous label when ``label_bins`` is None.
DEFAULT_LABEL_BINS = 10


class SmallSampleWarning(UserWarning):
    """The sample is small for the number of cells of the discretised joint distribution."""


def _check_representation(X, name):
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a 2-D numeric array; got {type(X).__name__}.")
    if hasattr(X, "detach"):  # torch tensor
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got an array of dtype {X.dtype}.")
    if np.iscomplexobj(X):
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got an array of shape {X.shape}. "
            "Reshape a single feature with X.reshape(-1, 1)."
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one sample and one feature; got {X.shape}.")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values; expected finite numbers.")
    return X


def _pair(value, name, check):
    """Expand an int (or None) to one value per modality, checking each."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be one value or a pair (one per modality); got {value!r}."
            )
        return tuple(check(v, name) for v in value)
    value = check(value, name)
    return value, value






def _cluster(X, n_clusters, pca_components, seed, name):
    n_samples, n_features = X.shape
    if n_clusters > n_samples:
        raise ValueError(
            f"n_clusters for {name} must be <= the number of samples; got n_clusters={n_clusters} "
            f"with {n_samples} samples."
        )
    if pca_components is not None:
        if pca_components > min(n_samples, n_features):
            raise ValueError(
                f"pca_components for {name} must be <= min(n_samples, n_features) = "
                f"{min(n_samples, n_features)}; got {pca_components}."
            )
        X = PCA(n_components=pca_components, random_state=seed).fit_transform(X)
    if n_samples > MINIBATCH_THRESHOLD:
        model = MiniBatchKMeans(n_clusters=n_clusters, n_init=3, batch_size=4096, random_state=seed)
    else:
        model = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed)
    with warnings.catch_warnings():
        # Fewer distinct points than clusters: KMeans warns; the duplicate clusters stay empty
        # and do not change the plug-in distribution.
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        return model.fit_predict(X)


def _quantile_bins(y, n_bins):
    edges = np.unique(np.quantile(y, np.linspace(0.0, 1.0, n_bins + 1)))
    return np.searchsorted(edges[1:-1], y, side="right"), edges


def _discretise_label(y, label_bins, n_samples):
    """Return discrete label codes and the bin edges (None when y is already discrete)."""
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"y must be a 1-D array of labels; got {type(y).__name__}.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample); got an array of shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"y must have one label per sample: X1 and X2 have {n_samples} rows, "
            f"y has {y.shape[0]}."
        )
    numeric = np.issubdtype(y.dtype, np.number) or y.dtype == bool
    if numeric and np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite values.")
    if label_bins is not None:
        label_bins = _check_int(label_bins, "label_bins", 2)
        if not numeric:
            raise TypeError(
                f"label_bins applies to numeric labels only; got y of dtype {y.dtype}. "
                "Leave label_bins=None for categorical labels."
            )
        return _quantile_bins(y.astype(np.float64), label_bins)
    if numeric and type_of_target(y) == "continuous":
        return _quantile_bins(y.astype(np.float64), DEFAULT_LABEL_BINS)
    return y, None


def plugin_bias_bits(n_samples, n_x1, n_x2, n_y):
    """First-order (Miller–Madow) bias of the plug-in I(X1, X2; Y), in bits."""
    return (n_x1 * n_x2 - 1) * (n_y - 1) / (2.0 * n_samples * np.log(2.0))


def estimate_pid(
    X1, X2, y, n_clusters=20, pca_components=None, label_bins=None, random_state=None
):
    """Estimate the PID of two continuous modalities about a label by clustering.

    Each modality's representation is clustered into ``n_clusters`` groups (KMeans, or
    MiniBatchKMeans above 20,000 samples), optionally after PCA; a continuous label is cut into
    quantile bins.  The exact BROJA decomposition of the plug-in distribution of
    (cluster of X1, cluster of X2, label) is then computed with :func:`pid`, as in Liang et al.
    (NeurIPS 2023).

    Parameters
    ----------
    X1, X2 : array-like of shape (n_samples, n_features_1) and (n_samples, n_features_2)
        Paired representations of the two modalities (rows are the same samples).  They are
        clustered as given (no scaling): standardise them first if their features have
        different units.
    y : array-like of shape (n_samples,)
        Labels.  Discrete labels (integers, strings, booleans, integral floats) are used as they
        are; non-integral floats are treated as continuous and cut into quantile bins.
    n_clusters : int or pair of int, default=20
        Number of clusters per modality (one value for both, or ``(k1, k2)``).
    pca_components : int, pair of int or None, default=None
        If given, project each modality on this many principal components before clustering.
    label_bins : int or None, default=None
        Number of quantile bins for the label.  None: continuous labels get 10 bins and discrete
        labels are kept.  An int bins any numeric label (ties may merge bins).
    random_state : int, RandomState instance or None, default=None
        Seeds PCA and the clustering.  Same seed, same result.

    Returns
    -------
    result : PIDResult
        The decomposition of the discretised distribution.  ``result.extra`` holds
        ``"labels"`` (cluster index of every sample for X1 and X2, and the label code),
        ``"label_edges"`` (the bin edges, or None), ``"n_samples"`` and ``"plugin_bias"``
        (the first-order bias estimate below, in bits).

    Raises
    ------
    ValueError
        When (k1 + k2) x (number of label values) exceeds ``MAX_PID_CONSTRAINTS`` (4096, see
        :func:`pid`), before clustering: use fewer clusters or bin the label (``label_bins``).

    Warns
    -----
    SmallSampleWarning
        When the first-order (Miller–Madow) bias of the plug-in I(X1, X2; Y),
        (k1 k2 − 1)(k_y − 1) / (2 n ln 2) bits for k1, k2 clusters and k_y label values, exceeds
        0.05 bits: the estimate is then inflated by sampling noise, mostly into synergy.  Use
        fewer clusters or more samples.

    See Also
    --------
    pid : the exact decomposition of a discrete joint table.
    pid_from_samples : the same for samples that are already discrete.

    Examples
    --------
    Two noisy views of the same binary latent, and a label equal to it: all the information is
    redundant.

    >>> import numpy as np
    >>> from mmalign_sk.information import estimate_pid
    >>> rng = np.random.RandomState(0)
    >>> z = rng.randint(0, 2, size=400)
    >>> X1 = z[:, None] * 4.0 + rng.normal(scale=0.1, size=(400, 3))
    >>> X2 = z[:, None] * -4.0 + rng.normal(scale=0.1, size=(400, 5))
    >>> r = estimate_pid(X1, X2, z, n_clusters=2, random_state=0)
    >>> print(f"R={r.redundancy:.2f} U1={r.unique_1:.2f} U2={r.unique_2:.2f} S={r.synergy:.2f}")
    R=1.00 U1=0.00 U2=0.00 S=0.00
    """
    X1 = _check_representation(X1, "X1")
    X2 = _check_representation(X2, "X2")
    if X1.shape[0] != X2.shape[0]:
        raise ValueError(
            "X1 and X2 must have the same number of rows (paired samples); "
            f"got X1 with {X1.shape[0]} and X2 with {X2.shape[0]}."
        )
    n_samples = X1.shape[0]
    k1, k2 = _pair(n_clusters, "n_clusters", lambda v, n: _check_int(v, n, 1))
    pca1, pca2 = _pair(pca_components, "pca_components", check_optional_int)
    y_codes, edges = _discretise_label(y, label_bins, n_samples)
    check_pid_size(min(k1, n_samples), min(k2, n_samples), len(np.unique(y_codes)),
                   ("the clusters of X1", "X2", "y"),
                   "Use fewer clusters (n_clusters) or bin the label (label_bins=b; only "
                   "non-integral float labels are binned by default).")

    rng = check_random_state(random_state)
    seed1, seed2 = rng.randint(np.iinfo(np.int32).max, size=2)
    labels1 = _cluster(X1, k1, pca1, seed1, "X1")
    labels2 = _cluster(X2, k2, pca2, seed2, "X2")

    table, (_, _, y_values) = joint_table(labels1, labels2, y_codes)
    bias = plugin_bias_bits(n_samples, table.shape[0], table.shape[1], table.shape[2])
    if bias > BIAS_WARNING_BITS:
        warnings.warn(
            f"{n_samples} samples are few for a {table.shape[0]} x {table.shape[1]} x "
            f"{table.shape[2]} table: the plug-in I(X1, X2; Y) is biased upwards by about "
            f"{bias:.3f} bits (mostly counted as synergy). Use fewer clusters or more samples.",
            SmallSampleWarning,
            stacklevel=2,
        )
    result = pid(table)
    y_index = np.searchsorted(y_values, y_codes) if edges is None else y_codes
    extra = {
        "labels": (labels1, labels2, y_index),
        "label_edges": edges,
        "label_values": y_values,
        "n_samples": n_samples,
        "plugin_bias": bias,
    }
    return replace(result, extra=extra)
