import json

import numpy as np
import pytest
from scipy.stats import spearmanr, ttest_rel

from mmalign_sk.experiments import StudyTable, strategic_alignment_study, summarize_strategic
from mmalign_sk.experiments import _strategic
from mmalign_sk.experiments._stats import paired_difference

TINY = dict(
    temperatures=(0.1,),
    seeds=1,
    n_train=256,
    n_val=128,
    n_test=256,
    lr=(1e-2,),
    weight_decay=(1e-2,),
    max_epochs=6,
    patience=2,
    metrics=["mutual_knn", "cka"],
    alignment_samples=200,
    progress=False,
    device="cpu",
)


@pytest.fixture(scope="module")
def tiny():
    return strategic_alignment_study(["R=0", "R=8", "synergy"], [0, 3],
                                     **{**TINY, "lr": (3e-3, 1e-2)})


def test_table_structure(tiny):
    assert len(tiny) == 3 * 2
    assert tiny["setting"].tolist() == ["R=0", "R=0", "R=8", "R=8", "synergy", "synergy"]
    assert tiny["r"].tolist() == [0, 0, 8, 8, None, None]
    assert tiny["alignment_weight"].tolist() == [0.0, 3.0] * 3
    assert tiny["temperature"].tolist() == [0.1] * 6
    for column in ("acc_a", "acc_b", "acc_unimodal", "acc", "valid_acc", "lr", "weight_decay",
                   "epochs", "best_epoch", "stopped", "align_mutual_knn", "align_cka",
                   "mi_x1_y", "mi_x2_y", "mi_x1x2_y"):
        assert column in tiny.columns
    assert np.allclose(tiny["acc_unimodal"], (tiny["acc_a"] + tiny["acc_b"]) / 2)
    # every weight, 0 included, chose its learning rate from the same grid
    assert set(tiny["lr"].tolist()) <= {3e-3, 1e-2}
    assert set(tiny["stopped"].tolist()) <= {"patience", "max_epochs"}
    assert np.all(tiny["best_epoch"] <= tiny["epochs"])
    assert np.all(tiny["epochs"] <= 6)
    r8 = tiny.filter(setting="R=8").records[0]
    assert r8["mi_x1_y"] == pytest.approx(r8["mi_x1x2_y"])
    # the synergy setting is synergy-dominated, but each modality alone knows something
    syn = tiny.filter(setting="synergy").records[0]
    assert 0.1 < syn["mi_x1_y"] < syn["mi_x1x2_y"] / 2


def test_strong_alignment_raises_alignment(tiny):
    # where little alignment emerges by itself (at R=8 it is high already at lambda = 0)
    for setting in ("R=0", "synergy"):
        sub = tiny.filter(setting=setting)
        assert sub["align_mutual_knn"][1] > sub["align_mutual_knn"][0] + 0.02, setting


def test_temperatures_and_seeds_are_cells(tmp_path, monkeypatch):
    params = dict(TINY, metrics=["mutual_knn"], max_epochs=2)
    table = strategic_alignment_study(["R=8"], [0, 1], **{**params, "temperatures": (0.1, 1.0),
                                                          "seeds": (0, 1)}, cache_dir=tmp_path)
    assert table["temperature"].tolist() == [0.1] * 4 + [1.0] * 4
    assert table["seed"].tolist() == [0, 0, 1, 1] * 2
    # each seed draws its own sample of the setting: the lambda = 0 models differ
    assert table["valid_acc"][0] != table["valid_acc"][2] or table["acc_a"][0] != table["acc_a"][2]
    # lambda = 0 trains no alignment loss, so the temperature changes nothing
    assert table["acc_a"][0] == table["acc_a"][4] and table["acc_b"][2] == table["acc_b"][6]

    def fail(*args, **kwargs):
        raise AssertionError("a finished cell was run again")

    monkeypatch.setattr(_strategic, "_weight_rows", fail)
    again = strategic_alignment_study(["R=8"], [0, 1], **{**params, "temperatures": (0.1, 1.0),
                                                          "seeds": (0, 1)}, cache_dir=tmp_path)
    assert again.records == table.records


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((["R=5"], [0]), {}, "unknown settings"),
        ((["R=8"], [-1.0]), {}, "alignment_weights"),
        ((["R=8"], [0]), dict(temperatures=[0]), "temperatures"),
        ((["R=8"], [0]), dict(lr=[0]), "lr"),
        ((["R=8"], [0]), dict(weight_decay=[-1]), "weight_decay"),
        ((["R=8"], [0]), dict(patience=0), "patience"),
        ((["R=8"], [0]), dict(n_val=1), "n_val"),
        ((["R=8"], [0]), dict(metrics=["nope"]), "unknown metric"),
    ],
)
def test_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        strategic_alignment_study(*args, **{**TINY, **kwargs})


