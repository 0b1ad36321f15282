"""The emergence paper's findings, computed from the tables of the emergence studies.

Whether alignment predicts performance is asked of models trained on one dataset: the correlation
is computed within each cell (one r and one heterogeneity depth; on real data one dataset and
modality pair) across its models, never pooled over cells, because heterogeneity lowers alignment
and accuracy together and a pooled correlation would be positive whatever the relation on a fixed
dataset.
"""

import json

import numpy as np

from ._finding import Finding
from ._report import HEADLINE, Report
from ._stats import (
    correlation, grouped_correlation, mean_by, nan_mean, partial_correlation, spearman, spread,
)
from ._table import StudyTable


def _alignment_column(table, metric):
    column = f"align_{metric}"
    if column not in table.columns:
        known = [c[6:] for c in table.columns if c.startswith("align_") and not c.endswith("_last")]
        raise ValueError(
            f"the table has no alignment column for metric {metric!r}; it has {known}."
        )
    return column


def _selected(table):
    """The models chosen on the validation split (all rows of a table without ``selected``)."""
    if "selected" not in table.columns:
        return table
    return StudyTable([row for row in table if row["selected"]], columns=table.columns)


def _signed(values):
    return ", ".join(f"{key}: {value:+.2f}" for key, value in values)


def _by_cell(table, column):
    """One row per (r, depth): its models' mean alignment and accuracy and their correlations."""
    rho = {m: grouped_correlation(table, column, "acc_b", ("r", "depth"), m)
           for m in ("spearman", "pearson")}
    align, acc = mean_by(table, ("r", "depth"), column), mean_by(table, ("r", "depth"), "acc_b")
    rows = []
    for r, depth in sorted(rho["spearman"]):
        key = (r, depth)
        rows.append({"r": r, "depth": depth, "n_models": rho["spearman"][key][1],
                     column: align[key], "acc_b": acc[key],
                     "spearman": rho["spearman"][key][0], "pearson": rho["pearson"][key][0]})
    return StudyTable(rows)


def _performance_row(r, cells, models, column):
    """Within-cell correlations of ``cells`` (rows of the by-cell table), the partial correlation
    over ``models`` controlling for heterogeneity depth (and r when several), and the pooled one."""
    covariates = np.column_stack([models["depth"], models["r"]])
    if len(set(models["r"].tolist())) == 1:
        covariates = covariates[:, :1]
    s_mean, s_sd, n_cells = spread(cells["spearman"])
    p_mean, p_sd, _ = spread(cells["pearson"])
    return {
        "r": r,
        "n_cells": len(cells),
        "models_per_cell": int(np.min(cells["n_models"])),
        "spearman_mean": s_mean,
        "spearman_sd": s_sd,
        "pearson_mean": p_mean,
        "pearson_sd": p_sd,
        "partial_spearman": partial_correlation(models[column], models["acc_b"], covariates),
        "partial_pearson": partial_correlation(models[column], models["acc_b"], covariates,
                                               "pearson"),
        "pooled_spearman": correlation(models[column], models["acc_b"]),
    }


def _encoder_gain(selected, column, rs, depths):
    """Per (r, depth): mean alignment of the shallowest encoder and of the best deeper one."""
    align = mean_by(selected, ("r", "depth", "encoder_depth"), column)
    encoders = sorted(set(selected["encoder_depth"].tolist()))
    rows = []
    for r in rs:
        for d in depths:
            base = align[(r, d, encoders[0])]
            deeper = {e: align[(r, d, e)] for e in encoders[1:] if (r, d, e) in align}
            best = max(deeper, key=deeper.get) if deeper else encoders[0]
            rows.append({"r": r, "depth": d, f"align_encoder_{encoders[0]}": base,
                         "best_deeper_encoder": best, "align_best_deeper": align[(r, d, best)],
                         "gain": align[(r, d, best)] - base})
    return StudyTable(rows), encoders


