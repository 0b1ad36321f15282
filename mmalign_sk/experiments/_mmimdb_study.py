"""MM-IMDb: does more alignment between a language model and a vision model mean better genre
prediction? Linear probes on pretrained language models, and CLIP-style fine-tuning of one
text/image encoder pair (Tjandrasuwita et al. 2025)."""

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import f1_score

from .._checks import check_int, check_real
from ..datasets import fetch_mmimdb
from ..estimators import symmetric_info_nce
from ..features import cached_layer_features
from ..features._device import resolve_device, resolve_dtype
from ..features._hub import require_extractors
from ..features._image import pool_block_output
from ..features._text import pool_hidden
from ..metrics import layerwise_alignment
from ._cache import ResultCache
from ._common import check_positive_floats, spearman
from ._table import StudyTable
from ._vision_language import (
    _check_models,
    _rank_trend,
    _image_extractor,
    _run_cells,
    _text_extractor,
    model_family,
)

#: The paper's probe and fine-tuning settings: probes trained 100 epochs with the learning rate
#: chosen on the validation split from {5e-3, 1e-3, 5e-4, 1e-4}; CLIP-style fine-tuning with
#: lr 1e-4, cosine decay to 1e-6 after 10 warm-up epochs, 30 epochs. Models: the quick language
#: family and the smallest ImageNet-21k ViT (ours).
MMIMDB_FULL = {
    "text_models": ("bigscience/bloomz-560m", "bigscience/bloomz-1b1", "bigscience/bloomz-1b7",
                    "bigscience/bloomz-3b", "bigscience/bloomz-7b1"),
    "image_model": "vit_base_patch16_224.augreg_in21k",
    "finetune_text_model": "bigscience/bloomz-560m",
    "n_labelled": None,
    "probe_epochs": 100,
    "finetune_epochs": 30,
    "warmup_epochs": 10,
}
#: Smaller: three language models, 1024 movies per split, 10 fine-tuning epochs (3 warm-up).
MMIMDB_QUICK = {
    "text_models": ("bigscience/bloomz-560m", "bigscience/bloomz-1b1", "bigscience/bloomz-1b7"),
    "image_model": "vit_tiny_patch16_224.augreg_in21k",
    "finetune_text_model": "bigscience/bloomz-560m",
    "n_labelled": 1024,
    "probe_epochs": 100,
    "finetune_epochs": 10,
    "warmup_epochs": 3,
}
PROBE_LRS = (5e-3, 1e-3, 5e-4, 1e-4)
_SPLITS = ("train", "valid", "test")


def _load_splits(data_home, n_labelled, random_state):
    return {s: fetch_mmimdb(data_home=data_home, subset=s, n_labelled=n_labelled,
                            random_state=random_state) for s in _SPLITS}


def _f1(y, scores):
    """Macro F1 over the labels that occur in ``y`` (all 23 genres on the full test split) and
    micro F1; a label is predicted where its logit is positive."""
    y = np.asarray(y)
    pred = (scores > 0).astype(int)
    present = np.flatnonzero(y.sum(0) > 0)
    return (float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
            float(f1_score(y, pred, average="micro", zero_division=0)))


