"""When does alignment between independently trained unimodal encoders emerge? (Tjandrasuwita et al.)

The study trains one unimodal classifier per modality, measures the alignment of their hidden
representations layer by layer (maximum over layer pairs), and relates it to the data's redundancy,
uniqueness and heterogeneity and to the models' performance.
"""

import functools
import json

import numpy as np

from .._checks import check_int, check_option, check_real
from ..datasets import make_redundancy_dataset
from ..estimators import UnimodalClassifier
from ..metrics import get_metric, layerwise_alignment
from ..metrics._registry import metric_accepts
from ._common import (
    cache_settings,
    check_positive_floats,
    check_seed_list,
    check_values,
    fit_selected,
    mean_by,
    nan_mean,
    spearman,
    split_indices,
)
from ._real import load_real_dataset
from ._runner import run_cells
from ._table import StudyTable

#: Label bits of the generator (r of them redundant, the rest unique).
_N_LABEL_BITS = 8

#: The paper's settings (Tjandrasuwita et al. 2025, section 4), and our choices where it is silent.
EMERGENCE_FULL = dict(
    n_redundant=tuple(range(9)),
    depths=tuple(range(11)),
    encoder_depths=(1, 2, 4, 6, 8),
    seeds=(0, 1, 2, 3, 4),
    n_samples=65536,
    lr=(1e-1, 1e-2, 1e-3, 1e-4),
    weight_decay=(0.0, 1e-1, 1e-2, 1e-3, 1e-4),
    max_epochs=300,
    reference_epochs=50,
)

#: A reduced grid that runs in a few minutes on a 2-core CPU.
EMERGENCE_QUICK = dict(
    n_redundant=(0, 2, 4, 6, 8),
    depths=(0, 2, 4, 6),
    encoder_depths=(1, 3),
    seeds=(0,),
    n_samples=8192,
    lr=(1e-2,),
    weight_decay=(0.0,),
    max_epochs=40,
    reference_epochs=40,
)


def _check_metrics(metrics):
    metrics = check_values(metrics, "metrics", lambda v, n: v)
    for m in metrics:
        get_metric(m)  # unknown names raise here, listing the known ones
    return metrics


def _unimodal(modality, encoder, depth, epochs, seed, settings):
    return UnimodalClassifier(
        modality,
        encoder=encoder,
        encoder__depth=depth,
        max_epochs=epochs,
        batch_size=settings["batch_size"],
        device=settings["device"],
        random_state=seed,
    )


def _train(modality, encoder, depth, epochs, seed, data, split, settings):
    """A unimodal classifier whose lr and weight decay are chosen on the validation split."""
    grid = {"lr": settings["lr"], "optimizer__weight_decay": settings["weight_decay"]}
    train, val, test = split
    model, best = fit_selected(
        _unimodal(modality, encoder, depth, epochs, seed, settings),
        grid,
        data.X,
        data.y,
        train,
        val,
    )
    accuracy = float(model.score(data.X[test], data.y[test]))
    return model, {
        "accuracy": accuracy,
        "lr": best["lr"],
        "weight_decay": best["optimizer__weight_decay"],
    }


def _align(layers_a, layers_b, settings):
    """Layer x layer alignment of two lists of representations for every metric."""
    out = {}
    for metric in settings["metrics"]:
        params = {"topk": settings["topk"]} if metric_accepts(metric, "topk") else {}
        result = layerwise_alignment(layers_a, layers_b, metric=get_metric(metric, **params))
        out[metric] = {
            "max": result.max,
            "argmax": list(result.argmax),
            "last": float(result.scores[-1, -1]),
            "scores": result.scores.tolist(),
        }
    return out


def _alignment_layers(model, modality, data, split, settings):
    """The model's representations after every layer, on the first test samples."""
    X_align = data.X[split[2][: settings["alignment_samples"]]]
    return model.embed_layers(X_align)[modality]


