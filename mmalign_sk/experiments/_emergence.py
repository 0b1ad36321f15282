"""When does alignment between independently trained unimodal encoders emerge? (Tjandrasuwita et al.)

Two stages: the *reference* model of modality a (trained once, shared by every cell that compares
with it), then the models of modality b, one per candidate of the validation grid, each compared
with the reference layer by layer.
"""

import functools
import json

import numpy as np

from .._checks import check_int, check_option, check_real
from ._config import TrainingConfig, check_seed_list, check_values
from ._emergence_summary import emergence_figures, emergence_report, summarize_emergence_any
from ._real import REAL_DATASETS, check_pairs, load_real_dataset
from ._study import Plan, Source, Stage, Study, grid, ours, paper, positional, run_study
from ._table import StudyTable

#: Label bits of the generator (r of them redundant, the rest unique).
_N_LABEL_BITS = 8

#: The synthetic study, every parameter tagged: the paper's settings (Tjandrasuwita et al. 2025,
#: section 4) and ours where it is silent (the x2 encoder depths, the batch size, the metrics
#: beyond mutual kNN, the generator's temperature).
SYNTHETIC_PRESETS = {
    "full": dict(
        n_redundant=paper(tuple(range(9))),
        depths=paper(tuple(range(11))),
        encoder_depths=ours((1, 2, 4, 6, 8)),
        seeds=paper((0, 1, 2, 3, 4)),
        n_samples=paper(65536),
        lr=paper((1e-1, 1e-2, 1e-3, 1e-4)),
        weight_decay=paper((0.0, 1e-1, 1e-2, 1e-3, 1e-4)),
        max_epochs=paper(300),
        reference_epochs=paper(50),
        reference_depth=ours(1),
        metrics=ours(("mutual_knn", "unbiased_cka")),
        topk=paper(10),
        heterogeneity=paper("one"),
        temperature=ours(0.05),
        batch_size=ours(256),
        alignment_samples=paper(512),
    ),
    # a grid that runs in minutes on a 2-core CPU: 3 learning rates x 2 encoder depths = 6
    # models of x2 per (r, depth) cell
    "quick": dict(
        n_redundant=ours((0, 2, 4, 6, 8)),
        depths=ours((0, 2, 4, 6)),
        encoder_depths=ours((1, 3)),
        seeds=ours((0,)),
        n_samples=ours(8192),
        lr=ours((3e-3, 1e-2, 3e-2)),
        weight_decay=ours((0.0,)),
        max_epochs=ours(40),
        reference_epochs=ours(40),
    ),
}

#: Where real data are: the user's choice, not a preset's (default: every modality pair).
_REAL_DATA = dict(data_home=None, pairs=None)

#: Real data (section 6 of the paper: Transformer encoders, 3 seeds, its lr / wd grid; the quick
#: preset is its scarce-data setting, 1,024 labelled samples per split).
REAL_PRESETS = {
    "full": dict(
        encoder_depths=ours((1, 2, 3, 4)),
        seeds=paper((0, 1, 2)),
        lr=paper((1e-3, 5e-4, 1e-4, 5e-5, 1e-5)),
        weight_decay=paper((0.0, 1e-1, 1e-2, 1e-3, 1e-4)),
        max_epochs=ours(100),
        reference_epochs=ours(100),
        reference_depth=ours(1),
        n_labelled=ours(None),
        metrics=ours(("mutual_knn", "unbiased_cka")),
        topk=paper(10),
        batch_size=ours(128),
        alignment_samples=paper(512),
    ),
    # 3 learning rates x 2 encoder depths = 6 models of modality b per modality pair
    "quick": dict(
        encoder_depths=ours((1, 2)),
        seeds=ours((0,)),
        lr=ours((1e-3, 5e-4, 1e-4)),
        weight_decay=ours((0.0,)),
        max_epochs=ours(10),
        reference_epochs=ours(10),
        n_labelled=paper(1024),
    ),
}

