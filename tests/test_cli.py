import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
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


def _fails(argv, capsys, match):
    """Run ``mmalign argv``: it must print ``error: ...`` (no traceback) and exit with status 2."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    assert "error: " in err and re.search(match, err), err
    assert "Traceback" not in err
    return err


def test_score_errors(tmp_path, capsys):
    example_pair(tmp_path, n_samples=30)
    _fails(["score", str(tmp_path / "missing.npy"), str(tmp_path / "B.npy")], capsys,
           "no such file")
    _fails(["score", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"), "--metric", "nope"], capsys,
           "unknown metric")
    (tmp_path / "x.bin").write_bytes(b"\0")
    _fails(["score", str(tmp_path / "x.bin"), str(tmp_path / "B.npy")], capsys, "expected a .npy")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    _fails(["score", str(tmp_path / "bad.npy"), str(tmp_path / "B.npy")], capsys,
           "could not read .*bad.npy")
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


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["reproduce", "--help"],
                                  ["reproduce", "emergence", "--help"]])
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


def test_parser_lists_every_study_from_the_registry(capsys):
    from mmalign_sk.cli import build_parser
    from mmalign_sk.experiments import STUDIES

    parser = build_parser()
    assert parser.parse_args(["reproduce", "strategic"]).study == "strategic"
    for name, study in STUDIES.items():
        with pytest.raises(SystemExit):
            parser.parse_args(["reproduce", name, "--help"])
        shown = capsys.readouterr().out
        # the study's own help: its datasets, every preset value with its origin, its outputs
        assert study.help.split()[0] in shown
        assert all(f"  {source}: " in shown for source in study.sources)
        presets = next(iter(study.sources.values())).presets
        for param, value in presets["full"].items():
            assert f"    {param} = " in shown and f"[{value.origin}]" in shown
        assert all(output in shown for output in study.outputs)
        assert all(flag in shown for flag, _ in study.options)


def test_study_options_belong_to_their_study(tmp_path, capsys):
    # --text-models is a vision-language option: the strategic study refuses it
    _fails(["reproduce", "strategic", "--text-models", "gpt2"], capsys,
           "unrecognized arguments: --text-models")
    _fails(["reproduce", "vision-language", "--dataset", "synthetic"], capsys,
           "invalid choice: 'synthetic'")


@pytest.mark.parametrize("value", ["0", "-3", "abc"])
def test_example_pair_needs_a_positive_sample_count(tmp_path, capsys, value):
    _fails(["example-pair", str(tmp_path), "--n-samples", value], capsys,
           "--n-samples: expected an integer >= 1")
    assert not (tmp_path / "A.npy").exists()


def test_example_pair_function_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="n_samples must be >= 1; got 0"):
        example_pair(tmp_path, n_samples=0)
    with pytest.raises(TypeError, match="n_samples must be an int"):
        example_pair(tmp_path, n_samples=2.5)
    with pytest.raises(ValueError, match="random_state must be >= 0; got -1"):
        example_pair(tmp_path, random_state=-1)


def test_score_option_checks(tmp_path, capsys):
    example_pair(tmp_path, n_samples=30)
    files = [str(tmp_path / "A.npy"), str(tmp_path / "B.npy")]
    _fails(["score", *files, "--topk", "0"], capsys, "--topk: expected an integer >= 1")
    _fails(["score", *files, "--clip-quantile", "1.5"], capsys,
           r"--clip-quantile: expected a number in \(0, 1\]")
    _fails(["score", *files, "--device", "tpu"], capsys, "device must be")
    if not torch.cuda.is_available():
        _fails(["score", *files, "--device", "cuda"], capsys, "CUDA is not available")


def test_reproduce_option_checks(tmp_path, capsys):
    _fails(["reproduce", "emergence", "--quick", "--n-jobs", "0", "--out", str(tmp_path)], capsys,
           "--n-jobs: expected a non-zero integer")
    if not torch.cuda.is_available():
        _fails(["reproduce", "emergence", "--quick", "--device", "cuda", "--out", str(tmp_path)],
               capsys, "device='cuda' was requested but CUDA is not available")


def test_reproduce_errors_print_one_line(tmp_path, capsys):
    # a real data set that is not there: the library's FileNotFoundError, no traceback
    err = _fails(["reproduce", "emergence", "--quick", "--dataset", "mosi", "--data-home",
                  str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--no-progress"],
                 capsys, "mosi_raw.pkl")
    assert err.startswith("mmalign reproduce: error: ")


def test_score_with_permutations(tmp_path, capsys):
    from mmalign_sk.metrics import alignment_test

    example_pair(tmp_path, n_samples=120)
    files = [str(tmp_path / "A.npy"), str(tmp_path / "B.npy")]
    assert main(["score", *files, "--metric", "mutual_knn", "--metric", "lcs_knn", "--topk", "5",
                 "--permutations", "39", "--random-state", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    a, b = np.load(files[0]), np.load(files[1])
    for row in out["results"]:
        expected = alignment_test(a, b, row["metric"], topk=5, n_permutations=39, random_state=4)
        assert (row["value"], row["chance"], row["p_value"], row["calibrated"]) == (
            expected.score, expected.null_mean, expected.p_value, expected.calibrated_score)
    assert [r["range"] for r in out["results"]] == [[0.0, 1.0], [0.0, 5.0]]
    assert main(["score", *files, "--metric", "mutual_knn", "--permutations", "39"]) == 0
    table = capsys.readouterr().out
    assert re.search(r"^metric +score +range, better +chance +p-value +calibrated", table, re.M)
    assert re.search(r"^mutual_knn +[\d.]+ +0\.\.1 higher +[\d.]+ +0\.0250 ", table, re.M)
    _fails(["score", *files, "--permutations", "10"], capsys, "n_permutations must be >= 19")
    _fails(["score", *files, "--alpha", "1"], capsys, r"--alpha: expected a number in \(0, 1\)")


def test_score_metric_parameters(tmp_path, capsys):
    example_pair(tmp_path, n_samples=80)
    files = [str(tmp_path / "A.npy"), str(tmp_path / "B.npy")]
    a, b = np.load(files[0]), np.load(files[1])
    assert main(["score", *files, "--metric", "cka", "--metric", "svcca", "--kernel", "rbf",
                 "--sigma", "0.7", "--cca-dim", "3", "--json"]) == 0
    by_name = {r["metric"]: r["value"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert by_name["cka"] == alignment_score(a, b, "cka", kernel="rbf", sigma=0.7)
    assert by_name["svcca"] == alignment_score(a, b, "svcca", cca_dim=3)
    _fails(["score", *files, "--sigma", "0"], capsys, "--sigma: expected a number > 0")


def test_score_states_a_row_mismatch_once(tmp_path, capsys):
    example_pair(tmp_path, n_samples=50)
    np.save(tmp_path / "short.npy", np.load(tmp_path / "B.npy")[:40])
    err = _fails(["score", str(tmp_path / "A.npy"), str(tmp_path / "short.npy")], capsys,
                 "same number of rows")
    assert err.count("same number of rows") == 1 and "A with 50 and B with 40" in err
