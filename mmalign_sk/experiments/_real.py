"""Real datasets for the studies: which fetcher, which modalities, which encoder per modality."""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RealDataset:
    """How a study uses one real dataset: the name of its fetcher in :mod:`mmalign_sk.datasets`
    and its extra arguments (the label task), the modalities the studies pair up, and the
    encoder of each (see :mod:`mmalign_sk.encoders`)."""

    name: str
    fetcher: str
    modalities: tuple
    encoders: dict
    fetch_params: dict = field(default_factory=dict)


_AFFECT_ENCODERS = {"text": "transformer", "vision": "transformer", "audio": "transformer"}

#: Real datasets the studies run on when their files are present under ``data_home``.
REAL_DATASETS = {
    # MOSI / MOSEI: the positive/negative task (accuracy), as the papers report it
    "mosi": RealDataset(
        "mosi", "fetch_mosi", ("text", "vision", "audio"), _AFFECT_ENCODERS, {"task": "binary"}
    ),
    "mosei": RealDataset(
        "mosei", "fetch_mosei", ("text", "vision", "audio"), _AFFECT_ENCODERS, {"task": "binary"}
    ),
    "mustard": RealDataset(
        "mustard", "fetch_mustard", ("text", "vision", "audio"), _AFFECT_ENCODERS
    ),
    "urfunny": RealDataset(
        "urfunny", "fetch_urfunny", ("text", "vision", "audio"), _AFFECT_ENCODERS
    ),
    "avmnist": RealDataset(
        "avmnist", "fetch_avmnist", ("image", "audio"), {"image": "cnn", "audio": "cnn"}
    ),
}


def load_real_dataset(name, data_home=None, n_labelled=None, random_state=0):
    """All splits of a real dataset with the row indices of its official train / valid / test splits.

    Parameters
    ----------
    name : str
        A key of :data:`REAL_DATASETS`.
    data_home : str or path-like, optional
    n_labelled : int, optional
        Keep at most this many samples per split (the emergence paper's scarce-data setting uses
        1024; affect datasets only).
    random_state : int, default=0
        Seed of the ``n_labelled`` subset.

    Returns
    -------
    spec : RealDataset
    data : Bunch
        The fetcher's Bunch for ``subset="all"``, plus ``train``, ``val`` and ``test`` index arrays.

    Raises
    ------
    FileNotFoundError
        When the dataset's files are missing; the message names the expected path.

    Examples
    --------
    >>> from mmalign_sk.experiments import load_real_dataset
    >>> spec, data = load_real_dataset("mosei")  # doctest: +SKIP
    >>> spec.encoders["text"], len(data.train), len(data.val), len(data.test)  # doctest: +SKIP
    ('transformer', 16265, 1869, 4643)
    """
    if name not in REAL_DATASETS:
        raise ValueError(
            f"dataset must be one of {sorted(REAL_DATASETS)}; got {name!r}."
        )
    spec = REAL_DATASETS[name]
    params = dict(spec.fetch_params)
    if n_labelled is not None:
        if spec.encoders is not _AFFECT_ENCODERS:
            raise ValueError(
                f"n_labelled applies to the affect datasets only; got dataset={name!r}."
            )
        params.update(n_labelled=n_labelled, random_state=random_state)
    from .. import datasets

    fetch = getattr(datasets, spec.fetcher)
    data = fetch(data_home=data_home, subset="all", modalities=spec.modalities, **params)
    split = np.asarray(data.split)
    data.train, data.val, data.test = (
        np.flatnonzero(split == s) for s in ("train", "valid", "test")
    )
    for part in ("train", "val", "test"):
        if len(data[part]) == 0:
            raise ValueError(f"the {part} split of {name} is empty; the studies need all three.")
    return spec, data


def check_pairs(pairs, modalities):
    """Modality pairs as tuples (default: every pair in the order of ``modalities``)."""
    if pairs is None:
        return [(a, b) for i, a in enumerate(modalities) for b in modalities[i + 1 :]]
    pairs = [tuple(p) for p in pairs]
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(modalities):
            raise ValueError(
                f"pairs must hold pairs of distinct modalities among {list(modalities)}; got {pair!r}."
            )
    return pairs
