"""Alignment of language models with vision models on image-caption pairs (Huh et al. 2024), and
how captions that carry information the image does not hold lower it (Tjandrasuwita et al. 2025).

Two stages: the features of every layer of every model (one model at a time, cached on disk), then
the layer x layer alignment of every (language model, vision model, caption level).
"""

import json
import os
from pathlib import Path

import numpy as np

from .._checks import check_int, check_real
from ._config import check_values
from ._finding import Finding
from ._pretrained import (
    Extraction, check_models, feature_folder, feature_stage, layer_alignment, model_family,
)
from ._report import HEADLINE, Report
from ._stats import nan_mean, spearman
from ._study import Plan, Source, Stage, Study, grid, ours, paper, positional, run_study
from ._table import StudyTable

#: The language models of Huh et al. (2024), whose WIT features the emergence paper uses: three
#: families (BLOOMZ, OpenLLaMA, LLaMA) of growing size.
TEXT_MODELS_FULL = (
    "bigscience/bloomz-560m", "bigscience/bloomz-1b1", "bigscience/bloomz-1b7",
    "bigscience/bloomz-3b", "bigscience/bloomz-7b1", "openlm-research/open_llama_3b",
    "openlm-research/open_llama_7b", "openlm-research/open_llama_13b", "huggyllama/llama-7b",
    "huggyllama/llama-13b", "huggyllama/llama-30b", "huggyllama/llama-65b",
)
#: The timm vision transformers of Huh et al. (2024): ImageNet-21k (AugReg), MAE, DINOv2 and CLIP
#: families of growing size.
IMAGE_MODELS_FULL = (
    "vit_tiny_patch16_224.augreg_in21k", "vit_small_patch16_224.augreg_in21k",
    "vit_base_patch16_224.augreg_in21k", "vit_large_patch16_224.augreg_in21k",
    "vit_base_patch16_224.mae", "vit_large_patch16_224.mae", "vit_huge_patch14_224.mae",
    "vit_small_patch14_dinov2.lvd142m", "vit_base_patch14_dinov2.lvd142m",
    "vit_large_patch14_dinov2.lvd142m", "vit_giant_patch14_dinov2.lvd142m",
    "vit_base_patch16_clip_224.laion2b", "vit_large_patch14_clip_224.laion2b",
    "vit_huge_patch14_clip_224.laion2b",
)
#: The smallest of each list: one language family and one vision family, three sizes each.
TEXT_MODELS_QUICK = TEXT_MODELS_FULL[:3]
IMAGE_MODELS_QUICK = IMAGE_MODELS_FULL[:3]

#: The paper's setting (1024 WIT pairs, mutual kNN with k=10 after clipping at the 0.95 quantile,
#: max over layer pairs, mean-pooled language features); the number of other captions appended
#: to each caption (0 = original) and the extraction settings are ours.
PRESETS = {
    "full": dict(
        text_models=paper(TEXT_MODELS_FULL),
        image_models=paper(IMAGE_MODELS_FULL),
        n_samples=paper(1024),
        unique_levels=ours((0, 1, 2, 4)),
        metric=paper("mutual_knn"),
        topk=paper(10),
        clip_quantile=paper(0.95),
        text_pooling=paper("mean"),
        image_pooling=ours("cls"),
        batch_size=ours(32),
        max_length=ours(512),
        dtype=ours("auto"),
        local_files_only=ours(False),
    ),
    # the smallest models, 256 pairs, two uniqueness levels
    "quick": dict(
        text_models=ours(TEXT_MODELS_QUICK),
        image_models=ours(IMAGE_MODELS_QUICK),
        n_samples=ours(256),
        unique_levels=ours((0, 2)),
    ),
}
VISION_LANGUAGE_FULL = grid(PRESETS, "full")
VISION_LANGUAGE_QUICK = grid(PRESETS, "quick")

_CAPTION_TABLES = ("captions.csv", "captions.jsonl", "captions.parquet")


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


