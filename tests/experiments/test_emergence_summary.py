import math

import numpy as np
import pytest

from mmalign_sk.experiments import StudyTable, summarize_emergence, summarize_emergence_real

from naive_stats import naive_partial, naive_pearson, naive_ranks, naive_spearman

RS, DEPTHS, ENCODERS, LRS = (0, 2, 6, 8), (0, 2, 4), (1, 2, 3), (1e-2, 1e-3)


def hand_built(sign=lambda r: -1, encoder_effect=0.01):
    """Six models per (r, depth) cell. Each cell's mean alignment and accuracy grow together
    across cells, so the pooled correlation is positive; within a cell, accuracy moves with
    alignment by ``sign(r)`` (-1: accuracy falls as alignment rises). The model with the first
    lr is the selected one of its encoder depth."""
    rows = []
    for r in RS:
        for d in DEPTHS:
            base = (1 + r) / (1 + d)
            for e in ENCODERS:
                for i, lr in enumerate(LRS):
                    offset = encoder_effect * e + 0.003 * i
                    rows.append(dict(r=r, uniqueness=8 - r, depth=d, encoder_depth=e, seed=0,
                                     lr_b=lr, selected=i == 0,
                                     align_mutual_knn=base + offset,
                                     acc_b=0.1 * base + sign(r) * offset))
    return rows


def test_within_cell_correlation_is_negative_where_the_pooled_one_is_positive():
    rows = hand_built()
    summary = summarize_emergence(StudyTable(rows))
    by_cell, perf = summary["by_cell"], summary["performance"]
    assert len(by_cell) == len(RS) * len(DEPTHS)
    assert by_cell["n_models"].tolist() == [6] * len(by_cell)
    np.testing.assert_allclose(by_cell["spearman"], -1.0)
    np.testing.assert_allclose(by_cell["pearson"], -1.0)
    # across cells, mean alignment and mean accuracy rise together: rho = +1
    assert naive_spearman(by_cell["align_mutual_knn"], by_cell["acc_b"]) == pytest.approx(1.0)

    assert [row["r"] for row in perf] == [*RS, "all"]
    np.testing.assert_allclose(perf["spearman_mean"], -1.0)
    np.testing.assert_allclose(perf["spearman_sd"], 0.0, atol=1e-12)
    np.testing.assert_allclose(perf["pearson_mean"], -1.0)
    assert perf["n_cells"].tolist() == [3, 3, 3, 3, 12]
    assert perf["models_per_cell"].tolist() == [6] * 5
    for row in perf:
        sub = [x for x in rows if row["r"] in ("all", x["r"])]
        align = [x["align_mutual_knn"] for x in sub]
        acc = [x["acc_b"] for x in sub]
        pooled = naive_spearman(align, acc)
        assert row["pooled_spearman"] == pytest.approx(pooled, abs=1e-12)
        assert pooled > 0.5

    finding = summary["findings"][3]
    assert finding.claim.startswith("alignment predicts performance")
    assert finding.holds is False
    assert "8: -1.00 ± 0.00" in finding.evidence


def test_partial_correlation_controls_for_depth():
    rng = np.random.RandomState(0)
    rows = hand_built()
    for row in rows:  # break the hand-built table's exact ties
        row["acc_b"] += 0.01 * rng.normal()
        row["align_mutual_knn"] += 0.01 * rng.normal()
    perf = summarize_emergence(StudyTable(rows))["performance"]
    for row in perf:
        sub = [x for x in rows if row["r"] in ("all", x["r"])]
        align, acc = [x["align_mutual_knn"] for x in sub], [x["acc_b"] for x in sub]
        covariates = [[x["depth"] for x in sub]]
        if row["r"] == "all":
            covariates.append([x["r"] for x in sub])
        assert row["partial_pearson"] == pytest.approx(
            naive_partial(align, acc, covariates), abs=1e-9)
        ranked = [naive_ranks(c) for c in covariates]
        assert row["partial_spearman"] == pytest.approx(
            naive_partial(naive_ranks(align), naive_ranks(acc), ranked), abs=1e-9)


def test_performance_finding_holds_when_within_cell_rho_follows_redundancy():
    rows = hand_built(sign=lambda r: 1 if r >= 6 else -1)
    summary = summarize_emergence(StudyTable(rows))
    np.testing.assert_allclose(summary["performance"]["spearman_mean"][:4], [-1, -1, 1, 1])
    assert summary["findings"][3].holds is True
    # the mean over r: half the cells at +1, half at -1
    assert summary["performance"]["spearman_mean"][4] == pytest.approx(0.0, abs=1e-12)
    assert summary["performance"]["spearman_sd"][4] == pytest.approx(1.0)


