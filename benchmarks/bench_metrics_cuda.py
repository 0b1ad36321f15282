"""Time and peak memory of the alignment metrics on a GPU (or the CPU), side by side with dense
O(n^2) baselines and the bare blocked Gram products; neighbour changes in tf32 and bf16.

The CPU comparison against faiss and the arithmetic floor is ``bench_metrics.py``; this script is
the one for ``--device cuda`` (on a GPU the kNN lists are built in row blocks of the Gram product).

For every metric and number of rows ``n`` this measures our implementation and, for the kNN
metrics, a straightforward dense implementation written here the way the papers' reference code
does it (full n x n similarity, full argsort, dense n x n neighbour masks, Python-loop LCS and
edit distance). It also times the "Gram floor": the bare blocked Gram products A A^T and B B^T
(2 n^2 d multiply-adds) that any exact kNN computation has to pay, and reports each kNN metric's
ratio to it. With ``--precision tf32 bf16`` it reports how often neighbours change versus float32.

Every case runs in a fresh subprocess: peak memory is ``ru_maxrss`` minus its value after imports
and loading the inputs on the CPU, and ``torch.cuda.max_memory_allocated`` on CUDA (inputs
included). The kNN metrics share their representation (the kNN lists of A and B), so they are
measured together in one subprocess: each metric's time is the time to build both kNN lists plus
its own comparison, and the peak memory is that of the whole subprocess.

Examples
--------
python benchmarks/bench_metrics_cuda.py --device cuda --n 10000 100000 1000000 --d 768 \
    --precision tf32 bf16 --out-json benchmarks/results/metrics_cuda.json \
    --out-md benchmarks/results/metrics_cuda.md
"""

import argparse
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

KNN_METRICS = ("mutual_knn", "cycle_knn", "lcs_knn", "edit_distance_knn")


# ------------------------------------------------------------------------------------------------
# one case, run in a fresh subprocess
# ------------------------------------------------------------------------------------------------
class Meter:
    """Wall time and peak memory of the code run between ``start()`` and ``stop()``."""

    def __init__(self, device):
        import torch

        self.torch, self.cuda = torch, device.type == "cuda"
        self.base = self._rss()

    def _rss(self):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def start(self):
        if self.cuda:
            self.torch.cuda.synchronize()
            self.torch.cuda.reset_peak_memory_stats()
        self.t0 = time.perf_counter()

    def stop(self):
        self.sync()
        seconds = time.perf_counter() - self.t0
        if self.cuda:
            peak = self.torch.cuda.max_memory_allocated()
        else:
            peak = self._rss() - self.base
        return seconds, peak


def timed(meter, fn, min_seconds=1.0, max_repeats=3):
    """Run ``fn``; repeat (up to ``max_repeats``) while runs are shorter than ``min_seconds``."""
    best, peak, value = None, 0, None
    for _ in range(max_repeats):
        meter.start()
        value = fn()
        seconds, used = meter.stop()
        best = seconds if best is None else min(best, seconds)
        peak = max(peak, used)
        if seconds >= min_seconds:
            break
    return value, best, peak


