"""Render the figures of the Display objects shown in the docs into docs/images.

Runs the documented code itself, so that the figures are what a reader's run draws:

* the first python block of docs/sweeps.md (writes ``alignment_curve.png``) ->
  ``docs/images/sweeps_alignment_curve.png``;
* ``docs/examples/alignment_weight_sweep.py`` -> ``docs/images/example_alignment_weight_sweep.png``.

Run from the repository root (a few minutes on a 2-core CPU):

    python docs/make_display_figures.py
"""

import os
import re
import runpy
import shutil
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "images"


def first_python_block(page):
    return re.search(r"^```python\n(.*?)^```", page.read_text(), re.M | re.S).group(1)


def run_in(folder, run):
    here = os.getcwd()
    os.chdir(folder)
    try:
        run()
    finally:
        os.chdir(here)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        code = first_python_block(DOCS / "sweeps.md")
        run_in(tmp, lambda: exec(compile(code, "docs/sweeps.md", "exec"), {"__name__": "__main__"}))
        shutil.copy(Path(tmp) / "alignment_curve.png", IMAGES / "sweeps_alignment_curve.png")
        script = str(DOCS / "examples" / "alignment_weight_sweep.py")
        run_in(tmp, lambda: runpy.run_path(script, run_name="__main__"))
        shutil.copy(Path(tmp) / "alignment_weight_sweep.png",
                    IMAGES / "example_alignment_weight_sweep.png")
    print("wrote", IMAGES / "sweeps_alignment_curve.png", "and",
          IMAGES / "example_alignment_weight_sweep.png")


if __name__ == "__main__":
    main()
