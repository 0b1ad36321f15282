"""``mmalign reproduce STUDY``: a paper's study end to end, written to a folder.

Each study writes its table (``<study>.csv``, ``<study>.json``), its summary (``summary.md``, the
text it prints, and ``summary.json``), its figures (PNG) and a ``cache/`` folder of finished cells
that a rerun with the same folder skips.
"""

import json
import time
from pathlib import Path

from . import _figures
from ._table import StudyTable
from ._emergence import (
    EMERGENCE_FULL,
    EMERGENCE_QUICK,
    EMERGENCE_REAL_FULL,
    EMERGENCE_REAL_QUICK,
    emergence_study,
    emergence_study_real,
)
from ._emergence_summary import summarize_emergence, summarize_emergence_real
from ._strategic import (
    STRATEGIC_FULL,
    STRATEGIC_QUICK,
    STRATEGIC_REAL_FULL,
    STRATEGIC_REAL_QUICK,
    strategic_alignment_study,
    strategic_alignment_study_real,
    summarize_strategic,
)

_HEADLINE = "mutual_knn"  # the metric the summaries and figures report


def _findings_text(findings):
    lines = []
    for f in findings:
        claim = f.get("claim", f.get("finding"))
        lines.append(f"- [{'holds' if f['holds'] else 'does not hold'}] {claim}")
        lines.append(f"  {f['evidence']}")
    return lines


def _finish(out, name, table, sections, findings, figures, started, echo, extra=None):
    """Write the table, the summary and its JSON (``findings`` and the ``extra`` entries); print
    the summary; return the summary text."""
    table.to_csv(out / f"{name}.csv")
    table.to_json(out / f"{name}.json")
    lines = []
    for title, block in sections:
        lines += [f"### {title}", "", block, ""]
    if findings:
        lines += ["### Findings", ""] + _findings_text(findings) + [""]
    drawn = ", ".join(p.name for p in figures) if figures else (
        "no figures (matplotlib is missing: pip install 'mmalign-sk[plot]')")
    lines.append(f"{len(table)} table rows in {time.perf_counter() - started:.0f} s; "
                 f"outputs in {out}: {name}.csv, {name}.json, summary.md, {drawn}")
    text = "\n".join(lines)
    (out / "summary.md").write_text(text + "\n")
    (out / "summary.json").write_text(
        json.dumps({"findings": findings, **(extra or {})}, indent=1) + "\n")
    if echo:
        print(text)
    return text


