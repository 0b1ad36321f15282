"""How strongly should alignment be enforced? (Fang, Zhang & Chan 2025)

The study sweeps the weight lambda of the contrastive alignment loss (and its temperature) on
data dominated by redundant, unique or synergistic information, and on real modality pairs; every
model trains to convergence (see :mod:`._training`). One stage: a cell is one (setting or pair,
temperature, seed) and sweeps every weight.
"""

import functools

import numpy as np

from .._checks import check_int, check_real
from ._config import TrainingConfig, check_positive_floats, check_seed_list, check_values
from ._real import REAL_DATASETS, check_pairs, load_real_dataset
from ._strategic_summary import strategic_figures, strategic_report, summarize_strategic
from ._study import Plan, Source, Stage, Study, grid, ours, paper, positional, run_study
from ._table import StudyTable

#: The synthetic settings: name -> arguments of
#: :func:`~mmalign_sk.datasets.make_interaction_dataset`.
#: The synergy setting is synergy-dominated but not pure: the label reads four XORs of the two
#: modalities' unique bits and two redundant bits (exact PID with
#: :func:`~mmalign_sk.datasets.interaction_pid`: R = 0.39, U1 = U2 = 0, S = 1.19 bits), so each
#: modality alone is above chance and can respond to lambda.
STRATEGIC_SETTINGS = {
    "R=0": dict(kind="uniqueness", n_redundant=0),
    "R=2": dict(kind="uniqueness", n_redundant=2),
    "R=4": dict(kind="mixed", n_redundant=4),
    "R=6": dict(kind="redundancy", n_redundant=6),
    "R=8": dict(kind="redundancy", n_redundant=8),
    "synergy": dict(kind="synergy", n_synergistic=4, n_redundant=2),
}

#: The paper's sweep (its settings, its lambda range 0..4 and its 65,536 samples) with our grid
#: points (dense around its optimum 0.4-0.6) and our choices where it is silent: the
#: temperatures, the split (49,152 / 8,192 / 8,192), the learning-rate x weight-decay grid, the
#: patience and the cap on epochs, three seeds (3,240 fits: a GPU job), the network.
SYNTHETIC_PRESETS = {
    "full": dict(
        settings=paper(tuple(STRATEGIC_SETTINGS)),
        alignment_weights=ours((0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 2.0, 4.0)),
        temperatures=ours((0.1, 0.5, 1.0)),
        seeds=ours((0, 1, 2)),
        n_train=ours(49152),
        n_val=ours(8192),
        n_test=ours(8192),
        lr=ours((1e-3, 3e-3, 1e-2)),
        weight_decay=ours((0.0, 1e-2)),
        max_epochs=ours(1000),
        patience=ours(30),
        depth=ours(-1),
        encoder_depth=ours(3),
        batch_size=ours(256),
        projection_width=ours(64),
        metrics=ours(("mutual_knn", "cka", "svcca")),
        topk=ours(10),
        alignment_samples=ours(1024),
    ),
    # scarce data (1,024 training samples, where the effect of alignment on each encoder is
    # easiest to see), one setting per regime and synergy, temperature 0.1, AdamW with learning
    # rate 1e-2 and the weight decay chosen from {1e-2, 1e-1} on validation for every weight (so
    # that independent training gets the regularisation alignment might otherwise be credited
    # with). Every model still trains to convergence: fewer settings and candidates, never fewer
    # steps.
    "quick": dict(
        settings=ours(("R=2", "R=4", "R=8", "synergy")),
        alignment_weights=ours((0.0, 0.2, 0.4, 0.6, 1.0, 2.0)),
        temperatures=ours((0.1,)),
        seeds=ours((0, 1, 2)),
        n_train=ours(1024),
        n_val=ours(1024),
        n_test=ours(4096),
        lr=ours((1e-2,)),
        weight_decay=ours((1e-2, 1e-1)),
        max_epochs=ours(1000),
        patience=ours(25),
    ),
}

#: Where real data are: the user's choice, not a preset's (default: every modality pair).
_REAL_DATA = dict(data_home=None, pairs=None)