EMERGENCE_FULL = grid(SYNTHETIC_PRESETS, "full")
EMERGENCE_QUICK = grid(SYNTHETIC_PRESETS, "quick")
EMERGENCE_REAL_FULL = grid(REAL_PRESETS, "full")
EMERGENCE_REAL_QUICK = grid(REAL_PRESETS, "quick")


def _config(params, device):
    return TrainingConfig(
        lr=params["lr"], weight_decay=params["weight_decay"], max_epochs=params["max_epochs"],
        batch_size=params["batch_size"], metrics=params["metrics"], topk=params["topk"],
        alignment_samples=check_int(params["alignment_samples"], "alignment_samples", 4),
        device=device, reference_epochs=params["reference_epochs"],
        reference_depth=params["reference_depth"])


# ------------------------------------------------------------------------------------ cells
def _train(modality, encoder, depth, epochs, seed, data, split, config):
    """Unimodal classifiers, one per candidate of the lr x weight-decay grid, each trained on the
    training split and scored on the validation and test splits; ``[(model, stats)]`` in grid
    order, ``stats["selected"]`` marking the best validation accuracy."""
    from ..estimators import UnimodalClassifier
    from ._training import fit_candidates

    estimator = UnimodalClassifier(modality, encoder=encoder, encoder__depth=depth,
                                   max_epochs=epochs, batch_size=config.batch_size,
                                   device=config.device, random_state=seed)
    grid = {"lr": list(config.lr), "optimizer__weight_decay": list(config.weight_decay)}
    train, val, test = split
    candidates, best = fit_candidates(estimator, grid, data.X, data.y, train, val)
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


def _align(layers_a, layers_b, config):
    """Layer x layer alignment of two lists of representations for every metric."""
    from ..metrics import get_metric, layerwise_alignment
    from ..metrics._registry import metric_accepts

    out = {}
    for metric in config.metrics:
        params = {"topk": config.topk} if metric_accepts(metric, "topk") else {}
        result = layerwise_alignment(layers_a, layers_b, metric=get_metric(metric, **params))
        out[metric] = {"max": result.max, "last": float(result.scores[-1, -1]),
                       "scores": result.scores.tolist()}
    return out


def _alignment_layers(model, modality, data, split, config):
    """The model's representations after every layer, on the first test samples."""
    return model.embed_layers(data.X[split[2][: config.alignment_samples]])[modality]


def _reference_cell(cell, data, split, encoder, config):
    """First stage: the reference model of ``cell["modality"]``; its test statistics and its
    layers on the alignment samples (float32 values, which JSON stores exactly)."""
    modality = cell["modality"]
    trained = _train(modality, encoder, config.reference_depth, config.reference_epochs,
                     cell["seed"], data, split, config)
    model, stats = next(pair for pair in trained if pair[1]["selected"])
    layers = _alignment_layers(model, modality, data, split, config)
    return {"stats": stats, "layers": [h.tolist() for h in layers]}


#: The cell keys that are columns of the study's table.
_ROW_KEYS = ("r", "uniqueness", "depth", "dataset", "modality_a", "modality_b", "encoder_depth",
             "seed")


