import json

import numpy as np
import pytest

from mmalign_sk.cli import main
from mmalign_sk.datasets import load_image_caption_pairs
from mmalign_sk.experiments import (
    StudyTable,
    extend_captions,
    model_family,
    summarize_vision_language,
    vision_language_study,
)
from mmalign_sk.features import PretrainedImageFeatures, PretrainedTextFeatures

K = 10


def _naive_mutual_knn(A, B, k, q=0.95):
    """Huh et al.'s mutual kNN in float64: clip at the q-quantile of |X|, L2 rows, top-k sets."""
    def neighbours(X):
        X = np.asarray(X, dtype=np.float64)
        t = np.quantile(np.abs(X), q)
        X = np.clip(X, -t, t)
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
        S = X @ X.T
        np.fill_diagonal(S, -np.inf)
        return [set(np.argsort(-row, kind="stable")[:k]) for row in S]

    return np.mean([len(a & b) / k for a, b in zip(neighbours(A), neighbours(B))])


def test_cli_quick_writes_table_figures_summary_and_matches_naive_alignment(
        pretrained_fixtures, tmp_path):
    root, text, image = pretrained_fixtures
    out = tmp_path / "vl"
    code = main(["reproduce", "vision-language", "--quick", "--data-home", str(root), "--out",
                 str(out), "--text-models", *text, "--image-models", *image, "--no-progress"])
    assert code == 0
    for name in ("vision_language.csv", "vision_language.json", "summary.md", "summary.json",
                 "alignment_vs_model_size.png", "alignment_vs_unique_captions.png",
                 "layerwise.json"):
        assert (out / name).is_file(), name
    rows = json.loads((out / "vision_language.json").read_text())
    # quick preset: unique_levels (0, 2); 2 x 2 models
    assert len(rows) == 8 and {r["unique_captions"] for r in rows} == {0, 2}
    pairs = load_image_caption_pairs(root / "wit")
    captions = list(pairs.X["text"])
    image_layers = {m: PretrainedImageFeatures(m, pooling="cls").fit()
                    .transform_layers(list(pairs.X["image"])) for m in image}
    n = len(captions)
    for row in rows:
        feats = PretrainedTextFeatures(row["text_model"]).fit()
        text_layers = feats.transform_layers(extend_captions(captions, row["unique_captions"], 0))
        scores = np.array([[_naive_mutual_knn(a, b, K) for b in image_layers[row["image_model"]]]
                           for a in text_layers])
        # one neighbour swapped at a float32 near-tie moves the mean by 1 / (n k)
        assert row["alignment"] == pytest.approx(scores.max(), abs=1.01 / (n * K))
        assert row["text_params"] == feats.n_parameters_
        assert row["n_layers_text"] == 3 and row["n_layers_image"] == 2
    summary = json.loads((out / "summary.json").read_text())["findings"]
    assert [f["holds"] for f in summary] == [
        f.holds for f in summarize_vision_language(StudyTable(rows))["findings"]]

    # a rerun reads every feature and cell back without loading any model
    def refuse(self, *args, **kwargs):
        raise AssertionError("a cached model was loaded again")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PretrainedTextFeatures, "fit", refuse)
        mp.setattr(PretrainedImageFeatures, "fit", refuse)
        again = vision_language_study(root / "wit", text, image, n_samples=256,
                                      unique_levels=(0, 2), feature_dir=out / "features",
                                      cache_dir=out / "cache", progress=False)
        # fresh cells on the cached features, in two worker processes
        parallel = vision_language_study(root / "wit", text, image, n_samples=256,
                                         unique_levels=(0, 2), feature_dir=out / "features",
                                         cache_dir=out / "cache2", n_jobs=2, progress=False)
    np.testing.assert_array_equal(again["alignment"], [r["alignment"] for r in rows])
    np.testing.assert_array_equal(parallel["alignment"], [r["alignment"] for r in rows])