def _train_probe(X, y, lr, epochs, batch_size, seed, device):
    torch.manual_seed(seed)
    probe = torch.nn.Linear(X.shape[1], y.shape[1]).to(device)
    opt = torch.optim.Adam(probe.parameters(), lr=lr)
    X_t = torch.as_tensor(X, dtype=torch.float32, device=device)
    y_t = torch.as_tensor(y, dtype=torch.float32, device=device)
    gen = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=gen).to(device)
        for start in range(0, len(X_t), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss_fn(probe(X_t[idx]), y_t[idx]).backward()
            opt.step()
    return probe


def linear_probe_f1(train, valid, test, *, lrs=PROBE_LRS, epochs=100, batch_size=256,
                    random_state=0, device="cpu"):
    """Multi-label linear probe: pick the learning rate on ``valid`` (macro F1), report ``test``.

    Each of ``train``, ``valid``, ``test`` is ``(X, y)`` with features ``(n, d)`` and a 0/1
    label matrix ``(n, n_labels)``. Features are standardised with the training statistics; a
    linear layer is trained with binary cross-entropy and Adam for ``epochs`` epochs per learning
    rate; a label is predicted where its logit is positive. Macro F1 averages over the labels
    present in the split scored.

    Parameters
    ----------
    train, valid, test : tuple of (ndarray of shape (n, d), ndarray of shape (n, n_labels))
    lrs : sequence of float, default=(5e-3, 1e-3, 5e-4, 1e-4)
    epochs : int, default=100
    batch_size : int, default=256
    random_state : int, default=0
        Seeds the initialisation and the batch order.
    device : str, default="cpu"

    Returns
    -------
    dict
        ``best_lr``, ``val_macro_f1``, ``macro_f1``, ``micro_f1`` (test).

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.experiments import linear_probe_f1
    >>> rng = np.random.RandomState(0)
    >>> def split(n):
    ...     y = rng.randint(0, 2, size=(n, 3))
    ...     return 3.0 * (2 * y - 1) + 0.1 * rng.normal(size=(n, 3)), y
    >>> out = linear_probe_f1(split(60), split(20), split(20), lrs=(0.1,), epochs=50)
    >>> out["macro_f1"], out["micro_f1"]
    (1.0, 1.0)
    """
    epochs = check_int(epochs, "epochs", 1)
    lrs = check_positive_floats(lrs, "lrs", allow_zero=False)
    device = resolve_device(device)
    mean = np.asarray(train[0], dtype=np.float64).mean(0)
    std = np.asarray(train[0], dtype=np.float64).std(0)
    std[std == 0] = 1.0

    def scale(X):
        return ((np.asarray(X, dtype=np.float64) - mean) / std).astype(np.float32)

    Xtr, Xva, Xte = scale(train[0]), scale(valid[0]), scale(test[0])
    best = None
    for lr in lrs:
        probe = _train_probe(Xtr, np.asarray(train[1]), lr, epochs, batch_size, random_state,
                             device)
        with torch.no_grad():
            val = _f1(valid[1], probe(torch.as_tensor(Xva, device=device)).cpu().numpy())[0]
        if best is None or val > best[0]:
            best = (val, lr, probe)
    with torch.no_grad():
        macro, micro = _f1(test[1], best[2](torch.as_tensor(Xte, device=device)).cpu().numpy())
    return {"best_lr": best[1], "val_macro_f1": best[0], "macro_f1": macro, "micro_f1": micro}


def _probe_settings(cell):
    return {"lrs": cell["probe_lrs"], "epochs": cell["probe_epochs"],
            "random_state": cell["random_state"], "device": cell.get("device", "auto")}


def _alignment(text_layers, image_layers, cell):
    result = layerwise_alignment([np.array(a) for a in text_layers],
                                 [np.array(a) for a in image_layers], cell["metric"],
                                 topk=cell["topk"], clip_quantile=cell["clip_quantile"],
                                 device=cell.get("device", "auto"))
    return result.max


def _probe_cell(cell):
    """Linear probe on the last layer of one language model, and its alignment with the vision
    model on the test posters (max over layer pairs)."""
    from ..features import load_cached_layer_features

    data = _load_splits(cell["data_home"], cell["n_labelled"], cell["random_state"])
    text = {s: load_cached_layer_features(cell["text_features"][s]) for s in _SPLITS}
    image = load_cached_layer_features(cell["image_features"])
    splits = [(np.array(text[s].layers[-1]), data[s].y) for s in _SPLITS]
    scores = linear_probe_f1(*splits, **_probe_settings(cell))
    return {**scores, "alignment": _alignment(text["test"].layers, image.layers, cell)}


def _lr_factor(step, warmup_steps, total_steps, lr, min_lr):
    """Linear warm-up to ``lr`` then cosine decay to ``min_lr``, as a factor of ``lr``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return (min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * min(progress, 1.0)))) / lr


def _embed_text(feats, texts):
    batch = feats.tokenizer_(list(texts), padding=True, truncation=True,
                             max_length=feats.max_length, return_tensors="pt")
    batch = {k: v.to(feats.device_) for k, v in batch.items()
             if k in ("input_ids", "attention_mask", "token_type_ids")}
    hidden = feats.model_(**batch).last_hidden_state
    return pool_hidden(hidden, batch["attention_mask"], feats.pooling)


def _embed_image(feats, images):
    x = feats._to_tensor(images).to(feats.device_)
    channels_last = getattr(feats.model_, "output_fmt", "NCHW") == "NHWC"
    return pool_block_output(feats.model_.forward_features(x), feats.pooling, channels_last)


def clip_finetune(text_feats, image_feats, texts, images, *, epochs=30, warmup_epochs=10, lr=1e-4,
                  min_lr=1e-6, batch_size=32, projection_dim=256, temperature=0.07,
                  weight_decay=0.0, random_state=0, progress=False):
    """Fine-tune a fitted text and image feature extractor together with a CLIP-style loss.

    Both encoders and a linear projection per modality (to ``projection_dim``) are trained with
    the symmetric InfoNCE loss on the pairs ``(texts[i], images[i])`` with AdamW; the learning
    rate rises linearly to ``lr`` over ``warmup_epochs`` and then follows a cosine to ``min_lr``
    at the end of ``epochs``. The extractors' ``model_`` are updated in place (then back in eval
    mode), so their :meth:`transform_layers` give the fine-tuned features.

    Parameters
    ----------
    text_feats : fitted PretrainedTextFeatures
    image_feats : fitted PretrainedImageFeatures
    texts : sequence of str
    images : sequence of image paths, PIL images, or a float array (n, channels, height, width)
    epochs, warmup_epochs : int, default=30, 10
    lr, min_lr : float, default=1e-4, 1e-6
    batch_size : int, default=32
    projection_dim : int, default=256
    temperature : float, default=0.07
    weight_decay : float, default=0.0
    random_state : int, default=0
    progress : bool, default=False

    Returns
    -------
    list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from transformers import GPT2Config, GPT2Model
    >>> from mmalign_sk.experiments import clip_finetune
    >>> from mmalign_sk.features import (PretrainedImageFeatures, PretrainedTextFeatures,
    ...                                  make_character_tokenizer)
    >>> lm = GPT2Model(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=128,
    ...                           bos_token_id=2, eos_token_id=2))
    >>> text = PretrainedTextFeatures(lm, tokenizer=make_character_tokenizer()).fit()
    >>> image = PretrainedImageFeatures("vit_tiny_patch16_224", pretrained=False,
    ...     model_kwargs=dict(img_size=32, patch_size=8, depth=1)).fit()
    >>> images = np.random.RandomState(0).normal(size=(8, 3, 32, 32)).astype(np.float32)
    >>> losses = clip_finetune(text, image, [f"image {i}" for i in range(8)], images,
    ...                        epochs=3, warmup_epochs=1, lr=1e-3, batch_size=8)
    >>> len(losses)
    3
    """
    epochs = check_int(epochs, "epochs", 1)
    warmup_epochs = check_int(warmup_epochs, "warmup_epochs", 0, epochs)
    lr = check_real(lr, "lr", 0, low_inclusive=False)
    min_lr = check_real(min_lr, "min_lr", 0, lr)
    batch_size = check_int(batch_size, "batch_size", 2)
    if len(texts) != len(images) or len(texts) < 2:
        raise ValueError(f"need at least 2 pairs with as many texts as images; got {len(texts)} "
                         f"texts and {len(images)} images.")
    from tqdm.auto import tqdm

    device = text_feats.device_
    torch.manual_seed(random_state)
    with torch.no_grad():
        d_text = _embed_text(text_feats, texts[:2]).shape[1]
        d_image = _embed_image(image_feats, images[:2]).shape[1]
    proj_text = torch.nn.Linear(d_text, projection_dim).to(device)
    proj_image = torch.nn.Linear(d_image, projection_dim).to(device)
    params = [*text_feats.model_.parameters(), *image_feats.model_.parameters(),
              *proj_text.parameters(), *proj_image.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    steps = math.ceil(len(texts) / batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: _lr_factor(s, warmup_epochs * steps, epochs * steps, lr, min_lr))
    half = resolve_dtype("auto", device)
    gen = np.random.default_rng(random_state)
    losses = []
    text_feats.model_.train()
    image_feats.model_.train()
    try:
        for _ in tqdm(range(epochs), desc="CLIP fine-tuning", disable=not progress, leave=False):
            order, total = gen.permutation(len(texts)), 0.0
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                if len(idx) < 2:  # a contrastive batch needs a negative
                    continue
                with torch.autocast(device.type, dtype=half, enabled=half != torch.float32):
                    z_t = proj_text(_embed_text(text_feats, [texts[i] for i in idx]))
                    batch = images[idx] if isinstance(images, np.ndarray) and \
                        images.dtype != object else [images[i] for i in idx]
                    z_i = proj_image(_embed_image(image_feats, batch))
                loss = symmetric_info_nce(z_t.float(), z_i.float(), temperature=temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item() * len(idx)
            losses.append(total / len(texts))
    finally:
        text_feats.model_.eval()
        image_feats.model_.eval()
    return losses


def _measure(text_feats, image_feats, data, cell):
    """Alignment (test pairs) and macro / micro F1 of text, image and fused probes."""
    text = {s: text_feats.transform_layers(list(data[s].X["text"])) for s in _SPLITS}
    image = {s: image_feats.transform_layers(list(data[s].X["image"])) for s in _SPLITS}
    out = {"alignment": _alignment(text["test"], image["test"], cell)}
    views = {"text": lambda s: text[s][-1], "image": lambda s: image[s][-1],
             "fused": lambda s: np.hstack([text[s][-1], image[s][-1]])}
    for view, get in views.items():
        scores = linear_probe_f1(*[(get(s), data[s].y) for s in _SPLITS], **_probe_settings(cell))
        out[f"{view}_macro_f1"] = scores["macro_f1"]
        out[f"{view}_micro_f1"] = scores["micro_f1"]
    return out


def _finetune_cell(cell):
    """CLIP-style fine-tuning of one text/image encoder pair, measured before and after."""
    settings = {**cell["extractor"], "dtype": "float32", "device": cell.get("device", "auto")}
    text_feats = _text_extractor(cell["text_model"], settings).fit()
    image_feats = _image_extractor(cell["image_model"], settings).fit()
    data = _load_splits(cell["data_home"], cell["n_labelled"], cell["random_state"])
    before = _measure(text_feats, image_feats, data, cell)
    losses = clip_finetune(
        text_feats, image_feats, list(data["train"].X["text"]), list(data["train"].X["image"]),
        epochs=cell["finetune_epochs"], warmup_epochs=cell["warmup_epochs"],
        lr=cell["finetune_lr"], min_lr=cell["finetune_min_lr"],
        batch_size=cell["finetune_batch_size"], random_state=cell["random_state"])
    after = _measure(text_feats, image_feats, data, cell)
    return {"before": before, "after": after, "losses": losses}


def mmimdb_study(
    data_home=None,
    text_models=MMIMDB_QUICK["text_models"],
    image_model=MMIMDB_QUICK["image_model"],
    *,
    finetune_text_model=None,
    n_labelled=None,
    probe_lrs=PROBE_LRS,
    probe_epochs=100,
    finetune=True,
    finetune_epochs=30,
    warmup_epochs=10,
    finetune_lr=1e-4,
    finetune_min_lr=1e-6,
    finetune_batch_size=32,
    metric="mutual_knn",
    topk=10,
    clip_quantile=0.95,
    text_pooling="mean",
    image_pooling="cls",
    batch_size=32,
    max_length=512,
    device="auto",
    dtype="auto",
    local_files_only=False,
    feature_dir=None,
    cache_dir=None,
    n_jobs=None,
    progress=True,
    random_state=0,
):
    """Genre prediction on MM-IMDb against vision-language alignment.

    Two experiments of Tjandrasuwita et al. (2025):

    * **Probes** (``experiment="probe"``): for each language model, a multi-label linear probe
      on the last hidden layer's features of the plot texts (:func:`linear_probe_f1`: the
      learning rate picked on the validation split from ``probe_lrs``, ``probe_epochs`` epochs),
      with the model's alignment to ``image_model`` on the test pairs (poster, plot): does the
      more aligned language model predict genres better?
    * **Fine-tuning** (``experiment="clip_finetune"``): ``finetune_text_model`` and
      ``image_model`` fine-tuned together with a CLIP-style loss on the training pairs
      (:func:`clip_finetune`); alignment and the macro / micro F1 of text, image and fused
      (concatenated) probes before and after.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Where ``mmimdb/`` lies (see :func:`~mmalign_sk.datasets.fetch_mmimdb`).
    text_models : sequence of str
        Hugging Face names (downloaded on first use) or ``save_pretrained`` folders.
    image_model : str
        timm name or ``save_for_hf`` folder.
    finetune_text_model : str, default=None
        The language model fine-tuned with ``image_model``; None takes the first of
        ``text_models``.
    n_labelled : int, default=None
        Movies per split (seeded); None keeps all.
    probe_lrs, probe_epochs
        The probes' learning-rate grid and epochs (paper: {5e-3, 1e-3, 5e-4, 1e-4}, 100).
    finetune : bool, default=True
        Run the fine-tuning experiment.
    finetune_epochs, warmup_epochs, finetune_lr, finetune_min_lr, finetune_batch_size
        Fine-tuning schedule (paper: 30 epochs, 10 warm-up, lr 1e-4 cosine to 1e-6).
    metric, topk, clip_quantile
        The alignment metric (max over layer pairs on the test pairs).
    text_pooling, image_pooling, batch_size, max_length, device, dtype, local_files_only
        Feature extraction, as in :func:`vision_language_study`.
    feature_dir, cache_dir, n_jobs, progress, random_state
        As in :func:`vision_language_study`; ``random_state`` also seeds the probes and the
        fine-tuning.

    Returns
    -------
    StudyTable
        Rows ``experiment="probe"`` (``text_model``, ``text_params``, ``alignment``,
        ``macro_f1``, ``micro_f1``, ``best_lr``) and ``experiment="clip_finetune"`` with
        ``stage`` "before" / "after" (``alignment`` and ``{text,image,fused}_{macro,micro}_f1``).

    Examples
    --------
    >>> from mmalign_sk.experiments import mmimdb_study
    >>> table = mmimdb_study("~/mmalign_data", n_labelled=1024)  # doctest: +SKIP
    """
    text_models = _check_models(text_models, "text_models")
    image_model = _check_models([image_model], "image_model")[0]
    finetune_text_model = text_models[0] if finetune_text_model is None else \
        _check_models([finetune_text_model], "finetune_text_model")[0]
    settings = {"text_pooling": text_pooling, "image_pooling": image_pooling,
                "batch_size": check_int(batch_size, "batch_size", 1),
                "max_length": check_int(max_length, "max_length", 1), "device": device,
                "dtype": dtype, "local_files_only": bool(local_files_only)}
    common = {"data_home": None if data_home is None else os.fspath(Path(data_home).expanduser()),
              "n_labelled": n_labelled, "random_state": random_state, "metric": metric,
              "topk": check_int(topk, "topk", 1), "clip_quantile": clip_quantile,
              "probe_lrs": check_positive_floats(probe_lrs, "probe_lrs", allow_zero=False),
              "probe_epochs": check_int(probe_epochs, "probe_epochs", 1), "device": device}
    data = _load_splits(common["data_home"], n_labelled, random_state)
    if len(data["test"].y) <= common["topk"]:
        raise ValueError(f"the test split has {len(data['test'].y)} movies; the alignment on it "
                         f"needs more than topk={common['topk']}.")
    cleanup = None
    if feature_dir is None:
        if cache_dir is not None:
            feature_dir = Path(cache_dir).expanduser().parent / "features"
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="mmalign_features_")
            feature_dir = cleanup.name
    cache = ResultCache(cache_dir)
    try:
        require_extractors(  # fail at once, naming every model, when models are missing
            [(_image_extractor(image_model, settings), list(data["test"].X["image"]))]
            + [(_text_extractor(n, settings), list(data[s].X["text"])) for n in text_models
               for s in _SPLITS], feature_dir, local_files_only=settings["local_files_only"],
            also=[(finetune_text_model, "text"), (image_model, "image")] if finetune else ())
        image = cached_layer_features(_image_extractor(image_model, settings),
                                      list(data["test"].X["image"]), feature_dir,
                                      progress=progress)
        cells, rows = [], []
        for name in text_models:
            feats = {s: cached_layer_features(_text_extractor(name, settings),
                                              list(data[s].X["text"]), feature_dir,
                                              progress=progress) for s in _SPLITS}
            cells.append({**common, "text_features": {s: str(f.path) for s, f in feats.items()},
                          "image_features": str(image.path)})
            rows.append({"experiment": "probe", "text_model": name,
                         "text_family": model_family(name),
                         "text_params": feats["train"].n_parameters, "image_model": image_model,
                         "stage": "pretrained"})
        results = _run_cells(cells, _probe_cell, cache=cache, n_jobs=n_jobs, progress=progress,
                             desc="MM-IMDb probes")
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    records = [{**row, **res} for row, res in zip(rows, results)]
    if finetune:
        cell = {**common, "text_model": finetune_text_model, "image_model": image_model,
                "extractor": {k: v for k, v in settings.items() if k not in ("device", "dtype")},
                "finetune_epochs": check_int(finetune_epochs, "finetune_epochs", 1),
                "warmup_epochs": check_int(warmup_epochs, "warmup_epochs", 0, finetune_epochs),
                "finetune_lr": check_real(finetune_lr, "finetune_lr", 0, low_inclusive=False),
                "finetune_min_lr": check_real(finetune_min_lr, "finetune_min_lr", 0, finetune_lr),
                "finetune_batch_size": check_int(finetune_batch_size, "finetune_batch_size", 2)}
        (res,) = _run_cells([cell], _finetune_cell, cache=cache, progress=progress,
                            desc="MM-IMDb CLIP fine-tuning", one_thread=False)
        for stage in ("before", "after"):
            records.append({"experiment": "clip_finetune", "text_model": finetune_text_model,
                            "text_family": model_family(finetune_text_model),
                            "image_model": image_model, "stage": stage, **res[stage],
                            "final_loss": res["losses"][-1] if stage == "after" else None})
    return StudyTable(records)


def summarize_mmimdb(table):
    """Findings of :func:`mmimdb_study`: did more alignment mean better genre prediction?

    The probes' finding holds when alignment and test macro F1 rise together across language
    models (Spearman's rho > 0; with two models, the sign of the change); the fine-tuning
    finding when fine-tuning raised both the alignment and the fused probe's macro F1.

    Parameters
    ----------
    table : StudyTable
        The table of :func:`mmimdb_study`.

    Returns
    -------
    dict
        ``probes`` and ``finetune`` (StudyTables) and ``findings`` (``{finding, holds,
        evidence}``).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_mmimdb
    >>> rows = [{"experiment": "probe", "text_model": m, "alignment": a, "macro_f1": f}
    ...         for m, a, f in (("s", 0.1, 0.40), ("m", 0.2, 0.45), ("l", 0.3, 0.50))]
    >>> summarize_mmimdb(StudyTable(rows))["findings"][0]["holds"]
    True
    """
    probes = table.filter(experiment="probe")
    findings = []
    if len(probes):
        x, y = probes["alignment"].astype(float), probes["macro_f1"].astype(float)
        rho = _rank_trend(x, y) if len(probes) == 2 else spearman(x, y)
        findings.append({
            "finding": "Language models more aligned with the vision model give better genre "
                       "probes",
            "holds": bool(rho > 0),
            "evidence": (f"Spearman rho of alignment vs test macro F1 over {len(probes)} "
                         f"language models (two: the sign of the slope): {rho:+.2f}"
                         if not math.isnan(rho) else
                         f"undefined with {len(probes)} language model(s) (needs 2 or more with "
                         "different values)") + ".",
        })
    fine = table.filter(experiment="clip_finetune") if "experiment" in table.columns else probes
    if len(fine) == 2:
        before = fine.filter(stage="before").records[0]
        after = fine.filter(stage="after").records[0]
        d_align = after["alignment"] - before["alignment"]
        deltas = {v: after[f"{v}_macro_f1"] - before[f"{v}_macro_f1"]
                  for v in ("text", "image", "fused")}
        findings.append({
            "finding": "CLIP-style fine-tuning raises alignment and, with it, genre prediction",
            "holds": bool(d_align > 0 and deltas["fused"] > 0),
            "evidence": f"alignment {before['alignment']:.3f} -> {after['alignment']:.3f}; "
                        "macro F1 change " + ", ".join(f"{v} {d:+.3f}" for v, d in deltas.items())
                        + ".",
        })
    return {"probes": probes, "finetune": fine if len(fine) == 2 else StudyTable([]),
            "findings": findings}
