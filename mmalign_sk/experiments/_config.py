"""The checks of study parameters, and the frozen training settings that travel with each cell."""

import numbers
from dataclasses import asdict, dataclass

import numpy as np

from .._checks import check_int


def check_values(values, name, check):
    """A non-empty list of the values, each passed through ``check(value, name)``."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        values = [values]
    values = [check(v, name) for v in values]
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return values


def check_seed_list(seeds, name="seeds"):
    """Seeds as a list of non-negative ints (an int n means ``range(n)``)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        return list(range(check_int(seeds, name, 1)))
    return check_values(seeds, name, lambda v, n: check_int(v, n, 0))


def check_positive_floats(values, name, allow_zero=True):
    """A non-empty list of finite floats > 0 (>= 0 with ``allow_zero``)."""

    def check(value, n):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{n} must hold real numbers; got {value!r}.")
        value = float(value)
        if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"{n} must hold finite numbers {bound}; got {value}.")
        return value

    return check_values(values, name, check)


def check_metrics(metrics):
    """Metric names as a list; an unknown name raises, listing the known ones."""
    from ..metrics import get_metric

    metrics = check_values(metrics, "metrics", lambda v, n: v)
    for m in metrics:
        get_metric(m)
    return metrics


@dataclass(frozen=True)
class TrainingConfig:
    """How the small networks of a study are trained and compared: one frozen value per run.

    Validated once, it travels unchanged into every cell (and, without ``device``, into its
    cache key) and is never unpacked into positional arguments. ``lr`` and ``weight_decay`` are
    the validation grid (AdamW); ``metrics``, ``topk`` and ``alignment_samples`` how alignment is
    measured; ``reference_epochs`` and ``reference_depth`` the emergence study's reference model;
    ``patience``, ``encoder_depth`` and ``projection_width`` the strategic study's early stopping
    and networks (None where a study does not use them).

    Examples
    --------
    >>> from mmalign_sk.experiments import TrainingConfig
    >>> config = TrainingConfig(lr=[1e-2], weight_decay=[0], max_epochs=10, batch_size=64,
    ...                         metrics=["mutual_knn"])
    >>> config.lr, config.key()["weight_decay"]
    ((0.01,), (0.0,))
    """

    lr: tuple
    weight_decay: tuple
    max_epochs: int
    batch_size: int
    metrics: tuple
    topk: int = 10
    alignment_samples: int = 512
    device: str = "auto"
    reference_epochs: int | None = None
    reference_depth: int | None = None
    patience: int | None = None
    encoder_depth: int | None = None
    projection_width: int | None = None

    def __post_init__(self):
        checked = dict(
            lr=tuple(check_positive_floats(self.lr, "lr", allow_zero=False)),
            weight_decay=tuple(check_positive_floats(self.weight_decay, "weight_decay")),
            max_epochs=check_int(self.max_epochs, "max_epochs", 1),
            batch_size=check_int(self.batch_size, "batch_size", 1),
            metrics=tuple(check_metrics(self.metrics)),
            topk=check_int(self.topk, "topk", 1),
            alignment_samples=check_int(self.alignment_samples, "alignment_samples", 2),
        )
        for name in ("reference_epochs", "reference_depth", "patience", "encoder_depth",
                     "projection_width"):
            if getattr(self, name) is not None:
                checked[name] = check_int(getattr(self, name), name, 1)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def key(self):
        """The settings that change a result (what a cache key holds): all but ``device``."""
        return {k: v for k, v in asdict(self).items() if k != "device" and v is not None}
