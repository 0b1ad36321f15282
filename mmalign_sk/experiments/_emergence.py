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
    fit_candidates,
    split_indices,
)
from ._emergence_summary import _finding  # noqa: F401 (the strategic study's findings use it)
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

#: A reduced grid that runs in a few minutes on a 2-core CPU: 3 learning rates x 2 encoder
#: depths = 6 models of x2 per (r, depth) cell.
EMERGENCE_QUICK = dict(
    n_redundant=(0, 2, 4, 6, 8),
    depths=(0, 2, 4, 6),
    encoder_depths=(1, 3),
    seeds=(0,),
    n_samples=8192,
    lr=(3e-3, 1e-2, 3e-2),
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
    """Unimodal classifiers, one per candidate of the lr x weight-decay grid, each trained on the
    training split and scored on the validation and test splits; ``[(model, stats)]`` in grid
    order, ``stats["selected"]`` marking the best validation accuracy."""
    grid = {"lr": settings["lr"], "optimizer__weight_decay": settings["weight_decay"]}
    train, val, test = split
    candidates, best = fit_candidates(
        _unimodal(modality, encoder, depth, epochs, seed, settings),
        grid,
        data.X,
        data.y,
        train,
        val,
    )
    return [
        (c["model"], {
            "lr": c["params"]["lr"],
            "weight_decay": c["params"]["optimizer__weight_decay"],
            "selected": i == best,
            "val_accuracy": c["val_score"],
            "accuracy": float(c["model"].score(data.X[test], data.y[test])),
        })
        for i, c in enumerate(candidates)
    ]


def _train_selected(*args):
    """The candidate of :func:`_train` with the best validation accuracy: ``(model, stats)``."""
    return next(pair for pair in _train(*args) if pair[1]["selected"])


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
    model, stats = _train_selected(
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
    """Second stage: the models of ``cell["modality"]`` of the cell's encoder depth, one per
    candidate of the validation grid, each compared layer by layer with the reference (the first
    stage's result); ``{"rows": [...], "layers": [...]}``, one entry per candidate."""
    modality = cell["modality"]
    trained = _train(
        modality, encoder, cell["encoder_depth"], settings["max_epochs"], cell["seed"], data,
        split, settings,
    )
    layers_a = None
    keys = {k: cell[k] for k in _ROW_KEYS if k in cell}
    rows, layers = [], []
    for model, stats in trained:
        layers_b = _alignment_layers(model, modality, data, split, settings)
        if layers_a is None:
            layers_a = [np.asarray(h, dtype=layers_b[0].dtype) for h in reference["layers"]]
        alignment = _align(layers_a, layers_b, settings)
        rows.append(_cell_row(keys, reference["stats"], stats, alignment, settings["metrics"]))
        layers.append({m: alignment[m]["scores"] for m in settings["metrics"]})
    return {"rows": rows, "layers": layers}


#: The cell keys that are columns of the study's table.
_ROW_KEYS = ("r", "uniqueness", "depth", "dataset", "modality_a", "modality_b", "encoder_depth",
             "seed")


def _cell_row(cell, ref_stats, stats, alignment, metrics):
    """One x2 model of a cell: its settings, accuracies and alignment with the reference."""
    row = dict(cell)
    row.update(
        lr_b=stats["lr"],
        weight_decay_b=stats["weight_decay"],
        selected=stats["selected"],
        val_acc_b=stats["val_accuracy"],
        acc_b=stats["accuracy"],
        acc_a=ref_stats["accuracy"],
        lr_a=ref_stats["lr"],
        weight_decay_a=ref_stats["weight_decay"],
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


def _table(results, return_layers):
    """The study's table, one row per model of the pair cells' results (and the layer matrices
    by row index)."""
    rows = [row for result in results for row in result["rows"]]
    matrices = [m for result in results for m in result["layers"]]
    table = StudyTable(rows)
    return (table, dict(enumerate(matrices))) if return_layers else table


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
    ``encoder_depths`` (trained ``max_epochs``) are trained on the 70% training split, one per
    candidate of the learning-rate x weight-decay grid; the candidate with the best accuracy on
    the 15% validation split is the *selected* model (for the reference, the only one kept);
    accuracies are measured on the 15% test split. Every candidate of x2 is a row of the table: a
    fitted model with a test accuracy and an alignment, so that whether alignment predicts
    performance can be asked across the models of one dataset (see
    :func:`summarize_emergence`). The alignment of each pair of models is the maximum over layer
    pairs of the metric between their hidden representations of the first ``alignment_samples``
    test samples (the paper's batch of 512).

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
        The validation grid (AdamW); every candidate of x2 is trained, scored and kept.
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
        Cells (the candidates of one encoder depth and seed) trained at once, each on one
        thread (joblib; ``-1``: every core; a dask backend works too). The results do not depend
        on it.
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
        One row per x2 model, that is per (r, depth, encoder depth, seed, candidate): ``r``,
        ``uniqueness``, ``depth``, ``encoder_depth``, ``seed``, the candidate's ``lr_b`` and
        ``weight_decay_b``, ``selected`` (best validation accuracy among the candidates of its
        encoder depth and seed), ``val_acc_b`` and ``acc_b`` (validation and test accuracy of the
        x2 model), ``acc_a``, ``lr_a`` and ``weight_decay_a`` of the reference, and for every
        metric ``align_<metric>`` (maximum over layer pairs) and ``align_<metric>_last`` (last
        layers).
    layers : dict, optional
        If ``return_layers``: ``{row index: {metric: layer x layer matrix}}``.

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
    return _table(results, return_layers)


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

#: 3 learning rates x 2 encoder depths = 6 models of modality b per modality pair.
EMERGENCE_REAL_QUICK = dict(
    encoder_depths=(1, 2),
    seeds=(0,),
    lr=(1e-3, 5e-4, 1e-4),
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
    are trained on the official training split, one per candidate of the learning-rate x
    weight-decay grid (the reference: the candidate with the best validation score), scored on
    the test split, and compared layer by layer on the first ``alignment_samples`` test
    samples. Every candidate of b is a row, so :func:`summarize_emergence_real` correlates
    alignment and accuracy across the models of each dataset and modality pair. Affect datasets (MOSI, MOSEI, MUStARD, UR-FUNNY) use
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
        One row per model of modality b, that is per (pair, encoder depth, seed, candidate of
        the validation grid): ``dataset``, ``modality_a``, ``modality_b``, ``encoder_depth``,
        ``seed``, the candidate's ``lr_b`` / ``weight_decay_b``, ``selected``, ``val_acc_b``,
        ``acc_b``, the reference's ``acc_a``, ``lr_a`` / ``weight_decay_a``, and
        ``align_<metric>`` / ``align_<metric>_last``.
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
    return _table(results, return_layers)
