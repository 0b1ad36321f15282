"""The studies on a real dataset, run on a small MOSEI file in MultiBench's format."""

import pickle

import numpy as np
import pytest
from scipy.stats import spearmanr

from mmalign_sk.experiments import (
    REAL_DATASETS,
    emergence_study_real,
    load_real_dataset,
    strategic_alignment_study_real,
    summarize_emergence_real,
    summarize_strategic,
)

WIDTHS = {"vision": 35, "audio": 74, "text": 300}


def _split(rng, n):
    score = rng.uniform(-3, 3, size=n)
    part = {}
    for m, w in WIDTHS.items():
        x = rng.normal(size=(n, 50, w)).astype(np.float32)
        x[:, :, 0] += np.sign(score)[:, None]  # every modality sees the sentiment's sign
        part[m] = x
    part["audio"][0, 3, 5] = -np.inf
    part["labels"] = score.reshape(n, 1, 1).astype(np.float32)
    part["id"] = np.array([[f"v{i}", str(i)] for i in range(n)], dtype=object)
    return part


@pytest.fixture(scope="module")
def mosei_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("data")
    rng = np.random.RandomState(0)
    (home / "multibench").mkdir()
    with open(home / "multibench" / "mosei_senti_data.pkl", "wb") as f:
        pickle.dump(
            {"train": _split(rng, 48), "valid": _split(rng, 24), "test": _split(rng, 24)},
            f,
            protocol=4,
        )
    return home


def test_load_real_dataset_splits(mosei_home):
    spec, data = load_real_dataset("mosei", mosei_home)
    assert spec is REAL_DATASETS["mosei"]
    assert (len(data.train), len(data.val), len(data.test)) == (48, 24, 24)
    assert set(np.unique(data.y)) == {0, 1}  # the binary task
    np.testing.assert_array_equal(data.split[data.val], "valid")
    _, small = load_real_dataset("mosei", mosei_home, n_labelled=10, random_state=0)
    assert (len(small.train), len(small.val), len(small.test)) == (10, 10, 10)


def test_emergence_on_mosei(mosei_home, tmp_path):
    kwargs = dict(
        data_home=mosei_home,
        pairs=[("text", "vision"), ("text", "audio")],
        encoder_depths=[1, 2],
        seeds=1,
        lr=[1e-3],
        weight_decay=[0.0],
        max_epochs=2,
        reference_epochs=2,
        metrics=["mutual_knn"],
        topk=5,
        progress=False,
        device="cpu",
        cache_dir=tmp_path,
    )
    table, layers = emergence_study_real("mosei", return_layers=True, **kwargs)
    assert len(table) == 4
    assert table["modality_b"].tolist() == ["vision", "vision", "audio", "audio"]
    assert [np.shape(layers[i]["mutual_knn"]) for i in range(4)] == [(1, 1), (1, 2)] * 2
    assert np.all((table["acc_a"] >= 0) & (table["acc_a"] <= 1))
    # one reference text model serves both pairs
    assert len(set(table["acc_a"].tolist())) == 1
    summary = summarize_emergence_real(table)
    by_pair = summary["by_pair"]
    assert by_pair["pair"].tolist() == ["text-vision", "text-audio"]
    assert by_pair["acc_b"][0] == pytest.approx(table["acc_b"][:2].mean())
    (finding,) = summary["findings"]
    rhos = by_pair["spearman"].astype(float)
    rhos = rhos[~np.isnan(rhos)]  # a pair whose models all score alike has no correlation
    assert finding.holds == bool(rhos.size and rhos.mean() > 0)
    again = emergence_study_real("mosei", **kwargs)
    assert again.records == table.records


def test_strategic_on_mosei(mosei_home):
    table = strategic_alignment_study_real(
        "mosei",
        [0.0, 1.0, 2.0],
        data_home=mosei_home,
        pairs=[("vision", "audio")],
        temperatures=[0.1],
        seeds=1,
        lr=[1e-3],
        weight_decay=[1e-2],
        max_epochs=2,
        patience=1,
        metrics=["mutual_knn"],
        topk=5,
        progress=False,
        device="cpu",
    )
    assert table["setting"].tolist() == ["vision-audio"] * 3
    assert table["alignment_weight"].tolist() == [0.0, 1.0, 2.0]
    summary = summarize_strategic(table)
    assert summary["by_setting"]["setting"].tolist() == ["vision-audio"]
    # real data: whether aligning helps a pair, and whether alignment follows lambda
    helps, alignment = summary["findings"]
    row = summary["by_setting"].records[0]
    assert helps.claim.startswith("real data") and "vision-audio: lambda*=" in helps.evidence
    assert helps.holds == (row["best_weight"] > 0 and row["gain"] > 2 * row["gain_se"])
    rho = spearmanr([0.0, 1.0, 2.0], table["align_mutual_knn"]).statistic
    assert alignment.statistic == pytest.approx(rho) and alignment.holds == (rho >= 0.9)


def test_bad_pairs(mosei_home):
    with pytest.raises(ValueError, match="pairs must hold pairs of distinct modalities"):
        emergence_study_real("mosei", data_home=mosei_home, pairs=[("text", "image")])
    with pytest.raises(ValueError, match="n_labelled applies to the affect datasets only"):
        load_real_dataset("avmnist", mosei_home, n_labelled=5)
