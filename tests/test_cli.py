import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmalign_sk.cli import example_pair, main
from mmalign_sk.metrics import alignment_score, list_metrics


def test_example_pair_then_score_json(tmp_path, capsys):
    assert main(["example-pair", str(tmp_path), "--n-samples", "300", "--random-state", "3"]) == 0
    a, b = np.load(tmp_path / "A.npy"), np.load(tmp_path / "B.npy")
    assert a.shape == (300, 32) and b.shape == (300, 24)
    capsys.readouterr()
    assert main(["score", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"), "--json", "--topk", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["metric"] for r in out["results"]] == list_metrics()
    by_name = {r["metric"]: r["value"] for r in out["results"]}
    assert by_name["mutual_knn"] == alignment_score(a, b, "mutual_knn", topk=5)


def test_example_pair_is_seeded(tmp_path):
    a1, _ = example_pair(tmp_path / "1", n_samples=50, random_state=0)
    a2, _ = example_pair(tmp_path / "2", n_samples=50, random_state=0)
    np.testing.assert_array_equal(np.load(a1), np.load(a2))


def test_score_table_for_chosen_metric(tmp_path, capsys):
    example_pair(tmp_path, n_samples=100)
    assert main(["score", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"), "--metric", "mutual_knn"]) == 0
    out = capsys.readouterr().out
    assert "mutual_knn" in out and "(100, 32)" in out


def test_score_csv_input(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(40, 3))
    np.savetxt(tmp_path / "a.csv", X, delimiter=",")
    assert main(["score", str(tmp_path / "a.csv"), str(tmp_path / "a.csv"), "--metric", "mutual_knn", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["value"] == 1.0


def test_score_errors(tmp_path, capsys):
    example_pair(tmp_path, n_samples=30)
    with pytest.raises(SystemExit, match="no such file"):
        main(["score", str(tmp_path / "missing.npy"), str(tmp_path / "B.npy")])
    with pytest.raises(SystemExit, match="unknown metric"):
        main(["score", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"), "--metric", "nope"])
    (tmp_path / "x.bin").write_bytes(b"\0")
    with pytest.raises(SystemExit, match="expected a .npy"):
        main(["score", str(tmp_path / "x.bin"), str(tmp_path / "B.npy")])
    # a metric error (topk too large) is reported in the table and the exit code
    assert main(["score", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"), "--metric", "mutual_knn",
                 "--topk", "30"]) == 1
    assert "topk must be < n_samples" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------
# The parser and the light sub-commands do not load the heavy libraries (run in a fresh interpreter,
# since this test session has imported them already).

HEAVY = ("torch", "skorch", "sklearn")


def _heavy_modules_after(code, cwd):
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    probe = code + f"\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_building_the_parser_imports_no_heavy_library(tmp_path):
    assert _heavy_modules_after("from mmalign_sk.cli import build_parser\nbuild_parser()", tmp_path) == []


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["reproduce", "--help"]])
def test_help_imports_no_heavy_library(argv, tmp_path):
    code = ("import contextlib, io\nfrom mmalign_sk.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit as exc:\n        assert exc.code == 0\n")
    assert _heavy_modules_after(code, tmp_path) == []


def test_example_pair_imports_no_heavy_library(tmp_path):
    argv = ["example-pair", str(tmp_path), "--n-samples", "20"]
    code = f"from mmalign_sk.cli import main\nassert main({argv!r}) == 0"
    assert _heavy_modules_after(code, tmp_path) == []
    assert np.load(tmp_path / "A.npy").shape == (20, 32)


def test_parser_lists_every_study():
    from mmalign_sk.cli import STUDY_NAMES, build_parser
    from mmalign_sk.experiments._reproduce import STUDIES

    assert sorted(STUDY_NAMES) == sorted(STUDIES)
    assert build_parser().parse_args(["reproduce", "strategic"]).study == "strategic"
