"""A study as a description, and :func:`run_study`, the one function that runs any of them.

A :class:`Study` is a paper's experiment described as data: its sources (the synthetic generator
and each real dataset, every one a :class:`Source` with its presets), how a table becomes findings
(``summarize``) and how they are reported (``report``, ``figures``). A source turns its parameters
into a :class:`Plan`: stages of cells run in order (reference models before the models compared
with them; feature extraction before the alignment of the features), and how their results make
the study's table. :func:`run_study` resolves a preset, runs the stages through
:func:`~mmalign_sk.experiments._runner.run_cells` (cache, joblib workers, progress bar) and
returns a :class:`StudyRun`.
"""

import functools
from dataclasses import dataclass, field
from typing import Callable

from .._checks import check_int

ORIGINS = ("paper", "ours")


@dataclass(frozen=True)
class Value:
    """A preset's value and whose it is: ``"paper"`` (stated by the paper) or ``"ours"`` (where
    the paper is silent, or the paper's made smaller)."""

    value: object
    origin: str

    def __post_init__(self):
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}; got {self.origin!r}.")


def paper(value):
    """``value``, tagged as the paper's."""
    return Value(value, "paper")


def ours(value):
    """``value``, tagged as our choice."""
    return Value(value, "ours")


def values(preset):
    """``{name: value}`` of a preset of tagged values (what the study functions take)."""
    return {name: tagged.value for name, tagged in preset.items()}


def grid(presets, name):
    """The values of preset ``name`` for the parameters the quick preset changes (the study's
    grid: what ``EMERGENCE_FULL`` and ``EMERGENCE_QUICK`` hold)."""
    full = {**presets["full"], **presets[name]}
    return {k: full[k].value for k in presets["quick"]}


@dataclass(frozen=True)
class Stage:
    """Cells of one kind, run together.

    ``cells`` are JSON-serialisable dicts, each its own cache key (or ``cells(done)`` builds
    them from earlier stages' results). ``compute(cell, *inputs(cell, done))`` returns a cell's
    JSON-serialisable result; it is a module-level function (or a partial of one) so that worker
    processes can run it, while ``inputs`` gives, in this process, what is not part of the key
    (arrays; ``done`` maps each finished stage's name to its results, in its cells' order).
    ``large`` stages (pretrained networks) run one cell at a time on every thread; a stage that
    is not ``cached`` skips the cell cache (its results are files that are their own cache, as
    :func:`~mmalign_sk.features.cached_layer_features` writes).
    """

    name: str
    cells: list
    compute: Callable
    inputs: Callable = None
    large: bool = False
    cached: bool = True


@dataclass(frozen=True)
class Plan:
    """What a source runs: ``stages`` in order, then ``table(done) -> (StudyTable, layers)``
    (``layers``: per row, the layer x layer alignment matrices, or None); ``cleanup()`` is
    called at the end, whatever happens (a temporary feature folder, say)."""

    stages: tuple
    table: Callable
    cleanup: Callable = None


@dataclass(frozen=True)
class Source:
    """One source of data of a study: the synthetic generator, or a real dataset.

    ``presets`` is ``{"full": {parameter: Value}, "quick": {parameter: Value}}``: ``full`` holds
    every parameter of the source (the paper's settings, and ours where it is silent), ``quick``
    what it changes. ``data`` holds the parameters that say where the data are (``data_home``)
    with their defaults: the user's, not a preset's. ``plan(params, random_state=...,
    device=..., cache_dir=..., progress=...)`` returns the :class:`Plan`.
    """

    name: str
    help: str
    presets: dict
    plan: Callable
    data: dict = field(default_factory=dict)

    def params(self, preset="full"):
        """The parameters of ``preset``: the data's, the full preset's, then the preset's."""
        if preset not in self.presets:
            raise ValueError(f"preset must be one of {sorted(self.presets)}; got {preset!r}.")
        return {**self.data, **values(self.presets["full"]), **values(self.presets[preset])}