def summarize_emergence(table, metric="mutual_knn"):
    """The emergence paper's findings, computed from a table of :func:`emergence_study`.

    Alignment trends (uniqueness, heterogeneity, encoder depth) use the models chosen on the
    validation split (``selected``), averaged over seeds where a finding compares settings.
    Whether alignment predicts performance is measured *within each cell* (one r and one
    heterogeneity depth) across all its models — encoder depths x seeds x the validation grid's
    candidates, each a fitted model with a test accuracy and an alignment — with Spearman's and
    Pearson's correlation, then summarised per r (mean and standard deviation over the cells) and
    over all r. A second view is the partial correlation over all models of an r, controlling for
    heterogeneity depth (and for r over all r). The pooled correlation over an r's cells is shown
    for contrast only: heterogeneity lowers alignment and accuracy together, so it is positive
    whatever the relation on a fixed dataset.

    Parameters
    ----------
    table : StudyTable
        The study's table (a table without a ``selected`` column counts every row as selected).
    metric : str, default="mutual_knn"
        Which alignment column (``align_<metric>``) to summarise.

    Returns
    -------
    summary : dict
        ``by_redundancy`` (one row per r): the selected models' mean alignment at the lowest and
        the highest heterogeneity depth and ``rho_align_depth`` (Spearman, alignment vs depth);
        ``by_depth`` (one row per depth): the mean alignment at the lowest and the highest r and
        ``rho_align_uniqueness``; ``by_cell`` (one row per (r, depth)): ``n_models``, the mean
        alignment and accuracy of x2 and the within-cell ``spearman`` and ``pearson``
        correlation of alignment and accuracy; ``performance`` (one row per r, then ``"all"``):
        ``spearman_mean`` / ``spearman_sd`` and ``pearson_mean`` / ``pearson_sd`` over the cells,
        ``partial_spearman`` / ``partial_pearson`` and ``pooled_spearman``; ``by_encoder``
        (one row per (r, depth)): the selected models' alignment with the shallowest encoder,
        the best deeper encoder and the ``gain``; ``findings``: a list of
        :class:`~mmalign_sk.experiments.Finding`, the paper's findings checked on this table.

    Examples
    --------
    Accuracy rises with alignment across the cells but falls with it within each cell:

    >>> from mmalign_sk.experiments import StudyTable, summarize_emergence
    >>> rows = [dict(r=r, uniqueness=8 - r, depth=d, encoder_depth=e, seed=0,
    ...              acc_b=1 - d / 10 - e / 100, align_mutual_knn=(1 + r) / (1 + d) + e / 100)
    ...         for r in (0, 8) for d in (0, 2, 4) for e in (1, 2, 3)]
    >>> perf = summarize_emergence(StudyTable(rows))["performance"]
    >>> perf["spearman_mean"].tolist(), perf["pooled_spearman"].round(2).tolist()
    ([-1.0, -1.0, -1.0], [0.8, 0.8, 0.4])
    """
    column = _alignment_column(table, metric)
    selected = _selected(table)
    rs, depths = sorted(set(table["r"].tolist())), sorted(set(table["depth"].tolist()))
    align = mean_by(selected, ("r", "depth"), column)

    by_r = []
    for r in rs:
        sub = selected.filter(r=r)
        by_r.append({
            "r": r,
            "uniqueness": int(sub["uniqueness"][0]),
            f"align_depth_{depths[0]}": align[(r, depths[0])],
            f"align_depth_{depths[-1]}": align[(r, depths[-1])],
            "rho_align_depth": spearman(sub["depth"], sub[column]),
        })
    by_depth = []
    for d in depths:
        means = [align[(r, d)] for r in rs]
        by_depth.append({
            "depth": d,
            f"align_r_{rs[0]}": means[0],
            f"align_r_{rs[-1]}": means[-1],
            "rho_align_uniqueness": spearman([8 - r for r in rs], means),
        })
    by_r, by_depth = StudyTable(by_r), StudyTable(by_depth)
    by_cell = _by_cell(table, column)
    performance = StudyTable(
        [_performance_row(r, by_cell.filter(r=r), table.filter(r=r), column) for r in rs]
        + [_performance_row("all", by_cell, table, column)]
    )
    by_encoder, encoders = _encoder_gain(selected, column, rs, depths)

    findings = []
    rho_u = by_depth["rho_align_uniqueness"]
    findings.append(Finding(
        "alignment falls as uniqueness grows, at every depth",
        len(rs) > 1 and np.all(rho_u < 0),
        "Spearman rho(uniqueness, alignment) per depth: " + _signed(zip(depths, rho_u)),
        float(np.max(rho_u)),  # the largest rho: it holds when even that one is negative
    ))
    rho_d = by_r["rho_align_depth"]
    high_rho = [v for r, v in zip(rs, rho_d) if r >= 4] or list(rho_d)
    findings.append(Finding(
        "greater heterogeneity lowers the alignment that emerges",
        len(depths) > 1 and nan_mean(high_rho) < 0,
        "Spearman rho(depth, alignment) per r: " + _signed(zip(rs, rho_d)),
        nan_mean(high_rho),
    ))
    findings.append(_recovery_finding(by_encoder, encoders, column))
    findings.append(_performance_finding(performance))
    return {"by_redundancy": by_r, "by_depth": by_depth, "by_cell": by_cell,
            "performance": performance, "by_encoder": by_encoder, "findings": findings}


