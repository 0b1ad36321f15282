"""How strongly should alignment be enforced? (Fang, Zhang & Chan 2025)

The study sweeps the weight lambda of the contrastive alignment loss of
:class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` with
:class:`~sklearn.model_selection.GridSearchCV` on data dominated by redundant, unique or synergistic
information, and records each modality's own accuracy and the alignment of the two encoders.
"""

import functools

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from .._checks import check_int, check_real
from ..datasets import make_interaction_dataset
from ..estimators import AlignedContrastiveClassifier, make_modality_scorer
from ..metrics import make_alignment_scorer
from ._common import (
    cache_settings,
    check_positive_floats,
    check_seed_list,
    check_values,
    nan_min,
    spearman,
    train_then_validate,
)
from ..metrics._registry import metric_accepts
from ._emergence import _check_metrics, _check_pairs
from ._real import load_real_dataset
from ._runner import run_cells
from ._table import StudyTable

#: The synthetic settings: name -> arguments of :func:`~mmalign_sk.datasets.make_interaction_dataset`.
STRATEGIC_SETTINGS = {
    "R=0": dict(kind="uniqueness", n_redundant=0),
    "R=2": dict(kind="uniqueness", n_redundant=2),
    "R=4": dict(kind="mixed", n_redundant=4),
    "R=6": dict(kind="redundancy", n_redundant=6),
    "R=8": dict(kind="redundancy", n_redundant=8),
    "synergy": dict(kind="synergy"),
}

#: The paper's sweep (lambda in 0..4) on the 65,536-sample generator, with our choices where it is
#: silent (epochs, batch size, learning rate, temperature, projection, folds).
STRATEGIC_FULL = dict(
    settings=tuple(STRATEGIC_SETTINGS),
    alignment_weights=(0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 2.0, 4.0),
    seeds=(0, 1, 2),
    n_samples=65536,
    cv=3,
    max_epochs=100,
)

#: A reduced sweep that runs in a few minutes on a 2-core CPU (scarce data: 1,024 training
#: samples per fold, where the effect of alignment on each encoder is easiest to see).
STRATEGIC_QUICK = dict(
    settings=tuple(STRATEGIC_SETTINGS),
    alignment_weights=(0.0, 0.1, 0.3, 1.0, 3.0),
    seeds=(0, 1),
    n_samples=2048,
    cv=2,
    max_epochs=30,
)


def _scoring(modalities, metrics, topk):
    a, b = modalities
    scoring = {
        "acc_a": make_modality_scorer("accuracy", a),
        "acc_b": make_modality_scorer("accuracy", b),
        "acc": "accuracy",
    }
    for metric in metrics:
        params = {"topk": topk} if metric_accepts(metric, "topk") else {}
        scoring[f"align_{metric}"] = make_alignment_scorer(metric, modalities=(a, b), **params)
    return scoring


def _sweep_rows(search, scoring):
    """One row per weight, in the order of the grid (the order of ``cv_results_``)."""
    res = search.cv_results_
    rows = []
    for i, weight in enumerate(res["param_alignment_weight"]):
        row = {"alignment_weight": float(weight)}
        for name in scoring:
            row[name] = float(res[f"mean_test_{name}"][i])
            row[f"{name}_std"] = float(res[f"std_test_{name}"][i])
        rows.append(row)
    return rows


def _settings(
    alignment_weights,
    metrics,
    topk,
    encoder_depth,
    lr,
    max_epochs,
    batch_size,
    temperature,
    projection_width,
    device,
):
    return dict(
        alignment_weights=check_positive_floats(alignment_weights, "alignment_weights"),
        metrics=_check_metrics(metrics),
        topk=check_int(topk, "topk", 1),
        encoder_depth=check_int(encoder_depth, "encoder_depth", 1),
        lr=check_real(lr, "lr", 0, low_inclusive=False),
        max_epochs=check_int(max_epochs, "max_epochs", 1),
        batch_size=check_int(batch_size, "batch_size", 1),
        temperature=check_real(temperature, "temperature", 0, low_inclusive=False),
        projection_width=check_int(projection_width, "projection_width", 1),
        device=device,
    )



