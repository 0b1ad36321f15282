"""Synthetic generators (``make_*``) and real-data fetchers (``fetch_*``).

Every dataset is a :class:`sklearn.utils.Bunch` whose ``X`` is a :class:`skorch.helper.SliceDict`
mapping modality name to an array with samples on axis 0.
"""

from ._affect import (
    affect_labels,
    fetch_mosei,
    fetch_mosi,
    fetch_mustard,
    fetch_urfunny,
    pad_or_truncate,
    training_statistics,
)
from ._avmnist import fetch_avmnist
from ._base import clear_data_home, get_data_home
from ._fsdd import fetch_fsdd
from ._image_text import load_image_caption_pairs
from ._interaction import interaction_pid, make_interaction_dataset
from ._mmimdb import fetch_mmimdb
from ._safe_pickle import UnsafePickleError, safe_load_pickle
from ._split import paper_split
from ._synthetic import make_redundancy_dataset, make_redundancy_family

__all__ = [
    "UnsafePickleError",
    "affect_labels",
    "clear_data_home",
    "fetch_avmnist",
    "fetch_fsdd",
    "fetch_mmimdb",
    "fetch_mosei",
    "fetch_mosi",
    "fetch_mustard",
    "fetch_urfunny",
    "get_data_home",
    "interaction_pid",
    "load_image_caption_pairs",
    "make_interaction_dataset",
    "make_redundancy_dataset",
    "make_redundancy_family",
    "paper_split",
    "pad_or_truncate",
    "safe_load_pickle",
    "training_statistics",
]
