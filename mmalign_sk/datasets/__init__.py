"""Synthetic generators (``make_*``) and real-data loaders (``fetch_*``).

Every dataset is a :class:`sklearn.utils.Bunch` whose ``X`` is a :class:`skorch.helper.SliceDict`
mapping modality name to an array with samples on axis 0.
"""

from ._interaction import make_interaction_dataset
from ._split import paper_split
from ._synthetic import make_redundancy_dataset, make_redundancy_family

__all__ = [
    "make_interaction_dataset",
    "make_redundancy_dataset",
    "make_redundancy_family",
    "paper_split",
]
