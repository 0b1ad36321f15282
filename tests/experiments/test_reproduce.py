import json

import numpy as np
import pytest

from mmalign_sk.cli import main
from mmalign_sk.experiments import StudyTable, reproduce
from mmalign_sk.experiments import _figures, _reproduce

EMERGENCE_TINY = dict(
    n_redundant=(0, 8),
    depths=(0, 2),
    encoder_depths=(1,),
    seeds=(0,),
    n_samples=1024,
    lr=(1e-2,),
    weight_decay=(0.0,),
    max_epochs=4,
    reference_epochs=4,
)
STRATEGIC_TINY = dict(
    settings=("R=0", "R=8"),
    alignment_weights=(0.0, 1.0),
    temperatures=(0.1,),
    seeds=(0,),
    n_train=256,
    n_val=128,
    n_test=256,
    lr=(1e-2,),
    weight_decay=(1e-2,),
    max_epochs=3,
    patience=2,
)


@pytest.fixture
def tiny_presets(monkeypatch):
    monkeypatch.setattr(_reproduce, "EMERGENCE_QUICK", EMERGENCE_TINY)
    monkeypatch.setattr(_reproduce, "STRATEGIC_QUICK", STRATEGIC_TINY)


def test_emergence_writes_table_figures_and_summary(tmp_path, tiny_presets, capsys):
    table = reproduce("emergence", tmp_path, quick=True, progress=False, device="cpu")
    printed = capsys.readouterr().out
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "emergence.csv",
        "emergence.json",
        "summary.md",
        "summary.json",
        "layerwise.json",
        "alignment_vs_uniqueness.png",
        "alignment_vs_heterogeneity.png",
        "alignment_vs_performance.png",
        "layerwise_heatmap.png",
        "cache",
    } <= names
    assert (tmp_path / "summary.md").read_text().strip() == printed.strip()
    assert StudyTable.from_json(tmp_path / "emergence.json").records == table.records
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    findings = json.loads((tmp_path / "summary.json").read_text())["findings"]
    assert len(findings) == 4 and all(f["finding"] in printed for f in findings)
    layers = json.loads((tmp_path / "layerwise.json").read_text())
    assert len(layers) == len(table)
    assert max(map(max, layers[0]["layers"]["mutual_knn"])) == pytest.approx(
        table["align_mutual_knn"][0]
    )


def test_rerun_reuses_the_cache(tmp_path, tiny_presets, monkeypatch, capsys):
    first = reproduce("strategic", tmp_path, quick=True, progress=False, device="cpu")
    from mmalign_sk.experiments import _strategic

    def fail(*args, **kwargs):
        raise AssertionError("finished sweeps were recomputed")

    monkeypatch.setattr(_strategic, "_weight_rows", fail)
    again = reproduce("strategic", tmp_path, quick=True, progress=False, device="cpu")
    assert again.records == first.records


def test_strategic_through_the_command_line(tmp_path, tiny_presets, capsys):
    out = tmp_path / "out"
    assert (
        main(
            [
                "reproduce",
                "strategic",
                "--quick",
                "--out",
                str(out),
                "--no-progress",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "Best weight lambda* per setting" in printed and "### Findings" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert all(set(f) == {"claim", "holds", "evidence"} for f in summary["findings"])
    assert all(f["claim"] in printed for f in summary["findings"])
    assert [row["setting"] for row in summary["best_weights"]] == ["R=0", "R=8"]
    assert (out / "accuracy_and_alignment_vs_weight.png").is_file()
    table = StudyTable.from_json(out / "strategic.json")
    assert set(table["setting"].tolist()) == {"R=0", "R=8"}


def test_unknown_study(tmp_path):
    with pytest.raises(ValueError, match="study must be one of"):
        reproduce("nope", tmp_path)


def test_missing_real_dataset_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="mosei_senti_data.pkl"):
        reproduce(
            "emergence", tmp_path / "out", dataset="mosei", data_home=tmp_path, progress=False
        )
    with pytest.raises(ValueError, match="dataset must be 'synthetic' or one of"):
        reproduce("strategic", tmp_path / "out", dataset="imagenet", data_home=tmp_path)


def test_display_data_match_the_table(tmp_path):
    rows = [
        dict(
            setting=s,
            seed=seed,
            alignment_weight=w,
            acc_a=0.5 + w + seed,
            acc_b=0.4 + w,
            align_mutual_knn=0.1 * w + 0.01 * seed,
        )
        for s in ("A", "B")
        for seed in (0, 1)
        for w in (0.0, 0.5, 2.0)
    ]
    table = StudyTable(rows)
    fig, displays = _figures.alignment_curves(table, "align_mutual_knn", ["A", "B"], tol=0.0)
    disp = displays["A"]
    np.testing.assert_allclose(disp.param_values, [0.0, 0.5, 2.0])
    # mean over seeds of the mean of the two modalities' accuracies
    np.testing.assert_allclose(
        disp.performance_mean, [(0.5 + 0.4 + 0.5) / 2 + w for w in (0.0, 0.5, 2.0)]
    )
    np.testing.assert_allclose(disp.alignment_mean, [0.1 * w + 0.005 for w in (0.0, 0.5, 2.0)])
    assert disp.best_param_ == 2.0
    fig2, scatter = _figures.scatter(table, "alignment_weight", "acc_b", "setting", "w", "acc")
    np.testing.assert_array_equal(scatter.x, table["alignment_weight"])
    np.testing.assert_array_equal(scatter.y, table["acc_b"])
    assert scatter.spearman_["A"][0] == pytest.approx(1.0)
    for name, figure in (("curves.png", fig), ("scatter.png", fig2)):
        assert _figures.save(figure, tmp_path / name).stat().st_size > 1000


def test_without_matplotlib_the_tables_are_still_written(tmp_path, tiny_presets, monkeypatch,
                                                          capsys):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    reproduce("strategic", tmp_path, quick=True, progress=False, device="cpu")
    assert "no figures (matplotlib is missing" in capsys.readouterr().out
    assert (tmp_path / "strategic.csv").is_file() and not list(tmp_path.glob("*.png"))


def test_strategic_figures_per_temperature(tmp_path):
    pytest.importorskip("matplotlib")
    from mmalign_sk.experiments import summarize_strategic

    rows = [dict(setting=s, r=r, temperature=t, seed=seed, alignment_weight=w,
                 acc_a=0.6 + w * (r - 4) / 50 + seed / 100, acc_b=0.6, align_mutual_knn=w / 4)
            for s, r in (("R=4", 4), ("R=8", 8)) for t in (0.1, 1.0) for seed in (0, 1)
            for w in (0.0, 0.5, 2.0)]
    summary = summarize_strategic(StudyTable(rows))
    paths = _reproduce._strategic_figures(summary, tmp_path)
    assert [p.name for p in paths] == ["accuracy_and_alignment_vs_weight_T0.1.png",
                                       "accuracy_and_alignment_vs_weight_T1.png",
                                       "temperature_effect.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
