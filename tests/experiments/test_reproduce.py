import json

import numpy as np
import pytest

from mmalign_sk.cli import main
from mmalign_sk.experiments import STUDIES, StudyRun, StudyTable, reproduce
from mmalign_sk.experiments import _emergence, _figures, _strategic
from mmalign_sk.experiments._study import ours

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
    """The studies' quick presets made tiny (the study descriptions are what reproduce reads)."""
    monkeypatch.setitem(_emergence.SYNTHETIC_PRESETS, "quick",
                        {k: ours(v) for k, v in EMERGENCE_TINY.items()})
    monkeypatch.setitem(_strategic.SYNTHETIC_PRESETS, "quick",
                        {k: ours(v) for k, v in STRATEGIC_TINY.items()})


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
    assert len(findings) == 4 and all(f["claim"] in printed for f in findings)
    assert all(set(f) == {"claim", "holds", "evidence", "statistic"} for f in findings)
    # every file written is one the study's description lists (its --help shows them)
    assert names - {"cache"} <= set(STUDIES["emergence"].outputs)
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
    assert all(set(f) == {"claim", "holds", "evidence", "statistic"} for f in summary["findings"])
    assert all(f["claim"] in printed for f in summary["findings"])
    assert [row["setting"] for row in summary["best_weights"]] == ["R=0", "R=8"]
    assert (out / "accuracy_and_alignment_vs_weight.png").is_file()
    table = StudyTable.from_json(out / "strategic.json")
    assert set(table["setting"].tolist()) == {"R=0", "R=8"}


def test_unknown_study_dataset_or_parameter(tmp_path):
    with pytest.raises(ValueError, match="study must be one of"):
        reproduce("nope", tmp_path)
    with pytest.raises(ValueError, match=r"dataset must be one of \['synthetic', 'mosi'"):
        reproduce("strategic", tmp_path / "out", dataset="imagenet", data_home=tmp_path)
    # a parameter the source does not have is refused, not ignored
    with pytest.raises(TypeError, match=r"the emergence study \(synthetic\) does not take the "
                                        r"parameter\(s\) \['data_home'\]"):
        reproduce("emergence", tmp_path / "out", data_home=tmp_path)
    with pytest.raises(TypeError, match=r"does not take the parameter\(s\) \['text_models'\]"):
        reproduce("strategic", tmp_path / "out", text_models=["gpt2"])


def test_missing_real_dataset_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="mosei_senti_data.pkl"):
        reproduce(
            "emergence", tmp_path / "out", dataset="mosei", data_home=tmp_path, progress=False
        )


def test_scatter_data_match_the_table():
    rows = [dict(setting=s, seed=seed, alignment_weight=w, acc_b=0.4 + w)
            for s in ("A", "B") for seed in (0, 1) for w in (0.0, 0.5, 2.0)]
    table = StudyTable(rows)
    fig, scatter = _figures.scatter(table, "alignment_weight", "acc_b", "setting", "w", "acc")
    np.testing.assert_array_equal(scatter.x, table["alignment_weight"])
    np.testing.assert_array_equal(scatter.y, table["acc_b"])
    assert scatter.spearman_["A"][0] == pytest.approx(1.0)


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
    table = StudyTable(rows)
    summary = summarize_strategic(table)
    run = StudyRun(STUDIES["strategic"], "synthetic", "quick", {}, table)
    figures = STUDIES["strategic"].figures(run, summary)
    assert list(figures) == ["accuracy_and_alignment_vs_weight_T0.1.png",
                             "accuracy_and_alignment_vs_weight_T1.png", "temperature_effect.png"]
    # one panel per setting (and its twin axis for the alignment), lambda* per temperature
    assert [len(figures[name].axes) for name in figures] == [4, 4, 2]
