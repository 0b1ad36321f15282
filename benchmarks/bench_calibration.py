"""Permutation calibration: our fast nulls against K recomputations, side by side, one thread.

For each metric, on one pair of matrices (n = 4,000, d = 128 by default), this times

* ``alignment_test`` (ours: each matrix prepared once, every null draw relabels B's
  representation), and
* ``calibrated_similarity.calibrate`` wrapping our own metric function, which recomputes the
  metric for each of its K permutations (its best case: our metric is its inner loop),

with the same K, and prints the time ratio and both p-values (each with its Monte-Carlo standard
error; they agree when their difference is within 3 combined standard errors). Larger n
(10,000 and 100,000 by default) time ours alone. Everything runs in one process on one thread
(torch and BLAS), so that the ratio is the algorithms' and not the cores'.

``--coverage`` instead runs the simulation behind the bootstrap intervals of docs/significance.md:
many independent datasets from one model, the share of 95 % intervals that contain the expected
score (estimated by the mean score over the datasets).

    python benchmarks/bench_calibration.py \
        --out-json benchmarks/results/calibration_cpu.json --out-md benchmarks/results/calibration_cpu.md
    python benchmarks/bench_calibration.py --coverage \
        --out-json benchmarks/results/calibration_coverage.json --out-md benchmarks/results/calibration_coverage.md
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cases import fmt_s, table, write_report  # noqa: E402
from _environment import machine  # noqa: E402

from mmalign_sk.metrics import alignment_test, get_metric, reuse_representations  # noqa: E402

#: (label, registered name, parameters)
METRICS = [
    ("mutual_knn", "mutual_knn", {"topk": 10}),
    ("cycle_knn", "cycle_knn", {"topk": 10}),
    ("lcs_knn", "lcs_knn", {"topk": 10}),
    ("edit_distance_knn", "edit_distance_knn", {"topk": 10}),
    ("cknna", "cknna", {"topk": 10}),
    ("cka (linear)", "cka", {}),
    ("unbiased_cka (linear)", "unbiased_cka", {}),
    ("cka (rbf)", "cka", {"kernel": "rbf", "sigma": 1.0}),
    ("svcca", "svcca", {}),
    ("cmd", "cmd", {}),
]
#: Metrics left out of the larger sizes: RBF CKA needs the n x n kernels (dense only up to n = 8192,
#: beyond that every draw recomputes them).
DENSE_ONLY = {"cka (rbf)"}


def make_pair(n, d, seed=0):
    """A weakly related pair: B shares a faint copy of A's first 16 directions."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d)).astype(np.float32)
    B = rng.normal(size=(n, d)).astype(np.float32)
    B[:, :16] += 0.1 * A[:, :16]
    return A, B


def p_se(p, K):
    return math.sqrt(max(p * (1 - p), 1.0 / K) / K)


def ours(A, B, name, params, K):
    start = time.perf_counter()
    result = alignment_test(A, B, name, n_permutations=K, random_state=0, device="cpu", **params)
    return time.perf_counter() - start, result


def peer(A, B, name, params, K):
    from calibrated_similarity import calibrate

    metric = get_metric(name, device="cpu", **params)
    X, Y = torch.from_numpy(A), torch.from_numpy(B)
    start = time.perf_counter()
    calibrated, p_value, tau = calibrate(X, Y, lambda x, y: metric(x, y), K=K,
                                         smax=metric.score_range[1],
                                         generator=torch.Generator().manual_seed(0))
    return time.perf_counter() - start, float(p_value), float(calibrated)


