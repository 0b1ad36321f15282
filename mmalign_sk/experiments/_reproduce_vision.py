"""``mmalign reproduce vision-language`` and ``mmalign reproduce mmimdb``: the pretrained-model
studies end to end, written to a folder like the other studies."""

import json
import os
import time
from pathlib import Path

from . import _figures
from ._mmimdb_study import MMIMDB_FULL, MMIMDB_QUICK, mmimdb_study, summarize_mmimdb
from ._table import StudyTable
from ._vision_language import (
    VISION_LANGUAGE_FULL,
    VISION_LANGUAGE_QUICK,
    summarize_vision_language,
    vision_language_study,
)

_CAPTION_TABLES = ("captions.csv", "captions.jsonl", "captions.parquet")


def _caption_folder(data_home, dataset):
    """``<data_home>/<dataset>`` (default ``wit``), or ``data_home`` itself when it holds the
    caption table."""
    from ..datasets import get_data_home

    home = Path(get_data_home(data_home))
    name = "wit" if dataset in (None, "synthetic") else dataset
    for folder in (home / name, home):
        if any((folder / t).is_file() for t in _CAPTION_TABLES):
            return folder
    raise FileNotFoundError(
        f"no caption table ({', '.join(_CAPTION_TABLES)}) in {home / name} or {home}. Export the "
        "image-caption pairs (e.g. 1024 pairs of WIT, as Huh et al. 2024) to "
        f"{home / name}/captions.csv with columns image (path relative to the table) and caption."
    )


def _models(given, preset, name):
    if given is None:
        return preset
    if isinstance(given, (str, os.PathLike)):
        given = [given]
    if not given:
        raise ValueError(f"{name} must name at least one model; got an empty list.")
    return tuple(os.fspath(g) for g in given)


def _scale_figure(table, out):
    import matplotlib.pyplot as plt

    from ..plotting import ModelScaleDisplay

    base = table.filter(unique_captions=min(table["unique_captions"].tolist()))
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    for ax, (size, family, label) in zip(axes, (("text_params", "text_family", "language model"),
                                                ("image_params", "image_family", "vision model"))):
        ModelScaleDisplay.from_table(base, size, "alignment", family, ax=ax,
                                     xlabel=f"{label} parameters",
                                     ylabel="mutual kNN (max over layer pairs)")
        ax.set_title(f"alignment vs {label} size\n(mean over partner models)", fontsize=9)
    paths = [_figures.save(fig, out / "alignment_vs_model_size.png")]
    if len(set(table["unique_captions"].tolist())) > 1:
        fig, _ = _figures.scatter(table, "unique_captions", "alignment", "text_family",
                                  "other captions appended to each caption",
                                  "mutual kNN (max over layer pairs)",
                                  "alignment vs caption uniqueness")
        paths.append(_figures.save(fig, out / "alignment_vs_unique_captions.png"))
    return paths


def reproduce_vision_language(out_dir, quick=False, dataset="synthetic", data_home=None,
                              random_state=0, progress=True, device="auto", n_jobs=None,
                              echo=True, text_models=None, image_models=None, n_samples=None,
                              local_files_only=False):
    """The vision-language study (see :func:`reproduce`); returns its table.

    ``text_models`` / ``image_models`` replace the preset's models; ``n_samples`` its number of
    pairs. Features are cached under ``out_dir/features``, alignment cells under
    ``out_dir/cache``.
    """
    from ._reproduce import _draw, _finish, _prepare

    out, cache = _prepare(out_dir)
    started = time.perf_counter()
    preset = dict(VISION_LANGUAGE_QUICK if quick else VISION_LANGUAGE_FULL)
    preset["text_models"] = _models(text_models, preset["text_models"], "text_models")
    preset["image_models"] = _models(image_models, preset["image_models"], "image_models")
    if n_samples is not None:
        preset["n_samples"] = n_samples
    table, layers = vision_language_study(
        _caption_folder(data_home, dataset), **preset, device=device, n_jobs=n_jobs,
        local_files_only=local_files_only, feature_dir=out / "features", cache_dir=cache,
        progress=progress, random_state=random_state, return_layers=True)
    summary = summarize_vision_language(table)
    (out / "layerwise.json").write_text(
        json.dumps([{**row, "layers": layers[i]} for i, row in enumerate(table.records)]) + "\n")
    figures = _draw(_scale_figure, table, out)
    sections = [
        ("Alignment of each language model (mutual kNN, max over layer pairs, mean over vision "
         "models, original captions)", summary["by_model"].to_markdown()),
        ("Alignment by number of other captions appended", summary["by_level"].to_markdown()),
    ]
    _finish(out, "vision_language", table, sections, summary["findings"], figures, started, echo)
    return table


def _mmimdb_figure(table, out):
    probes = table.filter(experiment="probe")
    fig, _ = _figures.scatter(probes, "alignment", "macro_f1", "text_family",
                              "mutual kNN with the vision model (max over layer pairs)",
                              "test macro F1 of the linear probe", "MM-IMDb: genres vs alignment")
    return [_figures.save(fig, out / "mmimdb_f1_vs_alignment.png")]


def reproduce_mmimdb(out_dir, quick=False, dataset="synthetic", data_home=None, random_state=0,
                     progress=True, device="auto", n_jobs=None, echo=True, text_models=None,
                     image_models=None, local_files_only=False):
    """The MM-IMDb study (see :func:`reproduce`); returns its table.

    ``text_models`` replaces the preset's language models (the first is fine-tuned);
    ``image_models`` its vision model (the first one given is used).
    """
    from ._reproduce import _draw, _finish, _prepare

    out, cache = _prepare(out_dir)
    started = time.perf_counter()
    preset = dict(MMIMDB_QUICK if quick else MMIMDB_FULL)
    if text_models is not None:
        preset["text_models"] = _models(text_models, None, "text_models")
        preset["finetune_text_model"] = preset["text_models"][0]
    if image_models is not None:
        preset["image_model"] = _models(image_models, None, "image_models")[0]
    table = mmimdb_study(data_home, **preset, device=device, n_jobs=n_jobs,
                         local_files_only=local_files_only, feature_dir=out / "features",
                         cache_dir=cache, progress=progress, random_state=random_state)
    summary = summarize_mmimdb(table)
    figures = _draw(_mmimdb_figure, table, out) if len(summary["probes"]) >= 2 else []
    sections = [("Linear probes on the last layer of each language model (test split)",
                 summary["probes"].to_markdown(["text_model", "text_params", "alignment",
                                                "best_lr", "macro_f1", "micro_f1"]))]
    if len(summary["finetune"]):
        sections.append(("CLIP-style fine-tuning: before and after",
                         summary["finetune"].to_markdown(
                             ["stage", "alignment", "text_macro_f1", "text_micro_f1",
                              "image_macro_f1", "image_micro_f1", "fused_macro_f1",
                              "fused_micro_f1"])))
    _finish(out, "mmimdb", StudyTable(table.records), sections, summary["findings"], figures,
            started, echo)
    return table
