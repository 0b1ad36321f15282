"""A new user's first contact: the README's main job as typed, next to OMP_NUM_THREADS=1, and the CLI's start.

    python benchmarks/bench_first_contact.py [--repeats 2] [--out benchmarks/results/first_contact.json]
    python benchmarks/bench_first_contact.py --quick-check      # seconds: a cheap command instead

Runs the README's main job, ``mmalign reproduce emergence --quick`` (with ``--no-progress`` and a
fresh temporary ``--out`` folder per run, so that no run reuses another's cache), in two
environments, interleaved (A B, B A, ...) so that both see the same machine load:

* **as typed**: the caller's environment without any thread variable (``OMP_NUM_THREADS``,
  ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ...), what a user gets typing the command;
* **OMP_NUM_THREADS=1**: the same with ``OMP_NUM_THREADS=1``.

It reports each run's wall time, the ratio of the medians (as typed / one thread), whether the
study's tables (``*.csv``) are bit-identical between runs of one environment and between the two
environments, the wall time of ``mmalign --help`` and the import time of what ``mmalign --help``
loads (``python -X importtime``, summed over top-level imports) and whether it loads torch, skorch
or scikit-learn. It prints a table and writes JSON with the machine (CPU model, cores, load
average), the library versions, the thread settings each environment ended up with (torch's
intra-op thread count seen by a fresh interpreter) and the summary the main job printed.

``mmalign`` is the console script next to this Python interpreter when installed, else
``python -m mmalign_sk.cli``. ``--command`` replaces the main job (``{out}`` is the output folder;
a leading ``mmalign`` is the launcher above); ``--quick-check`` runs ``mmalign example-pair`` once
per environment to test the script itself and writes to a temporary file unless ``--out`` is given.
"""

import argparse
import filecmp
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _environment import THREAD_VARIABLES, machine

MAIN_JOB = "mmalign reproduce emergence --quick --no-progress --out {out}"
CHEAP_JOB = "mmalign example-pair {out} --n-samples 200"
HEAVY = ("torch", "skorch", "sklearn")
HELP_CODE = "import sys\nfrom mmalign_sk.cli import main\nsys.argv = ['mmalign', '--help']\nmain()\n"


def launcher():
    """How to call ``mmalign``: the console script beside this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("mmalign")
    if script.is_file():
        return [str(script)]
    found = shutil.which("mmalign")
    return [found] if found else [sys.executable, "-m", "mmalign_sk.cli"]


def environments():
    typed = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    typed.setdefault("MPLBACKEND", "Agg")
    return {"as typed": typed, "OMP_NUM_THREADS=1": dict(typed, OMP_NUM_THREADS="1")}


def command_argv(template, out):
    argv = [a.replace("{out}", str(out)) for a in shlex.split(template)]
    return launcher() + argv[1:] if argv and argv[0] == "mmalign" else argv


def run_once(template, env, timeout):
    out = Path(tempfile.mkdtemp(prefix="mmalign_first_contact_"))
    argv = command_argv(template, out)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return {"wall_s": wall, "out": out, "stdout": done.stdout}


def identical_outputs(first, second, pattern):
    """True when every file matching ``pattern`` is byte-identical in both folders (None: no files)."""
    names = sorted(p.name for p in first.glob(pattern))
    if not names or names != sorted(p.name for p in second.glob(pattern)):
        return None if not names else False
    return all(filecmp.cmp(first / n, second / n, shallow=False) for n in names)


def torch_threads(env):
    """torch's build and default thread counts in a fresh interpreter with this environment."""
    code = "import torch; print(torch.get_num_threads(), torch.get_num_interop_threads(), torch.__version__)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return None
    intra, inter, build = done.stdout.split()
    return {"intra_op": int(intra), "inter_op": int(inter), "torch_build": build}


