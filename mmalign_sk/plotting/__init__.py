"""Display objects in the style of scikit-learn's (``from_*`` constructors, ``plot(ax=...)``).

matplotlib is imported only when something is drawn.
"""

from ._pid import PIDDisplay

__all__ = ["PIDDisplay"]
