"""What the pretrained-model studies share: model names and families, the feature extractors'
settings, the feature-extraction stage (cached on disk) and the alignment of cached layers."""

import os
import re
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from .._checks import check_int
from ._config import check_values
from ._study import Stage

_SIZE_TOKEN = re.compile(
    r"^(\d+(\.\d+)?[mbk]\d*|tiny|small|base|large|huge|giant|gigantic|patch\d+|\d+)$", re.I
)


def model_family(name):
    """The family of a model name (Hugging Face, timm with its ``.tag`` kept, or a folder): the
    name without its size tokens.

    Examples
    --------
    >>> from mmalign_sk.experiments import model_family
    >>> model_family("bigscience/bloomz-1b7"), model_family("huggyllama/llama-65b")
    ('bloomz', 'llama')
    >>> model_family("vit_base_patch16_224.augreg_in21k")
    'vit.augreg_in21k'
    """
    base = os.path.basename(os.path.normpath(str(name).split(":", 1)[-1]))
    stem, dot, tag = base.partition(".")
    tokens = [t for t in re.split(r"[-_]", stem) if t and not _SIZE_TOKEN.match(t)]
    return "_".join(tokens or [stem]) + (dot + tag if dot else "")


def check_models(models, name):
    """Model names or folders as a list of distinct str."""
    if isinstance(models, (str, os.PathLike)):
        models = [models]

    def check(value, n):
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise TypeError(f"{n} must hold model names or folders (str); got {value!r}.")
        return os.fspath(value)

    models = check_values(models, name, check)
    if len(set(models)) != len(models):
        raise ValueError(f"{name} must not repeat a model; got {models}.")
    return models


@dataclass(frozen=True)
class Extraction:
    """How features are extracted from pretrained models (one frozen value per run)."""

    text_pooling: str = "mean"
    image_pooling: str = "cls"
    batch_size: int = 32
    max_length: int = 512
    dtype: str = "auto"
    local_files_only: bool = False

    @classmethod
    def from_params(cls, params):
        return cls(params["text_pooling"], params["image_pooling"],
                   check_int(params["batch_size"], "batch_size", 1),
                   check_int(params["max_length"], "max_length", 1), params["dtype"],
                   bool(params["local_files_only"]))

    def key(self):
        return asdict(self)

    def text(self, name, device):
        from ..features import PretrainedTextFeatures

        return PretrainedTextFeatures(name, pooling=self.text_pooling, batch_size=self.batch_size,
                                      max_length=self.max_length, device=device, dtype=self.dtype,
                                      local_files_only=self.local_files_only)

    def image(self, name, device):
        from ..features import PretrainedImageFeatures

        return PretrainedImageFeatures(name, pooling=self.image_pooling,
                                       batch_size=self.batch_size, device=device,
                                       dtype=self.dtype, local_files_only=self.local_files_only)


def feature_folder(feature_dir, cache_dir):
    """``(folder, cleanup)``: ``feature_dir``, else ``cache_dir/../features``, else a temporary
    folder that ``cleanup()`` removes (``cleanup`` is None for the others)."""
    if feature_dir is not None:
        return feature_dir, None
    if cache_dir is not None:
        return Path(cache_dir).expanduser().parent / "features", None
    temporary = tempfile.TemporaryDirectory(prefix="mmalign_features_")
    return temporary.name, temporary.cleanup


def _extract(cell, data, extraction, folder, device, progress):
    """One model's features of every layer on ``data``, computed once and cached in ``folder``;
    their file and the model's parameter count."""
    from ..features import cached_layer_features

    feats = cached_layer_features(_extractor(extraction, cell["kind"], cell["model"], device),
                                  data, folder, progress=progress)
    return {"path": str(feats.path), "n_parameters": feats.n_parameters}


def _extractor(extraction, kind, model, device):
    return (extraction.text if kind == "text" else extraction.image)(model, device)


def feature_stage(name, jobs, extraction, folder, device, progress=False, also=()):
    """The feature-extraction stage: ``jobs`` is a list of ``(kind, model, label, data)``
    (``kind`` "text" or "image"); one model at a time, every thread, its result (file and
    parameter count) at ``done[name][i]``. Its cache is the feature files, keyed by model and
    data (:func:`~mmalign_sk.features.cached_layer_features`).

    Before anything runs, the models whose features are not cached yet, and the ``(model,
    kind)`` pairs of ``also`` (models a later stage loads), are looked up once in the Hugging
    Face cache: when some are missing and cannot be downloaded this raises at once, naming them
    all with the command that downloads them; when the Hub cannot be reached but every model is
    cached, they are loaded without asking it
    (:func:`~mmalign_sk.features._hub.require_extractors`)."""
    from ..features._hub import require_extractors

    offline = require_extractors(
        [(_extractor(extraction, kind, model, device), items) for kind, model, _, items in jobs],
        folder, also=also, local_files_only=extraction.local_files_only)
    if offline:
        extraction = replace(extraction, local_files_only=True)
    cells = [{"kind": kind, "model": model, "data": label} for kind, model, label, _ in jobs]
    data = {(kind, model, label): items for kind, model, label, items in jobs}

    def compute(cell, items):
        return _extract(cell, items, extraction, folder, device, progress)

    return Stage(name, cells, compute,
                 inputs=lambda cell, done: (data[cell["kind"], cell["model"], cell["data"]],),
                 large=True, cached=False)


def layer_alignment(text_layers, image_layers, cell, device):
    """Layer x layer alignment of two models' cached layers with the cell's metric."""
    from ..metrics import layerwise_alignment

    return layerwise_alignment([np.array(a) for a in text_layers],
                               [np.array(a) for a in image_layers], cell["metric"],
                               topk=cell["topk"], clip_quantile=cell["clip_quantile"],
                               device=device)