def _recovery_finding(by_encoder, encoders, column):
    claim = ("deeper encoders recover alignment when redundancy is high (r >= 6, heterogeneity "
             "depth >= 1: the best deeper x2 encoder aligns more than the shallowest, at most "
             "depths and on average)")
    rows = [row for row in by_encoder if row["r"] >= 6 and row["depth"] >= 1]
    if len(encoders) < 2 or not rows:
        return Finding(claim, False, "not measured: needs two or more encoder depths, r >= 6 "
                                     "and a heterogeneity depth >= 1")
    gains = np.array([row["gain"] for row in rows])
    holds = np.mean(gains > 0) > 0.5 and gains.mean() > 0
    base = f"align_encoder_{encoders[0]}"
    evidence = (f"alignment of encoder depth {encoders[0]} -> best deeper (its depth) per "
                "(r, heterogeneity depth): " + "; ".join(
                    f"r={row['r']} d={row['depth']}: {row[base]:.3f} -> "
                    f"{row['align_best_deeper']:.3f} ({row['best_deeper_encoder']})"
                    for row in rows)
                + f"; gain > 0 at {int(np.sum(gains > 0))} of {len(gains)}, mean {gains.mean():+.3f}")
    return Finding(claim, holds, evidence, gains.mean())


def _performance_finding(performance):
    per_r = [row for row in performance if row["r"] != "all"]
    top = [row["spearman_mean"] for row in per_r if row["r"] >= 6]
    low = [row["spearman_mean"] for row in per_r if row["r"] <= 2]
    holds = bool(top and low and nan_mean(top) >= 0.5 and nan_mean(low) < 0.5)

    def per(key, sd=None):
        return ", ".join(
            f"{row['r']}: {row[key]:+.2f}" + (f" ± {row[sd]:.2f}" if sd else "") for row in per_r)

    models = min(row["models_per_cell"] for row in per_r)
    evidence = "\n  ".join([
        f"within-cell Spearman rho(alignment, accuracy of x2), mean ± sd over heterogeneity depths "
        f"(>= {models} models per cell) per r: {per('spearman_mean', 'spearman_sd')}",
        f"within-cell Pearson: {per('pearson_mean', 'pearson_sd')}",
        f"partial Spearman controlling for heterogeneity depth: {per('partial_spearman')}",
        f"pooled over depths (confounded by heterogeneity): {per('pooled_spearman')}",
    ])
    return Finding(
        "alignment predicts performance when redundancy dominates (mean within-cell rho >= 0.5 "
        "over r >= 6), weakly or not at all when uniqueness dominates (mean within-cell "
        "rho < 0.5 over r <= 2)",
        holds,
        evidence,
        nan_mean(top) if top else None,
    )


def summarize_emergence_real(table, metric="mutual_knn"):
    """Per dataset and modality pair: mean accuracies and alignment, the correlation of alignment
    and accuracy of modality b across the pair's models, and the finding.

    The cell is one dataset and one modality pair; its models are the encoder depths x seeds x
    the validation grid's candidates of :func:`emergence_study_real`.

    Parameters
    ----------
    table : StudyTable
        From :func:`emergence_study_real`.
    metric : str, default="mutual_knn"
        Which alignment column (``align_<metric>``) to summarise.

    Returns
    -------
    summary : dict
        ``by_pair`` (StudyTable, one row per (dataset, modality_a, modality_b)): ``dataset``
        (when the table has it), ``pair``, ``n_models``, the mean ``acc_a``, ``acc_b`` and
        ``align_<metric>``, and the ``spearman`` and ``pearson`` correlation of alignment and
        ``acc_b`` over the models; ``findings``: whether alignment and accuracy rise together
        within the pairs (mean Spearman rho over the pairs > 0).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_emergence_real
    >>> rows = [dict(modality_a="text", modality_b="vision", encoder_depth=d, acc_a=0.7,
    ...              acc_b=0.5 + d / 10, align_mutual_knn=0.1 * d ** 2) for d in (1, 2, 3)]
    >>> summary = summarize_emergence_real(StudyTable(rows))
    >>> by_pair = summary["by_pair"]
    >>> by_pair["pair"].tolist(), float(by_pair["spearman"][0]), round(float(by_pair["pearson"][0]), 3)
    (['text-vision'], 1.0, 0.99)
    >>> summary["findings"][0].holds
    True
    """
    column = _alignment_column(table, metric)
    keys = ("dataset", "modality_a", "modality_b") if "dataset" in table.columns else (
        "modality_a", "modality_b")
    rho = {m: grouped_correlation(table, column, "acc_b", keys, m) for m in ("spearman", "pearson")}
    means = {c: mean_by(table, keys, c) for c in ("acc_a", "acc_b", column)}
    out = []
    for key, (spearman_rho, n) in rho["spearman"].items():
        row = {"dataset": key[0]} if len(key) == 3 else {}
        row.update({"pair": f"{key[-2]}-{key[-1]}", "n_models": n,
                    **{c: means[c][key] for c in means},
                    "spearman": spearman_rho, "pearson": rho["pearson"][key][0]})
        out.append(row)
    by_pair = StudyTable(out)
    mean_rho = nan_mean(by_pair["spearman"])
    finding = Finding(
        "alignment predicts performance on real data: across each modality pair's models, "
        "alignment and the accuracy of modality b rise together (mean Spearman rho over the "
        "pairs > 0)",
        mean_rho > 0,
        "Spearman rho(alignment, accuracy of b) per pair: " + ", ".join(
            f"{row['pair']}: {row['spearman']:+.2f} ({row['n_models']} models)" for row in out),
        mean_rho,
    )
    return {"by_pair": by_pair, "findings": [finding]}


