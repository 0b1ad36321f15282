"""The 70 / 15 / 15 stratified train / validation / test split of the synthetic studies."""

from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

__all__ = ["paper_split"]


def paper_split(X, y=None, *, random_state=None):
    """Split multimodal data 70% / 15% / 15% into train, validation and test, stratified by y.

    As in Tjandrasuwita et al. (2025): 30% is held out with a stratified split, then halved
    (stratified) into validation and test.

    Parameters
    ----------
    X : Bunch, SliceDict or array-like
        A dataset Bunch with ``X`` and ``y`` (then ``y`` must be None), or the inputs (anything
        :func:`sklearn.model_selection.train_test_split` slices, e.g. a
        :class:`skorch.helper.SliceDict`).
    y : array-like of shape (n_samples,) or None, default=None
        Class labels, required unless ``X`` is a Bunch. Every class needs at least 4 samples.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling (both splits).

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
        The three parts of X (same type as X) followed by the three parts of y.

    Examples
    --------
    >>> from mmalign_sk.datasets import make_redundancy_dataset, paper_split
    >>> data = make_redundancy_dataset(n_samples=2000, random_state=0)
    >>> X_train, X_val, X_test, y_train, y_val, y_test = paper_split(data, random_state=0)
    >>> len(y_train), len(y_val), len(y_test)
    (1400, 300, 300)
    >>> X_train["x1"].shape
    (1400, 12)
    """
    if isinstance(X, Bunch):
        if y is not None:
            raise ValueError("pass either a dataset Bunch alone or X and y; got a Bunch and y.")
        X, y = X["X"], X["y"]
    elif y is None:
        raise ValueError("y is required (class labels to stratify on) unless X is a Bunch.")
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=random_state
    )
    return X_train, X_val, X_test, y_train, y_val, y_test
