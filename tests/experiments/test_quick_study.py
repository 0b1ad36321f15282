"""The README's main job: what it shows, and that rerunning it changes nothing on the same machine."""

import json
import re

import numpy as np
import pytest
from scipy.stats import spearmanr

from mmalign_sk.experiments import EMERGENCE_QUICK, emergence_study, reproduce

TINY = dict(n_redundant=(0, 8), depths=(0, 2), encoder_depths=(1,), seeds=(0,), n_samples=1024,
            lr=(1e-2,), weight_decay=(0.0,), max_epochs=3, reference_epochs=3)


def test_same_command_same_machine_gives_identical_tables():
    # two runs from scratch (no cache) in one process: every number equal to the last bit
    first = emergence_study(**TINY, device="cpu", progress=False)
    second = emergence_study(**TINY, device="cpu", progress=False)
    assert first.columns == second.columns
    assert first.records == second.records


@pytest.mark.slow
@pytest.mark.timeout(900)  # the whole quick study; minutes on a shared 2-core machine
def test_quick_emergence_study_shows_the_documented_findings(tmp_path):
    table = reproduce("emergence", tmp_path, quick=True, progress=False, device="cpu", echo=False,
                      n_jobs=-1)
    q = EMERGENCE_QUICK
    models_per_cell = len(q["encoder_depths"]) * len(q["seeds"]) * len(q["lr"]) * len(q["weight_decay"])
    assert models_per_cell >= 6
    assert len(table) == len(q["n_redundant"]) * len(q["depths"]) * models_per_cell
    align, cells = {}, {}
    for row in table:
        cells.setdefault((row["r"], row["depth"]), []).append(row)
        if row["selected"]:
            align.setdefault((row["r"], row["depth"]), []).append(row["align_mutual_knn"])
    align = {key: np.mean(values) for key, values in align.items()}
    rs, depths = sorted({r for r, _ in align}), sorted({d for _, d in align})
    # alignment falls as uniqueness (8 - r) grows, at every heterogeneity depth
    for depth in depths:
        rho = spearmanr(rs, [align[r, depth] for r in rs]).statistic
        assert rho > 0.5, (depth, rho)
    # heterogeneity lowers alignment when the modalities share the label (r = 8)
    top = max(rs)
    assert spearmanr(depths, [align[top, d] for d in depths]).statistic < -0.5
    # the summary the command wrote says the same
    findings = json.loads((tmp_path / "summary.json").read_text())["findings"]
    assert findings[0]["holds"] and findings[1]["holds"]
    # the within-cell correlations it reports are those of each cell's models
    within = {key: spearmanr([m["align_mutual_knn"] for m in models],
                             [m["acc_b"] for m in models]).statistic
              for key, models in cells.items()}
    assert all(len(models) == models_per_cell for models in cells.values())
    per_r = {r: np.nanmean([v for (r_, _), v in within.items() if r_ == r]) for r in rs}
    spearman_line = findings[3]["evidence"].splitlines()[0]
    assert spearman_line.startswith("within-cell Spearman")
    shown = {int(r): float(v) for r, v in re.findall(r"(\d+): ([+-]\d\.\d\d) ±", spearman_line)}
    assert sorted(shown) == rs
    for r in rs:
        assert abs(shown[r] - per_r[r]) <= 0.005 + 1e-9, (r, shown[r], per_r[r])