def _model_cell(cell, data, split, encoder, reference, config):
    """Second stage: the models of ``cell["modality"]`` of the cell's encoder depth, one per
    candidate of the validation grid, each compared layer by layer with the reference;
    ``{"rows": [...], "layers": [...]}``, one entry per candidate."""
    modality = cell["modality"]
    trained = _train(modality, encoder, cell["encoder_depth"], config.max_epochs, cell["seed"],
                     data, split, config)
    keys = {k: cell[k] for k in _ROW_KEYS if k in cell}
    ref = reference["stats"]
    rows, layers, layers_a = [], [], None
    for model, stats in trained:
        layers_b = _alignment_layers(model, modality, data, split, config)
        if layers_a is None:
            layers_a = [np.asarray(h, dtype=layers_b[0].dtype) for h in reference["layers"]]
        alignment = _align(layers_a, layers_b, config)
        row = dict(keys, lr_b=stats["lr"], weight_decay_b=stats["weight_decay"],
                   selected=stats["selected"], val_acc_b=stats["val_accuracy"],
                   acc_b=stats["accuracy"], acc_a=ref["accuracy"], lr_a=ref["lr"],
                   weight_decay_a=ref["weight_decay"])
        for m in config.metrics:
            row[f"align_{m}"] = alignment[m]["max"]
            row[f"align_{m}_last"] = alignment[m]["last"]
        rows.append(row)
        layers.append({m: alignment[m]["scores"] for m in config.metrics})
    return {"rows": rows, "layers": layers}


# ------------------------------------------------------------------------------------ plans
def _key(cell):
    return json.dumps(cell, sort_keys=True)


def _two_stages(models, reference_of, inputs, config):
    """The reference models, then the models compared with them; the table from the second."""
    references = list({_key(c): c for c in map(reference_of, models)}.values())

    def model_inputs(cell, done):
        by_key = {_key(c): r for c, r in zip(references, done["references"])}
        return (*inputs(cell), by_key[_key(reference_of(cell))])

    def table(done):
        results = done["models"]
        return (StudyTable([row for result in results for row in result["rows"]]),
                [m for result in results for m in result["layers"]])

    return Plan(
        stages=(
            Stage("references", references, functools.partial(_reference_cell, config=config),
                  inputs=lambda cell, done: inputs(cell)),
            Stage("models", models, functools.partial(_model_cell, config=config),
                  inputs=model_inputs),
        ),
        table=table,
    )


def _synthetic_plan(params, random_state, device, **run):
    config = _config(params, device)
    rs = check_values(params["n_redundant"], "n_redundant", lambda v, n: check_int(v, n, 0))
    depths = check_values(params["depths"], "depths", lambda v, n: check_int(v, n, -1))
    encoder_depths = check_values(params["encoder_depths"], "encoder_depths",
                                  lambda v, n: check_int(v, n, 1))
    seeds = check_seed_list(params["seeds"])
    heterogeneity = check_option(params["heterogeneity"], "heterogeneity", ("one", "both"))
    temperature = check_real(params["temperature"], "temperature", 0, low_inclusive=False)
    n_samples = check_int(params["n_samples"], "n_samples", 64)
    data_key = dict(study="emergence", n_samples=n_samples, heterogeneity=heterogeneity,
                    temperature=temperature, random_state=random_state, **config.key())
    models = [
        dict(data_key, r=r, uniqueness=_N_LABEL_BITS - r, depth=depth, encoder_depth=enc_depth,
             seed=seed, modality="x2")
        for r in rs for depth in depths for seed in seeds for enc_depth in encoder_depths
    ]

    def reference_of(cell):
        # x1 (and y, and the split) are the same at every depth unless both modalities are
        # transformed: one reference model serves all depths
        ref = dict(data_key, stage="reference", modality="x1", r=cell["r"], seed=cell["seed"])
        return dict(ref, depth=cell["depth"]) if heterogeneity == "both" else ref

    @functools.lru_cache(maxsize=8)
    def dataset(r, depth):
        from ..datasets import make_redundancy_dataset
        from ._training import split_indices

        data = make_redundancy_dataset(r, depth, n_samples=n_samples, temperature=temperature,
                                       heterogeneity=heterogeneity, random_state=random_state)
        return data, split_indices(data.y, random_state)

    def inputs(cell):
        # the reference of every depth sees the same x1: any depth's dataset serves it
        return (*dataset(cell["r"], cell.get("depth", depths[0])), "mlp")

    return _two_stages(models, reference_of, inputs, config)


