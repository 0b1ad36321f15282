"""Per-block features of a pretrained vision model (timm)."""

import copy
import os

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._device import check_positive_int, resolve_device, resolve_dtype
from ._text import prefetch_hint

POOLINGS = ("mean", "cls")
_BLOCK_CONTAINERS = ("blocks", "stages", "layers")


def _find_blocks(model):
    for name in _BLOCK_CONTAINERS:
        blocks = getattr(model, name, None)
        if isinstance(blocks, (torch.nn.Sequential, torch.nn.ModuleList)) and len(blocks):
            return list(blocks)
    raise ValueError(
        f"cannot find the blocks of {type(model).__name__}: expected one of the attributes "
        f"{_BLOCK_CONTAINERS} holding a Sequential or ModuleList (timm ViTs, ConvNeXts, ResNet-"
        "style stages, Swin ...)."
    )


def pool_block_output(out, pooling, channels_last=False):
    """Pool a block output to ``(n, d)``: tokens (n, t, d) or feature maps (n, c, h, w)."""
    if isinstance(out, (tuple, list)):
        out = out[0]
    if out.ndim == 3:
        return out[:, 0] if pooling == "cls" else out.mean(1)
    if out.ndim == 4:
        return out.mean((1, 2)) if channels_last else out.mean((2, 3))
    if out.ndim == 2:
        return out
    raise ValueError(f"cannot pool a block output of shape {tuple(out.shape)}.")


