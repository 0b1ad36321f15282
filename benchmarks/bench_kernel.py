"""Kernel metrics (CKA, unbiased CKA, CKNNA) against dense n x n implementations in the style of
the reference code (explicit kernel matrices, ``K @ H @ L @ H``, dense masks).

Prints a markdown table of side-by-side timings from one run, and writes it as JSON.

    python benchmarks/bench_kernel.py [--sizes 500 1000 2000] [--dim 64] [--out results.json]
"""

import argparse
import json
import time

import torch

from mmalign_sk.metrics import cka, cknna


def dense_hsic(K, L, unbiased):
    n = K.shape[0]
    if not unbiased:
        H = torch.eye(n, dtype=K.dtype) - 1.0 / n
        return torch.trace(K @ H @ L @ H)
    Kt, Lt = K.clone().fill_diagonal_(0), L.clone().fill_diagonal_(0)
    value = (Kt * Lt.T).sum() + Kt.sum() * Lt.sum() / ((n - 1) * (n - 2)) \
        - 2 * (Kt @ Lt).sum() / (n - 2)
    return value / (n * (n - 3))


def dense_cka(A, B, unbiased, kernel="linear", sigma=1.0):
    def gram(X):
        if kernel == "linear":
            return X @ X.T
        return torch.exp(-torch.cdist(X, X) ** 2 / (2 * sigma ** 2))
    K, L = gram(A), gram(B)
    kl, kk, ll = dense_hsic(K, L, unbiased), dense_hsic(K, K, unbiased), dense_hsic(L, L, unbiased)
    return float(kl / torch.sqrt(kk * ll))


def dense_cknna(A, B, topk):
    n = A.shape[0]
    K, L = A @ A.T, B @ B.T

    def mask(S):
        S = S.clone().fill_diagonal_(float("-inf"))
        idx = torch.topk(S, topk, dim=1).indices
        return torch.zeros(n, n).scatter_(1, idx, 1.0)

    mk, ml = mask(K), mask(L)
    m = mk * ml
    kl = dense_hsic(m * K, m * L, True)
    kk, ll = dense_hsic(mk * K, mk * K, True), dense_hsic(ml * L, ml * L, True)
    return float(kl / torch.sqrt(kk * ll))


def timed(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--out", default="benchmarks/results/kernel_cpu.json")
    args = parser.parse_args()
    torch.manual_seed(0)
    raw = {"clip_quantile": None, "normalize": False, "device": "cpu"}
    rows = []
    for n in args.sizes:
        A = torch.nn.functional.normalize(torch.randn(n, args.dim), dim=1)
        B = A[:, :8] @ torch.randn(8, args.dim) + torch.randn(n, args.dim)
        B = torch.nn.functional.normalize(B, dim=1)
        cases = [
            ("cka linear", lambda: cka(A, B, **raw), lambda: dense_cka(A, B, False)),
            ("unbiased_cka linear", lambda: cka(A, B, unbiased=True, **raw),
             lambda: dense_cka(A, B, True)),
            ("cka rbf", lambda: cka(A, B, kernel="rbf", **raw),
             lambda: dense_cka(A, B, False, "rbf")),
            ("cknna topk=10", lambda: cknna(A, B, topk=10, **raw), lambda: dense_cknna(A, B, 10)),
        ]
        for name, ours, dense in cases:
            t_ours, v_ours = timed(ours)
            t_dense, v_dense = timed(dense)
            rows.append({"metric": name, "n": n, "d": args.dim, "ours_s": t_ours,
                         "dense_s": t_dense, "speedup": t_dense / t_ours,
                         "abs_diff": abs(v_ours - v_dense)})
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU float32\n")
    print("| metric | n | d | ours (s) | dense n x n (s) | dense / ours | abs. difference |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['metric']} | {r['n']} | {r['d']} | {r['ours_s']:.4f} | {r['dense_s']:.4f} | "
              f"{r['speedup']:.1f} | {r['abs_diff']:.1e} |")
    with open(args.out, "w") as fh:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows},
                  fh, indent=2)


if __name__ == "__main__":
    main()
