"""``mmalign`` input files and seeds: refused before allocation, the file or option named."""

import os
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from mmalign_sk.cli import MAX_COMPRESSION_RATIO, _load_matrix, build_parser, example_pair, main


def _refused(argv, capsys, *fragments):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.npy"
    np.save(path, np.random.RandomState(0).normal(size=(20, 4)))
    return str(path)


def _header_only(f, shape, descr="<f8", tail=b"\0" * 64):
    np.lib.format.write_array_header_1_0(f, {"descr": descr, "fortran_order": False,
                                             "shape": shape})
    f.write(tail)


@pytest.mark.parametrize("array, fragment", [
    (np.float64(1.5), "shape ()"),
    (np.arange(5.0), "shape (5,)"),
    (np.zeros((2, 3, 4)), "shape (2, 3, 4)"),
    (np.zeros((0, 3)), "shape (0, 3)"),
    (np.zeros((3, 0)), "shape (3, 0)"),
    (np.array([["a", "b"]]), "dtype <U1"),
    (np.ones((2, 2), dtype=complex), "dtype complex128"),
    (np.zeros(3, dtype=[("x", "f8"), ("y", "i4")]), "dtype [('x', '<f8'), ('y', '<i4')]"),
])
@pytest.mark.parametrize("suffix", [".npy", ".npz"])
def test_anything_but_a_numeric_matrix_is_refused_naming_the_file(tmp_path, capsys, good, array,
                                                                  fragment, suffix):
    path = tmp_path / f"bad{suffix}"
    (np.save if suffix == ".npy" else np.savez)(path, array)
    _refused(["score", str(path), good, "--json"], capsys, f"error: {path}", fragment)


def test_object_arrays_are_refused_before_unpickling(tmp_path, capsys, good):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([[1, "x"]], dtype=object), allow_pickle=True)
    _refused(["score", good, str(path)], capsys, f"{path} holds an array of dtype object")


@pytest.mark.parametrize("shape", [(10**6, 10**6), (2**40, 8), (7, 10**12)])
@pytest.mark.parametrize("container", ["npy", "npz"])
def test_header_claiming_a_huge_shape_is_refused_before_allocation(tmp_path, capsys, good, shape,
                                                                   container):
    path = tmp_path / f"huge.{container}"
    if container == "npy":
        with open(path, "wb") as f:
            _header_only(f, shape)
    else:
        with zipfile.ZipFile(path, "w") as archive, archive.open("arr_0.npy", "w") as f:
            _header_only(f, shape)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        err = _refused(["score", str(path), good], capsys, str(path), f"claims shape {shape}",
                       "holds 64 bytes")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20 and time.perf_counter() - start < 10, err


def test_truncated_and_garbage_files_are_named(tmp_path, capsys, good):
    data = open(good, "rb").read()
    (tmp_path / "cut.npy").write_bytes(data[:-8])
    (tmp_path / "noise.npy").write_bytes(os.urandom(300))
    (tmp_path / "noise.npz").write_bytes(os.urandom(300))
    _refused(["score", str(tmp_path / "cut.npy"), good], capsys, "cut.npy: its header claims",
             "truncated")
    _refused(["score", str(tmp_path / "noise.npy"), good], capsys, "noise.npy: not a readable")
    _refused(["score", str(tmp_path / "noise.npz"), good], capsys, "noise.npz: not a valid .npz")


def test_npz_bombs_and_several_arrays_are_refused(tmp_path, capsys, good):
    n = 4000  # 32 MB of zeros compress by far more than MAX_COMPRESSION_RATIO
    np.savez_compressed(tmp_path / "zeros.npz", np.zeros((n, 1000)))
    info = zipfile.ZipFile(tmp_path / "zeros.npz").infolist()[0]
    assert info.file_size > MAX_COMPRESSION_RATIO * info.compress_size
    _refused(["score", str(tmp_path / "zeros.npz"), good], capsys, "zeros.npz: arr_0.npy would "
             "expand", "MAX_COMPRESSION_RATIO")
    np.savez(tmp_path / "two.npz", np.ones((2, 2)), np.ones((2, 2)))
    _refused(["score", str(tmp_path / "two.npz"), good], capsys, "two.npz must hold exactly one")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_and_folder_are_not_read(tmp_path, capsys, good):
    os.mkfifo(tmp_path / "pipe.npy")
    outcome = {}

    def run():
        try:
            main(["score", str(tmp_path / "pipe.npy"), good])
        except SystemExit as exc:
            outcome["code"] = exc.code

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():
        with open(tmp_path / "pipe.npy", "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert outcome["code"] == 2
    assert "pipe.npy is not a regular file" in capsys.readouterr().err
    os.mkdir(tmp_path / "dir.npy")
    _refused(["score", str(tmp_path / "dir.npy"), good], capsys, "dir.npy is not a regular file")


def test_numeric_matrices_in_any_layout_are_read(tmp_path, capsys):
    rng = np.random.RandomState(1)
    A = rng.normal(size=(30, 5))
    np.save(tmp_path / "c.npy", A)
    np.save(tmp_path / "f.npy", np.asfortranarray(A))
    np.save(tmp_path / "i.npy", np.round(A * 100).astype(np.int32))
    np.savetxt(tmp_path / "t.csv", A, delimiter=",", fmt="%.17g")
    np.savez_compressed(tmp_path / "z.npz", A)
    for name in ("c.npy", "f.npy", "t.csv", "z.npz"):
        np.testing.assert_array_equal(_load_matrix(tmp_path / name), A)
    np.testing.assert_array_equal(_load_matrix(tmp_path / "i.npy"), np.round(A * 100))
    assert main(["score", str(tmp_path / "f.npy"), str(tmp_path / "i.npy"), "--metric", "cka",
                 "--json"]) == 0
    assert '"error": null' in capsys.readouterr().out


def test_empty_and_ragged_text_tables_are_named(tmp_path, capsys, good):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    (tmp_path / "words.tsv").write_text("a\tb\n")
    _refused(["score", str(tmp_path / "empty.csv"), good], capsys, "empty.csv holds an array of "
             "shape (0,")
    for name in ("ragged.csv", "words.tsv"):
        _refused(["score", str(tmp_path / name), good], capsys, f"could not read {tmp_path / name}")


@pytest.mark.parametrize("command", [["reproduce", "emergence"], ["example-pair", "out"]])
@pytest.mark.parametrize("seed", ["-1", str(2**32), str(10**30), "1.5", "x"])
def test_random_state_must_be_a_numpy_seed(capsys, command, seed):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*command, "--random-state", seed])
    assert info.value.code == 2
    assert "--random-state: expected an integer from 0 to 2**32 - 1" in capsys.readouterr().err


def test_largest_seed_is_accepted(tmp_path):
    args = build_parser().parse_args(["reproduce", "emergence", "--random-state", str(2**32 - 1)])
    assert args.random_state == 2**32 - 1
    assert main(["example-pair", str(tmp_path / "cli"), "--n-samples", "10",
                 "--random-state", str(2**32 - 1)]) == 0
    a, _ = example_pair(tmp_path / "fn", n_samples=10, random_state=2**32 - 1)
    np.testing.assert_array_equal(np.load(tmp_path / "cli" / "A.npy"), np.load(a))