def test_alignment_trends_use_the_selected_models():
    rows = hand_built()
    summary = summarize_emergence(StudyTable(rows))
    for row in summary["by_redundancy"]:
        chosen = [x for x in rows if x["selected"] and x["r"] == row["r"]]
        at_0 = [x["align_mutual_knn"] for x in chosen if x["depth"] == 0]
        assert row["align_depth_0"] == pytest.approx(np.mean(at_0))
        assert row["rho_align_depth"] == pytest.approx(
            naive_spearman([x["depth"] for x in chosen], [x["align_mutual_knn"] for x in chosen]))
    holds = [f.holds for f in summary["findings"]]
    assert holds[:2] == [True, True]
    # without a "selected" column every row is a selected model
    plain = [{k: v for k, v in x.items() if k != "selected"} for x in rows]
    at_0 = [x["align_mutual_knn"] for x in rows if x["r"] == 0 and x["depth"] == 0]
    by_r = summarize_emergence(StudyTable(plain))["by_redundancy"]
    assert by_r["align_depth_0"][0] == pytest.approx(np.mean(at_0))


@pytest.mark.parametrize("effect, holds", [(0.01, True), (-0.01, False)])
def test_deeper_encoders_recover_alignment(effect, holds):
    summary = summarize_emergence(StudyTable(hand_built(encoder_effect=effect)))
    by_encoder = summary["by_encoder"]
    assert len(by_encoder) == len(RS) * len(DEPTHS)
    # selected models: alignment = base + effect * encoder depth; best deeper is 3 (2 if effect < 0)
    best = 3 if effect > 0 else 2
    assert by_encoder["best_deeper_encoder"].tolist() == [best] * len(by_encoder)
    np.testing.assert_allclose(by_encoder["gain"], effect * (best - 1), atol=1e-12)
    finding = summary["findings"][2]
    assert finding.claim.startswith("deeper encoders recover alignment")
    assert finding.holds is holds
    # r >= 6 at heterogeneity depths 2 and 4
    assert f"gain > 0 at {4 if holds else 0} of 4" in finding.evidence


def test_recovery_needs_two_encoder_depths():
    rows = [x for x in hand_built() if x["encoder_depth"] == 1]
    finding = summarize_emergence(StudyTable(rows))["findings"][2]
    assert finding.holds is False and finding.evidence.startswith("not measured")


def test_summary_unknown_metric():
    with pytest.raises(ValueError, match="no alignment column for metric 'cka'"):
        summarize_emergence(StudyTable(hand_built()), metric="cka")
    with pytest.raises(ValueError, match="no alignment column for metric 'cka'"):
        summarize_emergence_real(StudyTable(hand_built()), metric="cka")


def test_real_summary_correlates_within_each_pair():
    rng = np.random.RandomState(0)
    rows = []
    for a, b in (("text", "vision"), ("text", "audio")):
        for e in (1, 2):
            for seed in (0, 1):
                for lr in (1e-3, 1e-4):
                    rows.append(dict(dataset="mosei", modality_a=a, modality_b=b, encoder_depth=e,
                                     seed=seed, lr_b=lr, acc_a=rng.uniform(), acc_b=rng.uniform(),
                                     align_mutual_knn=rng.uniform()))
    result = summarize_emergence_real(StudyTable(rows))
    summary = result["by_pair"]
    assert summary["pair"].tolist() == ["text-vision", "text-audio"]
    assert summary["dataset"].tolist() == ["mosei", "mosei"]
    # the finding: the mean within-pair rho, and whether it is positive
    (finding,) = result["findings"]
    mean_rho = np.mean([naive_spearman([x["align_mutual_knn"] for x in rows[i:i + 8]],
                                       [x["acc_b"] for x in rows[i:i + 8]]) for i in (0, 8)])
    assert finding.statistic == pytest.approx(mean_rho, abs=1e-12)
    assert finding.holds == (mean_rho > 0)
    for row in summary:
        sub = [x for x in rows if f"{x['modality_a']}-{x['modality_b']}" == row["pair"]]
        align, acc = [x["align_mutual_knn"] for x in sub], [x["acc_b"] for x in sub]
        assert row["n_models"] == 8
        assert row["spearman"] == pytest.approx(naive_spearman(align, acc), abs=1e-12)
        assert row["pearson"] == pytest.approx(naive_pearson(align, acc), abs=1e-12)
        assert row["acc_a"] == pytest.approx(np.mean([x["acc_a"] for x in sub]))
        assert row["align_mutual_knn"] == pytest.approx(np.mean(align))
    # one model per pair: no correlation
    one = summarize_emergence_real(StudyTable(rows[:1]))
    assert math.isnan(one["by_pair"]["spearman"][0]) and one["by_pair"]["n_models"][0] == 1
    assert not one["findings"][0].holds and one["findings"][0].to_dict()["statistic"] is None
