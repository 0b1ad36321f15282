"""MM-IMDb: does more alignment between a language model and a vision model mean better genre
prediction? Linear probes on pretrained language models, and CLIP-style fine-tuning of one
text/image encoder pair (Tjandrasuwita et al. 2025).

Three stages: the features of every language model on the plots of every split and of the vision
model on the test posters (cached on disk), the linear probes (one cell per language model), then
the CLIP-style fine-tuning of one pair, measured before and after (one large cell).
"""

import math
import os
from pathlib import Path

import numpy as np

from .._checks import check_int, check_real
from ._config import check_positive_floats
from ._finding import Finding
from ._pretrained import Extraction, check_models, feature_folder, feature_stage
from ._pretrained import layer_alignment, model_family
from ._report import HEADLINE, Report
from ._stats import spearman
from ._study import Plan, Source, Stage, Study, grid, ours, paper, positional, run_study
from ._table import StudyTable
from ._vision_language import TEXT_MODELS_FULL, _rank_trend

PROBE_LRS = (5e-3, 1e-3, 5e-4, 1e-4)
_SPLITS = ("train", "valid", "test")

#: The paper's probe and fine-tuning settings: probes trained 100 epochs with the learning rate
#: chosen on the validation split from {5e-3, 1e-3, 5e-4, 1e-4}; CLIP-style fine-tuning with
#: lr 1e-4, cosine decay to 1e-6 after 10 warm-up epochs, 30 epochs. Models: the quick language
#: family of the vision-language study and an ImageNet-21k ViT (ours).
PRESETS = {
    "full": dict(
        text_models=ours(TEXT_MODELS_FULL[:5]),
        image_model=ours("vit_base_patch16_224.augreg_in21k"),
        finetune_text_model=ours(None),  # None: the first of text_models
        n_labelled=paper(None),
        probe_epochs=paper(100),
        finetune_epochs=paper(30),
        warmup_epochs=paper(10),
        probe_lrs=paper(PROBE_LRS),
        finetune=paper(True),
        finetune_lr=paper(1e-4),
        finetune_min_lr=paper(1e-6),
        finetune_batch_size=ours(32),
        metric=paper("mutual_knn"),
        topk=paper(10),
        clip_quantile=paper(0.95),
        text_pooling=paper("mean"),
        image_pooling=ours("cls"),
        batch_size=ours(32),
        max_length=ours(512),
        dtype=ours("auto"),
        local_files_only=ours(False),
    ),
    # three language models, 1024 movies per split, 10 fine-tuning epochs (3 warm-up)
    "quick": dict(
        text_models=ours(TEXT_MODELS_FULL[:3]),
        image_model=ours("vit_tiny_patch16_224.augreg_in21k"),
        finetune_text_model=ours(None),
        n_labelled=ours(1024),
        probe_epochs=paper(100),
        finetune_epochs=ours(10),
        warmup_epochs=ours(3),
    ),
}
MMIMDB_FULL = grid(PRESETS, "full")
MMIMDB_QUICK = grid(PRESETS, "quick")


def _load_splits(data_home, n_labelled, random_state):
    from ..datasets import fetch_mmimdb

    return {s: fetch_mmimdb(data_home=data_home, subset=s, n_labelled=n_labelled,
                            random_state=random_state) for s in _SPLITS}


def _f1(y, scores):
    """Macro F1 over the labels that occur in ``y`` (all 23 genres on the full test split) and
    micro F1; a label is predicted where its logit is positive."""
    from sklearn.metrics import f1_score

    y = np.asarray(y)
    pred = (scores > 0).astype(int)
    present = np.flatnonzero(y.sum(0) > 0)
    return (float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
            float(f1_score(y, pred, average="micro", zero_division=0)))


def _train_probe(X, y, lr, epochs, batch_size, seed, device):
    import torch

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

    ``random_state`` seeds the initialisation and the batch order. Returns ``best_lr``,
    ``val_macro_f1``, and the test ``macro_f1`` and ``micro_f1``.

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
    import torch

    from ..features._device import resolve_device

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


def _probe_settings(cell, device):
    return {"lrs": cell["probe_lrs"], "epochs": cell["probe_epochs"],
            "random_state": cell["random_state"], "device": device}