def _reference_cell(cell, data, split, encoder, settings):
    """First stage: the reference model of ``cell["modality"]``, trained once and shared by the
    cells that compare against it; its result is its test statistics and its layers on the
    alignment samples (float32 values, which JSON stores exactly)."""
    modality = cell["modality"]
    model, stats = _train(
        modality,
        encoder,
        settings["reference_depth"],
        settings["reference_epochs"],
        cell["seed"],
        data,
        split,
        settings,
    )
    layers = _alignment_layers(model, modality, data, split, settings)
    return {"stats": stats, "layers": [h.tolist() for h in layers]}


def _pair_cell(cell, data, split, encoder, reference, settings):
    """Second stage: a model of ``cell["modality"]`` of the cell's encoder depth, trained and
    compared layer by layer with its reference (the first stage's result)."""
    modality = cell["modality"]
    model, stats = _train(
        modality, encoder, cell["encoder_depth"], settings["max_epochs"], cell["seed"], data,
        split, settings,
    )
    layers_b = _alignment_layers(model, modality, data, split, settings)
    layers_a = [np.asarray(h, dtype=layers_b[0].dtype) for h in reference["layers"]]
    alignment = _align(layers_a, layers_b, settings)
    row = {k: cell[k] for k in _ROW_KEYS if k in cell}
    return {
        "row": _cell_row(row, reference["stats"], stats, alignment, settings["metrics"]),
        "layers": {m: alignment[m]["scores"] for m in settings["metrics"]},
    }


#: The cell keys that are columns of the study's table.
_ROW_KEYS = ("r", "uniqueness", "depth", "dataset", "modality_a", "modality_b", "encoder_depth",
             "seed")


def _cell_row(cell, ref_stats, stats, alignment, metrics):
    row = dict(cell)
    row.update(
        acc_a=ref_stats["accuracy"],
        acc_b=stats["accuracy"],
        lr_a=ref_stats["lr"],
        weight_decay_a=ref_stats["weight_decay"],
        lr_b=stats["lr"],
        weight_decay_b=stats["weight_decay"],
    )
    for m in metrics:
        row[f"align_{m}"] = alignment[m]["max"]
        row[f"align_{m}_last"] = alignment[m]["last"]
    return row


def _settings(
    metrics,
    topk,
    batch_size,
    alignment_samples,
    device,
    n_jobs,
    lr,
    weight_decay,
    max_epochs,
    reference_epochs,
    reference_depth,
):
    return dict(
        metrics=_check_metrics(metrics),
        topk=check_int(topk, "topk", 1),
        batch_size=check_int(batch_size, "batch_size", 1),
        alignment_samples=check_int(alignment_samples, "alignment_samples", 4),
        device=device,
        n_jobs=n_jobs,
        lr=check_positive_floats(lr, "lr", allow_zero=False),
        weight_decay=check_positive_floats(weight_decay, "weight_decay"),
        max_epochs=check_int(max_epochs, "max_epochs", 1),
        reference_epochs=check_int(reference_epochs, "reference_epochs", 1),
        reference_depth=check_int(reference_depth, "reference_depth", 1),
    )



def _run_two_stages(references, pairs, reference_of, compute_inputs, settings, cache_dir,
                    progress, desc):
    """Run the reference cells, then the pair cells against them; the pairs' results in order.

    ``reference_of(pair_cell)`` is the reference cell a pair compares against;
    ``compute_inputs(cell)`` is ``(data, split, encoder)`` of a cell of either stage.
    """
    ref_results = run_cells(
        references,
        functools.partial(_reference_cell, settings=settings),
        inputs=compute_inputs,
        cache=cache_dir,
        n_jobs=settings["n_jobs"],
        progress=progress,
        desc=f"{desc} references",
    )
    by_key = {_key(cell): result for cell, result in zip(references, ref_results)}
    return run_cells(
        pairs,
        functools.partial(_pair_cell, settings=settings),
        inputs=lambda cell: (*compute_inputs(cell), by_key[_key(reference_of(cell))]),
        cache=cache_dir,
        n_jobs=settings["n_jobs"],
        progress=progress,
        desc=desc,
    )