#: Real data: every modality pair of the dataset (the paper's), our sweep and training settings.
REAL_PRESETS = {
    "full": dict(
        alignment_weights=SYNTHETIC_PRESETS["full"]["alignment_weights"],
        temperatures=ours((0.1, 0.5, 1.0)),
        seeds=ours((0, 1, 2)),
        lr=ours((1e-4, 1e-3)),
        weight_decay=ours((0.0, 1e-2)),
        max_epochs=ours(200),
        patience=ours(20),
        n_labelled=ours(None),
        encoder_depth=ours(1),
        batch_size=ours(128),
        **{k: SYNTHETIC_PRESETS["full"][k]
           for k in ("projection_width", "metrics", "topk", "alignment_samples")},
    ),
    "quick": dict(
        alignment_weights=SYNTHETIC_PRESETS["quick"]["alignment_weights"],
        temperatures=ours((0.1,)),
        seeds=ours((0,)),
        lr=ours((1e-3,)),
        weight_decay=ours((1e-2,)),
        max_epochs=ours(50),
        patience=ours(10),
        n_labelled=ours(1024),
    ),
}

STRATEGIC_FULL = grid(SYNTHETIC_PRESETS, "full")
STRATEGIC_QUICK = grid(SYNTHETIC_PRESETS, "quick")
STRATEGIC_REAL_FULL = grid(REAL_PRESETS, "full")
STRATEGIC_REAL_QUICK = grid(REAL_PRESETS, "quick")


def _config(params, device):
    return TrainingConfig(
        lr=params["lr"], weight_decay=params["weight_decay"], max_epochs=params["max_epochs"],
        batch_size=check_int(params["batch_size"], "batch_size", 2), metrics=params["metrics"],
        topk=params["topk"], alignment_samples=params["alignment_samples"], device=device,
        patience=params["patience"], encoder_depth=params["encoder_depth"],
        projection_width=params["projection_width"])


def _sweep(params):
    """The checked lambda grid and temperatures, and the seeds."""
    weights = check_positive_floats(params["alignment_weights"], "alignment_weights")
    temperatures = check_values(params["temperatures"], "temperatures",
                                lambda v, n: check_real(v, n, 0, low_inclusive=False))
    return weights, temperatures, check_seed_list(params["seeds"])


# ------------------------------------------------------------------------------------ cells
def _alignment_scorers(modalities, config):
    """Alignment of the two encoders, maximum over their layer pairs, per metric."""
    from ..metrics import make_alignment_scorer
    from ..metrics._registry import metric_accepts

    scorers = {}
    for metric in config.metrics:
        params = {"topk": config.topk} if metric_accepts(metric, "topk") else {}
        scorers[f"align_{metric}"] = make_alignment_scorer(
            metric, modalities=tuple(modalities), layers="max", **params
        )
    return scorers


def _weight_rows(X, y, split, modalities, encoders, seed, temperature, weights, config):
    """One row per alignment weight: the converged, validation-selected model's test scores."""
    from sklearn.metrics import accuracy_score

    from ..estimators import AlignedContrastiveClassifier
    from ._training import fit_converged

    train, val, test = split
    a, b = modalities
    X_test, y_test = X[test], y[test]
    X_align = X[test[: config.alignment_samples]]
    scorers = _alignment_scorers(modalities, config)
    grid = {"lr": list(config.lr), "optimizer__weight_decay": list(config.weight_decay)}
    rows = []
    for weight in weights:
        estimator = AlignedContrastiveClassifier(
            modalities=tuple(modalities), encoder=encoders, encoder__depth=config.encoder_depth,
            alignment_weight=weight, temperature=temperature,
            projection_width=config.projection_width, max_epochs=config.max_epochs,
            batch_size=config.batch_size, device=config.device, random_state=seed)
        model, info = fit_converged(estimator, X, y, train, val, grid, config.patience)
        acc_a = accuracy_score(y_test, model.predict(X_test, modality=a))
        acc_b = accuracy_score(y_test, model.predict(X_test, modality=b))
        row = {"alignment_weight": weight, "acc_a": float(acc_a), "acc_b": float(acc_b),
               "acc_unimodal": float((acc_a + acc_b) / 2),
               "acc": float(accuracy_score(y_test, model.predict(X_test))),
               "valid_loss": info["valid_loss"], "valid_acc": info["valid_acc"],
               "lr": float(info["params"]["lr"]),
               "weight_decay": float(info["params"]["optimizer__weight_decay"]),
               **{k: info[k] for k in ("epochs", "best_epoch", "stopped")}}
        row.update({name: float(scorer(model, X_align)) for name, scorer in scorers.items()})
        rows.append(row)
    return rows


