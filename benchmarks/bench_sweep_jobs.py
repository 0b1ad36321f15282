"""When does ``GridSearchCV(n_jobs=2)`` pay? A sweep's wall time with 1 and 2 joblib workers.

A fresh joblib (loky) worker process starts by importing PyTorch and skorch to unpickle the
estimator, and its first fit builds the first ``torch.optim`` optimizer, whose constructor imports
``torch._dynamo`` (and sympy with it) on first use. This script measures that start-up cost in a
fresh process, then times the same alignment-weight sweep (6 weights x 3 folds = 18 fits, no
refit) three ways, side by side in one run:

* ``n_jobs=1`` (in this process, already warm);
* ``n_jobs=2``, cold: the worker processes are shut down first, so both pay their start-up;
* ``n_jobs=2``, warm: run again at once; joblib reuses the same workers (they stay for 300 s).

    python benchmarks/bench_sweep_jobs.py            # writes benchmarks/results/sweep_jobs.json

Prints a markdown table. Timings on a machine shared with other jobs vary: the JSON records the
load average before each case.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _environment import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = [  # (n_samples, max_epochs)
    (1024, 3),
    (2048, 20),
]
GRID = {"alignment_weight": [0, 0.1, 0.5, 1, 2, 4]}

_STARTUP = r"""
import json, time
t0 = time.perf_counter()
from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import AlignedContrastiveClassifier
t1 = time.perf_counter()
data = make_interaction_dataset("mixed", n_samples=1024, random_state=0)
fits = []
for _ in range(2):
    est = AlignedContrastiveClassifier(max_epochs=1, device="cpu", random_state=0)
    t = time.perf_counter(); est.fit(data.X, data.y); fits.append(time.perf_counter() - t)
print(json.dumps({"import_s": t1 - t0, "first_fit_s": fits[0], "second_fit_s": fits[1]}))
"""


def startup_cost():
    """Import time and first / second fit of a fresh Python process (what a new worker pays)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", _STARTUP], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def sweep(n_samples, max_epochs, n_jobs):
    from sklearn.model_selection import GridSearchCV

    from mmalign_sk.datasets import make_interaction_dataset
    from mmalign_sk.estimators import AlignedContrastiveClassifier, make_modality_scorer
    from mmalign_sk.metrics import make_alignment_scorer

    data = make_interaction_dataset("mixed", n_samples=n_samples, random_state=0)
    est = AlignedContrastiveClassifier(encoder__depth=3, lr=1e-2, max_epochs=max_epochs,
                                       device="cpu", random_state=0)
    scoring = {"acc_x1": make_modality_scorer("accuracy", "x1"),
               "align": make_alignment_scorer("mutual_knn", topk=10)}
    search = GridSearchCV(est, GRID, cv=3, scoring=scoring, refit=False, n_jobs=n_jobs)
    started = time.perf_counter()
    search.fit(data.X, data.y)
    return time.perf_counter() - started, search.cv_results_["mean_test_acc_x1"].tolist()


def shutdown_workers():
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "sweep_jobs.json"))
    args = parser.parse_args()
    record = {"machine": machine(), "grid": GRID, "cv": 3, "startup": startup_cost(), "cases": []}
    s = record["startup"]
    print(f"fresh process: import {s['import_s']:.1f} s, first fit {s['first_fit_s']:.1f} s, "
          f"second fit {s['second_fit_s']:.2f} s")
    sweep(256, 1, 1)  # warm this process too, so that n_jobs=1 is timed warm like the workers
    rows = []
    for n_samples, max_epochs in CASES:
        case = {"n_samples": n_samples, "max_epochs": max_epochs}
        case["load_average"] = os.getloadavg()
        case["n_jobs_1_s"], scores_1 = sweep(n_samples, max_epochs, 1)
        shutdown_workers()
        case["n_jobs_2_cold_s"], scores_2 = sweep(n_samples, max_epochs, 2)
        case["n_jobs_2_warm_s"], _ = sweep(n_samples, max_epochs, 2)
        case["same_scores"] = scores_1 == scores_2
        record["cases"].append(case)
        rows.append(f"| {n_samples} samples x {max_epochs} epochs | {case['n_jobs_1_s']:.1f} | "
                    f"{case['n_jobs_2_cold_s']:.1f} ({case['n_jobs_1_s'] / case['n_jobs_2_cold_s']:.2f}x) | "
                    f"{case['n_jobs_2_warm_s']:.1f} ({case['n_jobs_1_s'] / case['n_jobs_2_warm_s']:.2f}x) |")
    shutdown_workers()
    print(f"\n18 fits (6 weights x 3 folds); {record['machine']['cpu_model']}, "
          f"{record['machine']['usable_cpus']} usable CPUs\n")
    print("| sweep | n_jobs=1 (s) | n_jobs=2, fresh workers (s, speed-up) | n_jobs=2, reused workers (s, speed-up) |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
