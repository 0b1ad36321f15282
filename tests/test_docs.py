"""Every ```python block of README.md and docs/*.md runs on its own and prints what the docs show.

The conventions (documented for writers in docs/index.md, "Code in these pages"):

* each block runs alone, in a fresh process, from an empty folder, with the repository on
  ``PYTHONPATH`` and no thread setting in the environment (as a reader pastes it);
* a block whose first line is ``# needs: a (detail), b`` lists what it needs beyond a CPU machine
  without internet: ``dask`` and ``gpu`` run here when present, anything else (``internet``,
  ``<dataset> files``) skips the block, with that line as the reason;
* a block written as a doctest (first line starting with ``>>>``) is run by :mod:`doctest`, which
  compares the outputs it shows;
* a ```text block directly after a python block (nothing but blank lines between) is the block's
  output: the block's stdout must equal it line by line (trailing spaces ignored), exactly;
* a block must not print warnings to stderr.

Blocks that take long run only with ``--runslow``; they are listed in ``SLOW`` below with their
measured time, and the default suite runs every other block.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))
TIMEOUT_S = 280          # under pytest-timeout's 300 s (setup.cfg)
SLOW_TIMEOUT_S = 1800    # slow blocks on a busy machine (results.md's studies take minutes)

# (page, block number counted from 1 within the page): why it is slow (measured on a shared
# 2-core CPU). These run with --runslow.
SLOW = {
    ("docs/estimators.md", 1): "a 16-fit sweep, 1-2 min",
    ("docs/estimators.md", 2): "two 16-fit sweeps on 4,096 samples, 5 min",
    ("docs/estimators.md", 4): "starts a dask cluster and sweeps, 1-3 min",
    ("docs/sweeps.md", 1): "a 19-fit sweep, 1.5-2 min",
    ("docs/sweeps.md", 2): "a 13-fit pipeline sweep, about 45 s",
    ("docs/results.md", 1): "both quick studies, 6 min or more",
}

# Blocks that do not yet run on their own, on pages kept by others: (page, number) -> reason.
# strict: the entry must go once the block runs.
XFAIL = {}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_TEXT_AFTER = re.compile(r"\n(?:[ \t]*\n)*(?P<indent>[ \t]*)```text[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                         re.M | re.S)


def _dedent(body, indent):
    return "".join(line[len(indent):] if line.startswith(indent) else line
                   for line in body.splitlines(keepends=True))


def doc_blocks(text):
    """``(code, expected_output_or_None)`` for every python block of a Markdown text, in order."""
    blocks = []
    for m in _FENCE.finditer(text):
        code = _dedent(m.group("body"), m.group("indent"))
        after = _TEXT_AFTER.match(text, m.end())
        expected = _dedent(after.group("body"), after.group("indent")) if after else None
        blocks.append((code, expected))
    return blocks


def _cases():
    cases = []
    for page in PAGES:
        for number, (code, expected) in enumerate(doc_blocks((ROOT / page).read_text()), 1):
            key = (page, number)
            marks = []
            if key in SLOW:
                marks += [pytest.mark.slow, pytest.mark.timeout(SLOW_TIMEOUT_S + 60)]
            if key in XFAIL:
                marks.append(pytest.mark.xfail(reason=XFAIL[key], strict=True))
            cases.append(pytest.param(page, number, code, expected, marks=marks, id=f"{page}-{number}"))
    return cases


def _have(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _cuda():
    import torch

    return torch.cuda.is_available()


# What this test can check for itself; any other need (internet, a data set's files) skips.
_CHECKABLE_NEEDS = {"dask": lambda: _have("dask.distributed"), "gpu": _cuda}


def missing_needs(code):
    """The part of a ``# needs: a (detail), b`` first line this machine does not provide ("" if none)."""
    first = code.lstrip().splitlines()[0] if code.strip() else ""
    if not first.startswith("# needs:"):
        return ""
    needs = [need.strip() for need in re.sub(r"\([^)]*\)", "", first[len("# needs:"):]).split(",")]
    missing = [need for need in needs if need and not _CHECKABLE_NEEDS.get(need, lambda: False)()]
    return ", ".join(missing) and first[2:]


def _lines(text):
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def run_block(code, tmp_path, timeout=TIMEOUT_S):
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # as a reader runs it
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.setdefault("MPLBACKEND", "Agg")
    if code.lstrip().startswith(">>>"):
        script = tmp_path / "block.txt"
        command = [sys.executable, "-m", "doctest", "-o", "ELLIPSIS", "-o", "NORMALIZE_WHITESPACE", str(script)]
    else:
        script = tmp_path / "block.py"
        command = [sys.executable, str(script)]
    script.write_text(code)
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout)


