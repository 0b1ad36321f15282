"""Training speed: the skorch-based AlignedContrastiveClassifier vs a hand-written PyTorch loop.

Both train the same network (two MLP encoders + linear heads + linear projections, loss = sum of
cross-entropies + lambda x symmetric InfoNCE) with AdamW on the same data (kept on the device) and
batch size, shuffling every epoch. The script also times the default synthetic example: 65,536
samples, 12-feature modalities, encoder depth 3, 20 epochs.

    python benchmarks/bench_training.py                 # CPU
    python benchmarks/bench_training.py --device cuda   # on a GPU machine

Prints a markdown table and writes JSON (``--json``).
"""

import argparse
import json
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F
from skorch.helper import SliceDict

from mmalign_sk.encoders import MLP, LinearHead, ProjectionHead
from mmalign_sk.estimators import AlignedContrastiveClassifier, symmetric_info_nce


def redundant_data(n, seed=0):
    """8 shared + 4 unique bits per modality; 4 classes from 2 shared and 1 unique bit each."""
    rng = np.random.RandomState(seed)
    shared = rng.randint(0, 2, (n, 8))
    u1, u2 = rng.randint(0, 2, (n, 4)), rng.randint(0, 2, (n, 4))
    x1 = np.hstack([shared, u1]).astype(np.float32)
    x2 = np.hstack([shared, u2]).astype(np.float32)
    y = (shared[:, 0] + shared[:, 1] + u1[:, 0] + u2[:, 0]) % 4
    return SliceDict(x1=x1, x2=x2), y.astype(np.int64)


def hand_loop(X, y, *, depth, epochs, batch_size, lr, weight, temperature, device, seed):
    """The same training written directly in PyTorch."""
    torch.manual_seed(seed)
    names = ("x1", "x2")
    enc = {m: MLP(12, depth=depth).to(device) for m in names}
    head = {m: LinearHead(12, 4).to(device) for m in names}
    proj = {m: ProjectionHead(12, 64).to(device) for m in names}
    params = [p for d in (enc, head, proj) for m in names for p in d[m].parameters()]
    opt = torch.optim.AdamW(params, lr=lr)
    data = {m: torch.as_tensor(X[m]).to(device) for m in names}
    target = torch.as_tensor(y).to(device)
    n = len(target)
    for _ in range(epochs):
        order = torch.randperm(n).to(device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yb = target[idx]
            h = {m: enc[m](data[m][idx]) for m in names}
            loss = sum(F.cross_entropy(head[m](h[m]), yb) for m in names)
            loss = loss + weight * symmetric_info_nce(proj["x1"](h["x1"]), proj["x2"](h["x2"]),
                                                      temperature)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()  # skorch logs every batch's loss: one device sync per batch on both sides
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def ours(X, y, *, depth, epochs, batch_size, lr, weight, temperature, device, seed):
    est = AlignedContrastiveClassifier(encoder__depth=depth, max_epochs=epochs,
                                       batch_size=batch_size, lr=lr, alignment_weight=weight,
                                       temperature=temperature, device=device, random_state=seed)
    est.fit(X, y)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return est


def best_time(fn, repeats, **kwargs):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(**kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--compare-samples", type=int, default=16384)
    parser.add_argument("--compare-epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--example-samples", type=int, default=65536)
    parser.add_argument("--example-epochs", type=int, default=20)
    parser.add_argument("--skip-example", action="store_true")
    parser.add_argument("--json", default="bench_training.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    if device == "auto":
        device = "cpu"
    common = dict(depth=3, epochs=args.compare_epochs, batch_size=args.batch_size, lr=1e-3,
                  weight=1.0, temperature=0.1, device=device, seed=0)

    X, y = redundant_data(args.compare_samples)
    # warm up both paths (first optimizer construction imports torch._dynamo, CUDA context, ...)
    ours(X[:512], y[:512], **{**common, "epochs": 1})
    hand_loop(X[:512], y[:512], **{**common, "epochs": 1})
    t_hand = best_time(hand_loop, args.repeats, X=X, y=y, **common)
    t_ours = best_time(ours, args.repeats, X=X, y=y, **common)
    rows = [{
        "what": f"{args.compare_samples} samples x {args.compare_epochs} epochs, depth 3, "
                f"batch {args.batch_size}",
        "hand_loop_s": t_hand, "ours_s": t_ours, "ratio": t_ours / t_hand,
    }]
    result = {"device": device, "torch": torch.__version__, "threads": args.threads,
              "machine": platform.processor() or platform.machine(), "comparison": rows}

    if not args.skip_example:
        Xe, ye = redundant_data(args.example_samples)
        start = time.perf_counter()
        est = ours(Xe, ye, **{**common, "epochs": args.example_epochs})
        elapsed = time.perf_counter() - start
        result["example"] = {
            "what": f"{args.example_samples} samples, depth 3, {args.example_epochs} epochs, "
                    f"batch {args.batch_size}",
            "fit_s": elapsed, "train_accuracy": float(est.score(Xe, ye)),
        }

    print(f"device: {device}, torch {torch.__version__}, {args.threads} CPU thread(s)\n")
    print("| training run | hand-written loop (s) | AlignedContrastiveClassifier (s) | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['what']} | {r['hand_loop_s']:.2f} | {r['ours_s']:.2f} | {r['ratio']:.2f} |")
    if "example" in result:
        ex = result["example"]
        print(f"\n| default example | fit time (s) | training accuracy |\n|---|---|---|\n"
              f"| {ex['what']} | {ex['fit_s']:.1f} | {ex['train_accuracy']:.3f} |")
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
