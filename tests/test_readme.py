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
    tested = re.findall(r"^(mutual_knn|unbiased_cka): ([\d.]+) \(chance ([\d.]+), p = ([\d.]+), "
                        r"calibrated ([\d.]+)\)$", out, re.M)
    assert [name for name, *_ in tested] == ["mutual_knn", "unbiased_cka"]
    for name, score, chance, p, calibrated in tested:
        score, chance, p, calibrated = map(float, (score, chance, p, calibrated))
        # B is a function of A: far above chance, the smallest p-value 1000 shuffles allow
        assert p == round(1 / 1001, 4) and 0.0 < calibrated < score <= 1.0 and chance < score
    # mutual kNN's chance level is topk / (n - 1) = 10 / 999
    assert float(tested[0][2]) == round(10 / 999, 3)
    layers = re.search(r"^CKNNA, max over layer pairs: ([\d.]+) \(chance ([\d.]+), p = ([\d.]+)\)$",
                       out, re.M)
    assert float(layers.group(2)) < float(layers.group(1)) and float(layers.group(3)) == round(1 / 201, 4)
    sweep = re.findall(r"^alignment_weight=([\d.]+): accuracy\(x1\)=([\d.]+), mutual kNN=([\d.]+) "
                       r"\(calibrated ([\d.]+)\)$", out, re.M)
    assert [float(w) for w, *_ in sweep] == [0.0, 1.0]
    # the contrastive loss raises the alignment it is weighted by, raw and calibrated
    assert float(sweep[1][2]) > float(sweep[0][2]) and float(sweep[1][3]) > float(sweep[0][3])
    # calibration only removes chance: each calibrated value is below its raw value
    assert all(0.0 <= float(cal) < float(raw) for _, _, raw, cal in sweep)
    # above the chance level of the dataset's 4 balanced classes
    assert all(float(acc) > 1 / 4 for _, acc, _, _ in sweep)
    # the output shown in the README is this run's; the metric lines do not depend on the CPU
    # (the sweep's trained encoders may round differently elsewhere)
    shown = _text_block_after((ROOT / "README.md").read_text(), "It printed:").strip().splitlines()
    assert len(shown) == len(out.strip().splitlines())
    assert shown[:3] == out.strip().splitlines()[:3]


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
