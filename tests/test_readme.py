"""The README's example runs as a script, as a reader would paste it, and prints what it says."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(markdown):
    return re.findall(r"^```python\n(.*?)^```", markdown, re.M | re.S)


def test_readme_example_runs_and_prints_its_values(tmp_path):
    blocks = python_blocks((ROOT / "README.md").read_text())
    assert len(blocks) == 1
    script = tmp_path / "readme_example.py"
    script.write_text(blocks[0])
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # as a reader runs it
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stderr, done.stderr[-3000:]
    out = done.stdout
    for label in ("mutual kNN", "unbiased CKA", "CKNNA, max over layer pairs"):
        value = float(re.search(rf"^{re.escape(label)}: (-?[\d.]+)$", out, re.M).group(1))
        assert 0.0 <= value <= 1.0, (label, value)
    sweep = re.findall(r"^alignment_weight=([\d.]+): accuracy\(x1\)=([\d.]+), mutual kNN=([\d.]+)$", out, re.M)
    assert [float(w) for w, _, _ in sweep] == [0.0, 1.0]
    # the contrastive loss raises the alignment it is weighted by
    assert float(sweep[1][2]) > float(sweep[0][2])
    # above the chance level of the dataset's 4 balanced classes
    assert all(float(acc) > 1 / 4 for _, acc, _ in sweep)


def _recorded_summary(name):
    """What the study printed in its recorded benchmark run, without the closing timing line."""
    record = ROOT / "benchmarks" / "results" / name
    summary = json.loads(record.read_text()).get("summary_md") if record.is_file() else None
    if summary is None:
        pytest.skip(f"{record.name} holds no recorded summary yet (run the benchmark that writes it)")
    return [line for line in summary.strip().splitlines() if not re.match(r"\d+ table rows in ", line)]


def _text_block_after(markdown, marker):
    return re.search(r"```text\n(.*?)^```", markdown[markdown.index(marker):], re.M | re.S).group(1)


def test_readme_output_is_the_recorded_run():
    recorded = _recorded_summary("first_contact.json")
    shown = _text_block_after((ROOT / "README.md").read_text(), "What the main job printed")
    assert all(line in recorded for line in shown.strip().splitlines())


@pytest.mark.parametrize("study, record", [("emergence", "first_contact.json"),
                                           ("strategic", "strategic_quick.json")])
def test_results_page_shows_the_recorded_runs(study, record):
    recorded = _recorded_summary(record)
    shown = _text_block_after((ROOT / "docs" / "results.md").read_text(),
                              f"`mmalign reproduce {study} --quick` printed:")
    lines = [line for line in shown.strip().splitlines() if not re.match(r"\d+ table rows in ", line)]
    assert lines == recorded