def help_wall_times(env, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(launcher() + ["--help"], env=env, capture_output=True, check=True, timeout=300)
        times.append(time.perf_counter() - started)
    return times


def help_import_time(env):
    """Seconds of imports ``mmalign --help`` does (top-level cumulative times), and the modules it loads."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", HELP_CODE], env=env, capture_output=True,
                          text=True, timeout=300)
    total_us, modules = 0, []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
        if match:
            modules.append(match.group(4))
            if len(match.group(3)) == 1:  # a top-level import: one space after the bar
                total_us += int(match.group(2))
    heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    return {"seconds": total_us / 1e6, "n_modules": len(modules), "heavy_modules": heavy}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of the main job per environment (default 2)")
    parser.add_argument("--help-repeats", type=int, default=5, help="runs of mmalign --help (default 5)")
    parser.add_argument("--command", default=None, help=f"the job to time (default: {MAIN_JOB!r})")
    parser.add_argument("--quick-check", action="store_true", help=f"time {CHEAP_JOB!r} once per environment")
    parser.add_argument("--compare", default="*.csv", help="output files compared between runs (default *.csv)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per run (default 3600)")
    parser.add_argument("--out", default=None, help="JSON to write (default benchmarks/results/first_contact.json)")
    args = parser.parse_args(argv)
    template = args.command or (CHEAP_JOB if args.quick_check else MAIN_JOB)
    repeats = 1 if args.quick_check and args.command is None else args.repeats
    compare = "*.npy" if args.quick_check and args.command is None else args.compare
    out_json = args.out or (os.path.join(tempfile.mkdtemp(), "first_contact.json") if args.quick_check
                            else "benchmarks/results/first_contact.json")

    envs = environments()
    names = list(envs)
    load_before = os.getloadavg()
    runs = {name: [] for name in names}
    for i in range(repeats):
        for name in names if i % 2 == 0 else names[::-1]:
            result = run_once(template, envs[name], args.timeout)
            runs[name].append(result)
            print(f"run {i + 1}/{repeats} {name}: {result['wall_s']:.1f} s", flush=True)
    load_after = os.getloadavg()

    median = {name: statistics.median(r["wall_s"] for r in runs[name]) for name in names}
    typed, one = names
    ratio = median[typed] / median[one]
    reference = {name: runs[name][0]["out"] for name in names}
    same_env = {name: [identical_outputs(reference[name], r["out"], compare) for r in runs[name][1:]]
                for name in names}
    across = identical_outputs(reference[typed], reference[one], compare)
    help_times = help_wall_times(envs[typed], args.help_repeats)
    imports = help_import_time(envs[typed])
    summary_file = reference[typed] / "summary.md"

    record = {
        "command": template,
        "argv": command_argv(template, "OUT"),
        "repeats": repeats,
        "wall_s": {name: [r["wall_s"] for r in runs[name]] for name in names},
        "median_s": median,
        "ratio_typed_over_one_thread": ratio,
        "compared_files": compare,
        "outputs_identical_within_environment": same_env,
        "outputs_identical_across_environments": across,
        "help_wall_s": help_times,
        "help_import": imports,
        "summary_md": summary_file.read_text() if summary_file.is_file() else None,
        "environment": {
            **{k: v for k, v in machine().items() if k not in ("load_average", "thread_variables")},
            "load_average_before": load_before,
            "load_average_after": load_after,
            "thread_variables_of_caller": machine()["thread_variables"],
            "thread_variables": {name: {k: envs[name][k] for k in THREAD_VARIABLES if k in envs[name]}
                                 for name in names},
            "torch_threads": {name: torch_threads(envs[name]) for name in names},
        },
    }
    for name in names:
        for r in runs[name]:
            shutil.rmtree(r["out"], ignore_errors=True)
    Path(out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(out_json).write_text(json.dumps(record, indent=1) + "\n")

    env = record["environment"]
    print(f"\nMachine: {env['cpu_model']} ({env['nproc']} CPUs, load {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after); torch {env['versions']['torch']}, numpy {env['versions']['numpy']}")
    print(f"Job: {template}\n")
    print("| what | runs (s) | median (s) |")
    print("|---|---|---|")
    for name in names:
        shown = ", ".join(f"{t:.1f}" for t in record["wall_s"][name])
        threads = env["torch_threads"][name]
        label = f"job {name} (torch intra-op threads: {threads['intra_op'] if threads else '?'})"
        print(f"| {label} | {shown} | {median[name]:.1f} |")
    print(f"| ratio as typed / OMP_NUM_THREADS=1 | | {ratio:.2f} |")
    print(f"| `mmalign --help` wall time | {', '.join(f'{t:.2f}' for t in help_times)} | "
          f"{statistics.median(help_times):.2f} |")
    print(f"| `mmalign --help` import time ({imports['n_modules']} modules; heavy: "
          f"{', '.join(imports['heavy_modules']) or 'none'}) | | {imports['seconds']:.2f} |")
    print(f"\noutputs ({compare}) identical within each environment: {same_env}; "
          f"across environments: {across}")
    print(f"wrote {out_json}")


if __name__ == "__main__":
    main()
