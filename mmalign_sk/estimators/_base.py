"""Behaviour shared by every estimator of the package (a mixin placed before skorch's class)."""

import inspect
import pickle
from collections.abc import Mapping
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from skorch.callbacks import ProgressBar
from skorch.dataset import unpack_data
from skorch.utils import is_dataset, to_numpy, to_tensor

from ..encoders import LinearHead, build_encoder, output_width
from .._checks import check_int
from ._device import check_device, cuda_index, resolve_device
from ._inputs import check_inputs
from ._network import MultimodalNetwork
from ._seeding import derive_seed, draw_seed
from ._threads import small_network_threads


class _CheckedInputs(dict):
    """Model inputs that were already validated and converted (skip a second check)."""


def _concat(parts):
    first = parts[0]
    if isinstance(first, Mapping):
        return {key: _concat([p[key] for p in parts]) for key in first}
    return torch.cat(parts)


def _shapes_match(fitted, given):
    """Sample shapes agree; for (T, f) sequences only the feature width ``f`` must."""
    if len(fitted) != len(given):
        return False
    if len(fitted) == 2:
        return fitted[1] == given[1]
    return fitted == given


def _accepts_generator(iterator):
    try:
        return "generator" in inspect.signature(iterator).parameters
    except (TypeError, ValueError):
        return False