def _caption_folder(data_home):
    """``<data_home>/wit``, or ``data_home`` itself when it holds the caption table."""
    from ..datasets import get_data_home

    home = Path(get_data_home(data_home))
    for folder in (home / "wit", home):
        if any((folder / t).is_file() for t in _CAPTION_TABLES):
            return folder
    raise FileNotFoundError(
        f"no caption table ({', '.join(_CAPTION_TABLES)}) in {home / 'wit'} or {home}. Export "
        "the image-caption pairs (e.g. 1024 pairs of WIT, as Huh et al. 2024) to "
        f"{home / 'wit'}/captions.csv with columns image (path relative to the table) and caption."
    )


def _alignment_cell(cell, device):
    """One (text model, image model, uniqueness level): layer x layer alignment of their cached
    features, and the maximum over layer pairs."""
    from ..features import load_cached_layer_features

    text = load_cached_layer_features(cell["text_features"])
    image = load_cached_layer_features(cell["image_features"])
    result = layer_alignment(text.layers, image.layers, cell, device)
    i, j = result.argmax
    return {"alignment": result.max, "layer_text": i, "layer_image": j,
            "n_layers_text": len(text.layers), "n_layers_image": len(image.layers),
            "layers": result.scores.tolist()}


def _plan(params, random_state, device, cache_dir=None, progress=False, **run):
    text_models = check_models(params["text_models"], "text_models")
    image_models = check_models(params["image_models"], "image_models")
    levels = sorted(set(check_values(params["unique_levels"], "unique_levels",
                                     lambda v, n: check_int(v, n, 0))))
    n_samples = params["n_samples"]
    n_samples = None if n_samples is None else check_int(n_samples, "n_samples", 2)
    topk = check_int(params["topk"], "topk", 1)
    clip_quantile = params["clip_quantile"]
    clip_quantile = None if clip_quantile is None else check_real(
        clip_quantile, "clip_quantile", 0, 1, low_inclusive=False)
    extraction = Extraction.from_params(params)
    pairs = params["pairs"] if params["pairs"] is not None else _caption_folder(
        params["data_home"])
    images, texts = _load_pairs(pairs, n_samples, random_state)
    if topk >= len(texts):
        raise ValueError(
            f"topk must be smaller than the number of pairs ({len(texts)}); got {topk}.")
    captions = {m: extend_captions(texts, m, random_state) for m in levels}
    # one model at a time: computed, written, released
    jobs = [("image", v, "images", images) for v in image_models]
    jobs += [("text", t, m, captions[m]) for t in text_models for m in levels]
    folder, cleanup = feature_folder(params["feature_dir"], cache_dir)
    features = feature_stage("features", jobs, extraction, folder, device, progress)
    index = {(c["kind"], c["model"], c["data"]): i for i, c in enumerate(features.cells)}
    combos = [(t, v, m) for t in text_models for v in image_models for m in levels]

    def feature(done, kind, model, data):
        return done["features"][index[kind, model, data]]

    def cells(done):
        return [{"text_features": feature(done, "text", t, m)["path"],
                 "image_features": feature(done, "image", v, "images")["path"],
                 "metric": params["metric"], "topk": topk, "clip_quantile": clip_quantile}
                for t, v, m in combos]

    def table(done):
        rows = []
        for (t, v, m), res in zip(combos, done["alignment"]):
            rows.append({"text_model": t, "image_model": v, "text_family": model_family(t),
                         "image_family": model_family(v),
                         "text_params": feature(done, "text", t, m)["n_parameters"],
                         "image_params": feature(done, "image", v, "images")["n_parameters"],
                         "unique_captions": m, "n_samples": len(texts),
                         **{k: x for k, x in res.items() if k != "layers"}})
        return StudyTable(rows), [res["layers"] for res in done["alignment"]]

    alignment = Stage("alignment", cells, _alignment_cell, inputs=lambda cell, done: (device,))
    return Plan(stages=(features, alignment), table=table, cleanup=cleanup)


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
        ``findings`` (list of :class:`~mmalign_sk.experiments.Finding`).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_vision_language
    >>> rows = [{"text_model": t, "image_model": "vit", "text_family": "lm",
    ...          "image_family": "vit", "text_params": p, "image_params": 1,
    ...          "unique_captions": m, "alignment": a - 0.1 * m}
    ...         for t, p, a in (("lm-s", 1e8, 0.2), ("lm-l", 1e9, 0.3)) for m in (0, 2)]
    >>> [f.holds for f in summarize_vision_language(StudyTable(rows))["findings"]]
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
        findings.append(Finding(
            f"Alignment grows with the {what} model's size within a family (Huh et al. 2024)",
            mean_rho > 0,
            f"Spearman rho of alignment vs parameter count within each {what} family, per "
            f"partner model: mean {mean_rho:+.2f} over {len(values)} groups, "
            f"{int(np.sum(values > 0))} positive, {int(np.sum(values < 0))} negative.",
            mean_rho,
        ))
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
        findings.append(Finding(
            "Alignment falls as the captions carry more information the image does not hold "
            "(Tjandrasuwita et al. 2025)",
            nan_mean(per_pair) < 0 and drop > 0,
            f"mean alignment {by_level.records[0]['mean_alignment']:.3f} with the original "
            f"captions, {by_level.records[-1]['mean_alignment']:.3f} with {levels[-1]} appended; "
            f"Spearman rho of alignment vs appended captions per model pair: mean "
            f"{nan_mean(per_pair):+.2f}, {int(np.sum(per_pair < 0))} of {len(per_pair)} pairs "
            "negative.",
            nan_mean(per_pair),
        ))
    return {"by_model": StudyTable(by_model), "by_level": by_level, "findings": findings}


