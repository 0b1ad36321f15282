"""How strongly should alignment be enforced? (Fang, Zhang & Chan 2025)

The study sweeps the weight lambda of the contrastive alignment loss of
:class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` (and its temperature) on data
dominated by redundant, unique or synergistic information, trains every model to convergence
(early stopping on a validation split, best weights restored, learning rate and weight decay
chosen on that split for every weight alike; see :mod:`._convergence`), and records each
modality's own test accuracy and the alignment of the two encoders. The summary compares every
weight with independent training (lambda = 0) by paired differences over seeds.
"""

import functools

import numpy as np
from sklearn.metrics import accuracy_score

from .._checks import check_int, check_real
from ..datasets import make_interaction_dataset
from ..estimators import AlignedContrastiveClassifier
from ..estimators._seeding import derive_seed
from ..metrics import make_alignment_scorer
from ..metrics._registry import metric_accepts
from ._common import (
    cache_settings,
    check_positive_floats,
    check_seed_list,
    check_values,
    nan_min,
    paired_difference,
    spearman,
)
from ._convergence import fit_converged
from ._emergence import _check_metrics, _check_pairs
from ._real import load_real_dataset
from ._runner import run_cells
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

#: The paper's sweep: its settings, its lambda range 0..4 (our grid points, dense around its
#: optimum 0.4-0.6) and its 65,536 samples; temperature swept over 0.1, 0.5, 1.0 (the paper does
#: not state its own). Our choices where it is silent: the split (49,152 / 8,192 / 8,192), the
#: learning-rate x weight-decay grid, the patience and the cap on epochs, three seeds (6 settings x
#: 3 temperatures x 3 seeds x 10 weights x 6 candidates = 3,240 fits: a GPU job).
STRATEGIC_FULL = dict(
    settings=tuple(STRATEGIC_SETTINGS),
    alignment_weights=(0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 2.0, 4.0),
    temperatures=(0.1, 0.5, 1.0),
    seeds=(0, 1, 2),
    n_train=49152,
    n_val=8192,
    n_test=8192,
    lr=(1e-3, 3e-3, 1e-2),
    weight_decay=(0.0, 1e-2),
    max_epochs=1000,
    patience=30,
)

#: A reduced sweep that runs in a few minutes on a 2-core CPU: scarce data (1,024 training
#: samples, where the effect of alignment on each encoder is easiest to see), the settings
#: R = 2, 4, 8 (one per regime) and synergy, temperature 0.1, three seeds, AdamW with learning
#: rate 1e-2 and the weight decay chosen from {1e-2, 1e-1} on validation for every weight (so
#: that independent training gets the regularisation alignment might otherwise be credited
#: with). Every model still trains to convergence: fewer settings and candidates, never fewer
#: steps.
STRATEGIC_QUICK = dict(
    settings=("R=2", "R=4", "R=8", "synergy"),
    alignment_weights=(0.0, 0.2, 0.4, 0.6, 1.0, 2.0),
    temperatures=(0.1,),
    seeds=(0, 1, 2),
    n_train=1024,
    n_val=1024,
    n_test=4096,
    lr=(1e-2,),
    weight_decay=(1e-2, 1e-1),
    max_epochs=1000,
    patience=25,
)


def _settings(alignment_weights, lr, weight_decay, max_epochs, patience, metrics, topk,
              encoder_depth, batch_size, projection_width, alignment_samples, device):
    return dict(
        alignment_weights=check_positive_floats(alignment_weights, "alignment_weights"),
        lr=check_positive_floats(lr, "lr", allow_zero=False),
        weight_decay=check_positive_floats(weight_decay, "weight_decay"),
        max_epochs=check_int(max_epochs, "max_epochs", 1),
        patience=check_int(patience, "patience", 1),
        metrics=_check_metrics(metrics),
        topk=check_int(topk, "topk", 1),
        encoder_depth=check_int(encoder_depth, "encoder_depth", 1),
        batch_size=check_int(batch_size, "batch_size", 2),
        projection_width=check_int(projection_width, "projection_width", 1),
        alignment_samples=check_int(alignment_samples, "alignment_samples", 2),
        device=device,
    )


