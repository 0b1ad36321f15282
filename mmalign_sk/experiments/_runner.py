"""The one loop that runs every study: cells, a resumable cache, joblib workers, a progress bar.

A study is a list of independent *cells*. Each cell is a JSON-serialisable dict that fully names
one unit of work (a dataset setting, a seed, the training settings): it is both the argument of
the study's cell function and the key of its result in the cache. :func:`run_cells` skips the
cells whose results are cached, computes the others (in parallel with ``n_jobs``), stores each
result as soon as it is finished, and returns the results in the order of the cells.

Every cell runs with one intra-op thread for torch and for the BLAS libraries: the networks of the
studies are small, and one thread per cell is both the fastest use of a shared machine and the
reason a cell gives the same numbers whatever ``n_jobs`` is.
"""

from contextlib import contextmanager

from joblib import Parallel, delayed, effective_n_jobs

from .._checks import check_int
from ..estimators._threads import torch_threads
from ._cache import ResultCache


def progress_bar(total, desc, enabled):
    """A tqdm bar over ``total`` study cells (a silent stand-in when ``enabled`` is False)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="cell", disable=not enabled, dynamic_ncols=True)


@contextmanager
def single_threaded():
    """Run the body with one torch intra-op thread and one BLAS/OpenMP thread (restored after)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), torch_threads(1):
        yield


def _compute(compute, cell, args, one_thread):
    if not one_thread:
        return compute(cell, *args)
    with single_threaded():
        return compute(cell, *args)


def _check_n_jobs(n_jobs):
    if n_jobs is None:
        return None
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of workers or negative (-1: all "
                         "cores); got 0.")
    return n_jobs


def run_cells(cells, compute, *, inputs=None, cache=None, n_jobs=None, progress=True,
              desc="cells", one_thread=True):
    """Compute ``compute(cell, *inputs(cell))`` for every cell not already in ``cache``.

    Parameters
    ----------
    cells : list of dict
        JSON-serialisable descriptions of the cells; each is the cell's cache key, so it must
        hold everything its result depends on.
    compute : callable
        ``compute(cell, *extra) -> result``, a JSON-serialisable result. With ``n_jobs`` other
        than 1 it runs in worker processes, so it must be picklable (a module-level function or a
        :func:`functools.partial` of one).
    inputs : callable, optional
        ``inputs(cell) -> tuple`` of extra arguments of ``compute`` that are not part of the key
        (arrays, results of an earlier stage). Called in this process, only for the cells that
        are computed, just before they are dispatched.
    cache : ResultCache or str or Path, optional
        Where finished cells are stored; a rerun skips them. ``None`` stores nothing.
    n_jobs : int, optional
        Cells computed at once (joblib; ``-1`` uses every core, ``None`` means 1 unless a
        :func:`joblib.parallel_config` context says otherwise, so a dask backend works too).
        Each cell runs on one thread, so results do not depend on ``n_jobs``.
    progress : bool, default=True
        Show a progress bar over the cells.
    desc : str, default="cells"
        The progress bar's label.
    one_thread : bool, default=True
        Run each cell with one intra-op thread (small networks). ``False`` leaves the thread
        settings alone, for cells that run large models (and then results may depend on the
        number of threads).

    Returns
    -------
    list
        The results, in the order of ``cells``.

    Examples
    --------
    >>> from mmalign_sk.experiments._runner import run_cells
    >>> def square(cell):
    ...     return {"value": cell["x"] ** 2}
    >>> run_cells([{"x": 2}, {"x": 3}], square, progress=False)
    [{'value': 4}, {'value': 9}]
    """
    cells = list(cells)
    if not callable(compute):
        raise TypeError(f"compute must be callable; got {type(compute).__name__}.")
    n_jobs = _check_n_jobs(n_jobs)
    if not isinstance(cache, ResultCache):
        cache = ResultCache(cache)
    results = [cache.get(cell) for cell in cells]
    todo = [i for i, result in enumerate(results) if result is None]
    with progress_bar(len(cells), desc, progress) as bar:
        bar.update(len(cells) - len(todo))
        for i, result in _results(cells, todo, compute, inputs, n_jobs, one_thread):
            cache.put(cells[i], result)
            results[i] = result
            bar.update()
    return results


def _results(cells, todo, compute, inputs, n_jobs, one_thread):
    """``(index, result)`` for the cells ``todo``, as each finishes."""

    def arguments(i):
        return () if inputs is None else tuple(inputs(cells[i]))

    if effective_n_jobs(n_jobs) == 1 or len(todo) <= 1:
        for i in todo:
            yield i, _compute(compute, cells[i], arguments(i), one_thread)
        return
    tasks = (delayed(_indexed)(i, compute, cells[i], arguments(i), one_thread) for i in todo)
    yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)


def _indexed(i, compute, cell, args, one_thread):
    return i, _compute(compute, cell, args, one_thread)
