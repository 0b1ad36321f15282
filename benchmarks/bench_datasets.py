"""Time the synthetic generators: one dataset per (r, depth), the whole grid, and alternatives.

Prints a markdown table and writes JSON. Run from the repository root:

    python benchmarks/bench_datasets.py [--n-samples 65536] [--repeats 3] [--out PATH]

Rows (all in one run, so the ratios compare like with like):
* ``make_redundancy_dataset`` for several (r, depth), best of ``--repeats``;
* the 9 x 11 grid with ``make_redundancy_family`` and with 99 separate calls;
* label sampling: our vectorised inverse-CDF draw vs a per-sample ``np.random.choice`` loop.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from mmalign_sk.datasets import make_redundancy_dataset, make_redundancy_family
from mmalign_sk.datasets._synthetic import _sample_labels


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=65536)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/datasets.json"))
    args = parser.parse_args()
    n = args.n_samples
    make_redundancy_dataset(4, 0, n_samples=256, random_state=0)  # warm-up (imports, allocators)

    rows = []
    for r, depth, het in [(0, -1, "one"), (4, 0, "one"), (4, 5, "one"), (8, 10, "one"),
                          (8, 10, "both")]:
        seconds = best_of(
            lambda: make_redundancy_dataset(r, depth, n_samples=n, heterogeneity=het,
                                            random_state=0),
            args.repeats,
        )
        rows.append({"case": f"make_redundancy_dataset(r={r}, depth={depth}, {het!r})",
                     "seconds": seconds})

    grid = best_of(lambda: sum(1 for _ in make_redundancy_family(n_samples=n, random_state=0)), 1)
    separate = best_of(
        lambda: [make_redundancy_dataset(r, d, n_samples=n, random_state=0)
                 for r in range(9) for d in range(11)],
        1,
    )
    rows.append({"case": "grid 9 x 11: make_redundancy_family", "seconds": grid})
    rows.append({"case": "grid 9 x 11: 99 separate calls", "seconds": separate,
                 "ratio_vs_family": separate / grid})

    data = make_redundancy_dataset(4, n_samples=n, random_state=0)
    p = data.p_y_given_bits
    rng = np.random.RandomState(0)
    s_index = rng.randint(0, p.shape[0], n)
    vectorised = best_of(lambda: _sample_labels(p, s_index, rng.random_sample(n)), args.repeats)
    loop_n = min(n, 16384)

    def loop():
        for k in s_index[:loop_n]:
            rng.choice(p.shape[1], p=p[k])

    looped = best_of(loop, 1) * n / loop_n  # extrapolated linearly from loop_n samples
    rows.append({"case": f"sample {n} labels: vectorised inverse CDF", "seconds": vectorised})
    rows.append({"case": f"sample {n} labels: per-sample np.random.choice loop "
                         f"(timed on {loop_n}, scaled)", "seconds": looped,
                 "ratio_vs_vectorised": looped / vectorised})

    print(f"n_samples = {n}; torch threads = {torch.get_num_threads()}; "
          f"{platform.processor() or platform.machine()}\n")
    print("| case | seconds | ratio |")
    print("|---|---:|---:|")
    for row in rows:
        ratio = row.get("ratio_vs_family", row.get("ratio_vs_vectorised"))
        shown = "" if ratio is None else f"{ratio:.1f}x"
        print(f"| {row['case']} | {row['seconds']:.3f} | {shown} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"n_samples": n, "repeats": args.repeats,
                                    "machine": platform.machine(), "rows": rows}, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
