"""Draw the permutation nulls of docs/significance.md.

Writes docs/images/significance_null.png: the null histogram, observed score and threshold of
(left) mutual kNN on the README's pair, a real but modest alignment, and (right) biased linear
CKA on two independent matrices, a high raw score that is pure chance. Prints the numbers the
page quotes. Run from the repository root:

    python docs/make_significance_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mmalign_sk.metrics import alignment_test  # noqa: E402

OUT = Path("docs/images/significance_null.png")


def panels():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(1000, 64))
    B = np.tanh(A @ rng.normal(size=(64, 32)))
    paired = alignment_test(A, B, "mutual_knn", topk=10, n_permutations=1000, random_state=0)
    noise = np.random.default_rng(1)
    X, Y = noise.normal(size=(200, 128)), noise.normal(size=(200, 128))
    independent = alignment_test(X, Y, "cka", n_permutations=1000, random_state=0)
    return [("mutual kNN, README pair (n = 1000)", paired),
            ("biased CKA, independent matrices (n = 200, d = 128)", independent)]


def main():
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, (title, result) in zip(axes, panels()):
        ax.hist(result.null, bins=40, color="0.6", label=f"null ({result.n_permutations} shuffles)")
        ax.axvline(result.threshold, color="tab:orange", ls="--",
                   label=f"threshold (0.95 quantile) {result.threshold:.3f}")
        ax.axvline(result.score, color="tab:red", lw=2, label=f"observed {result.score:.3f}")
        ax.set(title=title, xlabel=result.metric, ylabel="draws")
        ax.legend(fontsize=8, loc="upper center")
        print(f"{title}: {result}")
    fig.suptitle("Permutation nulls: B's rows shuffled, each geometry kept")
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
