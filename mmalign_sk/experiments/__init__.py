"""The papers' studies as functions returning tidy tables."""

from ._cache import ResultCache

__all__ = ["ResultCache"]