def _check_temperatures(temperatures):
    return check_values(
        temperatures, "temperatures",
        lambda v, n: check_real(v, n, 0, low_inclusive=False),
    )


def _alignment_scorers(modalities, metrics, topk):
    """Alignment of the two encoders, maximum over their layer pairs, per metric."""
    scorers = {}
    for metric in metrics:
        params = {"topk": topk} if metric_accepts(metric, "topk") else {}
        scorers[f"align_{metric}"] = make_alignment_scorer(
            metric, modalities=tuple(modalities), layers="max", **params
        )
    return scorers


def _weight_rows(X, y, split, modalities, encoders, seed, temperature, config):
    """One row per alignment weight: the converged, validation-selected model's test scores."""
    train, val, test = split
    a, b = modalities
    X_test, y_test = X[test], y[test]
    X_align = X[test[: config["alignment_samples"]]]
    scorers = _alignment_scorers(modalities, config["metrics"], config["topk"])
    grid = {"lr": config["lr"], "optimizer__weight_decay": config["weight_decay"]}
    rows = []
    for weight in config["alignment_weights"]:
        estimator = AlignedContrastiveClassifier(
            modalities=tuple(modalities),
            encoder=encoders,
            encoder__depth=config["encoder_depth"],
            alignment_weight=weight,
            temperature=temperature,
            projection_width=config["projection_width"],
            max_epochs=config["max_epochs"],
            batch_size=config["batch_size"],
            device=config["device"],
            random_state=seed,
        )
        model, info = fit_converged(estimator, X, y, train, val, grid, config["patience"])
        acc_a = accuracy_score(y_test, model.predict(X_test, modality=a))
        acc_b = accuracy_score(y_test, model.predict(X_test, modality=b))
        row = {
            "alignment_weight": weight,
            "acc_a": float(acc_a),
            "acc_b": float(acc_b),
            "acc_unimodal": float((acc_a + acc_b) / 2),
            "acc": float(accuracy_score(y_test, model.predict(X_test))),
            "valid_loss": info["valid_loss"],
            "valid_acc": info["valid_acc"],
            "lr": float(info["params"]["lr"]),
            "weight_decay": float(info["params"]["optimizer__weight_decay"]),
            "epochs": info["epochs"],
            "best_epoch": info["best_epoch"],
            "stopped": info["stopped"],
        }
        row.update({name: float(scorer(model, X_align)) for name, scorer in scorers.items()})
        rows.append(row)
    return rows


def _split(n_train, n_val, n_test):
    """Rows of the training, validation and test parts (the draws are i.i.d., so in order)."""
    edges = np.cumsum([0, n_train, n_val, n_test])
    return tuple(np.arange(edges[i], edges[i + 1]) for i in range(3))