def _readme_example_values(out):
    """What the README's example prints, read as its text explains it."""
    tested = re.findall(r"^(mutual_knn|unbiased_cka): ([\d.]+) \(chance ([\d.]+), p = ([\d.]+), "
                        r"calibrated ([\d.]+)\)$", out, re.M)
    assert [name for name, *_ in tested] == ["mutual_knn", "unbiased_cka"]
    for name, score, chance, p, calibrated in tested:
        score, chance, p, calibrated = map(float, (score, chance, p, calibrated))
        # B is a function of A: far above chance, the smallest p-value 1000 shuffles allow
        assert p == round(1 / 1001, 4) and 0.0 < calibrated < score <= 1.0 and chance < score
    # mutual kNN's chance level is topk / (n - 1) = 10 / 999
    assert float(tested[0][2]) == round(10 / 999, 3)
    layers = re.search(r"^CKNNA, max over layer pairs: ([\d.]+) \(chance ([\d.]+), p = ([\d.]+)\)$",
                       out, re.M)
    assert float(layers.group(2)) < float(layers.group(1)) and float(layers.group(3)) == round(1 / 201, 4)
    sweep = re.findall(r"^alignment_weight=([\d.]+): accuracy\(x1\)=([\d.]+), mutual kNN=([\d.]+) "
                       r"\(calibrated ([\d.]+)\)$", out, re.M)
    assert [float(w) for w, *_ in sweep] == [0.0, 1.0]
    # the contrastive loss raises the alignment it is weighted by, raw and calibrated
    assert float(sweep[1][2]) > float(sweep[0][2]) and float(sweep[1][3]) > float(sweep[0][3])
    # calibration only removes chance: each calibrated value is below its raw value
    assert all(0.0 <= float(cal) < float(raw) for _, _, raw, cal in sweep)
    # above the chance level of the dataset's 4 balanced classes
    assert all(float(acc) > 1 / 4 for _, acc, _, _ in sweep)
    # the output shown in the README is this run's; the metric lines do not depend on the CPU
    # (the sweep's trained encoders may round differently elsewhere)
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"```text\n(.*?)^```", readme[readme.index("It printed:"):], re.M | re.S)
    shown = shown.group(1).strip().splitlines()
    assert len(shown) == len(out.strip().splitlines())
    assert shown[:3] == out.strip().splitlines()[:3]


# Checks of what a block prints beyond its shown output: (page, number) -> function(stdout).
CHECKS = {("README.md", 1): _readme_example_values}


@pytest.mark.parametrize("page, number, code, expected", _cases())
def test_doc_block_runs_alone_and_prints_what_the_docs_show(page, number, code, expected, tmp_path):
    missing = missing_needs(code)
    if missing:
        pytest.skip(f"{page} block {number}: {missing}")
    done = run_block(code, tmp_path, SLOW_TIMEOUT_S if (page, number) in SLOW else TIMEOUT_S)
    assert done.returncode == 0, f"{page} block {number} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "Warning" not in done.stderr, f"{page} block {number} warns:\n{done.stderr[-3000:]}"
    if expected is not None:
        assert _lines(done.stdout) == _lines(expected), f"{page} block {number} printed:\n{done.stdout}"
    if (page, number) in CHECKS:
        CHECKS[page, number](done.stdout)


def test_slow_and_xfail_entries_name_existing_blocks():
    counts = {page: len(doc_blocks((ROOT / page).read_text())) for page in PAGES}
    for page, number in list(SLOW) + list(XFAIL):
        assert 1 <= number <= counts.get(page, 0), (page, number)


def test_block_parsing():
    text = ("intro\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n"
            "* item:\n  ```python\n  x = 2\n  ```\n  prose\n  ```text\n  not output\n  ```\n"
            "```python\n# needs: internet\n```\n")
    assert doc_blocks(text) == [("print(1)\n", "1\n"), ("x = 2\n", None), ("# needs: internet\n", None)]


def test_needs_line():
    assert missing_needs("print(1)\n") == ""
    assert missing_needs("# needs: internet (a model), MOSEI files\nx = 1\n") == "needs: internet (a model), MOSEI files"
    assert missing_needs("# needs: dask (pip install x)\n") == ("" if _have("dask.distributed") else "needs: dask (pip install x)")
