"""Every alignment metric between two embedding matrices, and how they react to shared structure.

Two random projections of the same latent code are aligned; a projection of an independent code is
not. The script prints every registered metric for both pairs.

Run: ``python docs/examples/metrics_on_embeddings.py``
"""

import numpy as np

from mmalign_sk.metrics import alignment_score, list_metrics

rng = np.random.default_rng(0)
latent = rng.normal(size=(1000, 16))
A = latent @ rng.normal(size=(16, 64))
B_shared = np.tanh(latent @ rng.normal(size=(16, 32)))
B_independent = np.tanh(rng.normal(size=(1000, 16)) @ rng.normal(size=(16, 32)))

print(f"{'metric':<22}{'shared':>10}{'independent':>14}")
for name in list_metrics():
    shared = alignment_score(A, B_shared, metric=name)
    independent = alignment_score(A, B_independent, metric=name)
    print(f"{name:<22}{shared:>10.3f}{independent:>14.3f}")
