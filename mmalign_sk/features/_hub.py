"""Before pretrained models load: are they on this machine, and if not, can they be downloaded?

Without this check, a machine without internet spends about a minute per missing model in the
Hugging Face client's retries before it fails, and a study names only the first model it misses.
:func:`require_pretrained` looks every model up in the local cache first, asks the Hub once (a
few seconds at most; none when ``HF_HUB_OFFLINE`` is set) and raises one error naming every
missing model and the command that downloads them.
"""

import os
import threading
import time

__all__ = ["hub_reachable", "model_repository", "missing_models", "require_pretrained",
           "require_extractors", "download_command"]

HUB_TIMEOUT_S = 3.0
_REACHABLE = {}  # endpoint -> (checked at, reachable): one question per minute and process
_TEXT_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                 "pytorch_model.bin.index.json")
_IMAGE_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "open_clip_pytorch_model.bin")
KINDS = ("text", "image")


def _offline_by_environment():
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return bool(constants.HF_HUB_OFFLINE) or value.strip().upper() in ("1", "ON", "YES", "TRUE")


def _endpoint():
    from huggingface_hub import constants

    return constants.ENDPOINT


def hub_reachable(timeout=HUB_TIMEOUT_S):
    """Whether the Hugging Face Hub answers within ``timeout`` seconds (False when
    ``HF_HUB_OFFLINE`` is set, without asking). The answer is reused for a minute."""
    if _offline_by_environment():
        return False
    endpoint = _endpoint()
    checked = _REACHABLE.get(endpoint)
    if checked is not None and time.monotonic() - checked[0] < 60:
        return checked[1]
    answer = []

    def ask():
        try:
            from huggingface_hub.utils import get_session

            get_session().head(endpoint, timeout=timeout)  # any HTTP answer will do
            answer.append(True)
        except Exception:  # noqa: BLE001 - no answer, whatever the reason (DNS, proxy, timeout)
            answer.append(False)

    # name resolution ignores the timeout, so the question runs in a thread we stop waiting for
    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    reachable = bool(answer and answer[0])
    _REACHABLE[endpoint] = (time.monotonic(), reachable)
    return reachable