def run_case(case):
    import torch

    torch.set_num_threads(case["threads"])
    from mmalign_sk.metrics import get_metric, knn_indices, preprocess
    from mmalign_sk.metrics._backend import to_tensor
    from mmalign_sk.metrics._knn_search import _block_rows

    device = torch.device(case["device"])
    A = np.load(case["A"], mmap_mode=None)
    B = np.load(case["B"], mmap_mode=None)
    topk, kind = case["topk"], case["kind"]
    if device.type == "cuda":
        torch.zeros(1, device=device)  # create the context before measuring
    meter = Meter(device)
    out = {}

    if kind == "gram":

        def gram():
            for X in (A, B):
                T = to_tensor(X, device)
                block = _block_rows(T)
                buf = torch.empty((block, T.shape[0]), device=device)
                for s in range(0, T.shape[0], block):
                    e = min(s + block, T.shape[0])
                    torch.matmul(T[s:e], T.T, out=buf[: e - s])

        _, out["seconds"], out["peak_bytes"] = timed(meter, gram)

    elif kind == "ours_knn":
        metrics = {name: get_metric(name, topk=topk, device=device) for name in case["metrics"]}
        first = next(iter(metrics.values()))
        reps, prep_s, prep_peak = timed(
            meter, lambda: (first.prepare(A, "A", device), first.prepare(B, "B", device))
        )
        out["prepare_seconds"], out["results"] = prep_s, {}
        peak = prep_peak
        for name, metric in metrics.items():
            value, seconds, used = timed(meter, lambda m=metric: m.compare(*reps))
            peak = max(peak, used)
            out["results"][name] = {"value": value, "compare_seconds": seconds,
                                    "seconds": prep_s + seconds}
        out["peak_bytes"] = peak

    elif kind == "ours":
        try:
            metric = get_metric(case["metric"], topk=topk, device=device)
        except TypeError:
            metric = get_metric(case["metric"], device=device)
        out["value"], out["seconds"], out["peak_bytes"] = timed(meter, lambda: metric(A, B))

    elif kind == "dense":

        def dense():
            Ta = preprocess(to_tensor(A, device))
            Tb = preprocess(to_tensor(B, device))
            return dense_metric(case["metric"], Ta, Tb, topk)

        out["value"], out["seconds"], out["peak_bytes"] = timed(meter, dense)

    elif kind == "precision":
        X = preprocess(to_tensor(A, device))
        exact, out["float32_seconds"], _ = timed(meter, lambda: knn_indices(X, topk))
        got, out["seconds"], out["peak_bytes"] = timed(
            meter, lambda: knn_indices(X, topk, precision=case["precision"])
        )
        shared = (got[:, :, None] == exact[:, None, :]).any(dim=2).double().mean()
        out["neighbours_changed"] = 1.0 - float(shared)
    return out


# ------------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------------


def fmt_mb(x):
    return "—" if x is None else f"{x / 2**20:.0f}" if x >= 2**20 else f"{x / 2**20:.2f}"