def summarize_emergence_any(table, metric=HEADLINE):
    """:func:`summarize_emergence` for a synthetic table (one with ``r``), else
    :func:`summarize_emergence_real`."""
    if "r" in table.columns:
        return summarize_emergence(table, metric)
    return summarize_emergence_real(table, metric)


# ------------------------------------------------------------------------------ the report
def emergence_report(run, summary):
    """The summary's sections and ``layerwise.json`` (every row with its layer x layer matrices)."""
    table = run.table
    layerwise = json.dumps([{**row, "layers": run.layers[i]}
                            for i, row in enumerate(table.records)]) + "\n"
    if "r" not in table.columns:
        sections = [(f"{run.source}: alignment and accuracy per modality pair, correlated across "
                     "each pair's models", summary["by_pair"].to_markdown())]
    else:
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
    return Report(sections, summary["findings"], files={"layerwise.json": layerwise})


def emergence_figures(run, summary):
    """``{file name: figure}``: alignment against uniqueness, heterogeneity and performance, and
    one cell's layer x layer heatmap."""
    from . import _figures

    table, layers = run.table, run.layers
    column, ylabel = f"align_{HEADLINE}", f"{HEADLINE} (max over layers)"
    if "r" not in table.columns:
        with_pairs = StudyTable([{**r, "pair": f"{r['modality_a']}-{r['modality_b']}"}
                                 for r in table])
        row = table.records[-1]
        return {
            "alignment_vs_performance.png": _figures.scatter(
                with_pairs, column, "acc_b", "pair", HEADLINE, "test accuracy of modality b",
                f"{run.source}: performance vs alignment")[0],
            "layerwise_heatmap.png": _figures.layer_heatmap(
                layers[len(table) - 1][HEADLINE], HEADLINE, row["modality_a"],
                row["modality_b"], f"{run.source}, encoder depth {row['encoder_depth']}")[0],
        }
    chosen = [i for i, row in enumerate(table) if row.get("selected", True)]
    selected = StudyTable([table.records[i] for i in chosen], columns=table.columns)
    # the most redundant, least heterogeneous cell with the deepest x2 encoder
    pick = max(chosen, key=lambda i: (table.records[i]["r"], -table.records[i]["depth"],
                                      table.records[i]["encoder_depth"]))
    row = table.records[pick]
    return {
        "alignment_vs_uniqueness.png": _figures.scatter(
            selected, "uniqueness", column, "depth", "uniqueness (8 - r)", ylabel,
            "alignment vs uniqueness, by depth")[0],
        "alignment_vs_heterogeneity.png": _figures.scatter(
            selected, "depth", column, "r", "heterogeneity depth", ylabel,
            "alignment vs heterogeneity, by r")[0],
        # every model, one panel per r, one colour (and one within-cell rho) per depth
        "alignment_vs_performance.png": _figures.scatter_panels(
            table, column, "acc_b", "r", "depth", HEADLINE, "test accuracy of x2",
            "r = {}: colour = heterogeneity depth")[0],
        "layerwise_heatmap.png": _figures.layer_heatmap(
            layers[pick][HEADLINE], HEADLINE, "x1", "x2",
            f"r={row['r']}, depth={row['depth']}, x2 encoder depth {row['encoder_depth']}")[0],
    }