def _key(cell):
    return json.dumps(cell, sort_keys=True)


def emergence_study(
    n_redundant=EMERGENCE_FULL["n_redundant"],
    depths=EMERGENCE_FULL["depths"],
    encoder_depths=EMERGENCE_FULL["encoder_depths"],
    *,
    seeds=EMERGENCE_FULL["seeds"],
    n_samples=EMERGENCE_FULL["n_samples"],
    lr=EMERGENCE_FULL["lr"],
    weight_decay=EMERGENCE_FULL["weight_decay"],
    max_epochs=EMERGENCE_FULL["max_epochs"],
    reference_epochs=EMERGENCE_FULL["reference_epochs"],
    reference_depth=1,
    metrics=("mutual_knn", "unbiased_cka"),
    topk=10,
    heterogeneity="one",
    temperature=0.05,
    batch_size=256,
    alignment_samples=512,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
    return_layers=False,
):
    """Alignment between independently trained unimodal encoders on the synthetic redundancy grid.

    For every number r of redundant label bits and every heterogeneity depth (the random MLP that
    transforms modality x2, see :func:`~mmalign_sk.datasets.make_redundancy_dataset`), a
    classifier of x1 (the *reference*: an MLP of depth ``reference_depth``, trained
    ``reference_epochs``) and classifiers of x2 with MLP encoders of each depth in
    ``encoder_depths`` (trained ``max_epochs``) are trained on the 70% training split; their
    learning rate and weight decay are chosen on the 15% validation split with
    :class:`~sklearn.model_selection.GridSearchCV`; accuracies are measured on the 15% test split.
    The alignment of each pair of models is the maximum over layer pairs of the metric between
    their hidden representations of the first ``alignment_samples`` test samples (the paper's
    batch of 512).

    The defaults are the paper's settings (``EMERGENCE_FULL``); ``EMERGENCE_QUICK`` is a grid
    that runs in minutes on a laptop CPU. Our choices where the paper is silent:
    ``encoder_depths``, ``batch_size=256``, and performance = accuracy of the x2 model (the
    modality whose heterogeneity varies).

    Parameters
    ----------
    n_redundant : sequence of int, default=0..8
        Redundant label bits r (uniqueness is ``8 - r``).
    depths : sequence of int, default=0..10
        Heterogeneity depths of x2's transform (-1 = untransformed).
    encoder_depths : sequence of int, default=(1, 2, 4, 6, 8)
        Depths of the x2 encoders.
    seeds : int or sequence of int, default=(0, 1, 2, 3, 4)
        Training seeds (``random_state`` of the models); an int n means ``range(n)``.
    n_samples : int, default=65536
    lr, weight_decay : sequence of float
        The validation grid (AdamW), per model.
    max_epochs, reference_epochs : int, default=300, 50
        Epochs of the x2 models and of the reference model.
    reference_depth : int, default=1
    metrics : sequence of str, default=("mutual_knn", "unbiased_cka")
        Alignment metrics (names of :func:`~mmalign_sk.metrics.list_metrics`).
    topk : int, default=10
        Neighbourhood size of the kNN metrics.
    heterogeneity : {"one", "both"}, default="one"
        Transform x2 only, or both modalities (then the reference is retrained at every depth).
    temperature : float, default=0.05
        The generator's softmax temperature.
    batch_size : int, default=256
    alignment_samples : int, default=512
    device : str, default="auto"
    n_jobs : int, optional
        Models trained at once, each on one thread (joblib; ``-1``: every core; a dask backend
        works too). The results do not depend on it.
    cache_dir : str or Path, optional
        Finished cells are stored here and skipped when the study is run again.
    progress : bool, default=True
        Show a progress bar over the cells.
    random_state : int, default=0
        Seeds the data (latent samples, labels) and the split.
    return_layers : bool, default=False
        Also return ``{cell index: {metric: layer x layer matrix}}``.

    Returns
    -------
    table : StudyTable
        One row per (r, depth, encoder depth, seed): ``r``, ``uniqueness``, ``depth``,
        ``encoder_depth``, ``seed``, ``acc_a`` / ``acc_b`` (test accuracy of the x1 / x2 model),
        the chosen ``lr_*`` and ``weight_decay_*``, and for every metric ``align_<metric>``
        (maximum over layer pairs) and ``align_<metric>_last`` (last layers).
    layers : dict, optional
        If ``return_layers``.

    See Also
    --------
    summarize_emergence : the paper's findings from the table.

    Examples
    --------
    >>> from mmalign_sk.experiments import emergence_study
    >>> table = emergence_study([0, 8], [0], [1], seeds=1, n_samples=2048, lr=[1e-2],
    ...                         weight_decay=[0], max_epochs=10, reference_epochs=10,
    ...                         metrics=["mutual_knn"], progress=False, device="cpu")
    >>> table["r"].tolist(), bool(table["align_mutual_knn"][1] > table["align_mutual_knn"][0])
    ([0, 8], True)
    """
    settings = _settings(
        metrics,
        topk,
        batch_size,
        alignment_samples,
        device,
        n_jobs,
        lr,
        weight_decay,
        max_epochs,
        reference_epochs,
        reference_depth,
    )
    rs = check_values(n_redundant, "n_redundant", lambda v, n: check_int(v, n, 0))
    depth_list = check_values(depths, "depths", lambda v, n: check_int(v, n, -1))
    enc_depths = check_values(encoder_depths, "encoder_depths", lambda v, n: check_int(v, n, 1))
    seed_list = check_seed_list(seeds)
    check_option(heterogeneity, "heterogeneity", ("one", "both"))
    temperature = check_real(temperature, "temperature", 0, low_inclusive=False)
    check_int(random_state, "random_state", 0)
    n_samples = check_int(n_samples, "n_samples", 64)
    data_key = dict(
        study="emergence",
        n_samples=n_samples,
        heterogeneity=heterogeneity,
        temperature=temperature,
        random_state=random_state,
        **cache_settings(settings),
    )

    both = heterogeneity == "both"

    def reference(r, depth, seed):
        # x1 (and y, and the split) are the same at every depth unless both modalities are
        # transformed: one reference model serves all depths
        cell = dict(data_key, stage="reference", modality="x1", r=r, seed=seed)
        return dict(cell, depth=depth) if both else cell

    pairs = [
        dict(data_key, r=r, uniqueness=_N_LABEL_BITS - r, depth=depth, encoder_depth=enc_depth,
             seed=seed, modality="x2")
        for r in rs
        for depth in depth_list
        for seed in seed_list
        for enc_depth in enc_depths
    ]
    references = list({_key(c): c for c in (
        reference(p["r"], p["depth"], p["seed"]) for p in pairs)}.values())

    @functools.lru_cache(maxsize=8)
    def dataset(r, depth):
        data = make_redundancy_dataset(
            r,
            depth,
            n_samples=n_samples,
            temperature=temperature,
            heterogeneity=heterogeneity,
            random_state=random_state,
        )
        return data, split_indices(data.y, random_state)

    def inputs(cell):
        # the reference of every depth sees the same x1: any depth's dataset serves it
        return (*dataset(cell["r"], cell.get("depth", depth_list[0])), "mlp")

    results = _run_two_stages(
        references,
        pairs,
        lambda cell: reference(cell["r"], cell["depth"], cell["seed"]),
        inputs,
        settings,
        cache_dir,
        progress,
        "emergence",
    )
    rows = [result["row"] for result in results]
    layers = {i: result["layers"] for i, result in enumerate(results)}
    table = StudyTable(rows)
    return (table, layers) if return_layers else table