def _real_plan(dataset, params, random_state, device, **run):
    config = _config(params, device)
    encoder_depths = check_values(params["encoder_depths"], "encoder_depths",
                                  lambda v, n: check_int(v, n, 1))
    seeds = check_seed_list(params["seeds"])
    spec, data = load_real_dataset(dataset, params["data_home"], n_labelled=params["n_labelled"],
                                   random_state=random_state)
    pairs = check_pairs(params["pairs"], spec.modalities)
    split = (data.train, data.val, data.test)
    data_key = dict(study="emergence", dataset=dataset, n_labelled=params["n_labelled"],
                    n_rows=[len(s) for s in split], random_state=random_state, **config.key())
    models = [
        dict(data_key, modality_a=a, modality_b=b, encoder_depth=enc_depth, seed=seed, modality=b)
        for a, b in pairs for seed in seeds for enc_depth in encoder_depths
    ]

    def reference_of(cell):
        return dict(data_key, stage="reference", modality=cell["modality_a"], seed=cell["seed"])

    return _two_stages(models, reference_of,
                       lambda cell: (data, split, spec.encoders[cell["modality"]]), config)


EMERGENCE_STUDY = Study(
    name="emergence",
    help="When does alignment emerge between independently trained unimodal encoders? "
         "(Tjandrasuwita et al., ICML 2025)",
    sources={
        "synthetic": Source("synthetic", "the redundancy x heterogeneity grid of "
                            "make_redundancy_dataset", SYNTHETIC_PRESETS, _synthetic_plan),
        **{name: Source(name, f"{name} under --data-home (every modality pair)", REAL_PRESETS,
                        functools.partial(_real_plan, name), data=_REAL_DATA)
           for name in REAL_DATASETS},
    },
    summarize=summarize_emergence_any,
    report=emergence_report,
    figures=emergence_figures,
    outputs=("emergence.csv", "emergence.json", "summary.md", "summary.json", "layerwise.json",
             "alignment_vs_uniqueness.png", "alignment_vs_heterogeneity.png",
             "alignment_vs_performance.png", "layerwise_heatmap.png", "cache/"),
)