def _sweep(X, y, modalities, encoders, cv, seed, settings):
    """GridSearchCV over the alignment weight; one row per weight."""
    est = AlignedContrastiveClassifier(
        modalities=modalities,
        encoder=encoders,
        encoder__depth=settings["encoder_depth"],
        temperature=settings["temperature"],
        projection_width=settings["projection_width"],
        lr=settings["lr"],
        max_epochs=settings["max_epochs"],
        batch_size=settings["batch_size"],
        device=settings["device"],
        random_state=seed,
    )
    scoring = _scoring(modalities, settings["metrics"], settings["topk"])
    search = GridSearchCV(
        est,
        {"alignment_weight": settings["alignment_weights"]},
        cv=cv,
        scoring=scoring,
        refit=False,
    )
    search.fit(X, y)
    return _sweep_rows(search, scoring)


def strategic_alignment_study(
    settings=STRATEGIC_FULL["settings"],
    alignment_weights=STRATEGIC_FULL["alignment_weights"],
    *,
    seeds=STRATEGIC_FULL["seeds"],
    n_samples=STRATEGIC_FULL["n_samples"],
    cv=STRATEGIC_FULL["cv"],
    max_epochs=STRATEGIC_FULL["max_epochs"],
    depth=-1,
    encoder_depth=3,
    lr=1e-2,
    batch_size=256,
    temperature=0.1,
    projection_width=64,
    metrics=("mutual_knn", "cka", "svcca"),
    topk=10,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
):
    """Unimodal accuracy and alignment against the alignment weight, per information structure.

    For every synthetic setting (r redundant label bits of 8, or a synergistic label; see
    :data:`STRATEGIC_SETTINGS` and :func:`~mmalign_sk.datasets.make_interaction_dataset`) and
    every training seed, :class:`~sklearn.model_selection.GridSearchCV` cross-validates
    :class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` (MLP encoders of width 12, loss =
    both modalities' cross-entropy + lambda x symmetric InfoNCE) over ``alignment_weights``,
    scoring each modality's own head (``acc_a`` for x1, ``acc_b`` for x2), the fused prediction
    (``acc``) and the alignment of the encoders' outputs on the held-out fold with every metric.

    The defaults are the paper's sweep (``STRATEGIC_FULL``); ``STRATEGIC_QUICK`` is a reduced one.
    Our choices where the paper is silent: the lambda grid's points, ``encoder_depth=3``,
    ``lr=1e-2``, ``batch_size=256``, ``temperature=0.1``, ``projection_width=64``, the number of
    epochs and cross-validation (stratified, shuffled folds) instead of one split.

    Parameters
    ----------
    settings : sequence of str or dict, default=all of STRATEGIC_SETTINGS
        Setting names, or a dict ``{name: make_interaction_dataset arguments}``.
    alignment_weights : sequence of float
        The lambda grid (>= 0; 0 is independent training).
    seeds : int or sequence of int, default=(0, 1, 2)
        Training seeds; an int n means ``range(n)``.
    n_samples : int, default=65536
    cv : int, default=3
        Stratified folds.
    max_epochs : int, default=100
    depth : int, default=-1
        Heterogeneity transform of x2 (-1: none).
    encoder_depth : int, default=3
    lr : float, default=1e-2
    batch_size : int, default=256
        Also the number of negatives of the InfoNCE loss.
    temperature : float, default=0.1
    projection_width : int, default=64
    metrics : sequence of str, default=("mutual_knn", "cka", "svcca")
    topk : int, default=10
    device : str, default="auto"
    n_jobs : int, optional
        (setting, seed) sweeps run at once, each on one thread (joblib; ``-1``: every core; a
        dask backend works too). The results do not depend on it.
    cache_dir : str or Path, optional
        Each finished (setting, seed) sweep is stored here and skipped when run again.
    progress : bool, default=True
    random_state : int, default=0
        Seeds the data and the folds.

    Returns
    -------
    StudyTable
        One row per (setting, seed, alignment_weight): ``setting``, ``kind``, ``r`` (None for
        synergy), ``seed``, ``alignment_weight``, mean cross-validated ``acc_a``, ``acc_b``,
        ``acc``, ``align_<metric>`` and their ``*_std`` over folds, and the exact information
        of the setting, ``mi_x1_y``, ``mi_x2_y``, ``mi_x1x2_y`` (bits).

    See Also
    --------
    summarize_strategic : the best weight per setting and the paper's findings.

    Examples
    --------
    >>> from mmalign_sk.experiments import strategic_alignment_study
    >>> table = strategic_alignment_study(["R=8"], [0, 1], seeds=1, n_samples=1024, cv=2,
    ...                                   max_epochs=5, metrics=["mutual_knn"], progress=False,
    ...                                   device="cpu")
    >>> table["alignment_weight"].tolist()
    [0.0, 1.0]
    >>> bool(table["align_mutual_knn"][1] > table["align_mutual_knn"][0])
    True
    """
    config = _settings(
        alignment_weights,
        metrics,
        topk,
        encoder_depth,
        lr,
        max_epochs,
        batch_size,
        temperature,
        projection_width,
        device,
    )
    named = _check_settings(settings)
    seed_list = check_seed_list(seeds)
    n_samples = check_int(n_samples, "n_samples", 16)
    n_folds = check_int(cv, "cv", 2)
    check_int(random_state, "random_state", 0)
    cells = [
        dict(
            study="strategic",
            setting=name,
            params=params,
            depth=depth,
            n_samples=n_samples,
            cv=n_folds,
            random_state=random_state,
            seed=seed,
            **cache_settings(config),
        )
        for name, params in named.items()
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
    """One (setting, seed): the dataset is drawn from the cell's parameters, then swept."""
    data = make_interaction_dataset(
        **cell["params"],
        depth=cell["depth"],
        n_samples=cell["n_samples"],
        random_state=cell["random_state"],
    )
    kind = data.params["kind"]
    head = dict(
        setting=cell["setting"],
        kind=kind,
        r=None if kind == "synergy" else data.params["n_redundant"],
        seed=cell["seed"],
    )
    info = {k: float(data.info[k]) for k in ("mi_x1_y", "mi_x2_y", "mi_x1x2_y")}
    folds = StratifiedKFold(cell["cv"], shuffle=True, random_state=cell["random_state"])
    sweep = _sweep(data.X, data.y, ("x1", "x2"), "mlp", folds, cell["seed"], config)
    return [{**head, **row, **info} for row in sweep]


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
    seeds=(0, 1, 2),
    max_epochs=100,
    n_labelled=None,
)
STRATEGIC_REAL_QUICK = dict(
    alignment_weights=(0.0, 0.3, 1.0, 3.0), seeds=(0,), max_epochs=10, n_labelled=1024
)


