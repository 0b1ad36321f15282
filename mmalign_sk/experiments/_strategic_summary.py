"""The strategic-alignment study's summary: lambda* per setting and temperature, paired gains over
independent training, the paper's findings (synthetic and real data), and their report."""

import numpy as np

from ._finding import Finding
from ._report import HEADLINE, Report
from ._stats import nan_min, paired_difference, spearman
from ._table import StudyTable


def summarize_strategic(table, metric="mutual_knn"):
    """lambda* per setting and temperature, paired gains over independent training, the findings.

    A weight's accuracy is the mean of the two modalities' own test accuracies
    (``acc_unimodal``, or the mean of ``acc_a`` and ``acc_b``), reported as mean and standard
    deviation over seeds. The best weight lambda* is the one with the highest mean
    *validation* accuracy (``valid_acc``; the test accuracy for tables without it), so that its
    test gain is not the maximum of noisy test numbers. Its gain over independent training is the
    paired difference acc(lambda*) - acc(0) over seeds with its standard error (see
    :func:`~mmalign_sk.experiments._stats.paired_difference`); a gain counts only when it exceeds
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
        ``findings``: :class:`~mmalign_sk.experiments.Finding` for the paper's findings and the
        convergence checks (synthetic settings), or for the real data's modality pairs.

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
    """The paper's findings and the convergence checks on the synthetic settings; on real data
    (modality pairs), whether aligning helps a pair and whether alignment follows lambda."""
    synthetic = [row for row in by_setting
                 if row.get("r") is not None or row["setting"] == "synergy"]
    rows = synthetic or list(by_setting)
    findings = []
    for temperature in dict.fromkeys(row["temperature"] for row in rows):
        at = [row for row in rows if row["temperature"] == temperature]
        suffix = "" if temperature is None else f" (T = {temperature:g})"
        findings += (_findings_at if synthetic else _real_findings_at)(at, align_columns, suffix)
    return findings


def _real_findings_at(rows, align_columns, suffix):
    gains = [row["gain"] for row in rows if np.isfinite(row["gain"])]
    return [
        Finding(
            "real data: a moderate alignment weight helps a modality pair (lambda* > 0 with a "
            "paired gain over lambda = 0 of more than 2 SE, for at least one pair)" + suffix,
            any(row["best_weight"] > 0 and _significant(row["gain"], row["gain_se"])
                for row in rows),
            "; ".join(f"{row['setting']}: {_describe(row)}" for row in rows),
            max(gains) if gains else None,  # the largest paired gain
        ),
        _alignment_finding(rows, align_columns, suffix),
    ]


def _alignment_finding(rows, align_columns, suffix):
    rhos = {c: [row[f"rho_weight_{c}"] for row in rows] for c in align_columns}
    return Finding(
        "alignment rises with lambda in every setting, also where accuracy falls (Spearman "
        "rho(lambda, alignment) >= 0.9 for every metric)" + suffix,
        all(np.all(np.asarray(v) >= 0.9) for v in rhos.values()),  # a NaN rho fails it
        "; ".join(f"{c[6:]}: min rho = {nan_min(v):+.2f}" for c, v in rhos.items()),
        min(nan_min(v) for v in rhos.values()),
    )


def _describe(row):
    curve = row["_curve"]
    return (f"lambda*={row['best_weight']:g}: acc {row['acc_at_best']:.3f} vs "
            f"{row['acc_at_0']:.3f} at lambda=0 (paired gain {row['gain']:+.3f} ± "
            f"{row['gain_se']:.3f} SE), {row['acc_at_largest']:.3f} at lambda="
            f"{curve[-1]['alignment_weight']:g}")


def _findings_at(rows, align_columns, suffix):
    findings = []
    by_r = {row["r"]: row for row in rows if row.get("r") is not None}
    high = by_r.get(8)
    point = None if high is None else next(
        (p for p in high["_curve"] if p["alignment_weight"] == 1.0 and "diff_vs_0" in p), None)
    if point is not None:
        diff = point["diff_vs_0"]
        findings.append(Finding(
            "converged: at R = 8 the accuracy at lambda = 1 is within 0.01 of lambda = 0" + suffix,
            abs(diff) <= 0.01,
            f"R=8: {point['acc']:.3f} at lambda=1 vs {high['acc_at_0']:.3f} at lambda=0 "
            f"(paired difference {diff:+.3f} ± {point['diff_vs_0_se']:.3f} SE)",
            diff,
        ))
    n_fits = sum(row["n_fits"] for row in rows)
    capped = sum(row["capped"] for row in rows)
    if any(p.get("epochs") is not None for row in rows for p in row["_curve"]):
        findings.append(Finding(
            "converged: every fit was ended by early stopping, none by the epoch cap" + suffix,
            capped == 0,
            f"{capped} of {n_fits} fits reached max_epochs while still improving",
            capped,
        ))
    low = [by_r[r] for r in (0, 2) if r in by_r]
    if low:
        findings.append(Finding(
            "uniqueness-dominated (R in {0, 2}): lambda* = 0 and accuracy falls as lambda grows "
            "(rho(lambda, acc) < 0, lambda = 0 beats the largest lambda by > 2 SE)" + suffix,
            all(row["best_weight"] == 0 and row["rho_weight_acc"] < 0
                and _significant(*_drop(row)) for row in low),
            "; ".join(f"R={row['r']}: {_describe(row)}, rho(lambda, acc)="
                      f"{row['rho_weight_acc']:+.2f}, drop to the largest lambda "
                      f"{_drop(row)[0]:+.3f} ± {_drop(row)[1]:.3f} SE" for row in low),
            min(_drop(row)[0] for row in low),  # the smallest drop from lambda = 0
        ))
    if 4 in by_r:
        row = by_r[4]
        weights = [p["alignment_weight"] for p in row["_curve"]]
        interior = weights[0] < row["best_weight"] < weights[-1]
        findings.append(Finding(
            "mixed (R = 4): an inverted U, lambda* inside the grid beats lambda = 0 and the "
            "largest lambda by > 2 SE each" + suffix,
            interior and _significant(row["gain"], row["gain_se"])
            and _significant(row["margin_vs_largest"], row["margin_vs_largest_se"]),
            f"R=4: {_describe(row)} (lambda* - largest: {row['margin_vs_largest']:+.3f} ± "
            f"{row['margin_vs_largest_se']:.3f} SE)",
            row["gain"],
        ))
    high_rows = [by_r[r] for r in (6, 8) if r in by_r]
    if high_rows:
        findings.append(Finding(
            "redundancy-dominated (R in {6, 8}): accuracy rises with lambda and saturates (the "
            "largest lambda within 0.01 of the best and >= lambda = 0)" + suffix,
            all(row["acc_at_largest"] >= row["best_test_acc"] - 0.01
                and row["acc_at_largest"] >= row["acc_at_0"] for row in high_rows),
            "; ".join(f"R={row['r']}: {row['acc_at_largest']:.3f} at the largest lambda, best "
                      f"{row['best_test_acc']:.3f}, {row['acc_at_0']:.3f} at lambda=0"
                      for row in high_rows),
            min(row["acc_at_largest"] - row["best_test_acc"] for row in high_rows),
        ))
    synergy = [row for row in rows if row["setting"] == "synergy"]
    for row in synergy:
        findings.append(Finding(
            "synergy-dominated with a little redundancy: aligning helps each modality "
            "(lambda* > 0, gain > 2 SE; the paper's MUStARD vision-audio pair)" + suffix,
            row["best_weight"] > 0 and _significant(row["gain"], row["gain_se"]),
            f"synergy: {_describe(row)}",
            row["gain"],
        ))
    findings.append(_alignment_finding(rows, align_columns, suffix))
    return findings


def _drop(row):
    """acc(0) - acc(largest weight), paired, with its standard error."""
    return _paired(row["_curve"][0], row["_curve"][-1])


# ------------------------------------------------------------------------------ the report
_WEIGHT_COLUMNS = ("setting", "temperature", "alignment_weight", "acc", "acc_sd", "diff_vs_0",
                   "diff_vs_0_se", "acc_a", "acc_b", "align_mutual_knn", "align_cka",
                   "align_svcca", "epochs", "capped")
_BEST_WEIGHT_COLUMNS = ("setting", "r", "temperature", "acc_at_0", "acc_at_0_sd", "best_weight",
                        "acc_at_best", "acc_at_best_sd", "gain", "gain_se", "margin_vs_largest",
                        "margin_vs_largest_se", "rho_weight_acc", "rho_weight_align")


def strategic_report(run, summary):
    """The summary's sections; ``summary.json`` also holds lambda* and the by-setting table."""
    by_weight, by_setting = summary["by_weight"], summary["by_setting"]
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
    return Report(sections, summary["findings"], extra=extra)


def strategic_figures(run, summary):
    """``{file name: figure}``: accuracy and alignment against lambda per setting (one figure per
    temperature), and with several temperatures their effect on lambda*."""
    from . import _figures

    by_weight, by_setting = summary["by_weight"], summary["by_setting"]
    settings = list(dict.fromkeys(by_setting["setting"].tolist()))
    temperatures = list(dict.fromkeys(by_setting["temperature"].tolist()))
    figures = {}
    for temperature in temperatures:
        suffix = "" if len(temperatures) == 1 else f"_T{temperature:g}"
        figures[f"accuracy_and_alignment_vs_weight{suffix}.png"] = _figures.weight_curves(
            by_weight, settings, f"align_{HEADLINE}", temperature)[0]
    if len(temperatures) > 1:
        figures["temperature_effect.png"] = _figures.temperature_effect(by_weight, by_setting)[0]
    return figures