def _finding(claim, holds, evidence):
    return {"finding": claim, "holds": bool(holds), "evidence": evidence}


def summarize_emergence(table, metric="mutual_knn"):
    """The emergence paper's findings, computed from a table of :func:`emergence_study`.

    Alignment is averaged over encoder depths and seeds where a finding compares settings;
    correlations are Spearman's rho over all the cells they name.

    Parameters
    ----------
    table : StudyTable
        The study's table.
    metric : str, default="mutual_knn"
        Which alignment column (``align_<metric>``) to summarise.

    Returns
    -------
    summary : dict
        ``by_redundancy`` (StudyTable, one row per r): the mean alignment at the lowest and the
        highest heterogeneity depth, ``rho_align_depth`` (alignment vs depth) and
        ``rho_align_acc`` (alignment vs the x2 model's accuracy, over every cell with that r);
        ``by_depth`` (StudyTable, one row per depth): the mean alignment at the lowest and the
        highest r and ``rho_align_uniqueness``; ``findings``: a list of
        ``{"finding", "holds", "evidence"}``, the paper's three qualitative findings checked on
        this table.

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_emergence
    >>> rows = [dict(r=r, uniqueness=8 - r, depth=d, encoder_depth=1, seed=0,
    ...              acc_b=0.5 + r / 20 - d / 40, align_mutual_knn=0.05 * r / (1 + d) + 0.01 * d)
    ...         for r in (0, 4, 8) for d in (0, 2, 4)]
    >>> summary = summarize_emergence(StudyTable(rows))
    >>> [f["holds"] for f in summary["findings"]]
    [True, True, True]
    """
    column = f"align_{metric}"
    if column not in table.columns:
        known = [c[6:] for c in table.columns if c.startswith("align_") and not c.endswith("_last")]
        raise ValueError(
            f"the table has no alignment column for metric {metric!r}; it has {known}."
        )
    rs, depths = sorted(set(table["r"].tolist())), sorted(set(table["depth"].tolist()))
    align = mean_by(table, ("r", "depth"), column)

    by_r = []
    for r in rs:
        sub = table.filter(r=r)
        by_r.append(
            {
                "r": r,
                "uniqueness": int(sub["uniqueness"][0]),
                f"align_depth_{depths[0]}": align[(r, depths[0])],
                f"align_depth_{depths[-1]}": align[(r, depths[-1])],
                "rho_align_depth": spearman(sub["depth"], sub[column]),
                "rho_align_acc": spearman(sub[column], sub["acc_b"]),
                "n_cells": len(sub),
            }
        )
    by_depth = []
    for d in depths:
        means = [align[(r, d)] for r in rs]
        by_depth.append(
            {
                "depth": d,
                f"align_r_{rs[0]}": means[0],
                f"align_r_{rs[-1]}": means[-1],
                "rho_align_uniqueness": spearman([8 - r for r in rs], means),
            }
        )
    by_r, by_depth = StudyTable(by_r), StudyTable(by_depth)

    findings = []
    rho_u = by_depth["rho_align_uniqueness"]
    findings.append(
        _finding(
            "alignment falls as uniqueness grows, at every depth",
            len(rs) > 1 and np.all(rho_u < 0),
            "Spearman rho(uniqueness, alignment) per depth: "
            + ", ".join(f"{d}: {v:+.2f}" for d, v in zip(depths, rho_u)),
        )
    )
    rho_d = by_r["rho_align_depth"]
    high = [r for r in rs if r >= 4] or rs
    high_rho = [v for r, v in zip(rs, rho_d) if r in high]
    findings.append(
        _finding(
            "greater heterogeneity lowers the alignment that emerges",
            len(depths) > 1 and nan_mean(high_rho) < 0,
            "Spearman rho(depth, alignment) per r: "
            + ", ".join(f"{r}: {v:+.2f}" for r, v in zip(rs, rho_d)),
        )
    )
    rho_p = by_r["rho_align_acc"]
    low = [v for r, v in zip(rs, rho_p) if r <= 2]
    top = [v for r, v in zip(rs, rho_p) if r >= 6]
    holds = bool(low and top and nan_mean(top) >= 0.5 and nan_mean(low) < 0.5)
    findings.append(
        _finding(
            "alignment predicts performance when redundancy dominates (mean rho >= 0.5 over r >= 6), "
            "weakly or not at all when uniqueness dominates (mean rho < 0.5 over r <= 2)",
            holds,
            "Spearman rho(alignment, accuracy of x2) per r: "
            + ", ".join(f"{r}: {v:+.2f}" for r, v in zip(rs, rho_p)),
        )
    )
    return {"by_redundancy": by_r, "by_depth": by_depth, "findings": findings}


