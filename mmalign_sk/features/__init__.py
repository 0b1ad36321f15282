"""scikit-learn transformers producing audio, text and image features."""

from ._image import PretrainedImageFeatures
from ._mfcc import MFCCTransformer
from ._text import PretrainedTextFeatures
from ._tokenizer import make_character_tokenizer

__all__ = [
    "MFCCTransformer",
    "PretrainedImageFeatures",
    "PretrainedTextFeatures",
    "make_character_tokenizer",
]