def strategic_alignment_study(
    settings=STRATEGIC_FULL["settings"],
    alignment_weights=STRATEGIC_FULL["alignment_weights"],
    *,
    temperatures=STRATEGIC_FULL["temperatures"],
    seeds=STRATEGIC_FULL["seeds"],
    n_train=STRATEGIC_FULL["n_train"],
    n_val=STRATEGIC_FULL["n_val"],
    n_test=STRATEGIC_FULL["n_test"],
    lr=STRATEGIC_FULL["lr"],
    weight_decay=STRATEGIC_FULL["weight_decay"],
    max_epochs=STRATEGIC_FULL["max_epochs"],
    patience=STRATEGIC_FULL["patience"],
    depth=-1,
    encoder_depth=3,
    batch_size=256,
    projection_width=64,
    metrics=("mutual_knn", "cka", "svcca"),
    topk=10,
    alignment_samples=1024,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
):
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

    The defaults are the paper's sweep (``STRATEGIC_FULL``); ``STRATEGIC_QUICK`` is a reduced
    one. Our choices where the paper is silent: ``encoder_depth=3``, ``batch_size=256`` (also the
    InfoNCE negatives), ``projection_width=64``, the temperatures, the split, the selection grid,
    ``patience`` and the cap ``max_epochs``.

    Parameters
    ----------
    settings : sequence of str or dict, default=all of STRATEGIC_SETTINGS
        Setting names, or a dict ``{name: make_interaction_dataset arguments}``.
    alignment_weights : sequence of float
        The lambda grid (>= 0; 0 is independent training).
    temperatures : sequence of float, default=(0.1, 0.5, 1.0)
        InfoNCE temperatures (> 0).
    seeds : int or sequence of int, default=(0, 1, 2)
        Replicates: each seed draws its own sample of the setting and initialises the networks;
        an int n means ``range(n)``.
    n_train, n_val, n_test : int
        Rows of the training, validation (early stopping and selection) and test parts.
    lr, weight_decay : sequence of float
        AdamW's learning rates and weight decays to choose from on the validation rows.
    max_epochs : int, default=1000
        Cap on the epochs of one fit; the table says which fits it ended (``stopped``).
    patience : int, default=30
        Epochs without improvement of the validation loss before training stops.
    depth : int, default=-1
        Heterogeneity transform of x2 (-1: none).
    encoder_depth : int, default=3
    batch_size : int, default=256
    projection_width : int, default=64
    metrics : sequence of str, default=("mutual_knn", "cka", "svcca")
    topk : int, default=10
    alignment_samples : int, default=1024
    device : str, default="auto"
    n_jobs : int, optional
        (setting, temperature, seed) cells run at once, each on one thread (joblib; ``-1``:
        every core; a dask backend works too). The results do not depend on it.
    cache_dir : str or Path, optional
        Each finished cell is stored here and skipped when run again.
    progress : bool, default=True
    random_state : int, default=0
        With the seed, seeds each sample of data.

    Returns
    -------
    StudyTable
        One row per (setting, temperature, seed, alignment_weight): ``setting``, ``kind``, ``r``
        (None for synergy), ``temperature``, ``seed``, ``alignment_weight``, test ``acc_a``,
        ``acc_b``, their mean ``acc_unimodal``, fused ``acc``, ``align_<metric>``, and how the
        model was chosen: ``valid_loss``, ``valid_acc``, ``lr``, ``weight_decay``, ``epochs``,
        ``best_epoch``,
        ``stopped`` ("patience" or "max_epochs"); and the exact information of the setting,
        ``mi_x1_y``, ``mi_x2_y``, ``mi_x1x2_y`` (bits).

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
    config = _settings(alignment_weights, lr, weight_decay, max_epochs, patience, metrics, topk,
                       encoder_depth, batch_size, projection_width, alignment_samples, device)
    named = _check_settings(settings)
    temperature_list = _check_temperatures(temperatures)
    seed_list = check_seed_list(seeds)
    sizes = dict(n_train=check_int(n_train, "n_train", 2), n_val=check_int(n_val, "n_val", 2),
                 n_test=check_int(n_test, "n_test", 2))
    check_int(random_state, "random_state", 0)
    cells = [
        dict(
            study="strategic",
            setting=name,
            params=params,
            depth=depth,
            **sizes,
            random_state=random_state,
            temperature=temperature,
            seed=seed,
            **cache_settings(config),
        )
        for name, params in named.items()
        for temperature in temperature_list
        for seed in seed_list
    ]
    results = run_cells(
        cells,
        functools.partial(_synthetic_cell, config=config),
        cache=cache_dir,
        n_jobs=n_jobs,
        progress=progress,
        desc="strategic",
    )
    return StudyTable([row for rows in results for row in rows])


