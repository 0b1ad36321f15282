"""Display objects in the style of scikit-learn's ``*Display`` classes (matplotlib imported lazily)."""

from ._alignment_curve import AlignmentCurveDisplay
from ._layer_heatmap import LayerAlignmentDisplay
from ._scatter import AlignmentScatterDisplay

__all__ = ["AlignmentCurveDisplay", "AlignmentScatterDisplay", "LayerAlignmentDisplay"]
