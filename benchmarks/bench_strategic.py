"""Wall time and the findings of the strategic study (`mmalign reproduce strategic`), as JSON.

    python benchmarks/bench_strategic.py [--full] [--out benchmarks/results/strategic_quick.json]

Runs the study from scratch in a temporary folder (or `--work DIR`, whose cache a rerun reuses)
and prints its summary, then a one-row table of wall time and how many findings hold.
"""

from _study_bench import run

if __name__ == "__main__":
    run("strategic")