def _synthetic_cell(cell, config):
    """One (setting, temperature, seed): draw the seed's sample, then sweep the weights."""
    from ..datasets import make_interaction_dataset
    from ..estimators._seeding import derive_seed

    sizes = (cell["n_train"], cell["n_val"], cell["n_test"])
    data = make_interaction_dataset(
        **cell["params"],
        depth=cell["depth"],
        n_samples=sum(sizes),
        random_state=derive_seed(cell["random_state"], "strategic data", cell["seed"]) % 2**32,
    )
    kind = data.params["kind"]
    head = dict(setting=cell["setting"], kind=kind,
                r=None if kind == "synergy" else data.params["n_redundant"],
                temperature=cell["temperature"], seed=cell["seed"])
    info = {k: float(data.info[k]) for k in ("mi_x1_y", "mi_x2_y", "mi_x1x2_y")}
    # the draws are i.i.d., so the training, validation and test rows are in order
    edges = np.cumsum([0, *sizes])
    split = tuple(np.arange(edges[i], edges[i + 1]) for i in range(3))
    rows = _weight_rows(data.X, data.y, split, ("x1", "x2"), "mlp", cell["seed"],
                        cell["temperature"], cell["alignment_weights"], config)
    return [{**head, **row, **info} for row in rows]


def _real_cell(cell, X, y, split, encoders, config):
    """One (modality pair, temperature, seed) of a real dataset."""
    a, b = cell["pair"]
    head = dict(setting=f"{a}-{b}", modality_a=a, modality_b=b,
                temperature=cell["temperature"], seed=cell["seed"])
    rows = _weight_rows(X, y, split, (a, b), encoders, cell["seed"], cell["temperature"],
                        cell["alignment_weights"], config)
    return [{**head, **row} for row in rows]


# ------------------------------------------------------------------------------------ plans
def _check_settings(settings):
    if isinstance(settings, dict):
        return dict(settings)
    names = check_values(settings, "settings", lambda v, n: v)
    unknown = [s for s in names if s not in STRATEGIC_SETTINGS]
    if unknown:
        raise ValueError(
            f"unknown settings {unknown}; known settings are {list(STRATEGIC_SETTINGS)}."
        )
    return {s: STRATEGIC_SETTINGS[s] for s in names}


def _one_stage(cells, compute, inputs=None):
    return Plan(stages=(Stage("sweeps", cells, compute, inputs=inputs),),
                table=lambda done: (StudyTable([r for rows in done["sweeps"] for r in rows]),
                                    None))


def _synthetic_plan(params, random_state, device, **run):
    config = _config(params, device)
    named = _check_settings(params["settings"])
    weights, temperatures, seeds = _sweep(params)
    sizes = {k: check_int(params[k], k, 2) for k in ("n_train", "n_val", "n_test")}
    cells = [
        dict(study="strategic", setting=name, params=setting, depth=params["depth"], **sizes,
             random_state=random_state, temperature=temperature, seed=seed,
             alignment_weights=weights, **config.key())
        for name, setting in named.items() for temperature in temperatures for seed in seeds
    ]
    return _one_stage(cells, functools.partial(_synthetic_cell, config=config))