def _synthetic_cell(cell, config):
    """One (setting, temperature, seed): draw the seed's sample, then sweep the weights."""
    sizes = (cell["n_train"], cell["n_val"], cell["n_test"])
    data = make_interaction_dataset(
        **cell["params"],
        depth=cell["depth"],
        n_samples=sum(sizes),
        random_state=derive_seed(cell["random_state"], "strategic data", cell["seed"]) % 2**32,
    )
    kind = data.params["kind"]
    head = dict(
        setting=cell["setting"],
        kind=kind,
        r=None if kind == "synergy" else data.params["n_redundant"],
        temperature=cell["temperature"],
        seed=cell["seed"],
    )
    info = {k: float(data.info[k]) for k in ("mi_x1_y", "mi_x2_y", "mi_x1x2_y")}
    rows = _weight_rows(data.X, data.y, _split(*sizes), ("x1", "x2"), "mlp", cell["seed"],
                        cell["temperature"], config)
    return [{**head, **row, **info} for row in rows]


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


#: Real-data sweeps: the paper's modality pairs are every pair of the dataset.
STRATEGIC_REAL_FULL = dict(
    alignment_weights=STRATEGIC_FULL["alignment_weights"],
    temperatures=(0.1, 0.5, 1.0),
    seeds=(0, 1, 2),
    lr=(1e-4, 1e-3),
    weight_decay=(0.0, 1e-2),
    max_epochs=200,
    patience=20,
    n_labelled=None,
)
STRATEGIC_REAL_QUICK = dict(
    alignment_weights=STRATEGIC_QUICK["alignment_weights"], temperatures=(0.1,), seeds=(0,),
    lr=(1e-3,), weight_decay=(1e-2,), max_epochs=50, patience=10, n_labelled=1024,
)


def strategic_alignment_study_real(
    dataset,
    alignment_weights=STRATEGIC_REAL_FULL["alignment_weights"],
    *,
    data_home=None,
    pairs=None,
    temperatures=STRATEGIC_REAL_FULL["temperatures"],
    seeds=STRATEGIC_REAL_FULL["seeds"],
    lr=STRATEGIC_REAL_FULL["lr"],
    weight_decay=STRATEGIC_REAL_FULL["weight_decay"],
    max_epochs=STRATEGIC_REAL_FULL["max_epochs"],
    patience=STRATEGIC_REAL_FULL["patience"],
    n_labelled=None,
    encoder_depth=1,
    batch_size=128,
    projection_width=64,
    metrics=("mutual_knn", "cka", "svcca"),
    topk=10,
    alignment_samples=1024,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
):
    """The alignment-weight sweep on a real dataset whose files are under ``data_home``.

    For every modality pair, temperature, seed and weight,
    :class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` is trained on the official
    training split to convergence with early stopping (and learning rate x weight decay chosen)
    on the validation split, as in :func:`strategic_alignment_study`, and scored on the test
    split: each modality's own accuracy, the fused accuracy and the alignment. Encoders as in
    :func:`~mmalign_sk.experiments.emergence_study_real`.

    Parameters
    ----------
    dataset : str
        ``"mosi"``, ``"mosei"``, ``"mustard"``, ``"urfunny"`` or ``"avmnist"``.
    alignment_weights, temperatures, seeds, lr, weight_decay, max_epochs, patience, \
encoder_depth, batch_size, projection_width, metrics, topk, alignment_samples, device, n_jobs, \
cache_dir, progress, random_state
        As in :func:`strategic_alignment_study` (the seeds initialise the networks only: the
        data are the dataset's).
    data_home : str or path-like, optional
    pairs : sequence of (str, str), optional
        Modality pairs; default every pair.
    n_labelled : int, optional
        At most this many samples per split (affect datasets).

    Returns
    -------
    StudyTable
        One row per (pair, temperature, seed, alignment_weight): ``setting`` ("a-b"),
        ``modality_a``, ``modality_b``, and the columns of :func:`strategic_alignment_study`
        (test split).

    Examples
    --------
    With MultiBench's ``mosei_senti_data.pkl`` under ``~/mmalign_data/multibench/``:

    >>> from mmalign_sk.experiments import strategic_alignment_study_real, summarize_strategic
    >>> table = strategic_alignment_study_real("mosei", [0, 0.5, 1],
    ...                                        pairs=[("vision", "text")])  # doctest: +SKIP
    >>> summarize_strategic(table)["by_setting"]["best_weight"]  # doctest: +SKIP
    """
    config = _settings(alignment_weights, lr, weight_decay, max_epochs, patience, metrics, topk,
                       encoder_depth, batch_size, projection_width, alignment_samples, device)
    temperature_list = _check_temperatures(temperatures)
    seed_list = check_seed_list(seeds)
    check_int(random_state, "random_state", 0)
    spec, data = load_real_dataset(
        dataset, data_home, n_labelled=n_labelled, random_state=random_state
    )
    pair_list = _check_pairs(pairs, spec.modalities)
    split = (np.asarray(data.train), np.asarray(data.val), np.asarray(data.test))
    cells = [
        dict(
            study="strategic",
            dataset=dataset,
            pair=[a, b],
            n_labelled=n_labelled,
            n_rows=[len(part) for part in split],
            random_state=random_state,
            temperature=temperature,
            seed=seed,
            **cache_settings(config),
        )
        for a, b in pair_list
        for temperature in temperature_list
        for seed in seed_list
    ]
    results = run_cells(
        cells,
        functools.partial(_real_cell, config=config),
        inputs=lambda cell: (data.X, data.y, split, {m: spec.encoders[m] for m in cell["pair"]}),
        cache=cache_dir,
        n_jobs=n_jobs,
        progress=progress,
        desc=f"strategic {dataset}",
    )
    return StudyTable([row for rows in results for row in rows])