def run_speed(args):
    records, rows, big_rows = [], [], []
    A, B = make_pair(args.n, args.d)
    for label, name, params in METRICS:
        if args.metrics and label not in args.metrics:
            continue
        t_ours, result = ours(A, B, name, params, args.permutations)
        record = {"n": args.n, "d": args.d, "K": args.permutations, "metric": label,
                  "ours_s": t_ours, "score": result.score, "p_ours": result.p_value,
                  "null_mean": result.null_mean, "null_std": result.null_std}
        if not args.no_peer:
            t_peer, p_peer, cal_peer = peer(A, B, name, params, args.permutations)
            se = math.hypot(p_se(result.p_value, args.permutations), p_se(p_peer, args.permutations))
            record.update(peer_s=t_peer, p_peer=p_peer, calibrated_peer=cal_peer,
                          ratio=t_peer / t_ours, p_agree=abs(result.p_value - p_peer) <= 3 * se)
        records.append(record)
        rows.append([label, fmt_s(t_ours), fmt_s(record.get("peer_s")),
                     f"{record['ratio']:.0f}x" if "ratio" in record else "—",
                     f"{result.score:.4f}", f"{result.null_mean:.4f}",
                     f"{result.p_value:.3f}", "—" if "p_peer" not in record else f"{record['p_peer']:.3f}",
                     "—" if "p_agree" not in record else ("yes" if record["p_agree"] else "NO")])
        print(" | ".join(str(c) for c in rows[-1]), flush=True)
    for n in args.large:
        A, B = make_pair(n, args.d, seed=1)
        with reuse_representations():  # the kNN metrics share each matrix's kNN lists
            for label, name, params in METRICS:
                if label in DENSE_ONLY or (args.metrics and label not in args.metrics):
                    continue
                t_ours, result = ours(A, B, name, params, args.permutations)
                records.append({"n": n, "d": args.d, "K": args.permutations, "metric": label,
                                "ours_s": t_ours, "score": result.score, "p_ours": result.p_value,
                                "null_mean": result.null_mean, "shares_knn_lists": True})
                big_rows.append([f"{n:,}", label, fmt_s(t_ours), f"{result.null_mean:.4f}",
                                 f"{result.p_value:.3f}"])
                print(" | ".join(str(c) for c in big_rows[-1]), flush=True)
    env = machine()
    text = (f"Permutation test of each metric, n = {args.n:,}, d = {args.d}, K = {args.permutations}, "
            f"one thread, on {env['cpu_model']}: seconds for alignment_test (ours) and for "
            "calibrated_similarity.calibrate wrapping our metric function (peer), their ratio, "
            "the score, its chance level (null mean) and both p-values (agree: within 3 combined "
            "Monte-Carlo standard errors).\n\n")
    text += table(["metric", "ours s", "peer s", "speed-up", "score", "chance", "p ours",
                   "p peer", "p agree"], rows)
    if big_rows:
        text += (f"\n\nOurs alone at larger n (d = {args.d}, K = {args.permutations}; the four kNN "
                 "metrics and CKNNA share each matrix's kNN search, so the first kNN metric's time "
                 "includes it; RBF CKA is left out: beyond n = 8,192 each draw recomputes the "
                 "kernels):\n\n")
        text += table(["n", "metric", "ours s", "chance", "p ours"], big_rows)
    write_report(text, args, env, records)


def run_coverage(args):
    """Coverage of the 95 % bootstrap intervals over independent datasets of one model."""
    rng = np.random.default_rng(0)
    n, d, datasets, boots = args.cov_n, 16, args.cov_datasets, args.cov_bootstraps
    W = rng.normal(size=(d, d))
    cases = [("mutual_knn", {"topk": 10}), ("cycle_knn", {"topk": 10}), ("lcs_knn", {"topk": 10}),
             ("edit_distance_knn", {"topk": 10}), ("cknna", {"topk": 10}), ("cka", {}),
             ("unbiased_cka", {}), ("cka", {"kernel": "rbf"}), ("svcca", {}), ("cmd", {})]
    cases = [(name + (" (rbf)" if params.get("kernel") else ""), name, params)
             for name, params in cases]
    cis = {label: [] for label, _, _ in cases}
    scores = {label: [] for label, _, _ in cases}
    for s in range(datasets):
        data = np.random.default_rng(1000 + s)
        A = data.normal(size=(n, d))
        B = np.tanh(A @ W / 4.0) + data.normal(size=(n, d))
        with reuse_representations():
            for label, name, params in cases:
                result = alignment_test(A, B, name, n_permutations=19, n_bootstraps=boots,
                                        random_state=s, device="cpu", **params)
                cis[label].append(result.ci)
                scores[label].append(result.score)
    records, rows = [], []
    for name, metric, _ in cases:
        truth = float(np.mean(scores[name]))
        truth_se = float(np.std(scores[name], ddof=1) / np.sqrt(datasets))
        covered = float(np.mean([lo <= truth <= hi for lo, hi in cis[name]]))
        width = float(np.mean([hi - lo for lo, hi in cis[name]]))
        spread = float(np.std(scores[name], ddof=1))
        method = ("half samples" if "knn" in metric else "rows resampled")
        records.append({"metric": name, "method": method, "coverage": covered,
                        "mean_width": width, "sd_of_score": spread, "expected_score": truth,
                        "expected_score_se": truth_se})
        rows.append([name, method, f"{covered:.2f}", f"{width:.4f}", f"{2 * 1.96 * spread:.4f}"])
    binom = math.sqrt(0.95 * 0.05 / datasets)
    text = (f"Coverage of 95 % intervals ({boots} replicates, centred on the score) over {datasets} independent "
            f"datasets (n = {n}, d = {d}, B = tanh(A W / 4) + noise); the expected score is the mean "
            f"over the datasets. A coverage within 0.95 +- {2 * binom:.2f} (two binomial standard "
            "errors) is as advertised. 'width' is the intervals' mean width, 'needed' 2 x 1.96 x the "
            "score's standard deviation across datasets.\n\n")
    text += table(["metric", "method", "coverage", "width", "needed"], rows)
    write_report(text, args, machine(), records)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--d", type=int, default=128)
    parser.add_argument("--permutations", type=int, default=200)
    parser.add_argument("--large", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--metrics", nargs="*", default=None, help="labels of the metrics to run")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--coverage", action="store_true")
    parser.add_argument("--cov-n", type=int, default=300)
    parser.add_argument("--cov-datasets", type=int, default=100)
    parser.add_argument("--cov-bootstraps", type=int, default=100)
    parser.add_argument("--out-json", type=Path, default=None)
    parser.add_argument("--out-md", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        (run_coverage if args.coverage else run_speed)(args)


if __name__ == "__main__":
    main()