# ------------------------------------------------------------------------------ the report
def vision_language_report(run, summary):
    """The summary's sections and ``layerwise.json``."""
    layerwise = json.dumps([{**row, "layers": run.layers[i]}
                            for i, row in enumerate(run.table.records)]) + "\n"
    sections = [
        ("Alignment of each language model (mutual kNN, max over layer pairs, mean over vision "
         "models, original captions)", summary["by_model"].to_markdown()),
        ("Alignment by number of other captions appended", summary["by_level"].to_markdown()),
    ]
    return Report(sections, summary["findings"], files={"layerwise.json": layerwise})


def vision_language_figures(run, summary):
    """``{file name: figure}``: alignment against model size (and against appended captions)."""
    import matplotlib.pyplot as plt

    from ..plotting import ModelScaleDisplay
    from . import _figures

    table = run.table
    base = table.filter(unique_captions=min(table["unique_captions"].tolist()))
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    for ax, (size, family, label) in zip(axes, (("text_params", "text_family", "language model"),
                                                ("image_params", "image_family", "vision model"))):
        ModelScaleDisplay.from_table(base, size, "alignment", family, ax=ax,
                                     xlabel=f"{label} parameters",
                                     ylabel=f"{HEADLINE} (max over layer pairs)")
        ax.set_title(f"alignment vs {label} size\n(mean over partner models)", fontsize=9)
    figures = {"alignment_vs_model_size.png": fig}
    if len(set(table["unique_captions"].tolist())) > 1:
        figures["alignment_vs_unique_captions.png"] = _figures.scatter(
            table, "unique_captions", "alignment", "text_family",
            "other captions appended to each caption", f"{HEADLINE} (max over layer pairs)",
            "alignment vs caption uniqueness")[0]
    return figures