def test_custom_setting_by_dict():
    table = strategic_alignment_study(
        {"five bits": dict(kind="redundancy", n_redundant=5)},
        [0],
        **{**TINY, "max_epochs": 1, "metrics": ["mutual_knn"]},
    )
    assert table["setting"].tolist() == ["five bits"] and table["r"].tolist() == [5]


# ------------------------------------------------------------------ paired statistics
def test_paired_difference_matches_a_naive_computation_and_the_paired_t_test():
    a = np.array([0.71, 0.69, 0.74, 0.70])
    b = np.array([0.68, 0.69, 0.70, 0.66])
    mean, se = paired_difference(a, b)
    d = [x - y for x, y in zip(a.tolist(), b.tolist())]
    naive_mean = sum(d) / len(d)
    naive_sd = (sum((v - naive_mean) ** 2 for v in d) / (len(d) - 1)) ** 0.5
    assert mean == pytest.approx(naive_mean, abs=1e-15)
    assert se == pytest.approx(naive_sd / len(d) ** 0.5, rel=1e-12)
    assert mean / se == pytest.approx(ttest_rel(a, b).statistic, rel=1e-12)
    assert np.isnan(paired_difference([0.5], [0.4])[1])
    with pytest.raises(ValueError, match="equally long"):
        paired_difference([0.5, 0.6], [0.4])


# ------------------------------------------------------------------ summary and findings
WEIGHTS = (0.0, 0.2, 0.6, 2.0)
#: mean accuracy per weight, and per-seed offsets (shared by all weights of a seed)
CURVES = {
    "R=0": [0.60, 0.58, 0.52, 0.40],
    "R=2": [0.62, 0.61, 0.57, 0.45],
    "R=4": [0.65, 0.67, 0.68, 0.55],
    "R=8": [0.88, 0.89, 0.893, 0.888],
    "synergy": [0.40, 0.43, 0.44, 0.42],
}
SEED_SHIFT = {0: -0.01, 1: 0.0, 2: 0.01}
#: a small seed x weight interaction, so that paired differences have a standard error
JITTER = {0: (0.0, 0.002, -0.003, 0.001), 1: (0.0, -0.001, 0.002, 0.0),
          2: (0.0, 0.0, 0.001, -0.002)}


def _table(curves=CURVES, align=lambda w: 0.1 + w / 10, temperature=0.1, stopped="patience",
           jitter=JITTER):
    rows = []
    for setting, accs in curves.items():
        r = None if setting == "synergy" else int(setting[2:])
        for seed, shift in SEED_SHIFT.items():
            for i, (w, acc) in enumerate(zip(WEIGHTS, accs)):
                value = acc + shift + jitter[seed][i]
                rows.append(dict(setting=setting, r=r, temperature=temperature, seed=seed,
                                 alignment_weight=w, acc_a=value + 0.01, acc_b=value - 0.01,
                                 acc_unimodal=value, valid_acc=value, epochs=50,
                                 stopped=stopped, align_mutual_knn=align(w),
                                 align_cka=0.2 + w / 20))
    return StudyTable(rows)


ALIGNMENT = "alignment rises with lambda in every setting, also where accuracy falls"


def _findings(summary):
    return {f.claim.split(":")[0].split(" (")[0]: f for f in summary["findings"]}


def test_summary_statistics_are_the_paired_ones():
    summary = summarize_strategic(_table())
    by = {row["setting"]: row for row in summary["by_setting"]}
    acc = {s: {w: [v + SEED_SHIFT[seed] + JITTER[seed][i] for seed in SEED_SHIFT]
               for i, (w, v) in enumerate(zip(WEIGHTS, CURVES[s]))} for s in CURVES}
    r4 = by["R=4"]
    assert r4["best_weight"] == 0.6 and r4["acc_at_best"] == pytest.approx(np.mean(acc["R=4"][0.6]))
    gain, se = r4["gain"], r4["gain_se"]
    d = np.subtract(acc["R=4"][0.6], acc["R=4"][0.0])
    assert gain == pytest.approx(d.mean()) and se == pytest.approx(d.std(ddof=1) / np.sqrt(3))
    assert r4["margin_vs_largest"] == pytest.approx(
        np.mean(acc["R=4"][0.6]) - np.mean(acc["R=4"][2.0]))
    assert r4["acc_at_0_sd"] == pytest.approx(np.std(acc["R=4"][0.0], ddof=1))
    assert r4["rho_weight_acc"] == pytest.approx(spearmanr(WEIGHTS, CURVES["R=4"]).statistic)
    rows = summary["by_weight"].filter(setting="R=0")
    assert rows["diff_vs_0"][0] == 0 and rows["diff_vs_0"][3] == pytest.approx(-0.20, abs=0.01)
    assert summary["best_weights"].records[2] == {"setting": "R=4", "r": 4, "T=0.1": 0.6}


