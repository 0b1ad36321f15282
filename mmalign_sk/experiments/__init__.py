"""The papers' studies as functions returning tidy tables."""

from ._cache import ResultCache
from ._reproduce import reproduce
from ._table import StudyTable

__all__ = ["ResultCache", "StudyTable", "reproduce"]