def _draw(make_figures, *args):
    """The paths written by ``make_figures(*args)``; none when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return []
    return make_figures(*args)


def _prepare(out_dir):
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    return out, out / "cache"


def _emergence_figures(table, layers, out):
    column = f"align_{_HEADLINE}"
    ylabel = f"{_HEADLINE} (max over layers)"
    chosen = [i for i, row in enumerate(table) if row.get("selected", True)]
    selected = StudyTable([table.records[i] for i in chosen], columns=table.columns)
    panels = [
        ("uniqueness", column, "depth", "uniqueness (8 - r)", ylabel,
         "alignment vs uniqueness, by depth", "alignment_vs_uniqueness.png"),
        ("depth", column, "r", "heterogeneity depth", ylabel, "alignment vs heterogeneity, by r",
         "alignment_vs_heterogeneity.png"),
    ]
    paths = [_figures.save(_figures.scatter(selected, *panel[:-1])[0], out / panel[-1])
             for panel in panels]
    # every model, one panel per r, one colour (and one within-cell rho) per heterogeneity depth
    fig, _ = _figures.scatter_panels(table, column, "acc_b", "r", "depth", _HEADLINE,
                                     "test accuracy of x2", "r = {}: colour = heterogeneity depth")
    paths.append(_figures.save(fig, out / "alignment_vs_performance.png"))
    # the most redundant, least heterogeneous cell with the deepest x2 encoder
    pick = max(chosen, key=lambda i: (table.records[i]["r"], -table.records[i]["depth"],
                                      table.records[i]["encoder_depth"]))
    row = table.records[pick]
    title = f"r={row['r']}, depth={row['depth']}, x2 encoder depth {row['encoder_depth']}"
    fig, _ = _figures.layer_heatmap(layers[pick][_HEADLINE], _HEADLINE, "x1", "x2", title)
    return paths + [_figures.save(fig, out / "layerwise_heatmap.png")]


def _emergence_real_figures(table, layers, out, dataset):
    column = f"align_{_HEADLINE}"
    with_pairs = StudyTable([{**r, "pair": f"{r['modality_a']}-{r['modality_b']}"} for r in table])
    fig, _ = _figures.scatter(with_pairs, column, "acc_b", "pair", _HEADLINE,
                              "test accuracy of modality b", f"{dataset}: performance vs alignment")
    paths = [_figures.save(fig, out / "alignment_vs_performance.png")]
    row = table.records[-1]
    fig, _ = _figures.layer_heatmap(layers[len(table) - 1][_HEADLINE], _HEADLINE,
                                    row["modality_a"], row["modality_b"],
                                    f"{dataset}, encoder depth {row['encoder_depth']}")
    return paths + [_figures.save(fig, out / "layerwise_heatmap.png")]


def reproduce_emergence(out_dir, quick=False, dataset="synthetic", data_home=None, random_state=0,
                        progress=True, device="auto", n_jobs=None, echo=True):
    """The emergence study (see :func:`reproduce`); returns its table."""
    out, cache = _prepare(out_dir)
    started = time.perf_counter()
    common = {"cache_dir": cache, "progress": progress, "random_state": random_state,
              "device": device, "n_jobs": n_jobs, "return_layers": True}
    if dataset == "synthetic":
        table, layers = emergence_study(**(EMERGENCE_QUICK if quick else EMERGENCE_FULL), **common)
        summary = summarize_emergence(table, _HEADLINE)
        figures = _draw(_emergence_figures, table, layers, out)
        sections = [
            ("Alignment by redundancy (mutual kNN, max over layer pairs; validated models)",
             summary["by_redundancy"].to_markdown()),
            ("Alignment by heterogeneity depth (validated models)",
             summary["by_depth"].to_markdown()),
            ("Alignment vs accuracy of x2 within each (r, depth) cell, across its models "
             "(encoder depths x seeds x validation-grid candidates)",
             summary["by_cell"].to_markdown()),
            ("Within-cell correlation per r (mean and sd over depths), partial correlation "
             "controlling for depth, and the pooled one for contrast",
             summary["performance"].to_markdown()),
        ]
        findings = summary["findings"]
    else:
        preset = EMERGENCE_REAL_QUICK if quick else EMERGENCE_REAL_FULL
        table, layers = emergence_study_real(dataset, data_home=data_home, **preset, **common)
        figures = _draw(_emergence_real_figures, table, layers, out, dataset)
        sections = [(f"{dataset}: alignment and accuracy per modality pair, correlated across each "
                     "pair's models",
                     summarize_emergence_real(table, _HEADLINE).to_markdown())]
        findings = []
    (out / "layerwise.json").write_text(
        json.dumps([{**row, "layers": layers[i]} for i, row in enumerate(table.records)]) + "\n"
    )
    _finish(out, "emergence", table, sections, findings, figures, started, echo)
    return table


def _strategic_figures(summary, out):
    by_weight, by_setting = summary["by_weight"], summary["by_setting"]
    settings = list(dict.fromkeys(by_setting["setting"].tolist()))
    temperatures = list(dict.fromkeys(by_setting["temperature"].tolist()))
    paths = []
    for temperature in temperatures:
        fig, _ = _figures.weight_curves(by_weight, settings, f"align_{_HEADLINE}", temperature)
        suffix = "" if len(temperatures) == 1 else f"_T{temperature:g}"
        paths.append(_figures.save(fig, out / f"accuracy_and_alignment_vs_weight{suffix}.png"))
    if len(temperatures) > 1:
        fig, _ = _figures.temperature_effect(by_weight, by_setting)
        paths.append(_figures.save(fig, out / "temperature_effect.png"))
    return paths


_WEIGHT_COLUMNS = ("setting", "temperature", "alignment_weight", "acc", "acc_sd", "diff_vs_0",
                   "diff_vs_0_se", "acc_a", "acc_b", "align_mutual_knn", "align_cka",
                   "align_svcca", "epochs", "capped")
_BEST_WEIGHT_COLUMNS = ("setting", "r", "temperature", "acc_at_0", "acc_at_0_sd", "best_weight",
                        "acc_at_best", "acc_at_best_sd", "gain", "gain_se", "margin_vs_largest",
                        "margin_vs_largest_se", "rho_weight_acc", "rho_weight_align")


def reproduce_strategic(out_dir, quick=False, dataset="synthetic", data_home=None, random_state=0,
                        progress=True, device="auto", n_jobs=None, echo=True):
    """The strategic-alignment study (see :func:`reproduce`); returns its table."""
    out, cache = _prepare(out_dir)
    started = time.perf_counter()
    common = {"cache_dir": cache, "progress": progress, "random_state": random_state,
              "device": device, "n_jobs": n_jobs}
    if dataset == "synthetic":
        preset = STRATEGIC_QUICK if quick else STRATEGIC_FULL
        table = strategic_alignment_study(**preset, **common)
    else:
        preset = STRATEGIC_REAL_QUICK if quick else STRATEGIC_REAL_FULL
        table = strategic_alignment_study_real(dataset, data_home=data_home, **preset, **common)
    summary = summarize_strategic(table, _HEADLINE)
    by_weight, by_setting = summary["by_weight"], summary["by_setting"]
    figures = _draw(_strategic_figures, summary, out)
    sections = [
        ("Mean unimodal accuracy per weight: mean and sd over seeds, paired difference to "
         "lambda = 0 with its standard error; alignment (max over layer pairs)",
         by_weight.to_markdown([c for c in _WEIGHT_COLUMNS if c in by_weight.columns])),
        ("Best weight lambda* per setting (chosen on the validation split; gain = paired "
         "difference to lambda = 0 on the test split)",
         by_setting.to_markdown([c for c in _BEST_WEIGHT_COLUMNS if c in by_setting.columns])),
        ("lambda* per setting and temperature", summary["best_weights"].to_markdown()),
    ]
    extra = {"best_weights": summary["best_weights"].records, "by_setting": by_setting.records}
    _finish(out, "strategic", table, sections, summary["findings"], figures, started, echo, extra)
    return table


def _reproduce_vision_language(*args, **kwargs):
    from ._reproduce_vision import reproduce_vision_language

    return reproduce_vision_language(*args, **kwargs)


def _reproduce_mmimdb(*args, **kwargs):
    from ._reproduce_vision import reproduce_mmimdb

    return reproduce_mmimdb(*args, **kwargs)


#: study name -> function; each takes the keyword arguments of :func:`reproduce`.
STUDIES = {"emergence": reproduce_emergence, "strategic": reproduce_strategic,
           "vision-language": _reproduce_vision_language, "mmimdb": _reproduce_mmimdb}
#: the studies' own options, passed through :func:`reproduce`'s ``**options``
STUDY_OPTIONS = {
    "vision-language": ("text_models", "image_models", "n_samples", "local_files_only"),
    "mmimdb": ("text_models", "image_models", "local_files_only"),
}


def reproduce(
    study,
    out_dir,
    quick=False,
    dataset="synthetic",
    data_home=None,
    random_state=0,
    progress=True,
    device="auto",
    n_jobs=None,
    echo=True,
    **options,
):
    """Run a paper's study end to end and write its table (CSV, JSON) and figures (PNG) to ``out_dir``.

    Parameters
    ----------
    study : {"emergence", "strategic", "vision-language", "mmimdb"}
        Which paper's study: :func:`emergence_study` (Tjandrasuwita et al. 2025),
        :func:`strategic_alignment_study` (Fang et al. 2025), :func:`vision_language_study`
        (pretrained language and vision models on image-caption pairs found in
        ``data_home/wit``) or :func:`mmimdb_study` (MM-IMDb in ``data_home/mmimdb``).
    out_dir : str or Path
        Output folder; finished cells are cached under ``out_dir/cache`` and skipped when rerun,
        so an interrupted run resumes where it stopped.
    quick : bool, default=False
        A reduced grid (``EMERGENCE_QUICK``: about 1 minute on a 2-core CPU;
        ``STRATEGIC_QUICK``: about 5 minutes); otherwise the paper's settings (``*_FULL``).
    dataset : str, default="synthetic"
        ``"synthetic"`` or a real dataset of :data:`REAL_DATASETS` whose files are under
        ``data_home``.
    data_home : str or Path, optional
        Where real datasets live (see :func:`mmalign_sk.datasets.get_data_home`).
    random_state : int, default=0
        Seeds the data and the splits.
    progress : bool, default=True
        Show a progress bar.
    device : str, default="auto"
    n_jobs : int, optional
        Models (cells) trained at once, each on one thread; ``-1`` uses every core. The results
        do not depend on it.
    echo : bool, default=True
        Print the summary.
    **options
        The pretrained-model studies' own options: ``text_models`` and ``image_models``
        (replacing the preset's model lists), ``local_files_only``, and ``n_samples`` (pairs,
        vision-language only).

    Returns
    -------
    StudyTable
        The study's results table.
    """
    if study not in STUDIES:
        raise ValueError(f"study must be one of {sorted(STUDIES)}; got {study!r}.")
    unknown = sorted(set(options) - set(STUDY_OPTIONS.get(study, ())))
    if unknown:
        raise TypeError(f"the {study} study does not take the option(s) {unknown}; it takes "
                        f"{list(STUDY_OPTIONS.get(study, ())) or 'none'}.")
    return STUDIES[study](
        out_dir=out_dir,
        quick=quick,
        dataset=dataset,
        data_home=data_home,
        random_state=random_state,
        progress=progress,
        device=device,
        n_jobs=n_jobs,
        echo=echo,
        **options,
    )