def _real_plan(dataset, params, random_state, device, **run):
    config = _config(params, device)
    weights, temperatures, seeds = _sweep(params)
    spec, data = load_real_dataset(dataset, params["data_home"], n_labelled=params["n_labelled"],
                                   random_state=random_state)
    pairs = check_pairs(params["pairs"], spec.modalities)
    split = (np.asarray(data.train), np.asarray(data.val), np.asarray(data.test))
    cells = [
        dict(study="strategic", dataset=dataset, pair=[a, b], n_labelled=params["n_labelled"],
             n_rows=[len(part) for part in split], random_state=random_state,
             temperature=temperature, seed=seed, alignment_weights=weights, **config.key())
        for a, b in pairs for temperature in temperatures for seed in seeds
    ]
    return _one_stage(
        cells, functools.partial(_real_cell, config=config),
        inputs=lambda cell, done: (data.X, data.y, split,
                                   {m: spec.encoders[m] for m in cell["pair"]}))


STRATEGIC_STUDY = Study(
    name="strategic",
    help="How strongly should alignment be enforced? Accuracy and alignment against the "
         "alignment weight lambda (Fang, Zhang & Chan 2025)",
    sources={
        "synthetic": Source("synthetic", "redundancy-, uniqueness- and synergy-dominated "
                            "settings of make_interaction_dataset", SYNTHETIC_PRESETS,
                            _synthetic_plan),
        **{name: Source(name, f"{name} under --data-home (every modality pair)", REAL_PRESETS,
                        functools.partial(_real_plan, name), data=_REAL_DATA)
           for name in REAL_DATASETS},
    },
    summarize=summarize_strategic,
    report=strategic_report,
    figures=strategic_figures,
    outputs=("strategic.csv", "strategic.json", "summary.md", "summary.json",
             "accuracy_and_alignment_vs_weight[_T<temperature>].png", "temperature_effect.png",
             "cache/"),
)


# ------------------------------------------------------------------------ the public functions
def strategic_alignment_study(*args, **params):
    """Unimodal accuracy and alignment against the alignment weight, per information structure.

    For every synthetic setting (r redundant label bits of 8, or a synergy-dominated label; see
    :data:`STRATEGIC_SETTINGS` and :func:`~mmalign_sk.datasets.make_interaction_dataset`), every
    temperature and every seed, one sample of ``n_train + n_val + n_test`` rows is drawn (its
    own per seed) and, for every weight lambda of ``alignment_weights``,
    :class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` (MLP encoders of width 12,
    loss = both modalities' cross-entropy + lambda x symmetric InfoNCE, AdamW) is trained to
    convergence: early stopping when the mean of the two modalities' own validation
    cross-entropies has not improved for ``patience`` epochs, the best epoch's weights restored,
    for every learning rate x weight decay of ``lr`` x ``weight_decay``; the candidate with the
    lowest validation loss is kept. lambda = 0 (independent training) gets exactly the same
    selection. Each kept model is scored on the test rows: each modality's own accuracy
    (``acc_a`` for x1, ``acc_b`` for x2), the fused prediction (``acc``) and the alignment of the
    two encoders (maximum over their layer pairs) on the first ``alignment_samples`` test rows.

    This is ``run_study(STUDIES["strategic"], "full", "synthetic", **params)``: every parameter
    defaults to the full preset, ``SYNTHETIC_PRESETS["full"]`` (the paper's sweep, and ours where
    it is silent; ``mmalign reproduce strategic --help`` lists them); ``STRATEGIC_QUICK`` is
    a reduced one.

    Parameters
    ----------
    settings : sequence of str or dict
        Names of :data:`STRATEGIC_SETTINGS`, or ``{name: make_interaction_dataset arguments}``;
        also the first positional argument.
    alignment_weights : sequence of float
        The lambda grid (>= 0; 0 is independent training); second positional.
    temperatures : sequence of float
        InfoNCE temperatures (> 0).
    seeds : int or sequence of int
        Replicates: each draws its own sample and initialises the networks.
    n_train, n_val, n_test : int
        Rows of the training, validation (early stopping and selection) and test parts.
    lr, weight_decay : sequence of float
        AdamW's learning rates and weight decays to choose from on the validation rows.
    max_epochs, patience : int
        The cap on the epochs of one fit (the table says which fits it ended, ``stopped``), and
        the epochs without improvement of the validation loss before training stops.
    depth : int
        Heterogeneity transform of x2 (-1: none).
    encoder_depth, batch_size, projection_width, topk, alignment_samples : int
    metrics : sequence of str
    device, n_jobs, cache_dir, progress, random_state
        As in :func:`run_study` (``random_state`` and the seed seed each sample of data).

    Returns
    -------
    StudyTable
        One row per (setting, temperature, seed, alignment_weight): ``setting``, ``kind``, ``r``
        (None for synergy), ``temperature``, ``seed``, ``alignment_weight``, test ``acc_a``,
        ``acc_b``, their mean ``acc_unimodal``, fused ``acc``, ``align_<metric>``, how the model
        was chosen (``valid_loss``, ``valid_acc``, ``lr``, ``weight_decay``, ``epochs``,
        ``best_epoch``, ``stopped``: "patience" or "max_epochs") and the setting's exact
        information ``mi_x1_y``, ``mi_x2_y``, ``mi_x1x2_y`` (bits).

    See Also
    --------
    summarize_strategic : lambda* per setting and temperature, paired gains, the findings.

    Examples
    --------
    >>> from mmalign_sk.experiments import strategic_alignment_study
    >>> table = strategic_alignment_study(["R=8"], [0, 2], temperatures=[0.1], seeds=1,
    ...                                   n_train=512, n_val=256, n_test=512, lr=[1e-2],
    ...                                   weight_decay=[0.01], max_epochs=20, patience=5,
    ...                                   metrics=["mutual_knn"], progress=False, device="cpu")
    >>> table["alignment_weight"].tolist()
    [0.0, 2.0]
    >>> bool(table["align_mutual_knn"][1] > table["align_mutual_knn"][0])
    True
    """
    named = positional(("settings", "alignment_weights"), args)
    return run_study(STRATEGIC_STUDY, "full", "synthetic", **named, **params).table