def strategic_alignment_study_real(
    dataset,
    alignment_weights=STRATEGIC_REAL_FULL["alignment_weights"],
    *,
    data_home=None,
    pairs=None,
    seeds=STRATEGIC_REAL_FULL["seeds"],
    max_epochs=STRATEGIC_REAL_FULL["max_epochs"],
    n_labelled=None,
    encoder_depth=1,
    lr=1e-3,
    batch_size=128,
    temperature=0.1,
    projection_width=64,
    metrics=("mutual_knn", "cka", "svcca"),
    topk=10,
    device="auto",
    n_jobs=None,
    cache_dir=None,
    progress=True,
    random_state=0,
):
    """The alignment-weight sweep on a real dataset whose files are under ``data_home``.

    For every modality pair, :class:`~sklearn.model_selection.GridSearchCV` trains
    :class:`~mmalign_sk.estimators.AlignedContrastiveClassifier` on the official training split
    for every weight and scores it on the validation split (a
    :class:`~sklearn.model_selection.PredefinedSplit`): each modality's own accuracy, the fused
    accuracy and the alignment. Encoders as in
    :func:`~mmalign_sk.experiments.emergence_study_real`.

    Parameters
    ----------
    dataset : str
        ``"mosi"``, ``"mosei"``, ``"mustard"``, ``"urfunny"`` or ``"avmnist"``.
    alignment_weights, seeds, max_epochs, encoder_depth, lr, batch_size, temperature, \
projection_width, metrics, topk, device, n_jobs, cache_dir, progress, random_state
        As in :func:`strategic_alignment_study`.
    data_home : str or path-like, optional
    pairs : sequence of (str, str), optional
        Modality pairs; default every pair.
    n_labelled : int, optional
        At most this many samples per split (affect datasets).

    Returns
    -------
    StudyTable
        One row per (pair, seed, alignment_weight): ``setting`` ("a-b"), ``modality_a``,
        ``modality_b``, ``seed``, ``alignment_weight``, ``acc_a``, ``acc_b``, ``acc``,
        ``align_<metric>`` (validation split; ``*_std`` are 0 with one split).

    Examples
    --------
    With MultiBench's ``mosei_senti_data.pkl`` under ``~/mmalign_data/multibench/``:

    >>> from mmalign_sk.experiments import strategic_alignment_study_real, summarize_strategic
    >>> table = strategic_alignment_study_real("mosei", [0, 0.5, 1],
    ...                                        pairs=[("vision", "text")])  # doctest: +SKIP
    >>> summarize_strategic(table)["by_setting"]["best_weight"]  # doctest: +SKIP
    """
    config = _settings(
        alignment_weights,
        metrics,
        topk,
        encoder_depth,
        lr,
        max_epochs,
        batch_size,
        temperature,
        projection_width,
        device,
    )
    seed_list = check_seed_list(seeds)
    check_int(random_state, "random_state", 0)
    spec, data = load_real_dataset(
        dataset, data_home, n_labelled=n_labelled, random_state=random_state
    )
    pair_list = _check_pairs(pairs, spec.modalities)
    rows_idx, fold = train_then_validate(data.train, data.val)
    X, y = data.X[rows_idx], data.y[rows_idx]
    cells = [
        dict(
            study="strategic",
            dataset=dataset,
            pair=[a, b],
            n_labelled=n_labelled,
            n_rows=[len(data.train), len(data.val)],
            random_state=random_state,
            seed=seed,
            **cache_settings(config),
        )
        for a, b in pair_list
        for seed in seed_list
    ]
    results = run_cells(
        cells,
        functools.partial(_real_cell, config=config),
        inputs=lambda cell: (X, y, fold, {m: spec.encoders[m] for m in cell["pair"]}),
        cache=cache_dir,
        n_jobs=n_jobs,
        progress=progress,
        desc=f"strategic {dataset}",
    )
    return StudyTable([row for rows in results for row in rows])


