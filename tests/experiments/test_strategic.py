import numpy as np
import pytest
from scipy.stats import spearmanr

from mmalign_sk.experiments import StudyTable, strategic_alignment_study, summarize_strategic
from mmalign_sk.experiments import _strategic

TINY = dict(
    seeds=1,
    n_samples=1024,
    cv=2,
    max_epochs=8,
    metrics=["mutual_knn", "cka"],
    progress=False,
    device="cpu",
)


@pytest.fixture(scope="module")
def tiny():
    return strategic_alignment_study(["R=0", "R=8", "synergy"], [0, 3], **TINY)


def test_table_structure(tiny):
    assert len(tiny) == 3 * 2
    assert tiny["setting"].tolist() == ["R=0", "R=0", "R=8", "R=8", "synergy", "synergy"]
    assert tiny["r"].tolist() == [0, 0, 8, 8, None, None]
    assert tiny["alignment_weight"].tolist() == [0.0, 3.0] * 3
    for column in (
        "acc_a",
        "acc_b",
        "acc",
        "align_mutual_knn",
        "align_cka",
        "acc_a_std",
        "mi_x1_y",
        "mi_x2_y",
        "mi_x1x2_y",
    ):
        assert column in tiny.columns
    # the exact information of the settings: synergy gives each modality alone nothing
    syn = tiny.filter(setting="synergy").records[0]
    assert abs(syn["mi_x1_y"]) < 1e-12 and syn["mi_x1x2_y"] > 0.5
    r8 = tiny.filter(setting="R=8").records[0]
    assert r8["mi_x1_y"] == pytest.approx(r8["mi_x1x2_y"])


def test_strong_alignment_raises_alignment(tiny):
    for setting in ("R=0", "R=8", "synergy"):
        sub = tiny.filter(setting=setting)
        assert sub["align_mutual_knn"][1] > sub["align_mutual_knn"][0] + 0.1


def test_synergy_unimodal_heads_are_at_chance(tiny):
    # each modality alone carries no information about the synergistic label (4 classes)
    assert np.all(np.abs(tiny.filter(setting="synergy")["acc_a"] - 0.25) < 0.06)


def test_weight_zero_is_independent_training():
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from mmalign_sk.datasets import make_interaction_dataset
    from mmalign_sk.estimators import UnimodalClassifier

    table = strategic_alignment_study(["R=4"], [0], **{**TINY, "metrics": ["mutual_knn"]})
    data = make_interaction_dataset("mixed", n_samples=1024, random_state=0)
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    est = UnimodalClassifier(
        "x1", encoder__depth=3, lr=1e-2, max_epochs=8, batch_size=256, device="cpu", random_state=0
    )
    expected = cross_val_score(est, data.X, data.y, cv=folds).mean()
    assert table["acc_a"][0] == pytest.approx(expected, abs=1e-12)


def test_cache_skips_finished_sweeps(tmp_path, monkeypatch):
    params = dict(TINY, max_epochs=2, metrics=["mutual_knn"])
    first = strategic_alignment_study(["R=8"], [0, 1], cache_dir=tmp_path, **params)

    def fail(*args, **kwargs):
        raise AssertionError("a finished sweep was run again")

    monkeypatch.setattr(_strategic, "_sweep", fail)
    again = strategic_alignment_study(["R=8"], [0, 1], cache_dir=tmp_path, **params)
    assert again.records == first.records
    with pytest.raises(AssertionError, match="run again"):
        strategic_alignment_study(["R=8"], [0, 1, 2], cache_dir=tmp_path, **params)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((["R=5"], [0]), {}, "unknown settings"),
        ((["R=8"], [-1.0]), {}, "alignment_weights"),
        ((["R=8"], [0]), dict(cv=1), "cv"),
        ((["R=8"], [0]), dict(metrics=["nope"]), "unknown metric"),
        ((["R=8"], [0]), dict(temperature=0), "temperature"),
    ],
)
def test_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        strategic_alignment_study(*args, **{**TINY, **kwargs})


def test_custom_setting_by_dict():
    table = strategic_alignment_study(
        {"two bits": dict(kind="redundancy", n_redundant=5)},
        [0],
        **{**TINY, "max_epochs": 1, "metrics": ["mutual_knn"]},
    )
    assert table["setting"].tolist() == ["two bits"] and table["r"].tolist() == [5]


def _table():
    rows = []
    curves = {
        "R=0": [0.60, 0.58, 0.50, 0.40],
        "R=4": [0.60, 0.603, 0.65, 0.55],
        "R=8": [0.80, 0.85, 0.90, 0.904],
    }
    for setting, accs in curves.items():
        for seed, shift in ((0, 0.01), (1, -0.01)):
            for w, acc in zip((0.0, 0.1, 1.0, 4.0), accs):
                rows.append(
                    dict(
                        setting=setting,
                        r=int(setting[2:]),
                        seed=seed,
                        alignment_weight=w,
                        acc_a=acc + shift,
                        acc_b=acc - shift,
                        align_mutual_knn=0.1 + w / 10,
                        align_cka=0.2 + w / 20,
                    )
                )
    return StudyTable(rows)


def test_summary_best_weight_with_tolerance():
    summary = summarize_strategic(_table(), tol=0.005)
    by = {row["setting"]: row for row in summary["by_setting"]}
    assert by["R=0"]["best_weight"] == 0.0 and by["R=0"]["gain"] == pytest.approx(0.0)
    assert by["R=4"]["best_weight"] == 1.0 and by["R=4"]["best_is_interior"]
    # 0.904 at 4.0 is the highest, but 0.90 at 1.0 is within tol of it: the smaller weight wins
    assert by["R=8"]["best_weight"] == 1.0
    assert {
        r["setting"]: r["best_weight"] for r in summarize_strategic(_table(), tol=0.0)["by_setting"]
    }["R=8"] == 4.0
    assert by["R=8"]["gain"] == pytest.approx(0.10)
    assert by["R=0"]["rho_weight_acc"] == pytest.approx(
        spearmanr([0, 0.1, 1, 4], [0.60, 0.58, 0.50, 0.40]).statistic
    )
    holds = {f["finding"].split(":")[0]: f["holds"] for f in summary["findings"]}
    assert all(holds.values()), summary["findings"]


def test_summary_by_weight_means_over_seeds():
    summary = summarize_strategic(_table())
    row = summary["by_weight"].filter(setting="R=4", alignment_weight=1.0).records[0]
    assert row["acc_a"] == pytest.approx(0.65) and row["acc_b"] == pytest.approx(0.65)
    assert row["align_cka"] == pytest.approx(0.25)


def test_summary_flags_a_failing_finding():
    rows = [dict(r, acc_a=1 - r["acc_a"], acc_b=1 - r["acc_b"]) for r in _table()]
    holds = [f["holds"] for f in summarize_strategic(StudyTable(rows))["findings"]]
    assert holds[0] is False  # the best weight now falls with redundancy