def _real_cell(cell, X, y, split, encoders, config):
    """One (modality pair, temperature, seed) of a real dataset."""
    a, b = cell["pair"]
    head = dict(setting=f"{a}-{b}", modality_a=a, modality_b=b,
                temperature=cell["temperature"], seed=cell["seed"])
    rows = _weight_rows(X, y, split, (a, b), encoders, cell["seed"], cell["temperature"], config)
    return [{**head, **row} for row in rows]


def summarize_strategic(table, metric="mutual_knn"):
    """lambda* per setting and temperature, paired gains over independent training, the findings.

    A weight's accuracy is the mean of the two modalities' own test accuracies
    (``acc_unimodal``, or the mean of ``acc_a`` and ``acc_b``), reported as mean and standard
    deviation over seeds. The best weight lambda* is the one with the highest mean
    *validation* accuracy (``valid_acc``; the test accuracy for tables without it), so that its
    test gain is not the maximum of noisy test numbers. Its gain over independent training is the
    paired difference acc(lambda*) - acc(0) over seeds with its standard error (see
    :func:`~mmalign_sk.experiments._common.paired_difference`); a gain counts only when it exceeds
    two standard errors.

    Parameters
    ----------
    table : StudyTable
        From :func:`strategic_alignment_study` (or its real-data variant).
    metric : str, default="mutual_knn"
        The alignment column reported in ``by_setting``; the alignment finding checks every
        alignment column.

    Returns
    -------
    summary : dict
        ``by_weight`` (StudyTable): per (setting, temperature, weight) the mean and sd over seeds
        of the unimodal accuracy (``acc``, ``acc_sd``), ``acc_a``, ``acc_b``, ``valid_acc``, the
        paired difference to lambda = 0 (``diff_vs_0``, ``diff_vs_0_se``), mean alignments,
        mean ``epochs`` and how many fits the epoch cap ended (``capped``);
        ``by_setting`` (StudyTable): per (setting, temperature) ``acc_at_0`` (and ``_sd``),
        ``best_weight`` (lambda*), ``acc_at_best`` (and ``_sd``), ``gain`` and ``gain_se``
        (lambda* vs 0), ``margin_vs_largest`` and ``margin_vs_largest_se`` (lambda* vs the
        largest weight), ``rho_weight_acc`` and ``rho_weight_align`` (Spearman over the weights;
        also ``rho_weight_align_<metric>`` for every metric);
        ``best_weights`` (StudyTable): lambda* with one column per temperature;
        ``findings``: ``{"claim", "holds", "evidence"}`` for the paper's findings and the
        convergence checks (synthetic settings only).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_strategic
    >>> rows = [dict(setting=f"R={r}", r=r, seed=s, alignment_weight=w,
    ...              acc_a=0.6 + (r - 4) * w / 40 + s / 100, acc_b=0.6 + (r - 4) * w / 40,
    ...              align_mutual_knn=0.1 + w / 10)
    ...         for r in (0, 8) for s in (0, 1, 2) for w in (0.0, 1.0, 2.0)]
    >>> summary = summarize_strategic(StudyTable(rows))
    >>> summary["by_setting"]["best_weight"].tolist()
    [0.0, 2.0]
    >>> [round(float(g), 3) for g in summary["by_setting"]["gain"]]
    [0.0, 0.2]
    """
    column = f"align_{metric}"
    if column not in table.columns:
        known = [c[6:] for c in table.columns if c.startswith("align_") and not c.endswith("_std")]
        raise ValueError(
            f"the table has no alignment column for metric {metric!r}; it has {known}."
        )
    align_columns = [c for c in table.columns if c.startswith("align_") and not c.endswith("_std")]
    by_weight, by_setting = [], []
    for (name, temperature), rows in _groups(table).items():
        curve = _curve(rows, align_columns)
        by_weight += [{"setting": name, "temperature": temperature, **_public(point)}
                      for point in curve]
        by_setting.append({"setting": name, "r": rows[0].get("r"), "temperature": temperature,
                           **_best_weight(curve, column, align_columns)})
    public = StudyTable([_public(row) for row in by_setting])
    return {
        "by_weight": StudyTable(by_weight),
        "by_setting": public,
        "best_weights": _best_weight_table(public),
        "findings": _strategic_findings(by_setting, align_columns),
    }