#: Real-data settings (section 6 of the paper: Transformer encoders, 3 seeds, its lr / wd grid).
EMERGENCE_REAL_FULL = dict(
    encoder_depths=(1, 2, 3, 4),
    seeds=(0, 1, 2),
    lr=(1e-3, 5e-4, 1e-4, 5e-5, 1e-5),
    weight_decay=(0.0, 1e-1, 1e-2, 1e-3, 1e-4),
    max_epochs=100,
    reference_epochs=100,
    n_labelled=None,
)

EMERGENCE_REAL_QUICK = dict(
    encoder_depths=(1, 2),
    seeds=(0,),
    lr=(1e-3,),
    weight_decay=(0.0,),
    max_epochs=10,
    reference_epochs=10,
    n_labelled=1024,
)


def _check_pairs(pairs, modalities):
    if pairs is None:
        return [(a, b) for i, a in enumerate(modalities) for b in modalities[i + 1 :]]
    pairs = [tuple(p) for p in pairs]
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(modalities):
            raise ValueError(
                f"pairs must hold pairs of distinct modalities among {list(modalities)}; got {pair!r}."
            )
    return pairs


def emergence_study_real(
    dataset,
    *,
    data_home=None,
    pairs=None,
    encoder_depths=EMERGENCE_REAL_FULL["encoder_depths"],
    seeds=EMERGENCE_REAL_FULL["seeds"],
    lr=EMERGENCE_REAL_FULL["lr"],
    weight_decay=EMERGENCE_REAL_FULL["weight_decay"],
    max_epochs=EMERGENCE_REAL_FULL["max_epochs"],
    reference_epochs=EMERGENCE_REAL_FULL["reference_epochs"],
    reference_depth=1,
    n_labelled=None,
    metrics=("mutual_knn", "unbiased_cka"),
    topk=10,
    batch_size=128,
    alignment_samples=512,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
    return_layers=False,
):
    """The emergence study on a real dataset whose files are under ``data_home``.

    For every pair (a, b) of the dataset's modalities, a classifier of a with an encoder of depth
    ``reference_depth`` and classifiers of b with encoders of each depth in ``encoder_depths``
    are trained on the official training split (learning rate and weight decay chosen on the
    validation split), scored on the test split, and compared layer by layer on the first
    ``alignment_samples`` test samples. Affect datasets (MOSI, MOSEI, MUStARD, UR-FUNNY) use
    Transformer encoders (width = feature width, one head, mean pooling) and their binary task;
    AV-MNIST uses small CNNs. See :data:`~mmalign_sk.experiments.REAL_DATASETS`.

    Parameters
    ----------
    dataset : str
        ``"mosi"``, ``"mosei"``, ``"mustard"``, ``"urfunny"`` or ``"avmnist"``.
    data_home : str or path-like, optional
        Where the dataset's files are (see :func:`~mmalign_sk.datasets.get_data_home`).
    pairs : sequence of (str, str), optional
        Modality pairs (reference, varied); default: every pair in the dataset's order.
    n_labelled : int, optional
        At most this many samples per split (affect datasets; the paper's scarce-data setting
        uses 1024).
    encoder_depths, seeds, lr, weight_decay, max_epochs, reference_epochs, reference_depth, \
metrics, topk, batch_size, alignment_samples, device, n_jobs, cache_dir, progress, random_state, \
return_layers
        As in :func:`emergence_study`.

    Returns
    -------
    table : StudyTable
        One row per (pair, encoder depth, seed): ``dataset``, ``modality_a``, ``modality_b``,
        ``encoder_depth``, ``seed``, ``acc_a``, ``acc_b``, the chosen ``lr_*`` /
        ``weight_decay_*`` and ``align_<metric>`` / ``align_<metric>_last``.
    layers : dict, optional
        If ``return_layers``.

    Raises
    ------
    FileNotFoundError
        When the dataset's files are missing (the message names the expected path).

    Examples
    --------
    With MultiBench's ``mosei_senti_data.pkl`` under ``~/mmalign_data/multibench/``:

    >>> from mmalign_sk.experiments import emergence_study_real, EMERGENCE_REAL_QUICK
    >>> table = emergence_study_real("mosei", **EMERGENCE_REAL_QUICK)  # doctest: +SKIP
    >>> table["modality_b"]  # doctest: +SKIP
    array(['vision', 'vision', 'audio', 'audio', 'audio', 'audio'], dtype=object)
    """
    settings = _settings(
        metrics,
        topk,
        batch_size,
        alignment_samples,
        device,
        n_jobs,
        lr,
        weight_decay,
        max_epochs,
        reference_epochs,
        reference_depth,
    )
    enc_depths = check_values(encoder_depths, "encoder_depths", lambda v, n: check_int(v, n, 1))
    seed_list = check_seed_list(seeds)
    check_int(random_state, "random_state", 0)
    spec, data = load_real_dataset(
        dataset, data_home, n_labelled=n_labelled, random_state=random_state
    )
    pair_list = _check_pairs(pairs, spec.modalities)
    split = (data.train, data.val, data.test)
    data_key = dict(
        study="emergence",
        dataset=dataset,
        n_labelled=n_labelled,
        n_rows=[len(s) for s in split],
        random_state=random_state,
        **cache_settings(settings),
    )

    pairs = [
        dict(data_key, modality_a=a, modality_b=b, encoder_depth=enc_depth, seed=seed, modality=b)
        for a, b in pair_list
        for seed in seed_list
        for enc_depth in enc_depths
    ]

    def reference(cell):
        return dict(data_key, stage="reference", modality=cell["modality_a"], seed=cell["seed"])

    references = list({_key(c): c for c in map(reference, pairs)}.values())
    results = _run_two_stages(
        references,
        pairs,
        reference,
        lambda cell: (data, split, spec.encoders[cell["modality"]]),
        settings,
        cache_dir,
        progress,
        f"emergence {dataset}",
    )
    rows = [result["row"] for result in results]
    layers = {i: result["layers"] for i, result in enumerate(results)}
    table = StudyTable(rows)
    return (table, layers) if return_layers else table