@dataclass(frozen=True)
class Study:
    """A paper's study, described.

    ``sources`` is ``{name: Source}`` (the first is the default); ``summarize(table)`` returns a
    dict whose ``"findings"`` are :class:`~mmalign_sk.experiments.Finding`, computed from the
    table alone; ``report(run, summary)`` the summary's sections and extra files (pure);
    ``figures(run, summary)`` ``{file name: matplotlib figure}``; ``outputs`` the files
    ``mmalign reproduce`` may write; ``options`` the study's own command-line options,
    ``(flag, argparse keyword arguments)`` whose ``dest`` is a parameter of its sources.
    """

    name: str
    help: str
    sources: dict
    summarize: Callable
    report: Callable
    figures: Callable
    outputs: tuple
    options: tuple = ()

    def source(self, name=None):
        """The source ``name`` (None: the first)."""
        if name is None:
            return next(iter(self.sources.values()))
        if name not in self.sources:
            raise ValueError(f"dataset must be one of {list(self.sources)} for the {self.name} "
                             f"study; got {name!r}.")
        return self.sources[name]


@dataclass(frozen=True)
class StudyRun:
    """What :func:`run_study` returns: the table, and where it came from."""

    study: Study
    source: str
    preset: str
    params: dict
    table: object
    layers: list = None
    random_state: int = 0


def _inputs(inputs, done, cell):
    return inputs(cell, done)


def run_study(study, preset="quick", source=None, *, cache_dir=None, n_jobs=None, progress=True,
              device="auto", random_state=0, **overrides):
    """Run a study: its preset (with ``overrides``) on one of its sources.

    Parameters
    ----------
    study : Study
        One of :data:`~mmalign_sk.experiments.STUDIES`.
    preset : {"quick", "full"}, default="quick"
        ``"full"`` is the paper's settings; ``"quick"`` the same experiment made smaller.
    source : str, optional
        ``"synthetic"`` or a real dataset (see ``study.sources``); default the first.
    cache_dir : str or Path, optional
        Finished cells are stored here (one JSON each) and skipped when run again.
    n_jobs : int, optional
        Cells computed at once (joblib), each on one thread; the results do not depend on it.
    progress : bool, default=True
    device : str, default="auto"
    random_state : int, default=0
        Seeds the data and the splits.
    **overrides
        Parameters of the source that replace the preset's.

    Returns
    -------
    StudyRun

    Examples
    --------
    >>> from mmalign_sk.experiments import STUDIES, run_study
    >>> run = run_study(STUDIES["emergence"], "quick", n_redundant=[8], depths=[0],
    ...                 encoder_depths=[1], n_samples=1024, lr=[1e-2], max_epochs=2,
    ...                 reference_epochs=2, metrics=["mutual_knn"], progress=False, device="cpu")
    >>> len(run.table), run.params["seeds"]
    (1, (0,))
    """
    from ._runner import run_cells

    if not isinstance(study, Study):
        raise TypeError(f"study must be a Study (one of STUDIES); got {type(study).__name__}.")
    src = study.source(source)
    params = src.params(preset)
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise TypeError(f"the {study.name} study ({src.name}) does not take the parameter(s) "
                        f"{unknown}; it takes {sorted(params)}.")
    params.update(overrides)
    random_state = check_int(random_state, "random_state", 0)
    plan = src.plan(params, random_state=random_state, device=device, cache_dir=cache_dir,
                    progress=progress)
    done = {}
    try:
        for stage in plan.stages:
            done[stage.name] = run_cells(
                stage.cells(done) if callable(stage.cells) else stage.cells,
                stage.compute,
                inputs=None if stage.inputs is None else functools.partial(_inputs, stage.inputs,
                                                                           done),
                cache=cache_dir if stage.cached else None,
                n_jobs=1 if stage.large else n_jobs,
                progress=progress,
                desc=f"{study.name} {stage.name}",
                one_thread=not stage.large,
            )
        table, layers = plan.table(done)
    finally:
        if plan.cleanup is not None:
            plan.cleanup()
    return StudyRun(study, src.name, preset, params, table, layers, random_state)


def positional(names, args):
    """``{name: value}`` of a wrapper's positional arguments (at most ``len(names)``)."""
    if len(args) > len(names):
        raise TypeError(f"at most {len(names)} positional arguments ({', '.join(names)}); got "
                        f"{len(args)}.")
    return dict(zip(names, args))