def _public(row):
    """``row`` without its private (underscore) entries."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _groups(table):
    """``{(setting, temperature): rows}`` in the table's order."""
    groups = {}
    for row in table:
        groups.setdefault((row["setting"], row.get("temperature")), []).append(row)
    return groups


def _unimodal(row):
    if row.get("acc_unimodal") is not None:
        return float(row["acc_unimodal"])
    return (float(row["acc_a"]) + float(row["acc_b"])) / 2


def _curve(rows, align_columns):
    """Per weight: means and sds over seeds, and the paired difference to weight 0."""
    weights = sorted({float(row["alignment_weight"]) for row in rows})
    per_seed = {}
    for row in rows:
        per_seed.setdefault(float(row["alignment_weight"]), {})[row["seed"]] = row
    base = per_seed.get(0.0)
    curve = []
    for weight in weights:
        at = per_seed[weight]
        seeds = list(at)
        acc = np.array([_unimodal(at[s]) for s in seeds])
        point = {
            "alignment_weight": weight,
            "n_seeds": len(seeds),
            "acc": float(acc.mean()),
            "acc_sd": float(acc.std(ddof=1)) if len(acc) > 1 else float("nan"),
            "acc_a": float(np.mean([at[s]["acc_a"] for s in seeds])),
            "acc_b": float(np.mean([at[s]["acc_b"] for s in seeds])),
        }
        if all(at[s].get("valid_acc") is not None for s in seeds):
            point["valid_acc"] = float(np.mean([at[s]["valid_acc"] for s in seeds]))
        if base is not None:
            paired = [s for s in seeds if s in base]
            point["diff_vs_0"], point["diff_vs_0_se"] = paired_difference(
                [_unimodal(at[s]) for s in paired], [_unimodal(base[s]) for s in paired]
            )
        for c in align_columns:
            point[c] = float(np.mean([at[s][c] for s in seeds]))
        if all("epochs" in at[s] for s in seeds):
            point["epochs"] = float(np.mean([at[s]["epochs"] for s in seeds]))
            point["capped"] = sum(at[s]["stopped"] == "max_epochs" for s in seeds)
        point["_per_seed"] = {s: _unimodal(at[s]) for s in seeds}
        curve.append(point)
    return curve


