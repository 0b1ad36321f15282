"""Data sets: synthetic generators (``make_*``) and real-data fetchers (``fetch_*``)."""

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
from ._mmimdb import fetch_mmimdb
from ._safe_pickle import UnsafePickleError, safe_load_pickle

__all__ = [
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
    "load_image_caption_pairs",
    "pad_or_truncate",
    "safe_load_pickle",
    "training_statistics",
    "UnsafePickleError",
]
