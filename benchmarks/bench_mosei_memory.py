"""Peak memory of loading CMU-MOSEI (train split, all modalities) with fetch_mosei.

Writes a MultiBench-format pickle of MOSEI's shapes (train 16265 / valid 1869 / test 4643
samples, 50 steps, vision 35 + audio 74 + text 300 float32 features), scaled by --scale, then
loads the training split in fresh processes three ways:

* ``pickle``     : cache=False, the pickle is unpickled whole (safe unpickler) every time;
* ``first call`` : cache=True on a cold cache, unpickles once and writes the .npy cache;
* ``cached``     : cache=True on a warm cache, reads row blocks of the .npy files.

Two peaks are reported next to the size of the returned arrays: the peak of memory allocated
by Python and numpy during the call (tracemalloc), and the growth of the process's maximum
resident set size (``VmHWM`` after minus ``VmRSS`` before, from /proc/self/status).

    python benchmarks/bench_mosei_memory.py --scale 0.1
    python benchmarks/bench_mosei_memory.py --scale 1.0   # real shape: ~1.9 GB file, ~4 GB disk
"""

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

SIZES = {"train": 16265, "valid": 1869, "test": 4643}
WIDTHS = {"vision": 35, "audio": 74, "text": 300}


def write_pickle(path, scale, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for split, n in SIZES.items():
        n = max(4, int(round(n * scale)))
        part = {m: rng.standard_normal((n, 50, w), dtype=np.float32) for m, w in WIDTHS.items()}
        part["audio"][:, 0, 0] = -np.inf
        part["labels"] = rng.uniform(-3, 3, size=(n, 1, 1)).astype(np.float32)
        part["id"] = np.array([[f"v{i}", "0"] for i in range(n)], dtype=object)
        data[split] = part
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=4)
    return {s: len(p["labels"]) for s, p in data.items()}


def _status_bytes(field):
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in bytes.

    VmHWM belongs to the process's own address space; ``ru_maxrss`` would not do here, as Linux
    carries the parent's peak over into a child at exec.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def measure(data_home, cache):
    """Run in a child process: one fetch, print JSON with peak growth and output size."""
    from mmalign_sk.datasets import fetch_mosei

    before = _status_bytes("VmRSS")
    tracemalloc.start()
    start = time.perf_counter()
    data = fetch_mosei(data_home=data_home, subset="train", cache=cache)
    seconds = time.perf_counter() - start
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = _status_bytes("VmHWM")
    out = sum(a.nbytes for a in data.X.values())
    print(json.dumps({"peak_rss_growth_bytes": peak - before, "peak_heap_bytes": heap_peak,
                      "output_bytes": out, "seconds": seconds, "n_train": len(data.y)}))


def _child(data_home, cache):
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import sys; sys.path[:0] = [{here!r}, {os.getcwd()!r}]; "
            "from bench_mosei_memory import measure; "
            f"measure({data_home!r}, {cache})")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of MOSEI's sizes")
    parser.add_argument("--out", default=os.path.join("benchmarks", "results",
                                                      "mosei_memory.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.makedirs(os.path.join(home, "multibench"))
        path = os.path.join(home, "multibench", "mosei_senti_data.pkl")
        sizes = write_pickle(path, args.scale)
        file_bytes = os.path.getsize(path)
        rows = {"pickle": _child(home, False), "first call": _child(home, True),
                "cached": _child(home, True)}
    gib = 1024 ** 3
    print(f"MOSEI-shaped pickle, scale {args.scale}: splits {sizes}, "
          f"file {file_bytes / gib:.2f} GiB\n")
    print("| loading | returned arrays (GiB) | peak heap (GiB) | heap / returned "
          "| peak RSS growth (GiB) | RSS / returned | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        out = r["output_bytes"]
        print(f"| {name} | {out / gib:.3f} | {r['peak_heap_bytes'] / gib:.3f} | "
              f"{r['peak_heap_bytes'] / out:.2f} | {r['peak_rss_growth_bytes'] / gib:.3f} | "
              f"{r['peak_rss_growth_bytes'] / out:.2f} | {r['seconds']:.1f} |")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"scale": args.scale, "splits": sizes, "file_bytes": file_bytes,
                   "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
