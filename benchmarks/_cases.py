"""What the metric benchmarks share: running one case in a fresh process, and the report.

Each case runs as ``python SCRIPT --case JSON`` in its own process (so that its peak memory is
its own), with the thread variables set to the case's ``threads``; the case prints one JSON line.
"""

import json
import os
import subprocess
import sys
from pathlib import Path


def spawn(script, case, timeout):
    """Run ``case`` through ``script --case``; its JSON result plus ``status`` (ok, timeout or
    failed with the last line of stderr)."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(case["threads"])
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    try:
        proc = subprocess.run([sys.executable, script, "--case", json.dumps(case)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout (> {timeout} s)"}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or [""]
        return {"status": f"failed (exit {proc.returncode}: {tail[0][:100]})"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["status"] = "ok"
    return result


def fmt_s(x):
    """Seconds with three significant digits (whole seconds from 100 s); a dash for None."""
    return "—" if x is None else (f"{x:.3g}" if x < 100 else f"{x:.0f}")


def table(header, rows):
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def write_report(text, args, machine, records):
    """Print ``text``; write it to ``args.out_md`` and the records to ``args.out_json`` if set."""
    print(text)
    if args.out_md:
        args.out_md.parent.mkdir(parents=True, exist_ok=True)
        args.out_md.write_text(text + "\n")
    if args.out_json:
        args.out_json.parent.mkdir(parents=True, exist_ok=True)
        args.out_json.write_text(json.dumps({"machine": machine, "args": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
            if k != "case"}, "cases": records}, indent=2))
