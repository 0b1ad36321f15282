"""Per-block features of a pretrained vision model (timm)."""

import copy
import json
import os
import stat
import struct
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._device import check_positive_int, resolve_device, resolve_dtype
from ._text import prefetch_hint

POOLINGS = ("mean", "cls")
_BLOCK_CONTAINERS = ("blocks", "stages", "layers")

#: Largest image accepted, in pixels (width x height): 2**26 = 67,108,864 (8192 x 8192). Read from
#: the file's header and checked before anything is decoded or resized.
MAX_IMAGE_PIXELS = 2 ** 26
#: Largest ratio of an image's long side to its short side. The model's preprocessing scales
#: the short side up to the input size, so a thin strip (1 x 100000 pixels) would become a
#: gigapixel image; anything thinner than 1:50 is refused before the resize.
MAX_ASPECT_RATIO = 50
#: Largest ``config.json`` read from a model folder, in bytes.
MAX_CONFIG_BYTES = 1 << 20
# what PIL raises on a corrupt or truncated file besides OSError
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError,
                  struct.error)


def check_image_size(size, what):
    """Refuse an image of ``size = (width, height)`` that is empty, too large or too thin."""
    width, height = (int(v) for v in size)
    if width < 1 or height < 1:
        raise ValueError(f"{what} is {width} x {height} pixels; an image needs at least 1 x 1.")
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(
            f"{what} is {width} x {height} = {width * height:,} pixels; at most "
            f"MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS:,} are accepted (a decompression bomb?). "
            "Downscale it first."
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ValueError(
            f"{what} is {width} x {height} pixels, an aspect ratio of "
            f"{max(width, height) / min(width, height):.0f}:1; at most "
            f"MAX_ASPECT_RATIO = {MAX_ASPECT_RATIO}:1 is accepted (resizing its short side to the "
            "model's input size would blow it up). Crop or pad it first."
        )


def load_image(path):
    """Open the image file ``path`` as RGB, refusing non-regular files and oversized images.

    The size comes from the header: :func:`check_image_size` runs before any pixel is decoded.
    Every failure (a missing, unreadable, corrupt or oversized file) is a ``ValueError`` naming
    ``path``.
    """
    from PIL import Image

    name = os.fspath(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"cannot read image {name!r}: {exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ValueError(
            f"cannot read image {name!r}: expected a regular file; got a {_file_kind(mode)}."
        )
    with os.fdopen(fd, "rb") as f:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im = Image.open(f)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValueError(f"cannot read image {name!r}: a decompression bomb ({exc})") from exc
        except _DECODE_ERRORS as exc:
            raise ValueError(f"cannot read image {name!r}: {exc}") from exc
        with im:
            check_image_size(im.size, f"image {name!r}")
            try:
                return im.convert("RGB")
            except _DECODE_ERRORS as exc:
                raise ValueError(f"cannot read image {name!r}: {exc}") from exc


def _file_kind(mode):
    for test, kind in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO (named pipe)"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return kind
    return "special file"


def _check_timm_folder(folder):
    """Refuse a folder that is not a timm ``save_for_hf`` model (say, a language model's)."""
    config = os.path.join(folder, "config.json")
    if not os.path.isfile(config):
        raise OSError(
            f"model folder {folder!r} holds no config.json; expected a folder written by timm's "
            "save_for_hf."
        )
    if os.path.getsize(config) > MAX_CONFIG_BYTES:
        raise ValueError(f"{config} is larger than {MAX_CONFIG_BYTES} bytes; not a model config.")
    try:
        with open(config, encoding="utf-8") as f:
            cfg = json.load(f)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{config} is not a valid JSON model config: {exc}") from None
    if isinstance(cfg, dict) and isinstance(cfg.get("architecture"), str):
        return
    if isinstance(cfg, dict) and ("model_type" in cfg or "architectures" in cfg):
        raise ValueError(
            f"model folder {folder!r} holds a transformers model (model_type "
            f"{cfg.get('model_type')!r}), not a timm vision model; pass it to "
            "PretrainedTextFeatures, or give PretrainedImageFeatures a timm model."
        )
    raise ValueError(
        f"{config} has no 'architecture' entry; expected the config of a timm model saved with "
        "save_for_hf."
    )


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


def _forward(model, batch, input_size):
    try:
        model.forward_features(batch)
    except torch.cuda.OutOfMemoryError:
        raise
    except RuntimeError as exc:  # e.g. a feature map smaller than a kernel
        raise ValueError(
            f"the model cannot take images of shape {tuple(batch.shape[1:])} (channels, height, "
            f"width; its data configuration is {input_size}): {exc}"
        ) from exc


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
    input_size_ : tuple of int
        ``(channels, height, width)`` the model takes; arrays must have these channels.
    fixed_size_ : bool
        Whether arrays must also have exactly this height and width (ViTs built for one size).

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

    Image files are untrusted input: a path must be a regular file (not a FIFO or device), and
    an image (file or PIL image) must have between 1 and ``MAX_IMAGE_PIXELS`` (2**26) pixels and
    an aspect ratio of at most ``MAX_ASPECT_RATIO`` (50:1), both checked from the file's header
    before any pixel is decoded or resized. Anything else raises ``ValueError`` naming the file
    (or ``X[i]``).

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
        if name.startswith("local-dir:"):
            _check_timm_folder(name[len("local-dir:"):])
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
        convs = (m for m in self.model_.modules() if isinstance(m, torch.nn.Conv2d))
        first = next(convs, None)
        channels = first.in_channels if first is not None else config["input_size"][0]
        self.input_size_ = (int(channels), *(int(v) for v in config["input_size"][1:]))
        self.fixed_size_ = bool(fixed_size is not None and getattr(
            self.model_.patch_embed, "strict_img_size", True) and not getattr(
            self.model_.patch_embed, "dynamic_img_size", False))
        return self

    def _check_array(self, X):
        if X.ndim != 4 or not np.issubdtype(X.dtype, np.floating):
            raise ValueError(
                "an array X must be float (n_samples, channels, height, width); got "
                f"shape {X.shape}, dtype {X.dtype}."
            )
        channels, height, width = self.input_size_
        if X.shape[0] == 0:
            raise ValueError("X must hold at least one image; got 0.")
        if X.shape[1] != channels:
            raise ValueError(
                f"X must have {channels} channels (axis 1) for this model; got shape {X.shape}."
            )
        if self.fixed_size_ and X.shape[2:] != (height, width):
            raise ValueError(
                f"X must be {height} x {width} pixels (height, width) for this model, which "
                f"takes a fixed input size; got shape {X.shape}. Resize the images, or pass "
                "image paths / PIL images, which are preprocessed for the model."
            )
        if min(X.shape[2:]) < 1:
            raise ValueError(f"X must have images of at least 1 x 1 pixels; got shape {X.shape}.")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values.")

    def _to_tensor(self, X):
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        if isinstance(X, np.ndarray) and X.dtype != object:
            self._check_array(X)
            return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        from PIL import Image

        if isinstance(X, (str, os.PathLike, Image.Image)) or not hasattr(X, "__iter__"):
            raise TypeError(
                "X must be a float array or a sequence of image paths / PIL images; got "
                f"{type(X).__name__}."
            )
        images = []
        for i, item in enumerate(X):
            if isinstance(item, (str, os.PathLike)):
                item = load_image(item)
            elif isinstance(item, Image.Image):
                check_image_size(item.size, f"X[{i}]")
            else:
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
                    _forward(self.model_, batch, self.input_size_)
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
