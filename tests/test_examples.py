"""The gallery scripts under docs/examples run as documented and print what their docs claim."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def shown_output(name):
    """The ```text block that docs/examples.md shows after the script's listing."""
    page = (EXAMPLES.parent / "examples.md").read_text()
    found = re.search(rf"^```{{literalinclude}} examples/{re.escape(name)}\n.*?^```\n\s*```text\n(.*?)^```",
                      page, re.M | re.S)
    return found.group(1) if found else None


def run_example(name, tmp_path):
    """Run a gallery script as a reader does (no thread setting) and check it prints, line by line,
    what docs/examples.md shows (the convention of tests/test_docs.py)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shown = shown_output(name)
    assert shown is not None, f"docs/examples.md shows no output of {name}"
    assert [line.rstrip() for line in done.stdout.strip().splitlines()] == \
        [line.rstrip() for line in shown.strip().splitlines()], done.stdout
    return done.stdout


def test_every_example_is_tested():
    tested = {"metrics_on_embeddings.py", "alignment_weight_sweep.py", "layerwise_alignment_of_encoders.py",
              "pid_of_a_dataset.py", "dask_sweep.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_metrics_example_scores_the_shared_pair_above_the_independent_one(tmp_path):
    from mmalign_sk.metrics import list_metrics

    rows = re.findall(r"^(\w+)\s+(-?[\d.]+)\s+(-?[\d.]+)$", run_example("metrics_on_embeddings.py", tmp_path), re.M)
    assert [name for name, _, _ in rows] == list_metrics()
    for name, shared, independent in rows:
        assert float(shared) > float(independent), name


def test_sweep_example_writes_curve_and_alignment_rises(tmp_path):
    out = run_example("alignment_weight_sweep.py", tmp_path)
    align = [float(v) for v in re.findall(r"mutual_knn=([\d.]+)", out)]
    assert len(align) == 4 and align[-1] > align[0]
    assert (tmp_path / "alignment_weight_sweep.png").stat().st_size > 0


def test_layerwise_example_writes_heatmap(tmp_path):
    out = run_example("layerwise_alignment_of_encoders.py", tmp_path)
    assert re.search(r"max over layer pairs: 0\.\d+ at layers \(\d, \d\)", out)
    assert (tmp_path / "layerwise_alignment.png").stat().st_size > 0


def test_pid_example_finds_more_redundancy_in_the_redundant_dataset(tmp_path):
    out = run_example("pid_of_a_dataset.py", tmp_path)
    redundancy = dict(re.findall(r"^(\w+)\s+R=([\d.]+)", out, re.M))
    assert float(redundancy["redundancy"]) > float(redundancy["uniqueness"])
    assert (tmp_path / "pid.png").stat().st_size > 0


def test_dask_example(tmp_path):
    pytest.importorskip("dask.distributed")
    out = run_example("dask_sweep.py", tmp_path)
    assert len(re.findall(r"alignment_weight=", out)) == 3
