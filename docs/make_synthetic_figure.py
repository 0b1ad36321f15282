"""Plot the exact information quantities of the synthetic generator against r.

Writes docs/images/synthetic_information.png and prints the markdown table used in
docs/synthetic_data.md. Run from the repository root:

    python docs/make_synthetic_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mmalign_sk.datasets import make_interaction_dataset, make_redundancy_dataset  # noqa: E402

OUT = Path("docs/images/synthetic_information.png")
KEYS = [("mi_x1_y", "I(X1;Y)"), ("mi_x2_y", "I(X2;Y)"), ("mi_x1x2_y", "I(X1,X2;Y)"),
        ("co_information", "I(X1;X2;Y)")]


def main():
    rs = list(range(9))
    infos = [make_redundancy_dataset(r, n_samples=16, random_state=0).info for r in rs]
    temperatures = 0.05 * np.exp(np.linspace(0, 2, 10))
    by_temperature = {
        r: [make_redundancy_dataset(r, n_samples=16, temperature=t, random_state=0).info
            for t in temperatures]
        for r in (0, 4, 8)
    }

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in KEYS:
        left.plot(rs, [info[key] for info in infos], marker="o", label=label)
    left.axhline(0, color="grey", lw=0.5)
    left.set(xlabel="redundant label bits r", ylabel="bits",
             title="Exact information vs r (T = 0.05)")
    left.legend()
    for r, series in by_temperature.items():
        right.plot(temperatures, [i["mi_x1_y"] for i in series], marker=".",
                   label=f"I(X1;Y), r={r}")
    right.plot(temperatures, [i["mi_x1x2_y"] for i in by_temperature[0]], "k--",
               label="I(X1,X2;Y), every r")
    right.set(xlabel="temperature T", ylabel="bits",
              title="Temperature family T = 0.05 exp(linspace(0, 2, 10))")
    right.legend(fontsize=8)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}\n")

    print("| r | u1 | u2 | " + " | ".join(label for _, label in KEYS) + " |")
    print("|---:|---:|---:|" + "---:|" * len(KEYS))
    for r, info in zip(rs, infos):
        u1 = (8 - r) // 2
        print(f"| {r} | {u1} | {8 - r - u1} | "
              + " | ".join(f"{info[key]:.4f}" for key, _ in KEYS) + " |")
    for kind in ("synergy",):
        info = make_interaction_dataset(kind, n_samples=16, random_state=0).info
        print(f"| {kind} (4 XOR bits) | - | - | "
              + " | ".join(f"{info[key]:.4f}" for key, _ in KEYS) + " |")


if __name__ == "__main__":
    main()
