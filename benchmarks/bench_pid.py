"""Speed and accuracy of the exact PID solver against a general-purpose scipy solve.

For random joint tables p(x1, x2, y) of growing size, times ``mmalign_sk.information.pid``
(structured interior-point method) and, where it finishes in reasonable time,
``scipy.optimize.minimize(method="SLSQP")`` on the full vector of q over the support with the
marginal constraints as equalities and an analytic gradient.  Prints a markdown table and writes
JSON.

    python benchmarks/bench_pid.py [--out benchmarks/results/pid_cpu.json] [--repeats 3]
"""

import argparse
import json
import platform
import time
import warnings

import numpy as np
from scipy import optimize

from mmalign_sk.information import pid

SIZES = [(2, 2, 2), (4, 4, 4), (5, 5, 3), (10, 10, 5), (20, 20, 5), (30, 30, 10), (50, 50, 10)]
BASELINE_MAX_VARIABLES = 100  # SLSQP is dense in the variables: 6x6x4 already takes > 1 min


def random_table(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(int(np.prod(shape)), 0.5)).reshape(shape)


def slsqp_min_joint_mi(p):
    """min over Δ_p of I_q(X1, X2; Y) in bits with SLSQP on the full variable vector."""
    p1, p2 = p.sum(axis=1), p.sum(axis=0)
    support = (p1[:, None, :] > 0) & (p2[None, :, :] > 0)
    idx = np.flatnonzero(support)
    n1, n2, ny = p.shape
    a1 = np.zeros((n1 * ny, idx.size))
    a2 = np.zeros((n2 * ny, idx.size))
    i1, i2, iy = np.unravel_index(idx, p.shape)
    a1[i1 * ny + iy, np.arange(idx.size)] = 1.0
    a2[i2 * ny + iy, np.arange(idx.size)] = 1.0
    A = np.vstack([a1, a2])
    b = np.concatenate([p1.ravel(), p2.ravel()])
    py = p.sum(axis=(0, 1))
    h_y = -np.sum(py * np.log(py))

    def full(x):
        q = np.zeros(p.size)
        q[idx] = np.clip(x, 1e-300, None)
        return q.reshape(p.shape)

    def f_and_grad(x):
        q = full(x)
        qc = q.sum(axis=2, keepdims=True)
        logc = np.log(np.where(support, q, 1.0) / np.where(qc > 0, qc, 1.0))
        return float(np.sum(np.where(support, q * logc, 0.0))), logc.ravel()[idx]

    x0 = (p1[:, None, :] * p2[None, :, :] / py).ravel()[idx]
    res = optimize.minimize(
        f_and_grad,
        x0,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * idx.size,
        constraints=[{"type": "eq", "fun": lambda x: A @ x - b, "jac": lambda x: A}],
        options={"maxiter": 500, "ftol": 1e-12},
    )
    return (h_y + res.fun) / np.log(2), res.nit, bool(res.success)


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/pid_cpu.json")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rows = []
    for shape in SIZES:
        p = random_table(shape, seed=0)
        repeats = args.repeats if np.prod(shape) <= 5000 else 1
        t_ours, r = timed(lambda: pid(p), repeats)
        row = {
            "shape": "x".join(map(str, shape)),
            "variables": int(np.prod(shape)),
            "time_s": t_ours,
            "iterations": r.n_iter,
            "duality_gap_bits": r.duality_gap,
            "constraint_residual": r.constraint_residual,
            "min_joint_mi_bits": r.mi_joint_min,
            "converged": r.converged,
            "slsqp_time_s": None,
            "slsqp_iterations": None,
            "slsqp_min_joint_mi_bits": None,
            "slsqp_success": None,
            "speedup": None,
        }
        if np.prod(shape) <= BASELINE_MAX_VARIABLES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                t_base, (value, nit, success) = timed(lambda: slsqp_min_joint_mi(p), 1)
            row.update(
                slsqp_time_s=t_base,
                slsqp_iterations=int(nit),
                slsqp_min_joint_mi_bits=float(value),
                slsqp_success=success,
                speedup=t_base / t_ours,
            )
        rows.append(row)
        print(f"done {row['shape']}", flush=True)

    print()
    print(
        "| table | cells | time (s) | Newton its | duality gap (bits) | max constraint residual "
        "| SLSQP time (s) | SLSQP its | SLSQP success | min I ours − SLSQP (bits) | speed-up |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for row in rows:
        if row["slsqp_time_s"] is None:
            base = "— | — | — | — | —"
        else:
            diff = row["min_joint_mi_bits"] - row["slsqp_min_joint_mi_bits"]
            base = (
                f"{row['slsqp_time_s']:.3f} | {row['slsqp_iterations']} | {row['slsqp_success']} | "
                f"{diff:+.1e} | "
                f"{row['speedup']:.1f}x"
            )
        print(
            f"| {row['shape']} | {row['variables']} | {row['time_s']:.3f} | {row['iterations']} | "
            f"{row['duality_gap_bits']:.1e} | {row['constraint_residual']:.1e} | {base} |"
        )
    meta = {
        "machine": platform.platform(),
        "processor": platform.processor(),
        "numpy": np.__version__,
        "tables": "Dirichlet(0.5) random p(x1, x2, y), seed 0",
        "repeats": args.repeats,
    }
    with open(args.out, "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
