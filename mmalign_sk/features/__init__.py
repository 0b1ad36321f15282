"""scikit-learn transformers: audio, text and image features, and per-modality preprocessing."""

from ._cache import cached_layer_features, load_cached_layer_features
from ._image import PretrainedImageFeatures
from ._mfcc import MFCCTransformer
from ._per_modality import PerModalityTransformer
from ._text import PretrainedTextFeatures
from ._tokenizer import make_character_tokenizer

__all__ = [
    "MFCCTransformer",
    "PerModalityTransformer",
    "PretrainedImageFeatures",
    "PretrainedTextFeatures",
    "cached_layer_features",
    "load_cached_layer_features",
    "make_character_tokenizer",
]