def test_extend_captions_nested_and_never_self():
    captions = [f"c{i}." for i in range(6)]
    one, three = extend_captions(captions, 1, 3), extend_captions(captions, 3, 3)
    assert extend_captions(captions, 0, 3) == captions
    for i, (a, b) in enumerate(zip(one, three)):
        parts = b.split(" ")
        assert parts[0] == captions[i] and b.startswith(a)
        assert len(parts) == 4 and len(set(parts)) == 4 and captions[i] not in parts[1:]
    with pytest.raises(ValueError, match="n_extra must be at most"):
        extend_captions(captions, 6)


@pytest.mark.parametrize("name, family", [
    ("bigscience/bloomz-1b7", "bloomz"),
    ("openlm-research/open_llama_13b", "open_llama"),
    ("huggyllama/llama-65b", "llama"),
    ("vit_base_patch16_224.augreg_in21k", "vit.augreg_in21k"),
    ("vit_giant_patch14_dinov2.lvd142m", "vit_dinov2.lvd142m"),
    ("/models/gpt2-2m", "gpt2"),
])
def test_model_family(name, family):
    assert model_family(name) == family


def test_summary_from_a_table_with_known_trends():
    rows = []
    for t, size in (("lm-a", 1e8), ("lm-b", 2e8), ("lm-c", 4e8)):
        for v, vsize, offset in (("vit_s", 2e7, 0.0), ("vit_b", 8e7, 0.05)):
            for m in (0, 1, 2):
                rows.append({"text_model": t, "image_model": v, "text_family": "lm",
                             "image_family": "vit", "text_params": size, "image_params": vsize,
                             "unique_captions": m,
                             "alignment": 0.1 * np.log2(size / 1e8) + offset + 0.3 - 0.1 * m})
    summary = summarize_vision_language(StudyTable(rows))
    by_level = summary["by_level"]
    np.testing.assert_allclose(by_level["mean_alignment"], [0.425, 0.325, 0.225])
    text_scale, image_scale, uniqueness = summary["findings"]
    assert text_scale.holds and "mean +1.00 over 2 groups" in text_scale.evidence
    assert image_scale.holds and "mean +1.00 over 3 groups" in image_scale.evidence
    assert uniqueness.holds and "6 of 6 pairs negative" in uniqueness.evidence
    reversed_rows = [{**r, "alignment": -r["alignment"]} for r in rows]
    reversed_findings = summarize_vision_language(StudyTable(reversed_rows))["findings"]
    assert not any(f.holds for f in reversed_findings)


def test_bad_arguments(pretrained_fixtures, capsys):
    root, text, image = pretrained_fixtures
    with pytest.raises(ValueError, match="must not repeat"):
        vision_language_study(root / "wit", [text[0], text[0]], image)
    with pytest.raises(TypeError, match="text_models"):
        vision_language_study(root / "wit", [3], image)
    with pytest.raises(ValueError, match="topk must be smaller"):
        vision_language_study(root / "wit", text, image, topk=24)
    for argv, message in [
        (["reproduce", "mmimdb", "--n-samples", "5"], "--n-samples"),
        (["reproduce", "vision-language", "--data-home", str(root / "mmimdb"),
          "--out", str(root / "unused"), "--text-models", text[0]], "captions.csv"),
    ]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and "error: " in err and message in err, err
        assert "Traceback" not in err


def test_in_memory_pairs_with_image_arrays(pretrained_fixtures):
    root, text, image = pretrained_fixtures
    rng = np.random.RandomState(1)
    pairs = {"image": rng.normal(size=(14, 3, 32, 32)).astype(np.float32),
             "text": [f"caption {i} of {'ab' * i}" for i in range(14)]}
    table = vision_language_study(pairs, text[:1], image[:1], n_samples=12, unique_levels=(0,),
                                  topk=4, progress=False)
    assert len(table) == 1 and table.records[0]["n_samples"] == 12
    keep = np.sort(np.random.default_rng(0).choice(14, 12, False))
    t = PretrainedTextFeatures(text[0]).fit().transform_layers([pairs["text"][i] for i in keep])
    v = PretrainedImageFeatures(image[0], pooling="cls").fit().transform_layers(
        pairs["image"][keep])
    best = max(_naive_mutual_knn(a, b, 4) for a in t for b in v)
    assert table.records[0]["alignment"] == pytest.approx(best, abs=1.01 / (12 * 4))
