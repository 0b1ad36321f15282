import math

import numpy as np
import pytest
import torch

from mmalign_sk.datasets import fetch_mmimdb
from mmalign_sk.experiments import (
    clip_finetune,
    linear_probe_f1,
    mmimdb_study,
    reproduce,
    summarize_mmimdb,
)
from mmalign_sk.experiments._mmimdb import _lr_factor
from mmalign_sk.features import PretrainedImageFeatures, PretrainedTextFeatures


def _separable(n, rng):
    y = rng.randint(0, 2, size=(n, 3))
    return 3.0 * (2 * y - 1) + 0.1 * rng.normal(size=(n, 3)), y


def test_linear_probe_separable_labels_are_perfect():
    rng = np.random.RandomState(0)
    train, valid, test = _separable(60, rng), _separable(20, rng), _separable(20, rng)
    out = linear_probe_f1(train, valid, test, lrs=(1e-1, 1e-4), epochs=50, random_state=0)
    assert out["macro_f1"] == 1.0 and out["micro_f1"] == 1.0
    assert out["best_lr"] == 1e-1  # 50 steps of 1e-4 cannot move the random init that far
    # labels that are pure noise: far from perfect
    noise = [(X, rng.randint(0, 2, size=y.shape)) for X, y in (train, valid, test)]
    assert linear_probe_f1(*noise, lrs=(1e-2,), epochs=30)["macro_f1"] < 0.9


def test_learning_rate_schedule_closed_form():
    lr, min_lr, warm, total = 1e-4, 1e-6, 10, 30
    assert _lr_factor(0, warm, total, lr, min_lr) == pytest.approx(0.1)
    assert _lr_factor(9, warm, total, lr, min_lr) == pytest.approx(1.0)
    assert _lr_factor(10, warm, total, lr, min_lr) == pytest.approx(1.0)
    mid = min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * 0.5))
    assert _lr_factor(20, warm, total, lr, min_lr) * lr == pytest.approx(mid)
    assert _lr_factor(30, warm, total, lr, min_lr) * lr == pytest.approx(min_lr)


def test_clip_finetune_lowers_the_contrastive_loss(pretrained_fixtures):
    root, text, image = pretrained_fixtures
    data = fetch_mmimdb(data_home=root, subset="train")
    t = PretrainedTextFeatures(text[0], device="cpu").fit()
    v = PretrainedImageFeatures(image[0], device="cpu").fit()
    before = [p.detach().clone() for p in t.model_.parameters()]
    losses = clip_finetune(t, v, list(data.X["text"]), list(data.X["image"]), epochs=6,
                           warmup_epochs=0, lr=1e-3, min_lr=1e-4, batch_size=14)
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert not t.model_.training and not v.model_.training
    assert any(not torch.equal(a, b) for a, b in zip(before, t.model_.parameters()))
    with pytest.raises(ValueError, match="at least 2 pairs"):
        clip_finetune(t, v, ["a"], list(data.X["image"])[:1])


def test_study_runs_on_the_folder_and_its_summary(pretrained_fixtures, tmp_path):
    root, text, image = pretrained_fixtures
    kwargs = dict(probe_epochs=3, finetune_epochs=2, warmup_epochs=1, finetune_batch_size=8,
                  topk=3, device="cpu", progress=False)
    table = mmimdb_study(root, text, image[0], cache_dir=tmp_path / "cache", **kwargs)
    probes = table.filter(experiment="probe")
    fine = table.filter(experiment="clip_finetune")
    assert probes["text_model"].tolist() == text
    assert fine["stage"].tolist() == ["before", "after"]
    assert set(probes["best_lr"].tolist()) <= {5e-3, 1e-3, 5e-4, 1e-4}
    # the same pretrained pair measured through the feature cache and directly
    assert fine.records[0]["alignment"] == pytest.approx(probes.records[0]["alignment"])
    assert fine.records[0]["text_macro_f1"] == pytest.approx(probes.records[0]["macro_f1"])
    for row in table:
        for key in ("alignment", "macro_f1", "micro_f1", "fused_macro_f1"):
            if row.get(key) is not None:
                assert 0.0 <= row[key] <= 1.0
    findings = summarize_mmimdb(table)["findings"]
    before, after = fine.records
    assert findings[1].holds == (after["alignment"] > before["alignment"]
                                    and after["fused_macro_f1"] > before["fused_macro_f1"])
    assert findings[0].holds == (
        (probes["alignment"][1] - probes["alignment"][0])
        * (probes["macro_f1"][1] - probes["macro_f1"][0]) > 0)
    # a rerun takes every cell from the cache
    again = mmimdb_study(root, text, image[0], cache_dir=tmp_path / "cache", finetune=False,
                         **kwargs)
    np.testing.assert_array_equal(again["macro_f1"], probes["macro_f1"])


def test_reproduce_rejects_options_of_other_studies(tmp_path):
    with pytest.raises(TypeError, match=r"the emergence study \(synthetic\) does not take the parameter\(s\) \[.text_models.\]"):
        reproduce("emergence", tmp_path, text_models=["x"])
