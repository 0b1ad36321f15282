"""kNN metrics on the CPU against an honest arithmetic floor and against faiss' exact search.

For every thread count, feature width ``d`` and number of rows ``n`` this measures, each in a
fresh subprocess (so that peak memory is that of one case):

* **floor**: any exact kNN list needs the Gram products A·Aᵀ and B·Bᵀ, 2·n²·d multiply-adds each
  (FLOPs = 2 · 2·n²·d). The floor is FLOPs / sgemm rate, the rate being measured in the same run,
  same process settings and threads, on the kNN scan's tile products (1024 x d by d x 2048 of the
  same inputs) with each matrix-product backend the search can use -- torch's ``torch.mm``
  (MKL in the x86 wheels) and numpy's OpenBLAS as the search runs it (single-threaded on one row
  chunk per thread) -- alternated, about a second each; the faster rate counts, and both are
  reported. The **best blocked Gram time** is the fastest of
  several blockings (row tiles x column tiles, and whole-row blocks) of the full products, results
  discarded; it is reported next to the floor as a check of the rate.
* **ours**: each kNN metric (``mutual_knn``, ``cycle_knn``, ``lcs_knn``, ``edit_distance_knn``,
  ``cknna``) as shipped: the preprocessing of A and B (clipping, normalisation) and their kNN
  lists (``knn_indices``) are timed once each, then each metric's remaining work (its
  comparison; for ``cknna`` also the kernel entries) alone; a metric's time is the sum, i.e.
  what one standalone call costs.
* **faiss**: the same pipeline with the lists from faiss ``IndexFlatIP`` (exact inner-product
  search, index construction included, ``topk + 1`` neighbours, the row itself then dropped)
  on the same preprocessed inputs: same preprocessing, same comparisons. Values are compared
  with ours (they can differ only where near-equal similarities are ordered differently).
  ``lists: ours / faiss`` compares the list computations alone (also in process CPU time,
  which other processes on a loaded machine disturb less than wall time; with one thread it is
  the wall time of an idle machine, with more it counts the threads' waiting too). ``--rounds N`` runs the ours
  and faiss cases alternately N times each (each in a fresh process) and keeps the best of each.
  The JSON records which backend the tile products chose (and the rates it measured on its first
  tiles), the load average at the start and end of every case and, on a virtual machine, the
  share of CPU time stolen by the hypervisor during it (``steal_fraction``, from /proc/stat).
* **score**: ``mmalign score A.npy B.npy --json`` run in-process (every registered metric, kNN
  lists shared across metrics) against the same command for each kNN metric alone
  (``--metric m``), alternated in one process, best of ``--score-repeats`` each.
* **memory** (``--memory-n``, default n = 100 000): each kNN metric called alone in a fresh
  process; the process's absolute peak resident memory (``ru_maxrss``) with the resident memory
  after ``import torch``, after the compiled kernel is loaded and after the inputs are loaded.

The compiled kNN kernel is loaded before timing (its one-time load is reported as
``kernel_load_seconds``); faiss is imported before timing too. Short measurements are repeated
(best of up to 3); long ones run once. Data: two views (n, d) of a shared 16-dimensional latent
plus noise (float32, seed 0).

Examples
--------
python benchmarks/bench_metrics.py --quick
python benchmarks/bench_metrics.py --n 1000 10000 20000 100000 --d 128 768 --threads 1 2 \
    --out-json benchmarks/results/metrics_cpu_floor.json \
    --out-md benchmarks/results/metrics_cpu_floor.md
python benchmarks/bench_metrics.py --n 10000 20000 --d 128 768 --threads 1 2 --memory-n \
    --rounds 2 --gram-max-n 0 --score-max-n 10000 \
    --out-json benchmarks/results/metrics_cpu_amd_epyc.json \
    --out-md benchmarks/results/metrics_cpu_amd_epyc.md
python benchmarks/bench_metrics.py --n 20000 --d 768 --threads 1 2 --score-only \
    --score-max-n 20000 --score-repeats 1 \
    --out-json benchmarks/results/metrics_cpu_amd_epyc_score20k.json \
    --out-md benchmarks/results/metrics_cpu_amd_epyc_score20k.md
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _cases import fmt_s, spawn, table, write_report
from _dense_baselines import DENSE_BYTES_PER_PAIR, dense_metric, make_pair

KNN_METRICS = ("mutual_knn", "cycle_knn", "lcs_knn", "edit_distance_knn", "cknna")
DENSE_METRICS = KNN_METRICS[:4]  # the metrics with a dense baseline


# ------------------------------------------------------------------------------------------------
# measurements (run inside the subprocess of one case)
# ------------------------------------------------------------------------------------------------
def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def current_rss():
    """Resident set size of this process now, in bytes (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


#: CPU time (this process, all threads) of the best run of the last :func:`best_time` call.
LAST_CPU = {"seconds": None}


def best_time(fn, min_seconds=1.0, max_repeats=3):
    """Best wall time of ``fn()`` (repeated while runs are shorter than ``min_seconds``); the
    process CPU time of that run goes to ``LAST_CPU``."""
    best, value = None, None
    for _ in range(max_repeats):
        start, cpu = time.perf_counter(), time.process_time()
        value = fn()
        seconds = time.perf_counter() - start
        if best is None or seconds < best:
            best, LAST_CPU["seconds"] = seconds, time.process_time() - cpu
        if seconds >= min_seconds:
            break
    return value, best


def sgemm_rates(torch, X, seconds=0.5, rounds=2):
    """GFLOP/s of each backend on the kNN scan's tile products ``X[i:i+1024] @ X[j:j+2048].T``.

    ``torch``: ``torch.mm`` on torch's threads; ``numpy``: ``np.matmul`` as the kNN search runs
    it, single-threaded on each of ``torch.get_num_threads()`` row chunks in parallel. Each backend
    runs for ``seconds``, alternated ``rounds`` times; the best round counts.
    """
    from mmalign_sk.metrics._knn_search import _TILE_COLS, _TILE_ROWS, _row_chunks
    from mmalign_sk.metrics._matmul import numpy_threads

    X = X[:8192]
    rows, cols = min(_TILE_ROWS, X.shape[0]), min(_TILE_COLS, X.shape[0])
    starts = [(i, j) for i in range(0, X.shape[0] - rows + 1, rows)
              for j in range(0, X.shape[0] - cols + 1, cols)]
    out = torch.empty((rows, cols), dtype=X.dtype)
    X_np, out_np = X.numpy(), out.numpy()

    def numpy_rows(a, b, left, right, result):
        np.matmul(left[a:b], right.T, out=result[a:b])

    rates = {"torch": 0.0, "numpy": 0.0}
    with _row_chunks(torch.get_num_threads()) as in_chunks, numpy_threads(1):
        products = {
            "torch": lambda i, j: torch.mm(X[i:i + rows], X[j:j + cols].T, out=out),
            "numpy": lambda i, j: in_chunks(numpy_rows, rows, X_np[i:i + rows],
                                            X_np[j:j + cols], out_np),
        }
        for _ in range(rounds):
            for name, product in products.items():
                product(*starts[0])  # warm up
                flops, start = 0, time.perf_counter()
                while time.perf_counter() - start < seconds:
                    for i, j in starts:
                        product(i, j)
                        flops += 2 * rows * cols * X.shape[1]
                rates[name] = max(rates[name], flops / (time.perf_counter() - start) / 1e9)
    return rates


def blocked_gram_seconds(torch, mats, shapes):
    """Best time over ``shapes`` (rows, cols or None for whole rows) of all blocked products."""
    results = {}
    for rows, cols in shapes:
        n = mats[0].shape[0]
        rows = min(rows, n)
        cols = n if cols is None else min(cols, n)
        out = torch.empty((rows, cols), dtype=mats[0].dtype)
        start = time.perf_counter()
        for X in mats:
            for i in range(0, n, rows):
                for j in range(0, n, cols):
                    r, c = min(rows, n - i), min(cols, n - j)
                    torch.mm(X[i : i + r], X[j : j + c].T, out=out[:r, :c])
        results[f"{rows}x{'n' if cols == n else cols}"] = time.perf_counter() - start
    return results


def cpu_ticks():
    """(steal, total) jiffies of all CPUs from /proc/stat (Linux), or None."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return fields[7], sum(fields[:8])
    return None


def run_case(case):
    load_start, ticks_start = os.getloadavg(), cpu_ticks()
    rss = {"interpreter_and_numpy": current_rss()}
    import torch

    rss["torch_imported"] = current_rss()
    torch.set_num_threads(case["threads"])
    from mmalign_sk.metrics import get_metric, knn_indices, preprocess, reuse_representations
    from mmalign_sk.metrics._backend import to_tensor
    from mmalign_sk.metrics._reuse import reused

    rss["metrics_imported"] = current_rss()
    n, d, topk, kind = case["n"], case["d"], case["topk"], case["kind"]
    cpu = torch.device("cpu")
    out = {"rss_bytes": rss, "load_average_start": load_start}
    # load the compiled kNN kernel (one-time cost per process) before anything is timed
    start = time.perf_counter()
    knn_indices(torch.randn(4096, 8), 2)
    out["kernel_load_seconds"] = time.perf_counter() - start
    rss["kernel_loaded"] = current_rss()
    A = np.load(case["A"])
    B = np.load(case["B"])
    rss["inputs_loaded"] = current_rss()
    base_rss = peak_rss()

    if kind == "floor":
        Ta, Tb = preprocess(to_tensor(A, cpu)), preprocess(to_tensor(B, cpu))
        rates = sgemm_rates(torch, Ta)
        rate = max(rates.values()) * 1e9
        flops = 2 * 2 * n * n * d
        out.update(sgemm_gflops=rate / 1e9, sgemm_gflops_by_backend=rates, flops=flops,
                   floor_seconds=flops / rate)
        if case["gram"]:
            row_block = max(1, 128 * 2**20 // (4 * n))
            shapes = [(256, 2048), (512, 2048), (1024, 1024), (row_block, None)]
            out["blocked_gram_seconds"] = blocked_gram_seconds(torch, (Ta, Tb), shapes)

    elif kind in ("ours", "faiss"):
        out["results"] = {}
        with reuse_representations():
            # the preprocessing every kNN metric starts with, timed alone (same code both sides)
            probe = get_metric("mutual_knn", topk=topk, device=cpu)
            pre, out["preprocess_seconds"] = best_time(
                lambda: [probe._preprocessed(X, "X", cpu) for X in (A, B)], max_repeats=1)
            if kind == "ours":
                _, out["lists_seconds"] = best_time(
                    lambda: [knn_indices(P, topk) for P in pre], max_repeats=1)
                out["lists_cpu_seconds"] = LAST_CPU["seconds"]
            else:
                import faiss

                faiss.omp_set_num_threads(case["threads"])

                def search():
                    lists = []
                    for P in pre:
                        index = faiss.IndexFlatIP(d)
                        index.add(P.numpy())
                        _, idx = index.search(P.numpy(), topk + 1)
                        lists.append(drop_self(idx, topk))
                    return lists

                lists, out["lists_seconds"] = best_time(search, max_repeats=1)
                out["lists_cpu_seconds"] = LAST_CPU["seconds"]
                for P, idx in zip(pre, lists):  # the metrics below find these lists in the store
                    reused("knn", (P,), (topk, False, "float32"), lambda idx=idx: torch.as_tensor(idx))
            for name in KNN_METRICS:
                metric = get_metric(name, topk=topk, device=cpu)
                value, seconds = best_time(lambda m=metric: m(A, B))
                total = out["preprocess_seconds"] + out["lists_seconds"] + seconds
                out["results"][name] = {"value": value, "extra_seconds": seconds, "seconds": total}
        out["peak_bytes"] = peak_rss() - base_rss

    elif kind == "dense":
        out["results"] = {}
        for name in DENSE_METRICS:
            if name in ("lcs_knn", "edit_distance_knn") and n > case["dense_max_n_python"]:
                continue
            value, seconds = best_time(lambda name=name: dense_metric(
                name, preprocess(to_tensor(A, cpu)), preprocess(to_tensor(B, cpu)), topk))
            out["results"][name] = {"value": value, "seconds": seconds}
        out["peak_bytes"] = peak_rss() - base_rss

    elif kind == "memory":  # one metric as a user calls it, alone in this process
        start = time.perf_counter()
        out["value"] = get_metric(case["metric"], topk=topk, device=cpu)(A, B)
        out["seconds"] = time.perf_counter() - start

    elif kind == "score":
        # `mmalign score` with every metric, and with each kNN metric alone (`--metric m`), the
        # same command in the same process, alternated; best of `repeats` each
        from mmalign_sk.cli import main

        def command(*extra):
            buffer = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(buffer):
                code = main(["score", case["A"], case["B"], "--json", "--device", "cpu",
                             "--topk", str(topk), *extra])
            seconds = time.perf_counter() - start
            results = json.loads(buffer.getvalue())["results"]
            return code, seconds, {r["metric"]: r["seconds"] for r in results}

        out["single_seconds"] = {}
        for _ in range(case["repeats"]):
            for name in KNN_METRICS:
                _, seconds, _ = command("--metric", name)
                best = out["single_seconds"].get(name)
                out["single_seconds"][name] = seconds if best is None else min(best, seconds)
            code, seconds, metrics = command()
            if seconds < out.get("seconds", float("inf")):
                out.update(seconds=seconds, exit_code=code, metrics=metrics)
    out["tile_backend"] = tile_backend(d, case["threads"])
    out["peak_bytes_absolute"] = peak_rss()
    out["load_average_end"] = os.getloadavg()
    ticks_end = cpu_ticks()
    if ticks_start and ticks_end and ticks_end[1] > ticks_start[1]:
        # share of the CPUs' time the hypervisor gave to other machines during the case
        out["steal_fraction"] = (ticks_end[0] - ticks_start[0]) / (ticks_end[1] - ticks_start[1])
    return out


def tile_backend(d, threads):
    """The backend the kNN tile products chose in this process and the rates it measured."""
    from mmalign_sk.metrics._matmul import choices, requested_backend

    found = choices().get((threads, "float32", d))
    requested = requested_backend()
    if requested != "auto":
        return {"backend": requested, "forced": True}
    return found and {**found, "forced": False}


def drop_self(idx, topk):
    """faiss lists of ``topk + 1`` with each row's own index removed (or the last one)."""
    n = idx.shape[0]
    own = idx == np.arange(n)[:, None]
    keep = ~own
    keep[~own.any(axis=1), topk] = False  # row not among its own neighbours: drop the last
    return idx[keep].reshape(n, topk)


# ------------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------------


def machine_info():
    import torch

    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info = {"cpu": model, "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "numpy": np.__version__, "python": platform.python_version(),
            "load_average_start": os.getloadavg()}
    with contextlib.suppress(OSError):
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("flags")).split()
        info["avx512f"] = "avx512f" in flags
    with contextlib.suppress(Exception):
        info["torch_blas"] = "mkl" if torch.backends.mkl.is_available() else "other"
        from threadpoolctl import threadpool_info

        info["numpy_blas"] = [
            {k: lib.get(k) for k in ("internal_api", "version", "architecture", "filepath")}
            for lib in threadpool_info() if lib["user_api"] == "blas"]
    for module in ("faiss", "numba"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    return info


def best_of(runs):
    """The run with the shortest lists, each metric's time the best over ``runs``."""
    done = [r for r in runs if "lists_seconds" in r]
    if not done:
        return runs[0] if runs else {}
    best = dict(min(done, key=lambda r: r["lists_seconds"]))
    cpu = [r["lists_cpu_seconds"] for r in done if r.get("lists_cpu_seconds") is not None]
    best["lists_cpu_seconds"] = min(cpu) if cpu else None
    best["results"] = {name: min((r["results"][name] for r in done if name in r["results"]),
                                 key=lambda x: x["seconds"])
                       for name in best["results"]}
    best["rounds"] = len(runs)
    return best


def backend_cell(found):
    if not found:
        return "—"
    return found["backend"] + (" (forced)" if found.get("forced") else "")


def rates_cell(rates):
    if not rates:
        return "—"
    return f"{rates['torch']:.0f} / {rates['numpy']:.0f}"


def ratio(num, den):
    return None if num is None or not den else num / den


def mib(x):
    return "—" if x is None else f"{x / 2**20:.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}x"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000, 20000, 100000])
    parser.add_argument("--d", type=int, nargs="+", default=[128, 768])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--topk", type=int, default=10)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke run: n 1000 5000, d 128, 1 thread")
    parser.add_argument("--max-tflop", type=float, default=6.0,
                        help="skip (n, d) whose two Gram products exceed this many TFLOP "
                        "(default 6: n=100000 runs with d=128, not with d=768, about 31 TFLOP)")
    parser.add_argument("--no-faiss", action="store_true", help="skip the faiss baseline")
    parser.add_argument("--dense", action="store_true",
                        help="also time dense n x n reference-style code (full similarity, argsort, "
                        "dense masks, Python-loop LCS and edit distance)")
    parser.add_argument("--dense-max-bytes", type=float, default=4e9,
                        help="skip dense baselines whose n x n buffers (24 n^2 bytes) exceed this")
    parser.add_argument("--dense-max-n-python", type=int, default=20000,
                        help="skip the Python-loop LCS / edit-distance baselines above this n")
    parser.add_argument("--gram-max-n", type=int, default=10**9,
                        help="largest n for the best-blocked-Gram check (it costs 4 full products)")
    parser.add_argument("--score-max-n", type=int, default=20000,
                        help="largest n for the in-process `mmalign score` case")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the ours and faiss cases alternately this many times each "
                        "(best of each counts)")
    parser.add_argument("--score-repeats", type=int, default=2,
                        help="alternated repeats of the `mmalign score` runs (best of each)")
    parser.add_argument("--score-only", action="store_true",
                        help="run only the `mmalign score` cases (n <= --score-max-n)")
    parser.add_argument("--memory-n", type=int, nargs="*", default=[100000],
                        help="n at which each kNN metric also runs alone in a fresh process to "
                        "measure the process's absolute peak memory (default 100000)")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds allowed per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-json", type=Path, default=None)
    parser.add_argument("--out-md", type=Path, default=None)
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case is not None:
        print(json.dumps(run_case(json.loads(args.case))))
        return
    if args.quick:
        args.n, args.d, args.threads = [1000, 5000], [128], [1]
    knn = not args.score_only
    if args.score_only:
        args.memory_n = []
    if not args.no_faiss:
        if importlib.util.find_spec("faiss") is None:
            parser.error("faiss is not installed (pip install faiss-cpu, or the 'bench' extra); "
                         "or pass --no-faiss")

    machine = machine_info()
    records, rows, list_rows, score_rows, dense_rows = [], [], [], [], []
    memory_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in args.d:
            for n in args.n:
                if 4 * n * n * d / 1e12 > args.max_tflop:
                    print(f"skipping n={n} d={d} (> --max-tflop {args.max_tflop})", file=sys.stderr)
                    continue
                A, B = make_pair(n, d, seed=args.seed)
                paths = {"A": f"{tmp}/A_{n}_{d}.npy", "B": f"{tmp}/B_{n}_{d}.npy"}
                np.save(paths["A"], A)
                np.save(paths["B"], B)
                del A, B
                for threads in args.threads:
                    base = dict(paths, n=n, d=d, topk=args.topk, threads=threads)

                    def run(**extra):
                        case = dict(base, **extra)
                        print(f"  n={n} d={d} threads={threads} {extra}", file=sys.stderr,
                              flush=True)
                        result = spawn(__file__, case, args.timeout)
                        records.append({**{k: v for k, v in case.items() if k not in ("A", "B")},
                                        **result})
                        return result

                    floor = run(kind="floor", gram=n <= args.gram_max_n) if knn else {}
                    # ours and faiss alternated, ``--rounds`` times each: the best of each counts
                    mine, other = [], []
                    for round_ in range(args.rounds if knn else 0):
                        mine.append(run(kind="ours", round=round_))
                        if not args.no_faiss:
                            other.append(run(kind="faiss", round=round_))
                    ours, theirs = best_of(mine), best_of(other)
                    dense = {}
                    if args.dense and DENSE_BYTES_PER_PAIR * n * n <= args.dense_max_bytes:
                        dense = run(kind="dense", dense_max_n_python=args.dense_max_n_python)
                    for name, res in dense.get("results", {}).items():
                        mine = ours.get("results", {}).get(name, {})
                        same = "value" in mine and abs(mine["value"] - res["value"]) < 1e-6
                        dense_rows.append([threads, d, n, name, fmt_s(mine.get("seconds")),
                                           fmt_s(res["seconds"]),
                                           fmt_ratio(ratio(res["seconds"], mine.get("seconds"))),
                                           "—" if "peak_bytes" not in dense
                                           else f"{dense['peak_bytes'] / 2**20:.0f}",
                                           "agree (1e-6)" if same else "DIFFER"])
                    floor_s = floor.get("floor_seconds")
                    grams = floor.get("blocked_gram_seconds") or {}
                    best_gram = min(grams.values()) if grams else None
                    slowest = None
                    for name in KNN_METRICS if knn else ():
                        mine = ours.get("results", {}).get(name, {})
                        other = theirs.get("results", {}).get(name, {})
                        seconds = mine.get("seconds")
                        if seconds is not None:
                            slowest = max(slowest or 0.0, seconds)
                        agree = "—"
                        if "value" in mine and "value" in other:
                            diff = abs(mine["value"] - other["value"])
                            agree = "equal" if diff == 0 else f"differ by {diff:.1e}"
                        rows.append([threads, d, n, name, fmt_s(seconds),
                                     fmt_s(other.get("seconds")),
                                     fmt_ratio(ratio(seconds, other.get("seconds"))),
                                     fmt_s(floor_s), fmt_ratio(ratio(seconds, floor_s)),
                                     fmt_ratio(ratio(seconds, best_gram)), agree])
                    list_rows.extend([] if not knn else [[
                        threads, d, n, fmt_s(ours.get("preprocess_seconds")),
                        fmt_s(ours.get("lists_seconds")), fmt_s(theirs.get("lists_seconds")),
                        fmt_ratio(ratio(ours.get("lists_seconds"), theirs.get("lists_seconds"))),
                        fmt_ratio(ratio(ours.get("lists_cpu_seconds"),
                                        theirs.get("lists_cpu_seconds"))),
                        fmt_s(floor_s), fmt_ratio(ratio(ours.get("lists_seconds"), floor_s)),
                        fmt_s(best_gram),
                        backend_cell(ours.get("tile_backend")),
                        rates_cell(floor.get("sgemm_gflops_by_backend")),
                        "—" if "peak_bytes" not in ours else f"{ours['peak_bytes'] / 2**20:.0f}",
                        "/".join(r.get("status", "—") for r in (floor, ours, theirs))]])
                    if n <= args.score_max_n:
                        score = run(kind="score", repeats=args.score_repeats)
                        singles = score.get("single_seconds") or {}
                        worst = max(singles, key=singles.get) if singles else None
                        score_rows.append([
                            threads, d, n, fmt_s(score.get("seconds")),
                            "—" if worst is None else f"{fmt_s(singles[worst])} ({worst})",
                            fmt_ratio(ratio(score.get("seconds"), singles.get(worst))),
                            fmt_s(slowest), mib(score.get("peak_bytes_absolute")),
                            backend_cell(score.get("tile_backend")), score["status"]])
                    if n in args.memory_n:
                        for name in KNN_METRICS:
                            alone = run(kind="memory", metric=name)
                            stages = alone.get("rss_bytes") or {}
                            peak = alone.get("peak_bytes_absolute")
                            inputs = stages.get("inputs_loaded")
                            memory_rows.append([
                                threads, d, n, name, fmt_s(alone.get("seconds")), mib(peak),
                                mib(stages.get("torch_imported")), mib(stages.get("kernel_loaded")),
                                mib(inputs), mib(None if peak is None or inputs is None
                                                 else peak - inputs),
                                alone["status"]])

    header = ["threads", "d", "n", "metric", "ours (s)", "faiss (s)", "ours / faiss", "floor (s)",
              "ours / floor", "ours / best Gram", "value vs faiss"]
    list_header = ["threads", "d", "n", "preprocess A, B (s)", "ours lists (s)", "faiss lists (s)",
                   "lists: ours / faiss", "lists CPU time: ours / faiss", "floor (s)",
                   "lists: ours / floor",
                   "best blocked Gram (s)", "tile backend (kNN)",
                   "tile sgemm GFLOP/s torch / numpy", "ours peak (MiB)",
                   "status floor/ours/faiss"]
    machine["load_average_end"] = os.getloadavg()
    load = "/".join(f"{x:.1f}" for x in machine["load_average_start"])
    load_end = "/".join(f"{x:.1f}" for x in machine["load_average_end"])
    lines = [f"Machine: {machine['cpu']} ({machine['cpu_count']} CPU cores), torch "
             f"{machine['torch']}, numba {machine['numba']}, faiss {machine['faiss']}; "
             f"topk={args.topk}, float32; load average (1/5/15 min) {load} at the start, "
             f"{load_end} at the end; ours and faiss alternated, best of {args.rounds} each", "",
             "Each kNN metric, preprocessing included:", "",
             table(header, rows), "", "The kNN lists of A and B alone:", "",
             table(list_header, list_rows)]
    if dense_rows:
        lines += ["", "Dense n x n reference-style code (`--dense`) against ours:", "",
                  table(["threads", "d", "n", "metric", "ours (s)", "dense (s)", "dense / ours",
                         "dense peak (MiB)", "values"], dense_rows)]
    if score_rows:
        lines += ["", "`mmalign score A.npy B.npy` (every registered metric, lists shared) against "
                  "the same command for one kNN metric (`--metric m`), the slowest of them; same "
                  "process, runs alternated, best of each. The last columns give the slowest kNN "
                  "metric of the first table and the score process's absolute peak memory:", "",
                  table(["threads", "d", "n", "score, all metrics (s)",
                         "slowest single kNN metric (s)", "score / slowest single",
                         "slowest kNN metric, first table (s)", "score peak (MiB, absolute)",
                         "tile backend", "status"], score_rows)]
    if memory_rows:
        lines += ["", "Each kNN metric called alone (`get_metric(m)(A, B)`) in a fresh process: "
                  "absolute peak resident memory, and the resident memory after each stage "
                  "(`import torch`; the package imported and the compiled kNN kernel loaded; "
                  "A and B loaded, float32). The working set is the peak above the last stage:",
                  "",
                  table(["threads", "d", "n", "metric", "seconds", "peak (MiB, absolute)",
                         "after import torch", "after kernel load", "after inputs",
                         "working set (MiB)", "status"], memory_rows)]
    write_report("\n".join(lines), args, machine, records)


if __name__ == "__main__":
    main()
