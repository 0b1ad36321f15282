import json

import pytest
import torch

from mmalign_sk.experiments import ResultCache
from mmalign_sk.experiments._runner import run_cells, single_threaded


def _train_tiny(cell):
    """A few steps of a small torch model; the result depends on every floating-point op."""
    gen = torch.Generator().manual_seed(cell["seed"])
    X = torch.randn(256, 32, generator=gen)
    w = torch.zeros(32, 8, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(20):
        loss = torch.tanh(X @ w).sum(dim=1).pow(2).mean() + (w ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"seed": cell["seed"], "threads": torch.get_num_threads(), "w": w.detach().sum().item()}


def _offset(cell, offset):
    return {"value": cell["x"] + offset}


def test_results_in_cell_order_and_extra_inputs():
    cells = [{"x": x} for x in (3, 1, 2)]
    out = run_cells(cells, _offset, inputs=lambda cell: (10 * cell["x"],), progress=False)
    assert [r["value"] for r in out] == [33, 11, 22]


def test_each_cell_runs_on_one_thread_and_the_caller_setting_is_restored():
    before = torch.get_num_threads()
    out = run_cells([{"seed": 0}], _train_tiny, progress=False)
    assert out[0]["threads"] == 1
    assert torch.get_num_threads() == before


def test_results_do_not_depend_on_n_jobs():
    cells = [{"seed": s} for s in range(4)]
    serial = run_cells(cells, _train_tiny, progress=False, n_jobs=1)
    parallel = run_cells(cells, _train_tiny, progress=False, n_jobs=2)
    assert serial == parallel
    assert [r["seed"] for r in parallel] == [0, 1, 2, 3]
    assert all(r["threads"] == 1 for r in parallel)


def test_cached_cells_are_skipped_and_new_ones_stored(tmp_path):
    calls = []

    def compute(cell):
        calls.append(cell["x"])
        return {"square": cell["x"] ** 2}

    run_cells([{"x": 1}, {"x": 2}], compute, cache=tmp_path, progress=False)
    out = run_cells([{"x": 1}, {"x": 2}, {"x": 3}], compute, cache=tmp_path, progress=False)
    assert calls == [1, 2, 3]
    assert [r["square"] for r in out] == [1, 4, 9]
    assert ResultCache(tmp_path).get({"x": 3}) == {"square": 9}


def test_an_interrupted_run_keeps_the_finished_cells(tmp_path):
    def compute(cell):
        if cell["x"] == 2:
            raise KeyboardInterrupt
        return {"x": cell["x"]}

    with pytest.raises(KeyboardInterrupt):
        run_cells([{"x": 1}, {"x": 2}], compute, cache=tmp_path, progress=False)
    assert len(list(tmp_path.glob("cell-*.json"))) == 1
    assert json.loads(next(tmp_path.glob("cell-*.json")).read_text())["result"] == {"x": 1}


def test_single_threaded_limits_blas_too():
    from threadpoolctl import threadpool_info

    with single_threaded():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())


@pytest.mark.parametrize("n_jobs, error", [(0, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_n_jobs(n_jobs, error):
    with pytest.raises(error, match="n_jobs"):
        run_cells([{"x": 1}], _offset, inputs=lambda c: (0,), n_jobs=n_jobs, progress=False)


def test_compute_must_be_callable():
    with pytest.raises(TypeError, match="compute must be callable"):
        run_cells([{"x": 1}], "square", progress=False)