def _best_weight(curve, column, align_columns):
    weights = [p["alignment_weight"] for p in curve]
    acc = np.array([p["acc"] for p in curve])
    select = np.array([p.get("valid_acc", p["acc"]) for p in curve])
    best = int(np.argmax(select))
    zero = weights.index(0.0) if 0.0 in weights else None
    row = {
        "acc_at_0": float(acc[zero]) if zero is not None else float("nan"),
        "acc_at_0_sd": curve[zero]["acc_sd"] if zero is not None else float("nan"),
        "best_weight": weights[best],
        "acc_at_best": float(acc[best]),
        "acc_at_best_sd": curve[best]["acc_sd"],
        "gain": curve[best].get("diff_vs_0", float("nan")),
        "gain_se": curve[best].get("diff_vs_0_se", float("nan")),
    }
    row["margin_vs_largest"], row["margin_vs_largest_se"] = _paired(curve[best], curve[-1])
    row["acc_at_largest"] = float(acc[-1])
    row["best_test_acc"] = float(acc.max())
    row["rho_weight_acc"] = spearman(weights, acc)
    row["rho_weight_align"] = spearman(weights, [p[column] for p in curve])
    row.update({f"rho_weight_{c}": spearman(weights, [p[c] for p in curve])
                for c in align_columns})
    row["capped"] = sum(p.get("capped", 0) for p in curve)
    row["n_fits"] = sum(p["n_seeds"] for p in curve)
    row["_curve"] = curve
    return row


def _paired(first, second):
    seeds = [s for s in first["_per_seed"] if s in second["_per_seed"]]
    if not seeds:
        return float("nan"), float("nan")
    return paired_difference([first["_per_seed"][s] for s in seeds],
                             [second["_per_seed"][s] for s in seeds])


def _best_weight_table(by_setting):
    """lambda* with settings as rows and temperatures as columns."""
    rows = {}
    for row in by_setting:
        entry = rows.setdefault(row["setting"], {"setting": row["setting"], "r": row["r"]})
        label = "lambda*" if row["temperature"] is None else f"T={row['temperature']:g}"
        entry[label] = row["best_weight"]
    return StudyTable(list(rows.values()))


def _significant(value, se):
    return bool(np.isfinite(value) and np.isfinite(se) and value > 2 * se)


def _strategic_findings(by_setting, align_columns):
    """The paper's findings and the convergence checks, each ``{claim, holds, evidence}``."""
    rows = [row for row in by_setting if row.get("r") is not None or row["setting"] == "synergy"]
    if not rows:
        return []
    findings = []
    for temperature in dict.fromkeys(row["temperature"] for row in rows):
        at = [row for row in rows if row["temperature"] == temperature]
        suffix = "" if temperature is None else f" (T = {temperature:g})"
        findings += _findings_at(at, align_columns, suffix)
    return findings


def _describe(row):
    curve = row["_curve"]
    return (f"lambda*={row['best_weight']:g}: acc {row['acc_at_best']:.3f} vs "
            f"{row['acc_at_0']:.3f} at lambda=0 (paired gain {row['gain']:+.3f} ± "
            f"{row['gain_se']:.3f} SE), {row['acc_at_largest']:.3f} at lambda="
            f"{curve[-1]['alignment_weight']:g}")


def _finding(claim, holds, evidence):
    return {"claim": claim, "holds": bool(holds), "evidence": evidence}


