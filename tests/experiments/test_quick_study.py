"""The README's main job: what it shows, and that rerunning it changes nothing on the same machine."""

import json

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
def test_quick_emergence_study_shows_the_documented_findings(tmp_path):
    table = reproduce("emergence", tmp_path, quick=True, progress=False, device="cpu", echo=False)
    assert len(table) == (len(EMERGENCE_QUICK["n_redundant"]) * len(EMERGENCE_QUICK["depths"])
                          * len(EMERGENCE_QUICK["encoder_depths"]) * len(EMERGENCE_QUICK["seeds"]))
    align = {}
    for row in table:
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