def model_repository(model, kind):
    """The Hugging Face repository a model name is downloaded from, or None when nothing is
    downloaded (a local folder, a model instance, a timm model without Hub weights).

    ``kind`` is ``"text"`` (a transformers name) or ``"image"`` (a timm name, ``hf-hub:<repo>``
    or ``local-dir:<folder>``).

    Examples
    --------
    >>> from mmalign_sk.features._hub import model_repository
    >>> model_repository("bigscience/bloomz-560m", "text")
    'bigscience/bloomz-560m'
    >>> model_repository("vit_tiny_patch16_224.augreg_in21k", "image")
    'timm/vit_tiny_patch16_224.augreg_in21k'
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    if not isinstance(model, (str, os.PathLike)):
        return None
    name = os.fspath(model)
    if os.path.isdir(os.path.expanduser(name)) or name.startswith("local-dir:"):
        return None
    if kind == "text":
        return name
    if name.startswith("hf-hub:"):
        return name[len("hf-hub:"):].partition("@")[0]
    import timm.models

    try:
        cfg = timm.models.get_pretrained_cfg(name)
    except (RuntimeError, ValueError):  # unknown to timm: the loader says so
        return None
    repo = getattr(cfg, "hf_hub_id", None) if cfg is not None else None
    return repo.partition("@")[0] if repo else None


def _in_cache(repo, kind):
    from huggingface_hub import try_to_load_from_cache

    def cached(filename):
        return isinstance(try_to_load_from_cache(repo, filename), str)

    weights = any(cached(f) for f in (_TEXT_WEIGHTS if kind == "text" else _IMAGE_WEIGHTS))
    return weights and (kind == "image" or cached("config.json"))


def missing_models(models):
    """The ``(model, kind, repository)`` of every model in ``models`` (pairs ``(model, kind)``)
    that would be downloaded and is not in the local Hugging Face cache, in order, once each."""
    missing, seen = [], set()
    for model, kind in models:
        repo = model_repository(model, kind)
        if repo is not None and repo not in seen and not _in_cache(repo, kind):
            seen.add(repo)
            missing.append((os.fspath(model), kind, repo))
    return missing


def download_command(repositories):
    """The shell command that downloads ``repositories`` into the Hugging Face cache."""
    return " && ".join(f"hf download {repo}" for repo in repositories)


def require_pretrained(models, *, local_files_only=False, timeout=HUB_TIMEOUT_S):
    """Fail at once, naming them all, when models that must be downloaded cannot be.

    Parameters
    ----------
    models : iterable of (model, kind)
        Every model about to be loaded; ``kind`` is ``"text"`` (transformers) or ``"image"``
        (timm). Local folders and model instances are skipped.
    local_files_only : bool, default=False
        Never download: any model missing from the cache is an error.
    timeout : float, default=3.0
        Seconds to wait for the Hub's answer, asked only when a model is missing or to learn
        whether cached models can be loaded without asking it.

    Returns
    -------
    local_files_only : bool
        What the loaders should use: True when the Hub cannot be reached (so that loading the
        cached models does not wait for the Hub's retries), else the value given.

    Raises
    ------
    OSError
        When a model is missing and ``local_files_only`` is set, ``HF_HUB_OFFLINE`` is set or the
        Hub does not answer; it lists every missing model and the command downloading them.
    """
    models = list(models)
    missing = missing_models(models)
    if local_files_only:
        if missing:
            raise _missing_error(missing, "local_files_only=True (--local-files-only) forbids "
                                          "downloading them")
        return True
    if not any(model_repository(m, k) for m, k in models):
        return False  # nothing to load from the Hub
    if hub_reachable(timeout):
        return False
    if missing:
        why = ("HF_HUB_OFFLINE is set" if _offline_by_environment()
               else f"the Hugging Face Hub ({_endpoint()}) could not be reached (asked once, "
                    f"waiting at most {timeout:g} s)")
        raise _missing_error(missing, why)
    return True


def _missing_error(missing, why):
    from huggingface_hub import constants

    what = {"text": "language model", "image": "vision model"}
    lines = [f"  - {repo} ({what[kind]}{'' if model == repo else f' {model!r}'})"
             for model, kind, repo in missing]
    return OSError(
        f"{len(missing)} pretrained model(s) needed here are not in the Hugging Face cache "
        f"({constants.HF_HUB_CACHE}) and cannot be downloaded: {why}. Missing:\n"
        + "\n".join(lines)
        + "\nOn a machine with internet, download them all into its Hugging Face cache with\n  "
        + download_command([repo for _, _, repo in missing])
        + "\nthen copy that cache folder (~/.cache/huggingface/hub, or $HF_HOME/hub) to this "
        "machine's; or give local model folders instead of names."
    )


def _needed_model(extractor):
    """``(model, kind)`` an extractor would load from the Hub, or None."""
    from ._image import PretrainedImageFeatures
    from ._text import PretrainedTextFeatures

    if isinstance(extractor, PretrainedTextFeatures):
        return extractor.model, "text"
    if isinstance(extractor, PretrainedImageFeatures) and extractor.pretrained \
            and extractor.checkpoint_path is None:
        return extractor.model, "image"
    return None


def require_extractors(jobs, feature_dir, *, also=(), local_files_only=False,
                       timeout=HUB_TIMEOUT_S):
    """:func:`require_pretrained` for the ``(extractor, X)`` jobs of
    :func:`~mmalign_sk.features.cached_layer_features` whose features are not yet cached in
    ``feature_dir``, plus the ``(model, kind)`` pairs of ``also``; returns ``local_files_only``
    as :func:`require_pretrained` does."""
    from ._cache import feature_folder

    models = [_needed_model(extractor) for extractor, X in jobs
              if not (feature_folder(extractor, X, feature_dir) / "meta.json").is_file()]
    return require_pretrained([m for m in models if m is not None] + list(also),
                              local_files_only=local_files_only, timeout=timeout)