# ------------------------------------------------------------------------ the public functions
def emergence_study(*args, return_layers=False, **params):
    """Alignment between independently trained unimodal encoders on the synthetic redundancy grid.

    For every number r of redundant label bits and every heterogeneity depth (the random MLP that
    transforms modality x2, see :func:`~mmalign_sk.datasets.make_redundancy_dataset`), a
    classifier of x1 (the *reference*: an MLP of depth ``reference_depth``, trained
    ``reference_epochs``) and classifiers of x2 with MLP encoders of each depth in
    ``encoder_depths`` (trained ``max_epochs``) are trained on the 70% training split, one per
    candidate of the learning-rate x weight-decay grid; the candidate with the best accuracy on
    the 15% validation split is the *selected* model (for the reference, the only one kept);
    accuracies are measured on the 15% test split. Every candidate of x2 is a row: a fitted model
    with a test accuracy and an alignment, so that whether alignment predicts performance can be
    asked across the models of one dataset (see :func:`summarize_emergence`). The alignment of
    two models is the maximum over layer pairs of the metric between their hidden
    representations of the first ``alignment_samples`` test samples.

    This is ``run_study(STUDIES["emergence"], "full", "synthetic", **params)``: every parameter
    defaults to the full preset, ``SYNTHETIC_PRESETS["full"]`` (the paper's values, tagged, and
    ours where it is silent; ``mmalign reproduce emergence --help`` lists them);
    ``EMERGENCE_QUICK`` runs in minutes on a laptop CPU.

    Parameters
    ----------
    n_redundant, depths, encoder_depths : sequence of int
        Redundant label bits r (uniqueness is ``8 - r``), heterogeneity depths of x2's
        transform (-1 = none) and depths of the x2 encoders; also the positional arguments.
    seeds : int or sequence of int
        Training seeds; an int n means ``range(n)``.
    n_samples, max_epochs, reference_epochs, reference_depth, batch_size : int
    lr, weight_decay : sequence of float
        The validation grid (AdamW); every candidate of x2 is trained, scored and kept.
    metrics : sequence of str
        Alignment metrics (names of :func:`~mmalign_sk.metrics.list_metrics`).
    topk, alignment_samples : int
        Neighbourhood size of the kNN metrics; test samples the alignment is measured on.
    heterogeneity : {"one", "both"}
        Transform x2 only, or both modalities (then the reference is retrained at every depth).
    temperature : float
        The generator's softmax temperature.
    device, n_jobs, cache_dir, progress, random_state
        As in :func:`run_study` (``random_state`` seeds the data and the split).
    return_layers : bool, default=False
        Also return ``{row index: {metric: layer x layer matrix}}`` (``StudyRun.layers``).

    Returns
    -------
    table : StudyTable
        One row per x2 model (r, depth, encoder depth, seed, candidate): ``r``, ``uniqueness``,
        ``depth``, ``encoder_depth``, ``seed``, the candidate's ``lr_b`` and ``weight_decay_b``,
        ``selected`` (best validation accuracy among the candidates of its encoder depth and
        seed), ``val_acc_b`` and ``acc_b`` (validation and test accuracy), the reference's
        ``acc_a``, ``lr_a`` and ``weight_decay_a``, and per metric ``align_<metric>`` (maximum
        over layer pairs) and ``align_<metric>_last`` (last layers).
    layers : dict, only with ``return_layers``

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
    named = positional(("n_redundant", "depths", "encoder_depths"), args)
    run = run_study(EMERGENCE_STUDY, "full", "synthetic", **named, **params)
    return (run.table, dict(enumerate(run.layers))) if return_layers else run.table


def emergence_study_real(dataset, *, return_layers=False, **params):
    """The emergence study on a real dataset whose files are under ``data_home``.

    For every pair (a, b) of the dataset's modalities, a classifier of a (the reference, depth
    ``reference_depth``) and classifiers of b with encoders of each depth in ``encoder_depths``
    are trained on the official training split, one per candidate of the validation grid, scored
    on the test split and compared layer by layer on the first ``alignment_samples`` test
    samples; every candidate of b is a row, so :func:`summarize_emergence_real` correlates
    alignment and accuracy across the models of each modality pair. Affect datasets (MOSI,
    MOSEI, MUStARD, UR-FUNNY) use Transformer encoders and their binary task, AV-MNIST small
    CNNs (see :data:`~mmalign_sk.experiments.REAL_DATASETS`). This is
    ``run_study(STUDIES["emergence"], "full", dataset, **params)`` (presets ``REAL_PRESETS``).

    Parameters
    ----------
    dataset : {"mosi", "mosei", "mustard", "urfunny", "avmnist"}
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
        One row per model of modality b (pair, encoder depth, seed, candidate): ``dataset``,
        ``modality_a``, ``modality_b`` and the columns of :func:`emergence_study` but ``r``,
        ``uniqueness`` and ``depth``.
    layers : dict, only with ``return_layers``

    Raises
    ------
    FileNotFoundError
        When the dataset's files are missing (the message names the expected path).

    Examples
    --------
    With MultiBench's ``mosei_senti_data.pkl`` under ``~/mmalign_data/multibench/``:

    >>> from mmalign_sk.experiments import emergence_study_real, EMERGENCE_REAL_QUICK
    >>> table = emergence_study_real("mosei", **EMERGENCE_REAL_QUICK)  # doctest: +SKIP
    """
    if dataset not in REAL_DATASETS:
        raise ValueError(f"dataset must be one of {sorted(REAL_DATASETS)}; got {dataset!r}.")
    run = run_study(EMERGENCE_STUDY, "full", dataset, **params)
    return (run.table, dict(enumerate(run.layers))) if return_layers else run.table