def strategic_alignment_study_real(dataset, *args, **params):
    """The alignment-weight sweep on a real dataset whose files are under ``data_home``.

    For every modality pair, temperature, seed and weight,
    :class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` is trained on the official
    training split to convergence with early stopping (and learning rate x weight decay chosen)
    on the validation split, as in :func:`strategic_alignment_study`, and scored on the test
    split: each modality's own accuracy, the fused accuracy and the alignment. Encoders as in
    :func:`~mmalign_sk.experiments.emergence_study_real`. This is
    ``run_study(STUDIES["strategic"], "full", dataset, ...)`` (presets ``REAL_PRESETS``).

    Parameters
    ----------
    dataset : {"mosi", "mosei", "mustard", "urfunny", "avmnist"}
    data_home : str or path-like, optional
    pairs : sequence of (str, str), optional
        Modality pairs; default every pair.
    n_labelled : int, optional
        At most this many samples per split (affect datasets).
    alignment_weights, temperatures, seeds, lr, weight_decay, max_epochs, patience, \
encoder_depth, batch_size, projection_width, metrics, topk, alignment_samples, device, n_jobs, \
cache_dir, progress, random_state
        As in :func:`strategic_alignment_study` (the seeds initialise the networks only);
        ``alignment_weights`` is also the second positional argument.

    Returns
    -------
    StudyTable
        One row per (pair, temperature, seed, alignment_weight): ``setting`` ("a-b"),
        ``modality_a``, ``modality_b`` and the columns of :func:`strategic_alignment_study`.

    Examples
    --------
    With MultiBench's ``mosei_senti_data.pkl`` under ``~/mmalign_data/multibench/``:

    >>> from mmalign_sk.experiments import strategic_alignment_study_real, summarize_strategic
    >>> table = strategic_alignment_study_real("mosei", [0, 0.5, 1],
    ...                                        pairs=[("vision", "text")])  # doctest: +SKIP
    >>> summarize_strategic(table)["by_setting"]["best_weight"]  # doctest: +SKIP
    """
    if dataset not in REAL_DATASETS:
        raise ValueError(f"dataset must be one of {sorted(REAL_DATASETS)}; got {dataset!r}.")
    named = positional(("alignment_weights",), args)
    return run_study(STRATEGIC_STUDY, "full", dataset, **named, **params).table
