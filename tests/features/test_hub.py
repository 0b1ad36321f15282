"""Pretrained models that are neither cached nor downloadable fail at once, all named.

The Hub is made unreachable on purpose (an endpoint on a closed local port, or HF_HUB_OFFLINE), so
these tests never download anything, with or without internet, and cannot wait for the network.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mmalign_sk.features import _hub
from mmalign_sk.features._hub import (download_command, hub_reachable, missing_models,
                                      model_repository, require_pretrained)

ROOT = Path(__file__).resolve().parents[2]
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache and an endpoint that refuses connections."""
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "ENDPOINT", CLOSED)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(_hub, "_REACHABLE", {})
    return cache


def _cache_model(cache, repo, files):
    """Write ``repo`` into a Hugging Face cache laid out as huggingface_hub writes it."""
    folder = cache / ("models--" + repo.replace("/", "--"))
    snapshot = folder / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text("0" * 40)
    for name in files:
        (snapshot / name).write_text("{}")


def test_model_repository():
    assert model_repository("bigscience/bloomz-560m", "text") == "bigscience/bloomz-560m"
    assert model_repository("vit_tiny_patch16_224.augreg_in21k", "image") == \
        "timm/vit_tiny_patch16_224.augreg_in21k"
    assert model_repository("hf-hub:org/clip@v1", "image") == "org/clip"
    assert model_repository("local-dir:/some/folder", "image") is None
    assert model_repository(os.getcwd(), "text") is None  # an existing folder
    with pytest.raises(ValueError, match="kind must be one of"):
        model_repository("x", "audio")


def test_missing_models_reads_the_cache(empty_cache):
    _cache_model(empty_cache, "org/cached", ["config.json", "model.safetensors"])
    _cache_model(empty_cache, "org/no-weights", ["config.json"])
    _cache_model(empty_cache, "timm/vit_tiny_patch16_224.augreg_in21k", ["model.safetensors"])
    models = [("org/cached", "text"), ("org/no-weights", "text"), ("org/absent", "text"),
              ("org/absent", "text"), ("vit_tiny_patch16_224.augreg_in21k", "image"),
              ("vit_small_patch16_224.augreg_in21k", "image")]
    assert [repo for _, _, repo in missing_models(models)] == \
        ["org/no-weights", "org/absent", "timm/vit_small_patch16_224.augreg_in21k"]


def test_a_hub_that_never_answers_is_given_up_within_the_timeout(monkeypatch):
    import huggingface_hub.utils

    class Hanging:  # a question that hangs (as name resolution can, whatever the timeout)
        def head(self, url, timeout):
            time.sleep(30)

    monkeypatch.setattr(_hub, "_REACHABLE", {})
    monkeypatch.setattr(_hub, "_offline_by_environment", lambda: False)
    monkeypatch.setattr(huggingface_hub.utils, "get_session", Hanging)
    started = time.perf_counter()
    assert hub_reachable(timeout=0.5) is False
    assert time.perf_counter() - started < 5


def test_a_refused_connection_is_unreachable(empty_cache):
    assert hub_reachable() is False


def test_offline_environment_is_not_asked(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def fail():
        raise AssertionError("asked the network")

    monkeypatch.setattr(_hub, "_endpoint", fail)
    assert hub_reachable() is False


def test_every_missing_model_and_the_command_are_named(empty_cache):
    _cache_model(empty_cache, "org/cached", ["config.json", "model.safetensors"])
    models = [("org/cached", "text"), ("org/a", "text"), ("org/b", "text"),
              ("vit_tiny_patch16_224.augreg_in21k", "image")]
    with pytest.raises(OSError) as info:
        require_pretrained(models)
    message = str(info.value)
    assert "3 pretrained model(s)" in message and "could not be reached" in message
    assert download_command(["org/a", "org/b", "timm/vit_tiny_patch16_224.augreg_in21k"]) in message
    assert "hf download org/a && hf download org/b && hf download " in message
    assert "org/cached" not in message and "checkpoint_path" not in message


def test_cached_models_load_without_asking_an_unreachable_hub(empty_cache):
    _cache_model(empty_cache, "org/cached", ["config.json", "model.safetensors"])
    assert require_pretrained([("org/cached", "text")]) is True       # loaders: cache only
    assert require_pretrained([(os.getcwd(), "text")]) is False       # folders need no Hub


def test_local_files_only_never_asks(empty_cache, monkeypatch):
    monkeypatch.setattr(_hub, "hub_reachable", lambda timeout: pytest.fail("asked the Hub"))
    with pytest.raises(OSError, match="local_files_only=True"):
        require_pretrained([("org/a", "text")], local_files_only=True)


def _caption_folder(folder, n=12):
    from PIL import Image

    folder.mkdir()
    rows = ["image,caption"]
    for i in range(n):
        Image.fromarray(np.full((8, 8, 3), 20 * i, np.uint8)).save(folder / f"{i}.png")
        rows.append(f"{i}.png,picture number {i}")
    (folder / "captions.csv").write_text("\n".join(rows) + "\n")


def _quick_repositories():
    from mmalign_sk.experiments import VISION_LANGUAGE_QUICK

    return {model_repository(m, "text") for m in VISION_LANGUAGE_QUICK["text_models"]} | \
        {model_repository(m, "image") for m in VISION_LANGUAGE_QUICK["image_models"]}


def _named_repositories(message):
    command = re.search(r"^  (hf download .*)$", message, re.M).group(1)
    repos = command.split(" && ")
    assert all(r.startswith("hf download ") for r in repos), command
    return {r[len("hf download "):] for r in repos}


def test_offline_study_fails_at_once_naming_every_model_of_the_preset(empty_cache, tmp_path):
    from mmalign_sk.experiments import VISION_LANGUAGE_QUICK, vision_language_study

    _caption_folder(tmp_path / "wit")
    started = time.perf_counter()
    with pytest.raises(OSError) as info:
        vision_language_study(tmp_path / "wit", **VISION_LANGUAGE_QUICK, progress=False)
    assert time.perf_counter() - started < 15  # a functional bound (retries took a minute)
    assert _named_repositories(str(info.value)) == _quick_repositories()


def test_offline_command_fails_fast_naming_every_model_of_the_preset(tmp_path):
    """`mmalign reproduce vision-language --quick` without a reachable Hub, as a user runs it."""
    _caption_folder(tmp_path / "wit")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
               HF_ENDPOINT=CLOSED, HF_HOME=str(tmp_path / "hf"))
    done = subprocess.run([sys.executable, "-m", "mmalign_sk.cli", "reproduce", "vision-language",
                           "--quick", "--data-home", str(tmp_path), "--out", str(tmp_path / "out"),
                           "--no-progress"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "Retrying" not in done.stderr
    assert _named_repositories(done.stderr) == _quick_repositories(), done.stderr[-3000:]
    assert "6 pretrained model(s)" in done.stderr and "checkpoint_path" not in done.stderr
    # No wall-clock bound here: this process's time is mostly importing PyTorch and timm (12 s on
    # a busy 2-core machine, over a minute when it is overloaded). What used to take a minute were
    # the Hugging Face client's retries, which must not happen at all; the check's own time is
    # bounded in test_offline_study_fails_at_once_naming_every_model_of_the_preset.