def summarize_emergence_real(table, metric="mutual_knn"):
    """Per modality pair: mean accuracies and alignment, and Spearman's rho(alignment, accuracy of b).

    Parameters
    ----------
    table : StudyTable
        From :func:`emergence_study_real`.
    metric : str, default="mutual_knn"
        Which alignment column (``align_<metric>``) to summarise.

    Returns
    -------
    StudyTable
        One row per (modality_a, modality_b): ``pair``, mean ``acc_a``, ``acc_b`` and
        ``align_<metric>``, ``rho_align_acc`` and ``n_cells``.

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_emergence_real
    >>> rows = [dict(modality_a="text", modality_b="vision", encoder_depth=d, acc_a=0.7,
    ...              acc_b=0.5 + d / 10, align_mutual_knn=0.1 * d) for d in (1, 2, 3)]
    >>> summary = summarize_emergence_real(StudyTable(rows))
    >>> summary["pair"].tolist(), float(summary["rho_align_acc"][0])
    (['text-vision'], 1.0)
    """
    column = f"align_{metric}"
    out = []
    pairs = []
    for row in table:
        pair = (row["modality_a"], row["modality_b"])
        if pair not in pairs:
            pairs.append(pair)
    for a, b in pairs:
        sub = table.filter(modality_a=a, modality_b=b)
        out.append(
            {
                "pair": f"{a}-{b}",
                "acc_a": float(np.mean(sub["acc_a"])),
                "acc_b": float(np.mean(sub["acc_b"])),
                column: float(np.mean(sub[column])),
                "rho_align_acc": spearman(sub[column], sub["acc_b"]),
                "n_cells": len(sub),
            }
        )
    return StudyTable(out)
