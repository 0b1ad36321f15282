"""A GridSearchCV sweep over the alignment weight distributed with dask (about 17 s here, most of
it starting the two worker processes)."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from mmalign_sk.estimators import AlignedContrastiveClassifier
from mmalign_sk.metrics import make_alignment_scorer
from estimator_testing import one_torch_thread, data  # noqa: F401 (fixtures)

distributed = pytest.importorskip("dask.distributed")
joblib = pytest.importorskip("joblib")


def test_grid_search_runs_on_a_local_dask_cluster(data):
    X, y = data
    est = AlignedContrastiveClassifier(encoder__depth=2, max_epochs=2, batch_size=64,
                                       random_state=0)
    grid = {"alignment_weight": [0.0, 1.0]}
    scoring = {"acc": "accuracy", "align": make_alignment_scorer("mutual_knn", topk=5)}
    local = GridSearchCV(est, grid, cv=2, scoring=scoring, refit="acc").fit(X, y)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(est, grid, cv=2, scoring=scoring, refit="acc",
                                  n_jobs=-1).fit(X, y)
    # the workers are separate processes, yet seeded training gives the same numbers
    for key in ("mean_test_acc", "mean_test_align"):
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