class MultimodalNetMixin:
    """Data handling, seeding, device, encoders and the embedding protocol of the estimators.

    Subclasses provide ``_fit_modalities(X)``, ``_as_mapping(X)``, ``_check_hyperparameters()``,
    ``_encoder_params(modality)``, ``_extra_modules(widths)``, ``_extra_loss(y_pred)`` and
    ``_default_prediction()``, plus the target handling of a classifier or regressor.
    """

    prefixes_ = NeuralNet.prefixes_ + ["encoder"]

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        params.pop("_params_to_validate", None)
        if "device" in params and "device_requested_" in self.__dict__:
            params["device"] = self.device_requested_
        return params

    def set_params(self, **params):
        if "device" in params:
            self.__dict__.pop("device_requested_", None)
        architecture = {k: v for k, v in params.items()
                        if k == "encoder" or k.startswith("encoder__")}
        other = {k: v for k, v in params.items() if k not in architecture}
        super().set_params(**other)
        if architecture:
            for key, value in architecture.items():
                setattr(self, key, value)
                if "__" in key:
                    self._params_to_validate.add(key)
            if self.initialized_ and "input_shapes_" in self.__dict__:
                self._validate_params()
                reason = self._format_reinit_msg("module", architecture)
                self._initialize_module(reason=reason)
                self._initialize_criterion(reason="Re-initializing criterion.")
                self._initialize_optimizer(reason="Re-initializing optimizer.")
        return self

    __repr__ = BaseEstimator.__repr__

    def __setstate__(self, state):
        # skorch maps saved tensors to state["device"]; an estimator pickled before fitting still
        # has device="auto", which torch does not know (it holds no tensors yet)
        auto = isinstance(state.get("device"), str) and state["device"] == "auto"
        if auto:
            state = {**state, "device": "cpu"}
        super().__setstate__(state)
        if auto:
            self.__dict__["device"] = "auto"

    # ------------------------------------------------------------------ saved state
    def load_params(self, f_params=None, f_optimizer=None, f_criterion=None, f_history=None,
                    checkpoint=None, use_safetensors=False, **kwargs):
        """Load saved parameters, optimizer, criterion and history (see skorch's ``load_params``).

        Each file is loaded on its own, so that a truncated or corrupt one (an interrupted save,
        say) raises a ``ValueError`` that names it.
        """
        def load(key, path):
            try:
                NeuralNet.load_params(self, use_safetensors=use_safetensors, **{key: path})
            except FileNotFoundError:
                raise
            except (RuntimeError, OSError, EOFError, ValueError, KeyError,
                    pickle.UnpicklingError) as exc:
                raise ValueError(
                    f"could not load {key}={path!r}: the file is truncated or corrupt, or was "
                    f"saved from a different network ({type(exc).__name__}: {exc})"
                ) from exc

        files = {}
        if checkpoint is not None:
            if not self.initialized_:
                self.initialize()
            if f_history is None and checkpoint.f_history is not None:
                # the checkpoint's file names are formatted from the history: load it first
                load("f_history", checkpoint.f_history_)
            files.update(checkpoint.get_formatted_files(self))
            files.pop("f_pickle", None)
            files.pop("f_history", None)
        files.update(kwargs)
        for key, value in (("f_params", f_params), ("f_optimizer", f_optimizer),
                           ("f_criterion", f_criterion), ("f_history", f_history)):
            if value:
                files[key] = value
        # the history first, as skorch does
        for key in sorted(files, key=lambda k: k != "f_history"):
            if files[key] is not None:
                load(key, files[key])

    # ------------------------------------------------------------------ callbacks
    def _add_progress_bar(self, callbacks):
        if self.progress_bar:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    # ------------------------------------------------------------------ fitting
    def _prepare(self, X, y):
        """Read modalities, sample shapes and targets from the data; draw the seed of this fit.

        Returns the validated inputs and training targets, so that ``fit`` does not check them
        twice.
        """
        self._check_training_parameters()
        self._check_hyperparameters()
        mapping = self._as_mapping(X)
        modalities = self._fit_modalities(mapping)
        inputs = _CheckedInputs(check_inputs(mapping, modalities))
        self.modalities_ = tuple(modalities)
        self.input_shapes_ = {m: tuple(int(s) for s in a.shape[1:]) for m, a in inputs.items()}
        self.__dict__.pop("n_features_in_", None)
        if not isinstance(X, Mapping) and len(self.input_shapes_[modalities[0]]) == 1:
            self.n_features_in_ = self.input_shapes_[modalities[0]][0]
        targets = self._fit_targets(y, len(next(iter(inputs.values()))))
        self.seed_ = draw_seed(self.random_state)
        return inputs, targets

    def _check_training_parameters(self):
        """Parameters every estimator shares: epochs, batch size, device."""
        check_int(self.max_epochs, "max_epochs", minimum=1)
        batch_size = check_int(self.batch_size, "batch_size")
        if batch_size < 1 and batch_size != -1:
            raise ValueError(f"batch_size must be >= 1, or -1 for the whole data set in one "
                             f"batch; got {batch_size}.")
        check_device(self.__dict__.get("device_requested_", self.device))

    def initialize(self, X=None, y=None):
        """Build the network for data like ``X, y`` and initialise everything, without training.

        The network's size comes from the data, so the first call needs ``X`` and ``y`` (for
        example to load saved parameters with ``load_params`` afterwards). ``fit`` calls it.

        Parameters
        ----------
        X, y : optional
            Data like the training data (a few samples suffice).

        Returns
        -------
        self
        """
        if X is not None:
            self._prepare(X, y)
        requested = self.__dict__.get("device_requested_", self.device)
        check_device(requested)
        if isinstance(requested, str) and requested == "auto":
            self.device_requested_ = "auto"
            self.device = resolve_device("auto")
        return super().initialize()

    def fit(self, X, y, **fit_params):
        """Initialise (unless ``warm_start``) and train for ``max_epochs`` epochs.

        Parameters
        ----------
        X : mapping of str to array-like, or array-like
            A ``skorch.helper.SliceDict`` ``{modality: (n, ...) array}``.
        y : array-like of shape (n,) or (n, n_targets)

        Returns
        -------
        self
        """
        if not self.warm_start or not self.initialized_:
            inputs, targets = self._prepare(X, y)
            self.initialize()
        else:
            inputs, targets = self._checked_data(X, y)
        return self._train(inputs, targets, "fit", fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters
        ----------
        X, y : see :meth:`fit`.
        classes : ignored
            Accepted for scikit-learn compatibility; the classes are inferred from ``y`` of the
            first call (or given by the ``classes`` parameter).

        Returns
        -------
        self
        """
        if not self.initialized_ or "input_shapes_" not in self.__dict__:
            inputs, targets = self._prepare(X, y)
            self.initialize()
        else:
            inputs, targets = self._checked_data(X, y)
        return self._train(inputs, targets, "partial_fit", fit_params)

    def _checked_data(self, X, y):
        inputs = self._model_inputs(X)
        return inputs, self._training_targets(y, len(next(iter(inputs.values()))))

    def _train(self, inputs, targets, routing, fit_params):
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected keyword arguments {sorted(fit_params)}."
            )
        self._check_training_parameters()  # set_params may have changed them since
        with self._forked_rng(), self._threads():
            NeuralNet.partial_fit(self, inputs, targets, _routing_method=routing)
        return self

    def _threads(self):
        """One intra-op thread while a small network runs on the CPU (see
        :mod:`~mmalign_sk.estimators._threads`); the caller's setting is restored afterwards."""
        return small_network_threads(self.module_, self.device)

    def forward_iter(self, X, training=False, device="cpu"):
        """skorch's batched forward pass, with the thread setting of :meth:`_threads`."""
        with self._threads():
            yield from super().forward_iter(X, training=training, device=device)

    def _set_training(self, training=True):
        """Switch train/eval mode only when it changes (skorch re-sets it on every batch)."""
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def check_data(self, X, y):
        """Inputs and targets are checked in :meth:`fit`; nothing to do here."""

    @contextmanager
    def _forked_rng(self):
        index = cuda_index(self.device)
        with torch.random.fork_rng(devices=[] if index is None else [index]):
            yield

    def _reseed(self, epoch):
        seed = derive_seed(self.seed_, "torch", epoch)
        torch.default_generator.manual_seed(seed)
        index = cuda_index(self.device)
        if index is not None:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        generator = self.__dict__.get("_shuffle_generator_")
        if generator is not None:
            generator.manual_seed(derive_seed(self.seed_, "shuffle", epoch))

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train=dataset_train, dataset_valid=dataset_valid,
                               **kwargs)
        # every epoch's randomness is a function of (seed_, epoch): resuming reproduces it
        self._reseed(len(self.history))
        self._loss_sums_ = {}

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        for key, (total, count) in self.__dict__.get("_loss_sums_", {}).items():
            self.history.record(key, float(total) / count)
        self._loss_sums_ = {}
        super().on_epoch_end(net, dataset_train=dataset_train, dataset_valid=dataset_valid,
                             **kwargs)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.__dict__.pop("_shuffle_generator_", None)
        self.__dict__.pop("_loss_sums_", None)
        super().on_train_end(net, X=X, y=y, **kwargs)

    def _log_loss_part(self, name, value, batch_size, training):
        sums = self.__dict__.get("_loss_sums_")
        if sums is None:
            return
        key = f"{'train' if training else 'valid'}_{name}"
        total, count = sums.get(key, (0.0, 0))
        sums[key] = (total + value.detach() * batch_size, count + batch_size)

    # ------------------------------------------------------------------ module
    def _seeded(self, *keys):
        """Context in which the CPU generator is seeded from ``(seed_, *keys)``."""
        @contextmanager
        def context():
            with torch.random.fork_rng(devices=[]):
                torch.default_generator.manual_seed(derive_seed(self.seed_, *keys))
                yield
        return context()

    def initialize_module(self):
        """Build one encoder + head per modality, each seeded by ``(seed_, modality)``."""
        if "input_shapes_" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__} sizes its network from the data; call fit(X, y) or "
                "initialize(X, y)."
            )
        encoders, heads, widths = {}, {}, {}
        for m in self.modalities_:
            kind, params = self._encoder_params(m)
            with self._seeded("branch", m):
                encoder = build_encoder(kind, self.input_shapes_[m], **params)
                widths[m] = output_width(encoder, self.input_shapes_[m])
                heads[m] = LinearHead(widths[m], self.n_outputs_)
            encoders[m] = encoder
        projections, fusion_head = self._extra_modules(widths)
        self.module_ = MultimodalNetwork(encoders, heads, projections, fusion_head)
        return self

    # ------------------------------------------------------------------ data
    def _check_input_shapes(self, inputs):
        for m, data in inputs.items():
            fitted, given = self.input_shapes_[m], tuple(data.shape[1:])
            if not _shapes_match(fitted, given):
                if "n_features_in_" in self.__dict__ and len(given) == 1:
                    raise ValueError(  # scikit-learn's wording for plain 2-D arrays
                        f"X has {given[0]} features, but {type(self).__name__} is expecting "
                        f"{self.n_features_in_} features as input."
                    )
                raise ValueError(
                    f"X[{m!r}] has samples of shape {given}, but {type(self).__name__} was fitted "
                    f"on samples of shape {tuple(fitted)}."
                )

    def _model_inputs(self, X, modalities=None):
        """Validated float32 ``{modality: data}`` of a fitted estimator; datasets pass through."""
        if is_dataset(X) or isinstance(X, _CheckedInputs):
            return X
        if "input_shapes_" not in self.__dict__:
            self.check_is_fitted()
        inputs = _CheckedInputs(check_inputs(self._as_mapping(X), modalities or self.modalities_))
        self._check_input_shapes(inputs)
        return inputs

    def get_dataset(self, X, y=None):
        """skorch Dataset of tensors on ``device`` (moved once, not per batch)."""
        if is_dataset(X):
            return X
        inputs = self._model_inputs(X)
        X_dev = {m: torch.as_tensor(a).to(self.device) for m, a in inputs.items()}
        y_dev = None if y is None else torch.as_tensor(np.asarray(y)
                                                       if not isinstance(y, torch.Tensor)
                                                       else y).to(self.device)
        return super().get_dataset(X_dev, y_dev)

    def get_iterator(self, dataset, training=False):
        """Training batches are shuffled (unless ``iterator_train__shuffle=False``) with a
        generator reseeded every epoch from ``(seed_, epoch)``."""
        if not training:
            return super().get_iterator(dataset, training=False)
        kwargs = self.get_params_for("iterator_train")
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        kwargs.setdefault("shuffle", True)
        if kwargs["shuffle"] and "generator" not in kwargs and _accepts_generator(
                self.iterator_train):
            generator = torch.Generator()
            generator.manual_seed(derive_seed(self.seed_, "shuffle", len(self.history)))
            self._shuffle_generator_ = generator
            kwargs["generator"] = generator
        return self.iterator_train(dataset, **kwargs)

    # ------------------------------------------------------------------ forward and loss
    def infer(self, x, **fit_params):
        """Forward a batch ``{modality: tensor}``; returns the network's output dict."""
        x = to_tensor(x, device=self.device)
        if not isinstance(x, Mapping):
            x = {self.modalities_[0]: x}
        return self.module_(dict(x))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Sum of the modalities' task losses (+ fused head) + the subclass's extra loss."""
        y_true = self._loss_target(to_tensor(y_true, device=self.device))
        task = sum(self.criterion_(out, y_true) for out in y_pred["output"].values())
        if "fused" in y_pred:
            task = task + self.criterion_(y_pred["fused"], y_true)
        extra = self._extra_loss(y_pred)
        if extra is None:
            return task
        batch_size = len(y_true)
        self._log_loss_part("task_loss", task, batch_size, training)
        for name, (weight, value) in extra.items():
            self._log_loss_part(name, value, batch_size, training)
            task = task + weight * value
        return task

    def forward(self, X, training=False, device="cpu"):
        """Network outputs for all of ``X`` (nested dicts of concatenated tensors)."""
        return _concat(list(self.forward_iter(self._model_inputs(X), training=training,
                                              device=device)))

    # ------------------------------------------------------------------ predictions
    def _predict_raw(self, X, modality=None):
        """Prediction of ``modality`` (a name; None: the default), after the nonlinearity."""
        self.check_is_fitted()
        if modality is None:
            modality = self._default_prediction()
        if modality is not None and modality not in self.modalities_:
            raise ValueError(
                f"modality must be one of {list(self.modalities_)}; got {modality!r}."
            )
        inputs = self._model_inputs(X, None if modality is None else (modality,))
        nonlin = self._get_predict_nonlinearity()
        parts = []
        for yp in self.forward_iter(inputs, training=False):
            if modality is not None:
                out = nonlin(yp["output"][modality])
            elif "fused" in yp:
                out = nonlin(yp["fused"])
            else:
                out = torch.stack([nonlin(o) for o in yp["output"].values()]).mean(dim=0)
            parts.append(to_numpy(out))
        return np.concatenate(parts, axis=0)

    # ------------------------------------------------------------------ embedding protocol
    def embed(self, X):
        """Final representation of every modality (the encoders' outputs).

        Parameters
        ----------
        X : mapping of str to array-like, or array-like

        Returns
        -------
        dict of str to ndarray of shape (n, d)
        """
        self.check_is_fitted()
        outputs = [yp["embedding"] for yp in self.forward_iter(self._model_inputs(X))]
        return {m: to_numpy(t) for m, t in _concat(outputs).items()}

    def embed_layers(self, X):
        """Representation after every layer of every modality's encoder.

        Parameters
        ----------
        X : mapping of str to array-like, or array-like

        Returns
        -------
        dict of str to list of ndarray of shape (n, d_l)
        """
        self.check_is_fitted()
        iterator = self.get_iterator(self.get_dataset(self._model_inputs(X)), training=False)
        self._set_training(False)
        batches = []
        with torch.no_grad(), self._threads():
            for batch in iterator:
                Xb, _ = unpack_data(batch)
                Xb = to_tensor(Xb, device=self.device)
                layers = self.module_.forward_layers(dict(Xb))
                batches.append({m: [to_numpy(h) for h in hs] for m, hs in layers.items()})
        return {
            m: [np.concatenate([b[m][i] for b in batches]) for i in range(len(batches[0][m]))]
            for m in batches[0]
        }
