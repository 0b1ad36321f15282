"""The papers' studies as functions returning tidy tables.

* :func:`emergence_study` (and :func:`emergence_study_real`): alignment that emerges between
  independently trained unimodal encoders, against redundancy, uniqueness and heterogeneity
  (Tjandrasuwita et al., ICML 2025).
* :func:`strategic_alignment_study` (and :func:`strategic_alignment_study_real`): unimodal accuracy
  and alignment against the weight of an explicit alignment loss (Fang, Zhang & Chan, 2025).
* :func:`reproduce`: either study end to end, with its table, figures and summary written to a
  folder (the ``mmalign reproduce`` command).
"""

from ._cache import ResultCache
from ._emergence import (
    EMERGENCE_FULL,
    EMERGENCE_QUICK,
    EMERGENCE_REAL_FULL,
    EMERGENCE_REAL_QUICK,
    emergence_study,
    emergence_study_real,
)
from ._emergence_summary import summarize_emergence, summarize_emergence_real
from ._real import REAL_DATASETS, load_real_dataset
from ._reproduce import reproduce
from ._strategic import (
    STRATEGIC_FULL,
    STRATEGIC_QUICK,
    STRATEGIC_REAL_FULL,
    STRATEGIC_REAL_QUICK,
    STRATEGIC_SETTINGS,
    strategic_alignment_study,
    strategic_alignment_study_real,
    summarize_strategic,
)
from ._table import StudyTable

__all__ = [
    "EMERGENCE_FULL",
    "EMERGENCE_QUICK",
    "EMERGENCE_REAL_FULL",
    "EMERGENCE_REAL_QUICK",
    "REAL_DATASETS",
    "ResultCache",
    "STRATEGIC_FULL",
    "STRATEGIC_QUICK",
    "STRATEGIC_REAL_FULL",
    "STRATEGIC_REAL_QUICK",
    "STRATEGIC_SETTINGS",
    "StudyTable",
    "emergence_study",
    "emergence_study_real",
    "load_real_dataset",
    "reproduce",
    "strategic_alignment_study",
    "strategic_alignment_study_real",
    "summarize_emergence",
    "summarize_emergence_real",
    "summarize_strategic",
]
