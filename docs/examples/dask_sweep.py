# needs: dask (pip install "mmalign-sk[distributed]")
"""An alignment-weight sweep on a dask cluster.

``GridSearchCV`` sends its fits through joblib; the dask backend runs them on a cluster's workers. A
``LocalCluster`` stands in for a real one here (replace it by ``Client("tcp://scheduler:8786")``).
Scripts that start a ``LocalCluster`` need the ``__main__`` guard: its worker processes import this
file.

Run: ``python docs/examples/dask_sweep.py`` (needs ``pip install "mmalign-sk[distributed]"``)
"""

import joblib
from sklearn.model_selection import GridSearchCV

from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import AlignedContrastiveClassifier, make_modality_scorer
from mmalign_sk.metrics import make_alignment_scorer


def main():
    from dask.distributed import Client, LocalCluster

    data = make_interaction_dataset(kind="mixed", n_samples=2048, random_state=0)
    est = AlignedContrastiveClassifier(
        modalities=("x1", "x2"), max_epochs=3, batch_size=256, lr=1e-2, device="cpu", random_state=0
    )
    scoring = {"acc": make_modality_scorer("accuracy", "x1"), "align": make_alignment_scorer("cka")}
    search = GridSearchCV(est, {"alignment_weight": [0.0, 0.5, 2.0]}, cv=2, scoring=scoring, refit="acc", n_jobs=-1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster):
        with joblib.parallel_backend("dask"):
            search.fit(data.X, data.y)
    for weight, acc, align in zip(
        search.cv_results_["param_alignment_weight"],
        search.cv_results_["mean_test_acc"],
        search.cv_results_["mean_test_align"],
    ):
        print(f"alignment_weight={weight:<4} accuracy(x1)={acc:.3f} cka={align:.3f}")


if __name__ == "__main__":
    main()