class PretrainedImageFeatures(TransformerMixin, BaseEstimator):
    """Pooled outputs of every block of a timm vision model.

    Parameters
    ----------
    model : str, path-like or torch.nn.Module, default="vit_base_patch16_224"
        A timm model name (``"vit_small_patch16_224.augreg_in21k"``), a folder written by
        ``timm.models.save_for_hf`` (or ``"local-dir:<folder>"``, ``"hf-hub:<repo>"``), or a
        model instance (used as is).
    pretrained : bool, default=True
        For a model name: load pretrained weights from ``checkpoint_path`` or, when that is None,
        from the Hugging Face Hub, downloaded on first use into the Hugging Face cache
        (``~/.cache/huggingface/hub`` or ``$HF_HOME/hub``) as timm does. False keeps random
        weights.
    checkpoint_path : str or path-like, default=None
        Local weights file (``.safetensors``, ``.pth``) for a model name.
    model_kwargs : dict, default=None
        Extra arguments of ``timm.create_model`` (e.g. ``img_size``).
    layer : int, default=-1
        Index of the block whose features :meth:`transform` returns.
    pooling : {"mean", "cls"}, default="mean"
        Token outputs (n, t, d): mean over tokens, or the first (class) token. Feature maps are
        always averaged over space.
    batch_size : int, default=32
        Images per forward pass.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available.
    dtype : {"auto", "float32", "float16", "bfloat16"}, default="auto"
        Autocast precision: ``"auto"`` is bfloat16 (or float16) on CUDA, float32 on CPU.
    local_files_only : bool, default=False
        Look for pretrained weights only in the local cache, never on the network. (An
        ``"hf-hub:<repo>"`` model is fetched by timm itself; set ``HF_HUB_OFFLINE=1`` to keep
        it offline.)

    Attributes
    ----------
    model_ : torch.nn.Module
        The model in eval mode.
    n_layers_ : int
        Number of blocks.
    n_parameters_ : int
        Number of parameters of the model.
    transform_ : callable
        timm's evaluation transform, used for images given as paths or PIL images.

    Raises
    ------
    OSError
        From :meth:`fit`, when pretrained weights can neither be found in the cache nor
        downloaded; the message names the model and says how to pre-fetch it.

    Notes
    -----
    ``X`` is a float array ``(n, channels, height, width)`` already preprocessed for the model,
    or a sequence of image paths / PIL images, which are loaded and preprocessed with the
    model's timm data configuration.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.features import PretrainedImageFeatures
    >>> feats = PretrainedImageFeatures(
    ...     "vit_tiny_patch16_224", pretrained=False,
    ...     model_kwargs=dict(img_size=32, patch_size=8, depth=2))
    >>> X = np.zeros((3, 3, 32, 32), dtype=np.float32)
    >>> [a.shape for a in feats.fit(X).transform_layers(X)]
    [(3, 192), (3, 192)]
    """

    def __init__(self, model="vit_base_patch16_224", pretrained=True, checkpoint_path=None,
                 model_kwargs=None, layer=-1, pooling="mean", batch_size=32, device="auto",
                 dtype="auto", local_files_only=False):
        self.model = model
        self.pretrained = pretrained
        self.checkpoint_path = checkpoint_path
        self.model_kwargs = model_kwargs
        self.layer = layer
        self.pooling = pooling
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        self.local_files_only = local_files_only

    def _weights_file(self, model):
        """Path of the pretrained weights of a timm model name: downloaded on first use into the
        Hugging Face cache (or found there), as timm does."""
        from huggingface_hub import hf_hub_download

        cfg = model.pretrained_cfg
        repo, _, revision = (cfg.get("hf_hub_id") or "").partition("@")
        if not repo:
            raise ValueError(
                f"timm model {self.model!r} has no Hugging Face weights (no hf_hub_id in its "
                "pretrained config); pass checkpoint_path=<weights file>."
            )
        filenames = ([cfg["hf_hub_filename"]] if cfg.get("hf_hub_filename")
                     else ["model.safetensors", "pytorch_model.bin"])
        errors = []
        for filename in filenames:
            try:
                return hf_hub_download(repo, filename, revision=revision or None,
                                       local_files_only=self.local_files_only)
            except Exception as exc:  # noqa: BLE001 - try the next file, report them all
                errors.append(exc)
        where = ("is not in the local Hugging Face cache (local_files_only=True)"
                 if self.local_files_only else "could not be downloaded (no network?)")
        raise OSError(
            f"The pretrained weights of timm model {self.model!r} (Hugging Face repository "
            f"{repo!r}) {where}. {prefetch_hint(repo)} Or pass checkpoint_path=<weights file>. "
            f"Last error: {errors[-1]}"
        )

    def _load_model(self):
        if isinstance(self.model, torch.nn.Module):
            return copy.deepcopy(self.model)
        if not isinstance(self.model, (str, os.PathLike)):
            raise TypeError(
                "model must be a timm model name, a folder saved with timm's save_for_hf, or a "
                f"torch module; got {type(self.model).__name__}."
            )
        import timm

        name = os.fspath(self.model)
        kwargs = dict(self.model_kwargs or {})
        if os.path.isdir(name):
            name = "local-dir:" + os.path.abspath(name)
        if name.startswith(("local-dir:", "hf-hub:")):
            # timm reads the architecture from the folder's / repository's config.json
            try:
                return timm.create_model(name, pretrained=self.pretrained, **kwargs)
            except (OSError, RuntimeError, ValueError) as exc:
                raise OSError(f"timm could not load {name!r}: {exc}") from exc
        try:
            model = timm.create_model(name, pretrained=False, **kwargs)
        except RuntimeError as exc:
            raise ValueError(f"timm does not know the model {name!r}: {exc}") from exc
        if not self.pretrained:
            return model
        if self.checkpoint_path is not None:
            path = os.fspath(self.checkpoint_path)
            if not os.path.exists(path):
                raise FileNotFoundError(f"checkpoint_path {path!r} does not exist.")
            timm.models.load_checkpoint(model, path)
            return model
        # timm adapts the file to model_kwargs (position embeddings, classifier) as it loads
        overlay = {**kwargs.pop("pretrained_cfg_overlay", {}), "file": self._weights_file(model)}
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, **kwargs)

    def fit(self, X=None, y=None):
        """Build or load the model; ``X`` is not used (nothing is learned)."""
        import timm.data

        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}; got {self.pooling!r}.")
        check_positive_int(self.batch_size, "batch_size")
        self.device_ = resolve_device(self.device)
        self.dtype_ = resolve_dtype(self.dtype, self.device_)
        self.model_ = self._load_model().to(self.device_).eval()
        self.n_parameters_ = int(sum(p.numel() for p in self.model_.parameters()))
        self.blocks_ = _find_blocks(self.model_)
        self.n_layers_ = len(self.blocks_)
        if not -self.n_layers_ <= self.layer < self.n_layers_:
            raise ValueError(
                f"layer must index one of the {self.n_layers_} blocks; got {self.layer}."
            )
        config = timm.data.resolve_data_config({}, model=self.model_)
        fixed_size = getattr(getattr(self.model_, "patch_embed", None), "img_size", None)
        if fixed_size is not None:  # a ViT built for another size than its pretrained config
            config["input_size"] = (config["input_size"][0], *tuple(fixed_size))
        self.transform_ = timm.data.create_transform(**config)
        return self

    def _to_tensor(self, X):
        if isinstance(X, np.ndarray) and X.dtype != object:
            if X.ndim != 4 or not np.issubdtype(X.dtype, np.floating):
                raise ValueError(
                    "an array X must be float (n_samples, channels, height, width); got "
                    f"shape {X.shape}, dtype {X.dtype}."
                )
            if not np.isfinite(X).all():
                raise ValueError("X contains NaN or infinite values.")
            return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        if isinstance(X, torch.Tensor):
            return self._to_tensor(X.detach().cpu().numpy())
        from PIL import Image

        images = []
        for item in X:
            if isinstance(item, (str, os.PathLike)):
                try:
                    with Image.open(item) as im:
                        item = im.convert("RGB")
                except OSError as exc:
                    raise ValueError(f"cannot read image {os.fspath(item)!r}: {exc}") from exc
            elif not isinstance(item, Image.Image):
                raise TypeError(
                    f"X must be a float array or a sequence of image paths / PIL images; got an "
                    f"item of type {type(item).__name__}."
                )
            images.append(self.transform_(item.convert("RGB")))
        if not images:
            raise ValueError("X must hold at least one image; got 0.")
        return torch.stack(images)

    @torch.no_grad()
    def transform_layers(self, X):
        """Pooled features of every block: a list of ``(n_samples, d_block)`` float32 arrays."""
        check_is_fitted(self, "model_")
        images = self._to_tensor(X)
        channels_last = getattr(self.model_, "output_fmt", "NCHW") == "NHWC"
        captured = []
        hooks = [b.register_forward_hook(lambda m, i, o: captured.append(o)) for b in self.blocks_]
        per_layer = [[] for _ in self.blocks_]
        try:
            for start in range(0, len(images), self.batch_size):
                captured.clear()
                batch = images[start:start + self.batch_size].to(self.device_)
                with torch.autocast(self.device_.type, dtype=self.dtype_,
                                    enabled=self.dtype_ != torch.float32):
                    self.model_.forward_features(batch)
                for store, out in zip(per_layer, captured):
                    pooled = pool_block_output(out, self.pooling, channels_last)
                    store.append(pooled.float().cpu().numpy())
        finally:
            for h in hooks:
                h.remove()
        return [np.concatenate(p).astype(np.float32) for p in per_layer]

    def transform(self, X):
        """Pooled features of block ``layer``: ``(n_samples, d)`` float32."""
        return self.transform_layers(X)[self.layer]