def fmt_ratio(num, den):
    return "—" if num is None or den is None or den <= 0 else f"{num / den:.2f}x"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--d", type=int, default=128)
    parser.add_argument("--topk", type=int, default=10)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--metrics", nargs="+", default=None,
                        help="metric names (default: every registered metric)")
    parser.add_argument("--precision", nargs="*", default=[], choices=["tf32", "bf16"],
                        help="also report neighbour changes of these precisions vs float32")
    parser.add_argument("--precision-max-n", type=int, default=None,
                        help="largest n for the precision comparison (default: 10000 on the CPU, "
                        "where bf16 matrix products are emulated and slow; no limit on CUDA)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--dense-max-bytes", type=float, default=4e9,
                        help="skip dense baselines whose n x n buffers would exceed this")
    parser.add_argument("--dense-max-n-python", type=int, default=20000,
                        help="skip the Python-loop LCS/edit baselines above this n")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-json", type=Path, default=None)
    parser.add_argument("--out-md", type=Path, default=None)
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case is not None:
        print(json.dumps(run_case(json.loads(args.case))))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import torch

    from mmalign_sk.metrics import list_metrics

    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda was requested but CUDA is not available")
    names = list_metrics() if args.metrics is None else args.metrics
    unknown = sorted(set(names) - set(list_metrics()))
    if unknown:
        parser.error(f"unknown metrics {unknown}; known: {list_metrics()}")
    knn_names = [m for m in names if m in KNN_METRICS]
    other_names = [m for m in names if m not in KNN_METRICS]
    precision_max_n = args.precision_max_n or (10000 if args.device == "cpu" else 10**12)

    machine = {
        "device": torch.cuda.get_device_name() if args.device == "cuda" else platform.processor()
        or platform.machine(),
        "cpu_count": os.cpu_count(), "threads": args.threads, "torch": torch.__version__,
        "python": platform.python_version(),
    }
    records, rows, prec_rows = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            A, B = make_pair(n, args.d, seed=args.seed)
            paths = {"A": f"{tmp}/A_{n}.npy", "B": f"{tmp}/B_{n}.npy"}
            np.save(paths["A"], A)
            np.save(paths["B"], B)
            del A, B
            base = dict(paths, n=n, d=args.d, topk=args.topk, device=args.device,
                        threads=args.threads)

            def run(**extra):
                case = dict(base, **extra)
                print(f"  running n={n} {extra}", file=sys.stderr, flush=True)
                result = spawn(__file__, case, args.timeout)
                records.append({**{k: v for k, v in case.items() if k not in ("A", "B")},
                                **result})
                return result

            gram = run(kind="gram")
            gram_s = gram.get("seconds")
            rows.append(["Gram floor (A·Aᵀ, B·Bᵀ blocked)", n, fmt_s(gram_s),
                         fmt_mb(gram.get("peak_bytes")), "—", "—", "—", "—", "1.00x", "—",
                         gram["status"]])
            ours_knn = run(kind="ours_knn", metrics=knn_names) if knn_names else {}
            for name in knn_names:
                mine = ours_knn.get("results", {}).get(name, {})
                dense = skip_reason(n, name, args)
                if dense is None:
                    dense = run(kind="dense", metric=name)
                status = ours_knn.get("status", "—") + f"; dense {dense['status']}"
                if dense.get("status") == "ok" and "value" in mine:
                    agree = abs(dense["value"] - mine["value"]) < 1e-6
                    status += "; values agree" if agree else "; VALUES DIFFER"
                peak = ours_knn.get("peak_bytes")
                rows.append([name, n, fmt_s(mine.get("seconds")), fmt_mb(peak),
                             fmt_s(dense.get("seconds")), fmt_mb(dense.get("peak_bytes")),
                             fmt_ratio(dense.get("seconds"), mine.get("seconds")),
                             fmt_ratio(dense.get("peak_bytes"), peak),
                             fmt_ratio(mine.get("seconds"), gram_s),
                             "—" if "value" not in mine else f"{mine['value']:.4f}", status])
            for name in other_names:
                mine = run(kind="ours", metric=name)
                rows.append([name, n, fmt_s(mine.get("seconds")), fmt_mb(mine.get("peak_bytes")),
                             "—", "—", "—", "—", "—",
                             "—" if "value" not in mine else f"{mine['value']:.4f}",
                             mine["status"] + "; no dense baseline here"])
            for precision in args.precision:
                if n > precision_max_n:
                    continue
                res = run(kind="precision", precision=precision)
                prec_rows.append([n, precision, fmt_s(res.get("seconds")),
                                  fmt_s(res.get("float32_seconds")),
                                  "—" if "neighbours_changed" not in res
                                  else f"{100 * res['neighbours_changed']:.3f} %", res["status"]])

    header = ["metric", "n", "ours time (s)", "ours peak (MiB)", "dense time (s)",
              "dense peak (MiB)", "time dense/ours", "memory dense/ours", "ours / Gram floor",
              "value", "status"]
    lines = [f"Machine: {machine['device']} ({machine['cpu_count']} CPU cores, "
             f"{args.threads} threads), torch {machine['torch']}; device={args.device}, "
             f"d={args.d}, topk={args.topk}", "", table(header, rows)]
    if prec_rows:
        lines += ["", "kNN lists (matrix A) at reduced precision versus float32:", "",
                  table(["n", "precision", "time (s)", "float32 time (s)",
                         "neighbours changed", "status"], prec_rows)]
    write_report("\n".join(lines), args, machine, records)


def skip_reason(n, name, args):
    """A skipped result when the dense baseline would not fit, else None."""
    if name in KNN_METRICS and DENSE_BYTES_PER_PAIR * n * n > args.dense_max_bytes:
        return {"status": "skipped (n² memory)"}
    if name in ("lcs_knn", "edit_distance_knn") and n > args.dense_max_n_python:
        return {"status": "skipped (Python-loop time)"}
    return None


if __name__ == "__main__":
    main()