def _probe_cell(cell, device):
    """Linear probe on the last layer of one language model, and its alignment with the vision
    model on the test posters (max over layer pairs)."""
    from ..features import load_cached_layer_features

    data = _load_splits(cell["data_home"], cell["n_labelled"], cell["random_state"])
    text = {s: load_cached_layer_features(cell["text_features"][s]) for s in _SPLITS}
    image = load_cached_layer_features(cell["image_features"])
    splits = [(np.array(text[s].layers[-1]), data[s].y) for s in _SPLITS]
    scores = linear_probe_f1(*splits, **_probe_settings(cell, device))
    alignment = layer_alignment(text["test"].layers, image.layers, cell, device).max
    return {**scores, "alignment": alignment}


def _lr_factor(step, warmup_steps, total_steps, lr, min_lr):
    """Linear warm-up to ``lr`` then cosine decay to ``min_lr``, as a factor of ``lr``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return (min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * min(progress, 1.0)))) / lr


def _embed_text(feats, texts):
    from ..features._text import pool_hidden

    batch = feats.tokenizer_(list(texts), padding=True, truncation=True,
                             max_length=feats.max_length, return_tensors="pt")
    batch = {k: v.to(feats.device_) for k, v in batch.items()
             if k in ("input_ids", "attention_mask", "token_type_ids")}
    hidden = feats.model_(**batch).last_hidden_state
    return pool_hidden(hidden, batch["attention_mask"], feats.pooling)


def _embed_image(feats, images):
    from ..features._image import pool_block_output

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

    ``text_feats`` and ``image_feats`` are a fitted
    :class:`~mmalign_sk.features.PretrainedTextFeatures` and
    :class:`~mmalign_sk.features.PretrainedImageFeatures`; ``images`` are paths, PIL images or a
    float array (n, channels, height, width). Returns the mean training loss of every epoch.

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
    import torch
    from tqdm.auto import tqdm

    from ..estimators import symmetric_info_nce
    from ..features._device import resolve_dtype

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


def _measure(text_feats, image_feats, data, cell, device):
    """Alignment (test pairs) and macro / micro F1 of text, image and fused probes."""
    text = {s: text_feats.transform_layers(list(data[s].X["text"])) for s in _SPLITS}
    image = {s: image_feats.transform_layers(list(data[s].X["image"])) for s in _SPLITS}
    out = {"alignment": layer_alignment(text["test"], image["test"], cell, device).max}
    views = {"text": lambda s: text[s][-1], "image": lambda s: image[s][-1],
             "fused": lambda s: np.hstack([text[s][-1], image[s][-1]])}
    for view, get in views.items():
        scores = linear_probe_f1(*[(get(s), data[s].y) for s in _SPLITS],
                                 **_probe_settings(cell, device))
        out[f"{view}_macro_f1"] = scores["macro_f1"]
        out[f"{view}_micro_f1"] = scores["micro_f1"]
    return out


def _finetune_cell(cell, device):
    """CLIP-style fine-tuning of one text/image encoder pair, measured before and after."""
    extraction = Extraction(**cell["extractor"], dtype="float32")
    text_feats = extraction.text(cell["text_model"], device).fit()
    image_feats = extraction.image(cell["image_model"], device).fit()
    data = _load_splits(cell["data_home"], cell["n_labelled"], cell["random_state"])
    before = _measure(text_feats, image_feats, data, cell, device)
    losses = clip_finetune(
        text_feats, image_feats, list(data["train"].X["text"]), list(data["train"].X["image"]),
        epochs=cell["finetune_epochs"], warmup_epochs=cell["warmup_epochs"],
        lr=cell["finetune_lr"], min_lr=cell["finetune_min_lr"],
        batch_size=cell["finetune_batch_size"], random_state=cell["random_state"])
    after = _measure(text_feats, image_feats, data, cell, device)
    return {"before": before, "after": after, "losses": losses}


def _plan(params, random_state, device, cache_dir=None, progress=False, **run):
    text_models = check_models(params["text_models"], "text_models")
    image_model = check_models(params["image_model"], "image_model")[0]
    finetune_model = params["finetune_text_model"]
    finetune_model = text_models[0] if finetune_model is None else check_models(
        finetune_model, "finetune_text_model")[0]
    extraction = Extraction.from_params(params)
    data_home = params["data_home"]
    common = {"data_home": None if data_home is None else os.fspath(Path(data_home).expanduser()),
              "n_labelled": params["n_labelled"], "random_state": random_state,
              "metric": params["metric"], "topk": check_int(params["topk"], "topk", 1),
              "clip_quantile": params["clip_quantile"],
              "probe_lrs": check_positive_floats(params["probe_lrs"], "probe_lrs",
                                                 allow_zero=False),
              "probe_epochs": check_int(params["probe_epochs"], "probe_epochs", 1)}
    data = _load_splits(common["data_home"], params["n_labelled"], random_state)
    if len(data["test"].y) <= common["topk"]:
        raise ValueError(f"the test split has {len(data['test'].y)} movies; the alignment on it "
                         f"needs more than topk={common['topk']}.")
    jobs = [("image", image_model, "test", list(data["test"].X["image"]))]
    jobs += [("text", name, split, list(data[split].X["text"]))
             for name in text_models for split in _SPLITS]
    folder, cleanup = feature_folder(params["feature_dir"], cache_dir)
    also = [(finetune_model, "text"), (image_model, "image")] if params["finetune"] else ()
    features = feature_stage("features", jobs, extraction, folder, device, progress, also=also)
    index = {(c["kind"], c["model"], c["data"]): i for i, c in enumerate(features.cells)}

    def feature(done, kind, model, split):
        return done["features"][index[kind, model, split]]

    def probe_cells(done):
        return [{**common, "text_features": {s: feature(done, "text", name, s)["path"]
                                             for s in _SPLITS},
                 "image_features": feature(done, "image", image_model, "test")["path"]}
                for name in text_models]

    stages = [features, Stage("probes", probe_cells, _probe_cell,
                              inputs=lambda cell, done: (device,))]
    if params["finetune"]:
        epochs = check_int(params["finetune_epochs"], "finetune_epochs", 1)
        lr = check_real(params["finetune_lr"], "finetune_lr", 0, low_inclusive=False)
        cell = {**common, "text_model": finetune_model, "image_model": image_model,
                "extractor": {k: v for k, v in extraction.key().items() if k != "dtype"},
                "finetune_epochs": epochs,
                "warmup_epochs": check_int(params["warmup_epochs"], "warmup_epochs", 0, epochs),
                "finetune_lr": lr,
                "finetune_min_lr": check_real(params["finetune_min_lr"], "finetune_min_lr", 0, lr),
                "finetune_batch_size": check_int(params["finetune_batch_size"],
                                                 "finetune_batch_size", 2)}
        stages.append(Stage("fine-tuning", [cell], _finetune_cell,
                            inputs=lambda cell, done: (device,), large=True))

    def table(done):
        records = [{"experiment": "probe", "text_model": name, "text_family": model_family(name),
                    "text_params": feature(done, "text", name, "train")["n_parameters"],
                    "image_model": image_model, "stage": "pretrained", **res}
                   for name, res in zip(text_models, done["probes"])]
        for res in done.get("fine-tuning", ()):
            for stage in ("before", "after"):
                records.append({"experiment": "clip_finetune", "text_model": finetune_model,
                                "text_family": model_family(finetune_model),
                                "image_model": image_model, "stage": stage, **res[stage],
                                "final_loss": res["losses"][-1] if stage == "after" else None})
        return StudyTable(records), None

    return Plan(stages=tuple(stages), table=table, cleanup=cleanup)


def mmimdb_study(*args, **params):
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

    This is ``run_study(STUDIES["mmimdb"], "full", "mmimdb", ...)``: the defaults are
    ``MMIMDB_FULL`` (the paper's probe and fine-tuning settings); ``MMIMDB_QUICK`` is smaller.

    Parameters
    ----------
    data_home : str or path-like, optional
        Where ``mmimdb/`` lies (see :func:`~mmalign_sk.datasets.fetch_mmimdb`).
    text_models : sequence of str
        Hugging Face names or ``save_pretrained`` folders.
    image_model : str
        timm name or ``save_for_hf`` folder (``data_home``, ``text_models`` and ``image_model``
        are also the positional arguments).
    finetune_text_model : str, optional
        The language model fine-tuned with ``image_model``; None takes the first of
        ``text_models``.
    n_labelled : int, optional
        Movies per split (seeded); None keeps all.
    probe_lrs, probe_epochs, finetune, finetune_epochs, warmup_epochs, finetune_lr, \
finetune_min_lr, finetune_batch_size
        The probes' learning rates and epochs; whether to fine-tune and its schedule.
    metric, topk, clip_quantile, text_pooling, image_pooling, batch_size, max_length, dtype, \
local_files_only, feature_dir, device, n_jobs, cache_dir, progress, random_state
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
    >>> from mmalign_sk.experiments import mmimdb_study, MMIMDB_QUICK
    >>> table = mmimdb_study("~/mmalign_data", **MMIMDB_QUICK)  # doctest: +SKIP
    """
    named = positional(("data_home", "text_models", "image_model"), args)
    return run_study(MMIMDB_STUDY, "full", "mmimdb", **named, **params).table


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
        ``probes`` and ``finetune`` (StudyTables) and ``findings`` (list of
        :class:`~mmalign_sk.experiments.Finding`).

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable, summarize_mmimdb
    >>> rows = [{"experiment": "probe", "text_model": m, "alignment": a, "macro_f1": f}
    ...         for m, a, f in (("s", 0.1, 0.40), ("m", 0.2, 0.45), ("l", 0.3, 0.50))]
    >>> summarize_mmimdb(StudyTable(rows))["findings"][0].holds
    True
    """
    probes = table.filter(experiment="probe")
    findings = []
    if len(probes):
        x, y = probes["alignment"].astype(float), probes["macro_f1"].astype(float)
        rho = _rank_trend(x, y) if len(probes) == 2 else spearman(x, y)
        findings.append(Finding(
            "Language models more aligned with the vision model give better genre probes",
            rho > 0,
            (f"Spearman rho of alignment vs test macro F1 over {len(probes)} language models "
             f"(two: the sign of the slope): {rho:+.2f}" if not math.isnan(rho) else
             f"undefined with {len(probes)} language model(s) (needs 2 or more with different "
             "values)") + ".",
            rho,
        ))
    fine = table.filter(experiment="clip_finetune") if "experiment" in table.columns else probes
    if len(fine) == 2:
        before = fine.filter(stage="before").records[0]
        after = fine.filter(stage="after").records[0]
        d_align = after["alignment"] - before["alignment"]
        deltas = {v: after[f"{v}_macro_f1"] - before[f"{v}_macro_f1"]
                  for v in ("text", "image", "fused")}
        findings.append(Finding(
            "CLIP-style fine-tuning raises alignment and, with it, genre prediction",
            d_align > 0 and deltas["fused"] > 0,
            f"alignment {before['alignment']:.3f} -> {after['alignment']:.3f}; macro F1 change "
            + ", ".join(f"{v} {d:+.3f}" for v, d in deltas.items()) + ".",
            deltas["fused"],
        ))
    return {"probes": probes, "finetune": fine if len(fine) == 2 else StudyTable([]),
            "findings": findings}


# ------------------------------------------------------------------------------ the report
def mmimdb_report(run, summary):
    """The summary's sections: the probes, and the fine-tuning before and after."""
    sections = [("Linear probes on the last layer of each language model (test split)",
                 summary["probes"].to_markdown(["text_model", "text_params", "alignment",
                                                "best_lr", "macro_f1", "micro_f1"]))]
    if len(summary["finetune"]):
        sections.append(("CLIP-style fine-tuning: before and after",
                         summary["finetune"].to_markdown(
                             ["stage", "alignment", "text_macro_f1", "text_micro_f1",
                              "image_macro_f1", "image_micro_f1", "fused_macro_f1",
                              "fused_micro_f1"])))
    return Report(sections, summary["findings"])


