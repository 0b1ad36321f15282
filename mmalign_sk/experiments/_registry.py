"""The studies, by name: what ``mmalign reproduce`` and :func:`reproduce` read (names, sources,
presets, options, outputs). Importing it loads no deep-learning library."""

from ._emergence import EMERGENCE_STUDY
from ._mmimdb import MMIMDB_STUDY
from ._strategic import STRATEGIC_STUDY
from ._vision_language import VISION_LANGUAGE_STUDY

#: ``{name: Study}`` of every study.
STUDIES = {study.name: study for study in (EMERGENCE_STUDY, STRATEGIC_STUDY,
                                           VISION_LANGUAGE_STUDY, MMIMDB_STUDY)}


def get_study(name):
    """The study called ``name``; an unknown name raises a ValueError listing the known ones."""
    if name not in STUDIES:
        raise ValueError(f"study must be one of {sorted(STUDIES)}; got {name!r}.")
    return STUDIES[name]
