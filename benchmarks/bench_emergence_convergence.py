"""Are the emergence quick preset's fixed-epoch fits converged?

The quick preset of ``mmalign reproduce emergence`` trains every x2 classifier for a fixed
number of epochs (40). This script trains the same models (same data, split, encoder depths,
learning rates, batch size and seed) for longer, in warm-started chunks, and records the
validation log-loss and accuracy after every chunk. For each model it reports the epoch of its
lowest validation loss and how much loss and accuracy the epochs after the preset's cap gain.
Nothing here changes the study; it measures whether its cap is long enough.

    python benchmarks/bench_emergence_convergence.py \\
        --out benchmarks/results/emergence_quick_convergence.json
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss

from _environment import machine
from mmalign_sk.datasets import make_redundancy_dataset
from mmalign_sk.estimators import UnimodalClassifier
from mmalign_sk.experiments import EMERGENCE_QUICK
from mmalign_sk.experiments._training import split_indices


def curve(r, depth, encoder_depth, lr, args):
    """``[(epoch, val_loss, val_acc)]`` of one x2 model trained in chunks of ``args.chunk``."""
    data = make_redundancy_dataset(r, depth, n_samples=EMERGENCE_QUICK["n_samples"],
                                   random_state=args.seed)
    train, val, _ = split_indices(data.y, args.seed)
    X_train = {k: v[train] for k, v in data.X.items()}
    X_val = {k: v[val] for k, v in data.X.items()}
    model = UnimodalClassifier("x2", encoder="mlp", encoder__depth=encoder_depth, lr=lr,
                               max_epochs=args.chunk, batch_size=args.batch_size, device="cpu",
                               random_state=args.seed, warm_start=True)
    points = []
    for epoch in range(args.chunk, args.epochs + 1, args.chunk):
        model.fit(X_train, data.y[train])
        proba = model.predict_proba(X_val)
        points.append((epoch, float(log_loss(data.y[val], proba, labels=model.classes_)),
                       float(np.mean(model.classes_[proba.argmax(1)] == data.y[val]))))
    return points


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--r", type=int, nargs="+", default=[0, 8])
    parser.add_argument("--depths", type=int, nargs="+", default=[0, 6])
    parser.add_argument("--cap", type=int, default=EMERGENCE_QUICK["max_epochs"],
                        help="the preset's epoch cap to compare with (default: the quick preset's)")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cap % args.chunk:
        parser.error("--cap must be a multiple of --chunk")

    start, rows = time.perf_counter(), []
    for r in args.r:
        for depth in args.depths:
            for encoder_depth in EMERGENCE_QUICK["encoder_depths"]:
                for lr in EMERGENCE_QUICK["lr"]:
                    points = curve(r, depth, encoder_depth, lr, args)
                    at_cap = next(p for p in points if p[0] == args.cap)
                    best = min(points, key=lambda p: p[1])
                    rows.append(dict(r=r, depth=depth, encoder_depth=encoder_depth, lr=lr,
                                     loss_at_cap=at_cap[1], acc_at_cap=at_cap[2],
                                     best_epoch=best[0], best_loss=best[1], acc_at_best=best[2],
                                     curve=points))
    print("| r | depth | encoder depth | lr | val loss at cap | lowest val loss (epoch) | "
          "val acc at cap | val acc at lowest loss |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['r']} | {row['depth']} | {row['encoder_depth']} | {row['lr']:g} | "
              f"{row['loss_at_cap']:.3f} | {row['best_loss']:.3f} ({row['best_epoch']}) | "
              f"{row['acc_at_cap']:.3f} | {row['acc_at_best']:.3f} |")
    later = sum(row["best_epoch"] > args.cap for row in rows)
    loss_gain = [row["loss_at_cap"] - row["best_loss"] for row in rows]
    acc_gain = [row["acc_at_best"] - row["acc_at_cap"] for row in rows]
    summary = dict(models=len(rows), lowest_loss_after_cap=later,
                   loss_drop_after_cap_mean=float(np.mean(loss_gain)),
                   loss_drop_after_cap_max=float(np.max(loss_gain)),
                   acc_gain_after_cap_mean=float(np.mean(acc_gain)),
                   acc_gain_after_cap_max=float(np.max(acc_gain)),
                   seconds=time.perf_counter() - start)
    print(f"\n{later} of {len(rows)} models reach their lowest validation loss after epoch "
          f"{args.cap}; after it the validation loss drops by {summary['loss_drop_after_cap_mean']:.3f} "
          f"on average (max {summary['loss_drop_after_cap_max']:.3f}) and the validation accuracy "
          f"rises by {summary['acc_gain_after_cap_mean']:+.3f} (max "
          f"{summary['acc_gain_after_cap_max']:+.3f}); {summary['seconds']:.0f} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(dict(machine=machine(), args={
            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            summary=summary, models=rows), indent=1))


if __name__ == "__main__":
    main()
