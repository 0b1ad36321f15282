"""Dispatch of ``mmalign reproduce STUDY`` to the study modules (imported only when run)."""

import importlib

#: study name -> (module, function); each function takes the keyword arguments of :func:`reproduce`.
STUDIES = {
    "emergence": ("mmalign_sk.experiments._emergence", "reproduce_emergence"),
    "strategic": ("mmalign_sk.experiments._strategic", "reproduce_strategic"),
}


def reproduce(study, out_dir, quick=False, dataset="synthetic", data_home=None, random_state=0, progress=True):
    """Run a paper's study end to end and write its table (CSV, JSON) and figures (PNG) to ``out_dir``.

    Parameters
    ----------
    study : {"emergence", "strategic"}
        Which paper's study.
    out_dir : str or Path
        Output folder; finished cells are cached under ``out_dir/cache`` and skipped when rerun.
    quick : bool, default=False
        A reduced grid that finishes in minutes on a 2-core CPU; otherwise the paper's settings.
    dataset : str, default="synthetic"
        ``"synthetic"`` or the name of a real dataset whose files are under ``data_home``.
    data_home : str or Path, optional
        Where real datasets live (see :func:`mmalign_sk.datasets.get_data_home`).
    random_state : int, default=0
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    StudyTable
        The study's results table.
    """
    if study not in STUDIES:
        raise ValueError(f"study must be one of {sorted(STUDIES)}; got {study!r}.")
    module, function = STUDIES[study]
    run = getattr(importlib.import_module(module), function)
    return run(
        out_dir=out_dir, quick=quick, dataset=dataset, data_home=data_home, random_state=random_state, progress=progress
    )
