"""Shared by bench_emergence.py and bench_strategic.py: run a study, record time and findings."""

import argparse
import json
import os
import platform
import tempfile
import time

import torch
from _environment import machine

from mmalign_sk.experiments import reproduce


def run(study, argv=None):
    parser = argparse.ArgumentParser(description=f"Wall time and findings of the {study} study.")
    parser.add_argument("--full", action="store_true", help="the paper's settings (default: quick)")
    parser.add_argument("--out", default=f"benchmarks/results/{study}_quick.json")
    parser.add_argument("--work", default=None, help="output folder of the study (default: temp)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="cells computed at once, as `mmalign reproduce --n-jobs` (default -1: "
                             "every core, what the command does as typed)")
    args = parser.parse_args(argv)
    work = args.work or tempfile.mkdtemp(prefix=f"mmalign_{study}_")
    started = time.perf_counter()
    table = reproduce(study, work, quick=not args.full, device=args.device, n_jobs=args.n_jobs,
                      progress=False, echo=False)
    wall = time.perf_counter() - started
    summary = open(os.path.join(work, "summary.md")).read()
    findings = json.load(open(os.path.join(work, "summary.json")))["findings"]
    record = {"study": study, "quick": not args.full, "wall_s": wall, "rows": len(table),
              "device": args.device, "n_jobs": args.n_jobs, "torch_threads": torch.get_num_threads(),
              "cpu_count": os.cpu_count(), "python": platform.python_version(),
              "torch": torch.__version__, "environment": machine(), "findings": findings,
              "summary_md": summary}
    with open(args.out, "w") as fh:
        json.dump(record, fh, indent=1)
    print(summary)
    print("| study | settings | rows | wall time (s) | findings that hold |")
    print("|---|---|---|---|---|")
    print(f"| {study} | {'full' if args.full else 'quick'} | {len(table)} | {wall:.0f} | "
          f"{sum(f['holds'] for f in findings)} of {len(findings)} |")
    print(f"wrote {args.out}; study outputs in {work}")
