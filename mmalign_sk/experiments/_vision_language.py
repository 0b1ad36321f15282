"""Alignment of language models with vision models on image-caption pairs (Huh et al. 2024), and
how captions that carry information the image does not hold lower it (Tjandrasuwita et al. 2025)."""

import functools
import json
import os
import re
from pathlib import Path

import numpy as np

from .._checks import check_int, check_real
from ..features import PretrainedImageFeatures, PretrainedTextFeatures, cached_layer_features
from ..features import load_cached_layer_features
from ..features._hub import require_extractors
from ..metrics import layerwise_alignment
from ._cache import ResultCache
from ._common import check_values, nan_mean, spearman
from ._runner import run_cells
from ._table import StudyTable

#: The language models of Huh et al. (2024), whose WIT features the emergence paper uses: three
#: families (BLOOMZ, OpenLLaMA, LLaMA) of growing size.
TEXT_MODELS_FULL = (
    "bigscience/bloomz-560m",
    "bigscience/bloomz-1b1",
    "bigscience/bloomz-1b7",
    "bigscience/bloomz-3b",
    "bigscience/bloomz-7b1",
    "openlm-research/open_llama_3b",
    "openlm-research/open_llama_7b",
    "openlm-research/open_llama_13b",
    "huggyllama/llama-7b",
    "huggyllama/llama-13b",
    "huggyllama/llama-30b",
    "huggyllama/llama-65b",
)
#: The timm vision transformers of Huh et al. (2024): ImageNet-21k (AugReg), MAE, DINOv2 and CLIP
#: families of growing size.
IMAGE_MODELS_FULL = (
    "vit_tiny_patch16_224.augreg_in21k",
    "vit_small_patch16_224.augreg_in21k",
    "vit_base_patch16_224.augreg_in21k",
    "vit_large_patch16_224.augreg_in21k",
    "vit_base_patch16_224.mae",
    "vit_large_patch16_224.mae",
    "vit_huge_patch14_224.mae",
    "vit_small_patch14_dinov2.lvd142m",
    "vit_base_patch14_dinov2.lvd142m",
    "vit_large_patch14_dinov2.lvd142m",
    "vit_giant_patch14_dinov2.lvd142m",
    "vit_base_patch16_clip_224.laion2b",
    "vit_large_patch14_clip_224.laion2b",
    "vit_huge_patch14_clip_224.laion2b",
)
#: The smallest of each list: one language family and one vision family, three sizes each.
TEXT_MODELS_QUICK = ("bigscience/bloomz-560m", "bigscience/bloomz-1b1", "bigscience/bloomz-1b7")
IMAGE_MODELS_QUICK = (
    "vit_tiny_patch16_224.augreg_in21k",
    "vit_small_patch16_224.augreg_in21k",
    "vit_base_patch16_224.augreg_in21k",
)

#: The paper's setting (1024 WIT pairs, mutual kNN with k=10 after clipping at the 0.95 quantile,
#: max over layer pairs); the number of other captions appended to each caption (0 = original)
#: is ours.
VISION_LANGUAGE_FULL = {
    "text_models": TEXT_MODELS_FULL,
    "image_models": IMAGE_MODELS_FULL,
    "n_samples": 1024,
    "unique_levels": (0, 1, 2, 4),
}
#: Smaller: the smallest models, 256 pairs, two uniqueness levels.
VISION_LANGUAGE_QUICK = {
    "text_models": TEXT_MODELS_QUICK,
    "image_models": IMAGE_MODELS_QUICK,
    "n_samples": 256,
    "unique_levels": (0, 2),
}

_SIZE_TOKEN = re.compile(
    r"^(\d+(\.\d+)?[mbk]\d*|tiny|small|base|large|huge|giant|gigantic|patch\d+|\d+)$", re.I
)