VISION_LANGUAGE_STUDY = Study(
    name="vision-language",
    help="Alignment of language models with vision models on image-caption pairs against "
         "model size, and as captions gain information the image does not hold (Huh et al. "
         "2024; Tjandrasuwita et al. 2025)",
    sources={"wit": Source("wit", "image-caption pairs in --data-home/wit/captions.csv (or "
                           "--data-home itself)", PRESETS, _plan,
                           data=dict(pairs=None, data_home=None, feature_dir=None))},
    summarize=summarize_vision_language,
    report=vision_language_report,
    figures=vision_language_figures,
    outputs=("vision_language.csv", "vision_language.json", "summary.md", "summary.json",
             "layerwise.json", "alignment_vs_model_size.png", "alignment_vs_unique_captions.png",
             "features/", "cache/"),
    options=(
        ("--text-models", dict(dest="text_models", nargs="+", metavar="MODEL",
                               help="Hugging Face names or save_pretrained folders (default: "
                                    "the preset's)")),
        ("--image-models", dict(dest="image_models", nargs="+", metavar="MODEL",
                                help="timm names or save_for_hf folders (default: the "
                                     "preset's)")),
        ("--n-samples", dict(dest="n_samples", type=int,
                             help="image-caption pairs used (default: the preset's)")),
        ("--local-files-only", dict(dest="local_files_only", action="store_const", const=True,
                                    help="never download models (use the Hugging Face cache)")),
    ),
)


def vision_language_study(*args, return_layers=False, **params):
    """Alignment of every language model with every vision model on image-caption pairs.

    For each model the pooled features of every layer are computed once (in batches, on CUDA
    when present) and cached on disk (:func:`~mmalign_sk.features.cached_layer_features`); each
    (text model, image model) pair is then scored layer x layer with ``metric`` and summarised by
    the maximum over layer pairs, as in Huh et al. (2024). The caption-uniqueness experiment
    repeats this with each caption followed by ``m`` other captions (:func:`extend_captions`) for
    ``m`` in ``unique_levels``: text the image does not hold. This is
    ``run_study(STUDIES["vision-language"], "full", "wit", ...)``: the defaults are the paper's
    (``VISION_LANGUAGE_FULL``; ``VISION_LANGUAGE_QUICK`` has the smallest models).

    Parameters
    ----------
    pairs : str, path-like, Bunch or mapping, optional
        A caption table or folder for :func:`~mmalign_sk.datasets.load_image_caption_pairs`, or
        data with ``X["image"]`` (paths or arrays) and ``X["text"]`` (captions); None looks in
        ``data_home/wit``. The first positional argument.
    text_models, image_models : sequence of str
        Hugging Face names or ``save_pretrained`` folders; timm names or ``save_for_hf``
        folders (downloaded on first use unless ``local_files_only``); positional too.
    n_samples : int or None
        Pairs used (drawn with ``random_state``); None keeps all.
    unique_levels : sequence of int
        Numbers of other captions appended to each caption; 0 is the original caption.
    metric, topk, clip_quantile
        The alignment metric (after Huh et al.'s outlier clipping).
    text_pooling, image_pooling, batch_size, max_length, dtype, local_files_only
        Feature extraction (:class:`~mmalign_sk.features.PretrainedTextFeatures`,
        :class:`~mmalign_sk.features.PretrainedImageFeatures`).
    data_home : str or path-like, optional
    feature_dir : str or path-like, optional
        Feature cache; None uses ``cache_dir/../features`` when ``cache_dir`` is given, else a
        temporary folder removed at the end.
    device, n_jobs, cache_dir, progress, random_state
        As in :func:`run_study`; ``random_state`` seeds the pairs and the appended captions.
    return_layers : bool, default=False
        Also return each row's layer x layer matrix (``StudyRun.layers``).

    Returns
    -------
    table : StudyTable
        One row per (text model, image model, level): ``text_model``, ``image_model``,
        ``text_family``, ``image_family``, ``text_params``, ``image_params``, ``unique_captions``,
        ``alignment`` (max over layer pairs), ``layer_text``, ``layer_image`` and the layer counts.
    layers : list of list, only with ``return_layers``

    Examples
    --------
    >>> from mmalign_sk.experiments import vision_language_study, VISION_LANGUAGE_QUICK
    >>> table = vision_language_study("wit/", **VISION_LANGUAGE_QUICK)  # doctest: +SKIP
    """
    named = positional(("pairs", "text_models", "image_models"), args)
    run = run_study(VISION_LANGUAGE_STUDY, "full", "wit", **named, **params)
    return (run.table, run.layers) if return_layers else run.table
