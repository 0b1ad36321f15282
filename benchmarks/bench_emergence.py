"""Wall time and the findings of the emergence study (`mmalign reproduce emergence`), as JSON.

    python benchmarks/bench_emergence.py [--full] [--out benchmarks/results/emergence_quick.json]

Runs the study from scratch in a temporary folder (or `--work DIR`, whose cache a rerun reuses)
and prints its summary, then a one-row table of wall time and how many findings hold.
"""

from _study_bench import run

if __name__ == "__main__":
    run("emergence")