def model_family(name):
    """The family of a model name: the name without its size tokens.

    Parameters
    ----------
    name : str
        A Hugging Face name, a timm name (its ``.tag`` is kept) or a folder.

    Returns
    -------
    str

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


def extend_captions(captions, n_extra, random_state=None):
    """Each caption followed by the captions of ``n_extra`` other, randomly drawn pairs.

    The appended text describes other images, so it is information the caption's own image does
    not hold: unique to the text. The draws are nested: a caption extended by ``m`` others starts
    with its extension by ``m - 1`` (the same seed), so levels differ only in what is added.

    Parameters
    ----------
    captions : sequence of str
    n_extra : int
        Number of other captions appended (0 returns the captions).
    random_state : int or None

    Returns
    -------
    list of str

    Examples
    --------
    >>> from mmalign_sk.experiments import extend_captions
    >>> extend_captions(["A cat.", "A dog.", "A bird."], 1, random_state=0)
    ['A cat. A dog.', 'A dog. A cat.', 'A bird. A cat.']
    """
    captions = [str(c) for c in captions]
    n_extra = check_int(n_extra, "n_extra", 0)
    if n_extra and n_extra > len(captions) - 1:
        raise ValueError(
            f"n_extra must be at most the number of other captions ({len(captions) - 1}); "
            f"got {n_extra}."
        )
    if n_extra == 0:
        return captions
    rng = np.random.default_rng(random_state)
    out = []
    for i, caption in enumerate(captions):
        others = rng.permutation(len(captions) - 1)[:n_extra]
        others = others + (others >= i)  # skip the caption itself
        out.append(" ".join([caption] + [captions[j] for j in others]))
    return out


def _check_models(models, name):
    def check(value, n):
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise TypeError(f"{n} must hold model names or folders (str); got {value!r}.")
        return os.fspath(value)

    models = check_values(models, name, check)
    if len(set(models)) != len(models):
        raise ValueError(f"{name} must not repeat a model; got {models}.")
    return models


def _text_extractor(name, settings):
    return PretrainedTextFeatures(
        name, pooling=settings["text_pooling"], batch_size=settings["batch_size"],
        max_length=settings["max_length"], device=settings["device"], dtype=settings["dtype"],
        local_files_only=settings["local_files_only"],
    )


def _image_extractor(name, settings):
    return PretrainedImageFeatures(
        name, pooling=settings["image_pooling"], batch_size=settings["batch_size"],
        device=settings["device"], dtype=settings["dtype"],
        local_files_only=settings["local_files_only"],
    )


def _cell(cell):
    """One (text model, image model, uniqueness level): layer x layer alignment of their cached
    features, and the maximum over layer pairs."""
    text = load_cached_layer_features(cell["text_features"])
    image = load_cached_layer_features(cell["image_features"])
    params = {"topk": cell["topk"], "clip_quantile": cell["clip_quantile"],
              "device": cell.get("device", "auto")}
    result = layerwise_alignment([np.array(a) for a in text.layers],
                                 [np.array(a) for a in image.layers], cell["metric"], **params)
    i, j = result.argmax
    return {"alignment": result.max, "layer_text": i, "layer_image": j,
            "n_layers_text": len(text.layers), "n_layers_image": len(image.layers),
            "layers": result.scores.tolist()}


def _with_device(key, device, compute):
    return compute(key if device is None else {**key, "device": device})


def _run_cells(cells, compute, *, cache=None, n_jobs=None, progress=True, desc="study",
               one_thread=True):
    """:func:`~mmalign_sk.experiments._runner.run_cells` over cells whose ``"device"`` (where a
    cell runs, not what it computes) is left out of their cache keys."""
    keys = [{k: v for k, v in cell.items() if k != "device"} for cell in cells]
    devices = {json.dumps(key, sort_keys=True): cell.get("device") for key, cell in zip(keys, cells)}
    return run_cells(
        keys,
        functools.partial(_with_device, compute=compute),
        inputs=lambda key: (devices[json.dumps(key, sort_keys=True)],),
        cache=cache,
        n_jobs=n_jobs,
        progress=progress,
        desc=desc,
        one_thread=one_thread,
    )


def _load_pairs(pairs, n_samples, random_state):
    from ..datasets import load_image_caption_pairs

    if isinstance(pairs, (str, os.PathLike)):
        pairs = load_image_caption_pairs(pairs, n_samples=n_samples, random_state=random_state)
    X = pairs.X if hasattr(pairs, "X") else pairs
    try:
        images, texts = X["image"], [str(t) for t in X["text"]]
    except (KeyError, TypeError) as exc:
        raise TypeError(
            "pairs must be a caption table's path, a Bunch from load_image_caption_pairs or a "
            f"mapping with 'image' and 'text'; got {type(pairs).__name__}."
        ) from exc
    # a float array (n, channels, height, width) stays an array; paths become a list
    is_array = isinstance(images, np.ndarray) and images.dtype != object
    images = images if is_array else list(images)
    if len(images) != len(texts):
        raise ValueError(f"pairs has {len(images)} images but {len(texts)} captions.")
    if n_samples is not None and len(texts) > n_samples:
        keep = np.sort(np.random.default_rng(random_state).choice(len(texts), n_samples, False))
        images = images[keep] if is_array else [images[i] for i in keep]
        texts = [texts[i] for i in keep]
    return images, texts


def vision_language_study(
    pairs,
    text_models=TEXT_MODELS_QUICK,
    image_models=IMAGE_MODELS_QUICK,
    *,
    n_samples=1024,
    unique_levels=(0, 1, 2, 4),
    metric="mutual_knn",
    topk=10,
    clip_quantile=0.95,
    text_pooling="mean",
    image_pooling="cls",
    batch_size=32,
    max_length=512,
    device="auto",
    dtype="auto",
    local_files_only=False,
    feature_dir=None,
    cache_dir=None,
    n_jobs=None,
    progress=True,
    random_state=0,
    return_layers=False,
):
    """Alignment of every language model with every vision model on image-caption pairs.

    For each model the pooled features of every layer are computed once (in batches, on CUDA
    when present) and cached on disk (:func:`~mmalign_sk.features.cached_layer_features`); each
    (text model, image model) pair is then scored layer x layer with ``metric`` and summarised by
    the maximum over layer pairs, as in Huh et al. (2024). The caption-uniqueness experiment
    repeats this with each caption followed by ``m`` other captions (:func:`extend_captions`) for
    ``m`` in ``unique_levels``: text the image does not hold.

    Parameters
    ----------
    pairs : str, path-like, Bunch or mapping
        A caption table or folder for :func:`~mmalign_sk.datasets.load_image_caption_pairs`, or
        data with ``X["image"]`` (paths or arrays) and ``X["text"]`` (captions).
    text_models : sequence of str, default=TEXT_MODELS_QUICK
        Hugging Face model names (downloaded on first use) or ``save_pretrained`` folders.
    image_models : sequence of str, default=IMAGE_MODELS_QUICK
        timm model names (downloaded on first use) or ``timm.models.save_for_hf`` folders.
    n_samples : int or None, default=1024
        Pairs used (drawn with ``random_state``); None keeps all.
    unique_levels : sequence of int, default=(0, 1, 2, 4)
        Numbers of other captions appended to each caption; 0 is the original caption.
    metric : str, default="mutual_knn"
    topk : int, default=10
    clip_quantile : float, default=0.95
        Outlier clipping before the metric (Huh et al.'s preprocessing).
    text_pooling : {"mean", "last"}, default="mean"
    image_pooling : {"mean", "cls"}, default="cls"
    batch_size : int, default=32
    max_length : int, default=512
        Tokens kept per caption.
    device : str, default="auto"
    dtype : {"auto", "float32", "float16", "bfloat16"}, default="auto"
        Precision of the models (half precision needs CUDA).
    local_files_only : bool, default=False
        Never download models.
    feature_dir : str or path-like, default=None
        Feature cache; None uses ``cache_dir/../features`` when ``cache_dir`` is given, else a
        temporary folder removed at the end.
    cache_dir : str or path-like, default=None
        Finished alignment cells (one JSON each), skipped when rerun.
    n_jobs : int, default=None
        Parallel alignment cells.
    progress : bool, default=True
    random_state : int, default=0
        Seeds the choice of pairs and the appended captions.
    return_layers : bool, default=False
        Also return each row's layer x layer matrix.

    Returns
    -------
    table : StudyTable
        One row per (text model, image model, level): ``text_model``, ``image_model``,
        ``text_family``, ``image_family``, ``text_params``, ``image_params``, ``unique_captions``,
        ``alignment`` (max over layer pairs), ``layer_text``, ``layer_image`` and the layer counts.
    layers : list of list, only with ``return_layers``

    Examples
    --------
    >>> from mmalign_sk.experiments import vision_language_study
    >>> table = vision_language_study("wit/", n_samples=1024)  # doctest: +SKIP
    """
    import tempfile

    text_models = _check_models(text_models, "text_models")
    image_models = _check_models(image_models, "image_models")
    levels = sorted(set(check_values(unique_levels, "unique_levels",
                                     lambda v, n: check_int(v, n, 0))))
    n_samples = None if n_samples is None else check_int(n_samples, "n_samples", 2)
    topk = check_int(topk, "topk", 1)
    clip_quantile = None if clip_quantile is None else check_real(
        clip_quantile, "clip_quantile", 0, 1, low_inclusive=False)
    images, texts = _load_pairs(pairs, n_samples, random_state)
    if topk >= len(texts):
        raise ValueError(
            f"topk must be smaller than the number of pairs ({len(texts)}); got {topk}.")
    settings = {"text_pooling": text_pooling, "image_pooling": image_pooling,
                "batch_size": check_int(batch_size, "batch_size", 1),
                "max_length": check_int(max_length, "max_length", 1), "device": device,
                "dtype": dtype, "local_files_only": bool(local_files_only)}
    cleanup = None
    if feature_dir is None:
        if cache_dir is not None:
            feature_dir = Path(cache_dir).expanduser().parent / "features"
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="mmalign_features_")
            feature_dir = cleanup.name
    try:
        captions = {m: extend_captions(texts, m, random_state) for m in levels}
        settings["local_files_only"] = require_extractors(  # fail at once when models are missing
            [(_image_extractor(n, settings), images) for n in image_models]
            + [(_text_extractor(n, settings), captions[m]) for n in text_models for m in levels],
            feature_dir, local_files_only=settings["local_files_only"])
        image_feats = {}
        for name in image_models:  # one model at a time: computed, written, released
            image_feats[name] = cached_layer_features(_image_extractor(name, settings), images,
                                                      feature_dir, progress=progress)
        text_feats = {}
        for name in text_models:
            for m in levels:
                text_feats[name, m] = cached_layer_features(
                    _text_extractor(name, settings), captions[m], feature_dir, progress=progress)
        cells, rows = [], []
        for t in text_models:
            for v in image_models:
                for m in levels:
                    cells.append({"text_features": str(text_feats[t, m].path),
                                  "image_features": str(image_feats[v].path), "metric": metric,
                                  "topk": topk, "clip_quantile": clip_quantile, "device": device})
                    rows.append({"text_model": t, "image_model": v, "text_family": model_family(t),
                                 "image_family": model_family(v),
                                 "text_params": text_feats[t, m].n_parameters,
                                 "image_params": image_feats[v].n_parameters,
                                 "unique_captions": m, "n_samples": len(texts)})
        results = _run_cells(cells, _cell, cache=ResultCache(cache_dir), n_jobs=n_jobs,
                             progress=progress, desc="vision-language")
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    table = StudyTable([{**row, **{k: v for k, v in res.items() if k != "layers"}}
                        for row, res in zip(rows, results)])
    if return_layers:
        return table, [res["layers"] for res in results]
    return table


def _by_family_scaling(table, size, family, other):
    """Spearman's rho of alignment against ``size`` within each (family, other model) group."""
    groups = {}
    for row in table:
        groups.setdefault((row[family], row[other]), []).append((row[size], row["alignment"]))
    rhos = {}
    for key, points in groups.items():
        if len({p[0] for p in points}) >= 2:
            sizes, align = np.array(points, dtype=float).T
            rhos[key] = _rank_trend(sizes, align)
    return rhos


def _rank_trend(x, y):
    """Spearman's rho; with two points the sign of the slope (+1, -1, or 0)."""
    if len(x) == 2:
        return float(np.sign((y[1] - y[0]) * (x[1] - x[0])))
    return spearman(x, y)


def summarize_vision_language(table):
    """Findings of the vision-language study, computed from its table alone.

    Alignment should grow with model size within a family (Spearman's rho of alignment against
    parameter count per family and partner model; with two sizes, the sign of the change) and
    fall as captions gain appended text (rho against the number appended, per model pair).

    Parameters
    ----------
    table : StudyTable
        The table of :func:`vision_language_study`.

    Returns
    -------
    summary : dict
        ``by_model`` (StudyTable: mean alignment of each text model over the image models, at the
        original captions), ``by_level`` (mean alignment per number of appended captions) and
        ``findings`` (list of ``{finding, holds, evidence}``).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_vision_language
    >>> rows = [{"text_model": t, "image_model": "vit", "text_family": "lm",
    ...          "image_family": "vit", "text_params": p, "image_params": 1,
    ...          "unique_captions": m, "alignment": a - 0.1 * m}
    ...         for t, p, a in (("lm-s", 1e8, 0.2), ("lm-l", 1e9, 0.3)) for m in (0, 2)]
    >>> [f["holds"] for f in summarize_vision_language(StudyTable(rows))["findings"]]
    [True, True]
    """
    base = table.filter(unique_captions=min(table["unique_captions"].tolist()))
    by_model = []
    for t in dict.fromkeys(base["text_model"].tolist()):
        sub = base.filter(text_model=t)
        by_model.append({"text_model": t, "text_family": sub.records[0]["text_family"],
                         "text_params": sub.records[0]["text_params"],
                         "mean_alignment": float(np.mean(sub["alignment"])),
                         "max_alignment": float(np.max(sub["alignment"]))})
    levels = sorted(set(table["unique_captions"].tolist()))
    by_level = []
    for m in levels:
        sub = table.filter(unique_captions=m)
        by_level.append({"unique_captions": m, "mean_alignment": float(np.mean(sub["alignment"])),
                         "n_pairs": len(sub)})
    by_level = StudyTable(by_level)
    findings = []
    for size, family, other, what in (("text_params", "text_family", "image_model", "language"),
                                      ("image_params", "image_family", "text_model", "vision")):
        rhos = _by_family_scaling(base, size, family, other)
        if not rhos:
            continue
        values = np.array(list(rhos.values()))
        mean_rho = nan_mean(values)
        findings.append({
            "finding": f"Alignment grows with the {what} model's size within a family "
                       "(Huh et al. 2024)",
            "holds": bool(mean_rho > 0),
            "evidence": f"Spearman rho of alignment vs parameter count within each "
                        f"{what} family, per partner model: mean {mean_rho:+.2f} over "
                        f"{len(values)} groups, {int(np.sum(values > 0))} positive, "
                        f"{int(np.sum(values < 0))} negative.",
        })
    if len(levels) >= 2:
        per_pair = []
        for t in dict.fromkeys(table["text_model"].tolist()):
            for v in dict.fromkeys(table["image_model"].tolist()):
                sub = table.filter(text_model=t, image_model=v)
                if len(sub) >= 2:
                    per_pair.append(_rank_trend(sub["unique_captions"].astype(float),
                                                sub["alignment"].astype(float)))
        per_pair = np.array(per_pair)
        drop = by_level.records[0]["mean_alignment"] - by_level.records[-1]["mean_alignment"]
        findings.append({
            "finding": "Alignment falls as the captions carry more information the image does "
                       "not hold (Tjandrasuwita et al. 2025)",
            "holds": bool(nan_mean(per_pair) < 0 and drop > 0),
            "evidence": f"mean alignment {by_level.records[0]['mean_alignment']:.3f} with the "
                        f"original captions, {by_level.records[-1]['mean_alignment']:.3f} with "
                        f"{levels[-1]} appended; Spearman rho of alignment vs appended captions "
                        f"per model pair: mean {nan_mean(per_pair):+.2f}, "
                        f"{int(np.sum(per_pair < 0))} of {len(per_pair)} pairs negative.",
        })
    return {"by_model": StudyTable(by_model), "by_level": by_level, "findings": findings}