def test_best_weight_is_chosen_on_validation_not_on_test():
    table = _table()
    for row in table.records:  # on the test rows lambda = 2 is best at R=8, on validation 0.6
        if row["setting"] == "R=8" and row["alignment_weight"] == 2.0:
            row["acc_unimodal"] += 0.05
    by = {row["setting"]: row for row in summarize_strategic(table)["by_setting"]}
    assert by["R=8"]["best_weight"] == 0.6


def test_findings_hold_on_the_papers_shapes():
    findings = _findings(summarize_strategic(_table()))
    assert set(findings) == {"converged", "uniqueness-dominated", "mixed", "redundancy-dominated",
                             "synergy-dominated with a little redundancy", ALIGNMENT}
    assert all(f.holds for f in findings.values()), findings
    assert all(set(f.to_dict()) == {"claim", "holds", "evidence", "statistic"}
               for f in findings.values())
    json.dumps([f.to_dict() for f in summarize_strategic(_table())["findings"]])


def test_a_gain_within_two_standard_errors_is_not_an_inverted_u():
    curves = dict(CURVES, **{"R=4": [0.65, 0.652, 0.653, 0.60]})
    noisy = {0: (0.0, 0.02, -0.02, 0.0), 1: (0.0, -0.02, 0.02, 0.0), 2: (0.0, 0.0, 0.01, 0.0)}
    summary = summarize_strategic(_table(curves, jitter=noisy))
    by = {row["setting"]: row for row in summary["by_setting"]}
    assert 0 < by["R=4"]["gain"] < 2 * by["R=4"]["gain_se"]
    assert not _findings(summary)["mixed"].holds


def test_findings_fail_where_the_data_disagree():
    curves = dict(CURVES, **{"R=0": [0.60, 0.62, 0.63, 0.64],      # rises instead of falling
                             "R=8": [0.88, 0.89, 0.893, 0.86]})    # falls at the largest lambda
    findings = _findings(summarize_strategic(_table(curves, align=lambda w: 0.3 - w / 10)))
    assert not findings["uniqueness-dominated"].holds
    assert not findings["redundancy-dominated"].holds
    assert not findings[ALIGNMENT].holds
    assert "R=0: lambda*=2" in findings["uniqueness-dominated"].evidence


def test_convergence_findings():
    table = _table(dict(CURVES, **{"R=8": [0.88, 0.89, 0.893, 0.86]}))
    converged = [f for f in summarize_strategic(table)["findings"]
                 if f.claim.startswith("converged")]
    # lambda = 1 is not in this grid: the R=8 criterion needs it, the cap check does not
    assert len(converged) == 1
    assert "every fit was ended by early stopping" in converged[0].claim
    grid = dict(CURVES)
    rows = _table(grid, stopped="max_epochs").records
    for row in rows:
        row["alignment_weight"] = {2.0: 1.0}.get(row["alignment_weight"], row["alignment_weight"])
    checks = [f for f in summarize_strategic(StudyTable(rows))["findings"]
              if f.claim.startswith("converged")]
    r8 = checks[0]
    assert "lambda = 1 is within 0.01" in r8.claim and r8.holds      # 0.888 vs 0.88
    assert not checks[1].holds and checks[1].evidence.startswith("60 of 60 fits")
    assert checks[1].statistic == 60


def test_findings_per_temperature():
    table = StudyTable(_table(temperature=0.1).records + _table(temperature=1.0).records)
    summary = summarize_strategic(table)
    assert summary["best_weights"].columns == ["setting", "r", "T=0.1", "T=1"]
    claims = [f.claim for f in summary["findings"]]
    per_temperature = [sum(c.endswith(f"(T = {t})") for c in claims) for t in ("0.1", "1")]
    assert per_temperature[0] == per_temperature[1] > 0


def test_summary_needs_the_metric_column():
    with pytest.raises(ValueError, match="no alignment column for metric 'svcca'"):
        summarize_strategic(_table(), metric="svcca")


@pytest.mark.slow
def test_quick_study_converges_and_shows_the_documented_findings(tmp_path):
    from mmalign_sk.experiments import reproduce

    reproduce("strategic", tmp_path, quick=True, progress=False, device="cpu", echo=False,
              n_jobs=-1)
    summary = json.loads((tmp_path / "summary.json").read_text())
    converged = [f for f in summary["findings"] if f["claim"].startswith("converged")]
    assert len(converged) == 2 and all(f["holds"] for f in converged)
    findings = {f["claim"].split(":")[0].split(" (")[0]: f for f in summary["findings"]}
    assert findings["uniqueness-dominated"]["holds"]
    assert findings["redundancy-dominated"]["holds"]
    assert [row["setting"] for row in summary["best_weights"]] == ["R=2", "R=4", "R=8", "synergy"]
    assert {row["setting"]: row["T=0.1"] for row in summary["best_weights"]}["R=2"] == 0.0
