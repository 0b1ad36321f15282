"""Untrusted image inputs: bounded before decoding or resizing, every refusal names the file."""

import os
import struct
import threading
import tracemalloc
import zlib

import numpy as np
import pytest
import timm
import torch
from PIL import Image

from mmalign_sk.features import PretrainedImageFeatures, cached_layer_features
from mmalign_sk.features._image import MAX_ASPECT_RATIO, MAX_IMAGE_PIXELS, load_image

KW = dict(img_size=32, patch_size=8, depth=2)


@pytest.fixture(scope="module")
def vit_features():
    torch.manual_seed(0)
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, **KW).eval()
    return PretrainedImageFeatures(model).fit()


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _png_header(path, width, height):
    """A PNG of a few dozen bytes whose header claims ``width`` x ``height`` RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", zlib.compress(b"")) + _chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("size", [(1, 100_000), (100_000, 1), (MAX_ASPECT_RATIO + 1, 1)])
def test_thin_image_refused_before_decoding(tmp_path, size):
    path = _png_header(tmp_path / "thin.png", *size)
    assert path.stat().st_size < 100
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"thin\.png.*aspect ratio.*MAX_ASPECT_RATIO"):
            load_image(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # nothing of the claimed size was allocated


@pytest.mark.parametrize("side", [8193, 9000, 10_000, 20_000, 60_000])
def test_too_many_pixels_refused_naming_the_file(tmp_path, side):
    # below 89 M pixels our bound applies; up to 179 M PIL warns, above it PIL refuses: all named
    path = _png_header(tmp_path / f"bomb{side}.png", side, side)
    assert side * side > MAX_IMAGE_PIXELS
    with pytest.raises(ValueError,
                       match=rf"bomb{side}\.png.*(MAX_IMAGE_PIXELS|decompression bomb)"):
        load_image(path)


def test_a_thin_strip_within_the_bound_is_read(tmp_path, vit_features):
    strip = Image.fromarray(np.arange(MAX_ASPECT_RATIO * 3, dtype=np.uint8).reshape(
        1, MAX_ASPECT_RATIO, 3))
    strip.save(tmp_path / "strip.png")
    by_path = vit_features.transform([str(tmp_path / "strip.png")])
    by_image = vit_features.transform([strip])
    np.testing.assert_array_equal(by_path, by_image)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    outcome = {}

    def read():
        try:
            load_image(fifo)
        except ValueError as exc:
            outcome["error"] = str(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the test run can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert "pipe.png" in outcome["error"] and "FIFO" in outcome["error"]


def test_folder_and_missing_path_are_named(tmp_path, vit_features):
    with pytest.raises(ValueError, match=r"expected a regular file; got a folder"):
        vit_features.transform([str(tmp_path)])
    with pytest.raises(ValueError, match=r"cannot read image .*nope\.png"):
        vit_features.transform([str(tmp_path / "nope.png")])


def test_corrupt_and_truncated_files_are_named(tmp_path, vit_features):
    good = tmp_path / "good.png"
    Image.fromarray(np.random.RandomState(0).randint(0, 256, (40, 40, 3), dtype=np.uint8)).save(
        good)
    data = good.read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.jpg").write_bytes(np.random.RandomState(1).bytes(500))
    for name in ("cut.png", "noise.jpg"):
        with pytest.raises(ValueError, match=rf"cannot read image .*{name}"):
            vit_features.transform([str(tmp_path / name)])


@pytest.mark.parametrize("size", [(0, 0), (0, 5), (5, 0)])
def test_empty_pil_image_refused(vit_features, size):
    with pytest.raises(ValueError, match=r"X\[1\] is .* pixels; an image needs at least 1 x 1"):
        vit_features.transform([Image.new("RGB", (4, 4)), Image.new("RGB", size)])


def test_arrays_with_wrong_channels_or_size(vit_features):
    assert vit_features.input_size_ == (3, 32, 32) and vit_features.fixed_size_
    with pytest.raises(ValueError, match=r"3 channels .* got shape \(2, 1, 32, 32\)"):
        vit_features.transform(np.zeros((2, 1, 32, 32), np.float32))
    with pytest.raises(ValueError, match=r"32 x 32 pixels .* got shape \(2, 3, 16, 16\)"):
        vit_features.transform(np.zeros((2, 3, 16, 16), np.float32))
    with pytest.raises(ValueError, match=r"at least one image"):
        vit_features.transform(np.zeros((0, 3, 32, 32), np.float32))
    with pytest.raises(TypeError, match=r"sequence of image paths"):
        vit_features.transform("one.png")


def test_convnet_refuses_images_too_small_for_its_kernels():
    torch.manual_seed(0)
    feats = PretrainedImageFeatures(timm.create_model("convnext_atto", pretrained=False)).fit()
    assert feats.input_size_[0] == 3 and not feats.fixed_size_
    assert feats.transform(np.zeros((1, 3, 40, 56), np.float32)).shape == (1, 320)
    with pytest.raises(ValueError, match=r"at least 1 x 1"):
        feats.transform(np.zeros((1, 3, 0, 0), np.float32))
    with pytest.raises(ValueError, match=r"cannot take images of shape \(3, 2, 2\)"):
        feats.transform(np.zeros((1, 3, 2, 2), np.float32))


def test_language_model_folder_is_not_an_image_model(tmp_path):
    from transformers import GPT2Config, GPT2Model

    GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=64)).save_pretrained(
        tmp_path / "lm")
    with pytest.raises(ValueError, match=r"lm.*transformers model \(model_type 'gpt2'\).*"
                                         r"PretrainedTextFeatures"):
        PretrainedImageFeatures(str(tmp_path / "lm"), pretrained=False).fit()
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError, match=r"empty.*no config\.json"):
        PretrainedImageFeatures(str(tmp_path / "empty")).fit()
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep.*config\.json is not a valid JSON"):
        PretrainedImageFeatures(str(tmp_path / "deep")).fit()


def test_study_cache_names_the_bomb(tmp_path, vit_features):
    good = tmp_path / "ok.png"
    Image.new("RGB", (30, 40), (10, 20, 30)).save(good)
    bomb = _png_header(tmp_path / "poster_17.png", 30_000, 30_000)
    with pytest.raises(ValueError, match=r"poster_17\.png"):
        cached_layer_features(vit_features, [str(good), str(bomb)], tmp_path / "cache",
                              name="vit", progress=False)
    assert not any((tmp_path / "cache").rglob("meta.json"))  # nothing half-written is kept