def mmimdb_figures(run, summary):
    """``{file name: figure}``: the probes' F1 against alignment (two or more probes)."""
    from . import _figures

    if len(summary["probes"]) < 2:
        return {}
    fig, _ = _figures.scatter(summary["probes"], "alignment", "macro_f1", "text_family",
                              f"{HEADLINE} with the vision model (max over layer pairs)",
                              "test macro F1 of the linear probe", "MM-IMDb: genres vs alignment")
    return {"mmimdb_f1_vs_alignment.png": fig}


MMIMDB_STUDY = Study(
    name="mmimdb",
    help="MM-IMDb: does more alignment between a language model and a vision model mean better "
         "genre prediction? Linear probes, and CLIP-style fine-tuning (Tjandrasuwita et al. 2025)",
    sources={"mmimdb": Source("mmimdb", "MM-IMDb in --data-home/mmimdb", PRESETS, _plan,
                              data=dict(data_home=None, feature_dir=None))},
    summarize=summarize_mmimdb,
    report=mmimdb_report,
    figures=mmimdb_figures,
    outputs=("mmimdb.csv", "mmimdb.json", "summary.md", "summary.json",
             "mmimdb_f1_vs_alignment.png", "features/", "cache/"),
    options=(
        ("--text-models", dict(dest="text_models", nargs="+", metavar="MODEL",
                               help="Hugging Face names or save_pretrained folders; the first "
                                    "is fine-tuned (default: the preset's)")),
        ("--image-model", dict(dest="image_model", metavar="MODEL",
                               help="timm name or save_for_hf folder (default: the preset's)")),
        ("--local-files-only", dict(dest="local_files_only", action="store_const", const=True,
                                    help="never download models (use the Hugging Face cache)")),
    ),
)
