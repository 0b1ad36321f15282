"""Tiny pretrained-model fixtures, written offline: two GPT-2-style language models
(``save_pretrained`` folders), two ViTs (``timm.models.save_for_hf`` folders), a folder of
image-caption pairs (``wit/captions.csv`` + PNGs) and an MM-IMDb folder in the authors' layout."""

import json

import numpy as np
import pytest

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220)}
GENRES = [("Drama",), ("Comedy",), ("Horror", "Thriller")]


def _write_models(root):
    import timm
    import torch
    from transformers import GPT2Config, GPT2Model

    from mmalign_sk.features import make_character_tokenizer

    tok = make_character_tokenizer()
    text, image = [], []
    for name, width in (("gpt2-1m", 16), ("gpt2-2m", 32)):
        torch.manual_seed(0)
        model = GPT2Model(GPT2Config(n_layer=2, n_embd=width, n_head=2, vocab_size=len(tok),
                                     n_positions=256, bos_token_id=2, eos_token_id=2))
        model.save_pretrained(root / name)
        tok.save_pretrained(root / name)
        text.append(str(root / name))
    for name, width in (("vit_tiny_patch8_32.test", 24), ("vit_small_patch8_32.test", 48)):
        torch.manual_seed(0)
        vit = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32,
                                patch_size=8, depth=2, embed_dim=width, num_heads=2,
                                num_classes=0)
        timm.models.save_for_hf(vit, root / name)
        image.append(str(root / name))
    return text, image


def _picture(rng, colour, shape):
    from PIL import Image

    pixels = np.array(COLOURS[colour]) + rng.normal(0, 20, (*shape, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _write_captions(root, rng, n=24):
    (root / "wit" / "images").mkdir(parents=True)
    rows = ["image,caption"]
    for i in range(n):
        colour = list(COLOURS)[i % 3]
        _picture(rng, colour, (32, 32)).save(root / "wit" / "images" / f"{i}.png")
        rows.append(f"images/{i}.png,A {colour} picture number {i}.")
    (root / "wit" / "captions.csv").write_text("\n".join(rows) + "\n")


def _write_mmimdb(root, rng, n=36):
    folder = root / "mmimdb" / "dataset"
    folder.mkdir(parents=True)
    ids = [f"{i:07d}" for i in range(n)]
    for i, movie in enumerate(ids):
        genres = GENRES[i % 3]
        _picture(rng, list(COLOURS)[i % 3], (40, 30)).save(folder / f"{movie}.jpeg")
        plot = f"A {' and '.join(genres).lower()} story, film {i}."
        (folder / f"{movie}.json").write_text(json.dumps({"plot": [plot], "genres": list(genres)}))
    split = {"train": ids[:14], "dev": ids[14:22], "test": ids[22:]}
    (root / "mmimdb" / "split.json").write_text(json.dumps(split))


@pytest.fixture(scope="session")
def pretrained_fixtures(tmp_path_factory):
    """``(data_home, text_model_folders, image_model_folders)``."""
    root = tmp_path_factory.mktemp("pretrained")
    text, image = _write_models(root / "models")
    rng = np.random.RandomState(0)
    _write_captions(root, rng)
    _write_mmimdb(root, rng)
    return root, text, image