def _real_cell(cell, X, y, fold, encoders, config):
    """One (modality pair, seed) of a real dataset: the sweep on its train/validation split."""
    a, b = cell["pair"]
    head = dict(setting=f"{a}-{b}", modality_a=a, modality_b=b, seed=cell["seed"])
    sweep = _sweep(X, y, (a, b), encoders, fold, cell["seed"], config)
    return [{**head, **row} for row in sweep]


def summarize_strategic(table, metric="mutual_knn", tol=0.005):
    """Best alignment weight per setting, and the strategic-alignment paper's findings.

    The unimodal accuracy of a weight is the mean of the two modalities' own accuracies
    (``acc_a``, ``acc_b``), averaged over seeds. The best weight lambda* is the smallest weight
    whose accuracy is within ``tol`` of the highest: aligning is recommended only when it beats
    independent training by more than ``tol``.

    Parameters
    ----------
    table : StudyTable
        From :func:`strategic_alignment_study` (or its real-data variant).
    metric : str, default="mutual_knn"
        The alignment column reported in ``by_setting``; the monotonicity finding checks every
        alignment column.
    tol : float, default=0.005
        Accuracy differences up to ``tol`` count as ties (resolved towards the smaller weight).

    Returns
    -------
    summary : dict
        ``by_weight`` (StudyTable): mean accuracies and alignments per setting and weight;
        ``by_setting`` (StudyTable): ``setting``, ``r``, ``acc_at_0``, ``best_weight``,
        ``acc_at_best``, ``gain`` (``acc_at_best - acc_at_0``), ``best_weight_a`` and
        ``best_weight_b`` (per modality), ``best_is_interior`` (neither end of the grid),
        ``rho_weight_acc`` and ``rho_weight_align`` (Spearman over the weights; also
        ``rho_weight_align_<metric>`` for every metric); ``findings``: ``{"finding", "holds", "evidence"}`` for
        the paper's findings (synthetic settings only).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_strategic
    >>> rows = [dict(setting=f"R={r}", r=r, seed=0, alignment_weight=w,
    ...              acc_a=0.6 + (r - 4) * w / 40, acc_b=0.6 + (r - 4) * w / 40,
    ...              align_mutual_knn=0.1 + w / 10) for r in (0, 8) for w in (0.0, 1.0, 2.0)]
    >>> summary = summarize_strategic(StudyTable(rows))
    >>> summary["by_setting"]["best_weight"].tolist()
    [0.0, 2.0]
    """
    tol = check_real(tol, "tol", 0)
    column = f"align_{metric}"
    if column not in table.columns:
        known = [c[6:] for c in table.columns if c.startswith("align_") and not c.endswith("_std")]
        raise ValueError(
            f"the table has no alignment column for metric {metric!r}; it has {known}."
        )
    by_weight = _by_weight(table)
    by_setting = []
    for name in _unique(by_weight["setting"]):
        sub = by_weight.filter(setting=name)
        weights = sub["alignment_weight"].tolist()
        mean = {c: sub[c].astype(float) for c in sub.columns if c.startswith(("acc_", "align_"))}
        uni = (mean["acc_a"] + mean["acc_b"]) / 2
        best = int(np.flatnonzero(uni >= uni.max() - tol)[0])
        row = {
            "setting": name,
            "r": table.filter(setting=name).records[0].get("r"),
            "acc_at_0": float(uni[0]) if weights[0] == 0 else float("nan"),
            "best_weight": weights[best],
            "acc_at_best": float(uni[best]),
            "gain": float(uni[best] - uni[0]),
            "best_weight_a": _best(weights, mean["acc_a"], tol),
            "best_weight_b": _best(weights, mean["acc_b"], tol),
            "best_is_interior": 0 < best < len(weights) - 1,
            "rho_weight_acc": spearman(weights, uni),
            "rho_weight_align": spearman(weights, mean[column]),
        }
        row.update(
            {f"rho_weight_{c}": spearman(weights, mean[c]) for c in mean if c.startswith("align_")}
        )
        by_setting.append(row)
    by_setting = StudyTable(by_setting)
    align_columns = [c for c in by_weight.columns if c.startswith("align_")]
    return {
        "by_weight": by_weight,
        "by_setting": by_setting,
        "findings": _strategic_findings(by_setting, align_columns),
    }


