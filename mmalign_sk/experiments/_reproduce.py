"""``mmalign reproduce STUDY``: a study end to end, written to a folder.

Each study writes its table (``<study>.csv``, ``<study>.json``), its summary (``summary.md``, the
text it prints, and ``summary.json``), its figures (PNG), its extra files (``layerwise.json``)
and a ``cache/`` folder of finished cells that a rerun with the same folder skips. Running,
summarising and rendering touch no file; :func:`write_outputs` is the one step that does.
"""

import time
from pathlib import Path

from ._registry import get_study
from ._report import footer, summary_json, summary_text
from ._study import run_study


def draw(study, run, summary):
    """The study's figures, ``{file name: figure}``; None when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    return study.figures(run, summary)


def write_outputs(out, name, table, report, text, figures):
    """Write the table, the summary, the report's extra files and the figures to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / f"{name}.csv")
    table.to_json(out / f"{name}.json")
    (out / "summary.md").write_text(text + "\n")
    (out / "summary.json").write_text(summary_json(report))
    for file_name, content in report.files.items():
        (out / file_name).write_text(content)
    if figures:
        import matplotlib.pyplot as plt

        for file_name, fig in figures.items():
            fig.tight_layout()
            fig.savefig(out / file_name, dpi=110)
            plt.close(fig)


def reproduce(study, out_dir, quick=False, dataset=None, data_home=None, random_state=0,
              progress=True, device="auto", n_jobs=None, echo=True, **params):
    """Run a paper's study end to end and write its table (CSV, JSON), summary and figures (PNG).

    Parameters
    ----------
    study : {"emergence", "strategic", "vision-language", "mmimdb"}
        Which study of :data:`STUDIES`: :func:`emergence_study` (Tjandrasuwita et al. 2025),
        :func:`strategic_alignment_study` (Fang et al. 2025), :func:`vision_language_study`
        (pretrained language and vision models on image-caption pairs found in
        ``data_home/wit``) or :func:`mmimdb_study` (MM-IMDb in ``data_home/mmimdb``).
    out_dir : str or Path
        Output folder; finished cells are cached under ``out_dir/cache`` and skipped when rerun,
        so an interrupted run resumes where it stopped.
    quick : bool, default=False
        The quick preset (``EMERGENCE_QUICK``: minutes on a 2-core CPU; ``STRATEGIC_QUICK``:
        a few more); otherwise the paper's settings (``*_FULL``).
    dataset : str, optional
        One of the study's sources (``study.sources``): ``"synthetic"`` (the default of the
        emergence and strategic studies) or a real dataset of :data:`REAL_DATASETS` whose files
        are under ``data_home``; ``"wit"`` and ``"mmimdb"`` for the pretrained-model studies.
    data_home : str or Path, optional
        Where real datasets live (see :func:`mmalign_sk.datasets.get_data_home`).
    random_state : int, default=0
        Seeds the data and the splits.
    progress : bool, default=True
        Show a progress bar.
    device : str, default="auto"
    n_jobs : int, optional
        Models (cells) trained at once, each on one thread; ``-1`` uses every core. The results
        do not depend on it.
    echo : bool, default=True
        Print the summary.
    **params
        Parameters of the source that replace the preset's (``text_models``, ``image_models``,
        ``n_samples``, ``local_files_only`` for the pretrained-model studies, say).

    Returns
    -------
    StudyTable
        The study's results table.
    """
    spec = get_study(study)
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if data_home is not None:
        params["data_home"] = data_home
    run = run_study(spec, "quick" if quick else "full", dataset, cache_dir=out / "cache",
                    n_jobs=n_jobs, progress=progress, device=device, random_state=random_state,
                    **params)
    summary = spec.summarize(run.table)
    report = spec.report(run, summary)
    figures = draw(spec, run, summary)
    name = spec.name.replace("-", "_")
    text = summary_text(report, footer(len(run.table), time.perf_counter() - started, out,
                                       [f"{name}.csv", f"{name}.json", "summary.md"],
                                       None if figures is None else list(figures)))
    write_outputs(out, name, run.table, report, text, figures)
    if echo:
        print(text)
    return run.table
