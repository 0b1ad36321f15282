"""The papers' studies, each described once and run by one function.

* :func:`emergence_study` (and :func:`emergence_study_real`): alignment that emerges between
  independently trained unimodal encoders, against redundancy, uniqueness and heterogeneity
  (Tjandrasuwita et al., ICML 2025).
* :func:`strategic_alignment_study` (and :func:`strategic_alignment_study_real`): unimodal accuracy
  and alignment against the weight of an explicit alignment loss (Fang, Zhang & Chan, 2025).
* :func:`vision_language_study`: alignment of language models with vision models on
  image-caption pairs against model size, and as captions gain information the image does not
  hold; :func:`mmimdb_study`: whether more alignment means better genre prediction on MM-IMDb.

Each is a :class:`Study` in :data:`STUDIES` (its sources, presets tagged as the paper's or ours,
stages, summary and figures); :func:`run_study` runs any of them, the functions above are
shorthands for it, and :func:`reproduce` (the ``mmalign reproduce`` command) writes a study's
table, figures and summary to a folder. Every summary's findings are :class:`Finding`.
"""

from ._cache import ResultCache
from ._config import TrainingConfig
from ._emergence import (
    EMERGENCE_FULL, EMERGENCE_QUICK, EMERGENCE_REAL_FULL, EMERGENCE_REAL_QUICK,
    emergence_study, emergence_study_real,
)
from ._emergence_summary import summarize_emergence, summarize_emergence_real
from ._finding import Finding
from ._mmimdb import (
    MMIMDB_FULL, MMIMDB_QUICK, clip_finetune, linear_probe_f1, mmimdb_study, summarize_mmimdb,
)
from ._pretrained import model_family
from ._real import REAL_DATASETS, load_real_dataset
from ._registry import STUDIES
from ._reproduce import reproduce
from ._strategic import (
    STRATEGIC_FULL, STRATEGIC_QUICK, STRATEGIC_REAL_FULL, STRATEGIC_REAL_QUICK,
    STRATEGIC_SETTINGS, strategic_alignment_study, strategic_alignment_study_real,
)
from ._strategic_summary import summarize_strategic
from ._study import Plan, Source, Stage, Study, StudyRun, Value, run_study
from ._table import StudyTable
from ._vision_language import (
    IMAGE_MODELS_FULL, IMAGE_MODELS_QUICK, TEXT_MODELS_FULL, TEXT_MODELS_QUICK,
    VISION_LANGUAGE_FULL, VISION_LANGUAGE_QUICK, extend_captions, summarize_vision_language,
    vision_language_study,
)

__all__ = [
    "EMERGENCE_FULL", "EMERGENCE_QUICK", "EMERGENCE_REAL_FULL", "EMERGENCE_REAL_QUICK",
    "Finding", "IMAGE_MODELS_FULL", "IMAGE_MODELS_QUICK", "MMIMDB_FULL", "MMIMDB_QUICK",
    "Plan", "REAL_DATASETS", "ResultCache", "STRATEGIC_FULL", "STRATEGIC_QUICK",
    "STRATEGIC_REAL_FULL", "STRATEGIC_REAL_QUICK", "STRATEGIC_SETTINGS", "STUDIES", "Source",
    "Stage", "Study", "StudyRun", "StudyTable", "TEXT_MODELS_FULL", "TEXT_MODELS_QUICK",
    "TrainingConfig", "VISION_LANGUAGE_FULL", "VISION_LANGUAGE_QUICK", "Value",
    "clip_finetune", "emergence_study", "emergence_study_real", "extend_captions",
    "linear_probe_f1", "load_real_dataset", "mmimdb_study", "model_family", "reproduce",
    "run_study", "strategic_alignment_study", "strategic_alignment_study_real",
    "summarize_emergence", "summarize_emergence_real", "summarize_mmimdb",
    "summarize_strategic", "summarize_vision_language", "vision_language_study",
]