def _unique(values):
    return list(dict.fromkeys(np.asarray(values).tolist()))


def _by_weight(table):
    """Mean accuracies and alignments per (setting, weight) over seeds."""
    means = [
        c
        for c in table.columns
        if c in ("acc_a", "acc_b", "acc") or (c.startswith("align_") and not c.endswith("_std"))
    ]
    rows = []
    for name in _unique(table["setting"]):
        sub = table.filter(setting=name)
        for weight in sorted(set(sub["alignment_weight"].tolist())):
            at = sub.filter(alignment_weight=weight)
            rows.append(
                {
                    "setting": name,
                    "alignment_weight": weight,
                    **{c: float(np.mean(at[c].astype(float))) for c in means},
                }
            )
    return StudyTable(rows)


def _best(weights, accuracy, tol):
    return weights[int(np.flatnonzero(accuracy >= accuracy.max() - tol)[0])]


def _strategic_findings(by_setting, align_columns):
    from ._emergence import _finding

    rows = [row for row in by_setting if row.get("r") is not None]
    if not rows:
        return []
    findings = []
    rs = [row["r"] for row in rows]
    best = [row["best_weight"] for row in rows]
    rho = spearman(rs, best)
    findings.append(
        _finding(
            "the best alignment weight grows with redundancy",
            len(rows) > 1 and rho > 0 and best[int(np.argmax(rs))] >= best[int(np.argmin(rs))],
            f"Spearman rho(r, lambda*) = {rho:+.2f}; lambda* per r: "
            + ", ".join(f"{r}: {b:g}" for r, b in zip(rs, best)),
        )
    )
    low = [row for row in rows if row["r"] <= 2]
    if low:
        findings.append(
            _finding(
                "uniqueness-dominated (r <= 2): accuracy falls as lambda grows, lambda* = 0",
                all(row["rho_weight_acc"] < 0 and row["best_weight"] == 0 for row in low),
                "; ".join(
                    f"r={row['r']}: lambda*={row['best_weight']:g}, rho(lambda, acc)="
                    f"{row['rho_weight_acc']:+.2f}"
                    for row in low
                ),
            )
        )
    mixed = [row for row in rows if row["r"] == 4]
    if mixed:
        findings.append(
            _finding(
                "mixed (r = 4): an inverted U, the best lambda inside the grid",
                all(row["best_is_interior"] and row["gain"] > 0 for row in mixed),
                "; ".join(
                    f"r=4: lambda*={row['best_weight']:g}, gain={row['gain']:+.3f}" for row in mixed
                ),
            )
        )
    high = [row for row in rows if row["r"] >= 6]
    if high:
        findings.append(
            _finding(
                "redundancy-dominated (r >= 6): aligning helps (lambda* > 0: accuracy more than tol "
                "above lambda = 0)",
                all(row["best_weight"] > 0 for row in high),
                "; ".join(
                    f"r={row['r']}: lambda*={row['best_weight']:g}, gain={row['gain']:+.3f}"
                    for row in high
                ),
            )
        )
    rhos = {c: [row[f"rho_weight_{c}"] for row in by_setting] for c in align_columns}
    findings.append(
        _finding(
            "alignment rises with lambda in every setting, also where accuracy falls",
            all(np.all(np.asarray(v) > 0) for v in rhos.values()),  # a NaN rho fails it
            "; ".join(
                f"{c[6:]}: min rho(lambda, alignment) = {nan_min(v):+.2f}" for c, v in rhos.items()
            ),
        )
    )
    return findings
