import numpy as np
import pytest
import timm
import torch
from PIL import Image

from mmalign_sk.features import PretrainedImageFeatures

KW = dict(img_size=32, patch_size=8, depth=2)


def _images(n=5, seed=0):
    return np.random.RandomState(seed).normal(size=(n, 3, 32, 32)).astype(np.float32)


def _vit():
    torch.manual_seed(0)
    return timm.create_model("vit_tiny_patch16_224", pretrained=False, **KW).eval()


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_vit_blocks_match_manual_forward(pooling):
    model, X = _vit(), _images()
    layers = PretrainedImageFeatures(model, pooling=pooling, batch_size=2).fit().transform_layers(X)
    with torch.no_grad():
        tokens = model.norm_pre(model._pos_embed(model.patch_embed(torch.from_numpy(X))))
        for block, got in zip(model.blocks, layers):
            tokens = block(tokens)
            expected = tokens.mean(1) if pooling == "mean" else tokens[:, 0]
            np.testing.assert_allclose(got, expected.numpy(), rtol=1e-4, atol=1e-5)
    assert len(layers) == 2 and layers[0].shape == (5, 192)


def test_by_name_with_checkpoint_and_determinism(tmp_path):
    model = _vit()
    torch.save(model.state_dict(), tmp_path / "w.pth")
    named = PretrainedImageFeatures("vit_tiny_patch16_224", checkpoint_path=tmp_path / "w.pth",
                                    model_kwargs=KW).fit()
    inst = PretrainedImageFeatures(model).fit()
    X = _images()
    np.testing.assert_allclose(named.transform(X), inst.transform(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(inst.transform(X), inst.transform(X))
    np.testing.assert_array_equal(inst.transform(X), inst.transform_layers(X)[-1])


def test_convnet_stages_pool_over_space():
    torch.manual_seed(0)
    model = timm.create_model("convnext_atto", pretrained=False).eval()
    X = _images(2)
    layers = PretrainedImageFeatures(model).fit().transform_layers(X)
    assert [a.shape[1] for a in layers] == [40, 80, 160, 320]
    with torch.no_grad():
        x = model.stem(torch.from_numpy(X))
        for stage, got in zip(model.stages, layers):
            x = stage(x)
            np.testing.assert_allclose(got, x.mean((2, 3)).numpy(), rtol=1e-4, atol=1e-5)


def test_paths_use_timm_transform(tmp_path):
    rng = np.random.RandomState(0)
    paths = []
    for i in range(2):
        img = Image.fromarray(rng.randint(0, 256, size=(40, 50, 3), dtype=np.uint8))
        img.save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    feats = PretrainedImageFeatures(_vit()).fit()
    manual = np.stack([feats.transform_(Image.open(p).convert("RGB")).numpy() for p in paths])
    assert manual.shape == (2, 3, 32, 32)
    np.testing.assert_allclose(feats.transform(paths), feats.transform(manual), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="cannot read image"):
        feats.transform([str(tmp_path / "missing.png")])


def test_pretrained_weights_missing_explains_download(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(OSError, match=r"local_files_only=True.*"
                                      r"hf download timm/vit_tiny_patch16_224\.augreg_in21k"):
        PretrainedImageFeatures("vit_tiny_patch16_224.augreg_in21k", model_kwargs=KW,
                                local_files_only=True).fit()


def _fake_hf_hub_download(monkeypatch, weights, calls, online=True):
    import huggingface_hub

    def hf_hub_download(repo_id, filename, revision=None, local_files_only=False, **kwargs):
        calls.append((repo_id, filename, local_files_only))
        if local_files_only or not online:
            raise OSError("Cannot reach https://huggingface.co and the file is not cached.")
        if filename != "model.safetensors":
            raise FileNotFoundError(filename)
        return str(weights)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_hub_download)


def test_named_model_downloads_weights_by_default(monkeypatch, tmp_path):
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = timm.create_model("vit_tiny_patch16_224.augreg_in21k", pretrained=False, **KW).eval()
    save_file(model.state_dict(), tmp_path / "model.safetensors")
    calls = []
    _fake_hf_hub_download(monkeypatch, tmp_path / "model.safetensors", calls)
    feats = PretrainedImageFeatures("vit_tiny_patch16_224.augreg_in21k", model_kwargs=KW).fit()
    assert calls == [("timm/vit_tiny_patch16_224.augreg_in21k", "model.safetensors", False)]
    X = _images()
    np.testing.assert_allclose(feats.transform_layers(X)[0],
                               PretrainedImageFeatures(model).fit().transform_layers(X)[0],
                               rtol=1e-5, atol=1e-6)
    assert feats.n_parameters_ == sum(p.numel() for p in model.parameters())
    _fake_hf_hub_download(monkeypatch, tmp_path / "model.safetensors", calls, online=False)
    with pytest.raises(OSError, match=r"'vit_tiny_patch16_224.augreg_in21k'.*could not be "
                                      r"downloaded.*hf download timm/vit_tiny"):
        PretrainedImageFeatures("vit_tiny_patch16_224.augreg_in21k", model_kwargs=KW).fit()


def test_folder_saved_for_hf_loads_offline(tmp_path):
    model = _vit()
    timm.models.save_for_hf(model, tmp_path / "tiny_vit")
    from_folder = PretrainedImageFeatures(str(tmp_path / "tiny_vit")).fit()
    X = _images()
    np.testing.assert_allclose(from_folder.transform(X),
                               PretrainedImageFeatures(model).fit().transform(X),
                               rtol=1e-5, atol=1e-6)
    assert from_folder.n_layers_ == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="cannot find the blocks"):
        PretrainedImageFeatures(torch.nn.Linear(3, 3)).fit()
    with pytest.raises(ValueError, match="pooling"):
        PretrainedImageFeatures(_vit(), pooling="max").fit()
    feats = PretrainedImageFeatures(_vit()).fit()
    with pytest.raises(ValueError, match="channels, height, width"):
        feats.transform(np.zeros((2, 32, 32), dtype=np.float32))
    with pytest.raises(TypeError, match="image paths"):
        feats.transform([1, 2])
    with pytest.raises(ValueError, match="timm does not know"):
        PretrainedImageFeatures("no_such_model_xyz", pretrained=False).fit()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="device='cuda' was requested but CUDA is not available"):
        PretrainedImageFeatures(_vit(), device="cuda").fit()