def _findings_at(rows, align_columns, suffix):
    findings = []
    by_r = {row["r"]: row for row in rows if row.get("r") is not None}
    high = by_r.get(8)
    point = None if high is None else next(
        (p for p in high["_curve"] if p["alignment_weight"] == 1.0 and "diff_vs_0" in p), None)
    if point is not None:
        diff = point["diff_vs_0"]
        findings.append(_finding(
            "converged: at R = 8 the accuracy at lambda = 1 is within 0.01 of lambda = 0" + suffix,
            abs(diff) <= 0.01,
            f"R=8: {point['acc']:.3f} at lambda=1 vs {high['acc_at_0']:.3f} at lambda=0 "
            f"(paired difference {diff:+.3f} ± {point['diff_vs_0_se']:.3f} SE)",
        ))
    n_fits = sum(row["n_fits"] for row in rows)
    capped = sum(row["capped"] for row in rows)
    if any(p.get("epochs") is not None for row in rows for p in row["_curve"]):
        findings.append(_finding(
            "converged: every fit was ended by early stopping, none by the epoch cap" + suffix,
            capped == 0,
            f"{capped} of {n_fits} fits reached max_epochs while still improving",
        ))
    low = [by_r[r] for r in (0, 2) if r in by_r]
    if low:
        findings.append(_finding(
            "uniqueness-dominated (R in {0, 2}): lambda* = 0 and accuracy falls as lambda grows "
            "(rho(lambda, acc) < 0, lambda = 0 beats the largest lambda by > 2 SE)" + suffix,
            all(row["best_weight"] == 0 and row["rho_weight_acc"] < 0
                and _significant(*_drop(row)) for row in low),
            "; ".join(f"R={row['r']}: {_describe(row)}, rho(lambda, acc)="
                      f"{row['rho_weight_acc']:+.2f}, drop to the largest lambda "
                      f"{_drop(row)[0]:+.3f} ± {_drop(row)[1]:.3f} SE" for row in low),
        ))
    if 4 in by_r:
        row = by_r[4]
        weights = [p["alignment_weight"] for p in row["_curve"]]
        interior = weights[0] < row["best_weight"] < weights[-1]
        findings.append(_finding(
            "mixed (R = 4): an inverted U, lambda* inside the grid beats lambda = 0 and the "
            "largest lambda by > 2 SE each" + suffix,
            interior and _significant(row["gain"], row["gain_se"])
            and _significant(row["margin_vs_largest"], row["margin_vs_largest_se"]),
            f"R=4: {_describe(row)} (lambda* - largest: {row['margin_vs_largest']:+.3f} ± "
            f"{row['margin_vs_largest_se']:.3f} SE)",
        ))
    high_rows = [by_r[r] for r in (6, 8) if r in by_r]
    if high_rows:
        findings.append(_finding(
            "redundancy-dominated (R in {6, 8}): accuracy rises with lambda and saturates (the "
            "largest lambda within 0.01 of the best and >= lambda = 0)" + suffix,
            all(row["acc_at_largest"] >= row["best_test_acc"] - 0.01
                and row["acc_at_largest"] >= row["acc_at_0"] for row in high_rows),
            "; ".join(f"R={row['r']}: {row['acc_at_largest']:.3f} at the largest lambda, best "
                      f"{row['best_test_acc']:.3f}, {row['acc_at_0']:.3f} at lambda=0"
                      for row in high_rows),
        ))
    synergy = [row for row in rows if row["setting"] == "synergy"]
    for row in synergy:
        findings.append(_finding(
            "synergy-dominated with a little redundancy: aligning helps each modality "
            "(lambda* > 0, gain > 2 SE; the paper's MUStARD vision-audio pair)" + suffix,
            row["best_weight"] > 0 and _significant(row["gain"], row["gain_se"]),
            f"synergy: {_describe(row)}",
        ))
    rhos = {c: [row[f"rho_weight_{c}"] for row in rows] for c in align_columns}
    findings.append(_finding(
        "alignment rises with lambda in every setting, also where accuracy falls (Spearman "
        "rho(lambda, alignment) >= 0.9 for every metric)" + suffix,
        all(np.all(np.asarray(v) >= 0.9) for v in rhos.values()),  # a NaN rho fails it
        "; ".join(f"{c[6:]}: min rho = {nan_min(v):+.2f}" for c, v in rhos.items()),
    ))
    return findings


def _drop(row):
    """acc(0) - acc(largest weight), paired, with its standard error."""
    return _paired(row["_curve"][0], row["_curve"][-1])
