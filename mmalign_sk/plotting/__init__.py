"""Display objects in the style of scikit-learn's ``*Display`` classes.

Each has ``from_*`` constructors and a ``plot(ax=...)`` method; matplotlib is imported only when
something is drawn.
"""

from ._alignment_curve import AlignmentCurveDisplay
from ._layer_heatmap import LayerAlignmentDisplay
from ._pid import PIDDisplay
from ._scale import ModelScaleDisplay
from ._scatter import AlignmentScatterDisplay

__all__ = ["AlignmentCurveDisplay", "AlignmentScatterDisplay", "LayerAlignmentDisplay", "ModelScaleDisplay",
           "PIDDisplay"]
