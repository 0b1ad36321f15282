"""The allow-listing unpickler builds only plain arrays: crafted dtype and array states are refused
before numpy sees them (plain pickle would read attacker-chosen memory or pointers)."""

import io
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mmalign_sk.datasets import UnsafePickleError, fetch_mosi, safe_load_pickle
from mmalign_sk.datasets._safe_pickle import RestrictedUnpickler

_reconstruct = np._core.multiarray._reconstruct if hasattr(np, "_core") \
    else np.core.multiarray._reconstruct


class CraftedDtype:
    """Pickles as ``numpy.dtype(spec)`` followed by an arbitrary BUILD ``state``."""

    def __init__(self, spec, state):
        self.spec, self.state = spec, state

    def __reduce__(self):
        return np.dtype, (self.spec, False, True), self.state


class CraftedArray:
    """Pickles as numpy's ``_reconstruct`` followed by an arbitrary array state."""

    def __init__(self, shape, dtype, data, fortran=False):
        self.state = (1, shape, dtype, fortran, data)

    def __reduce__(self):
        return _reconstruct, (np.ndarray, (0,), b"b"), self.state


def _load(obj, protocol=4):
    return RestrictedUnpickler(io.BytesIO(pickle.dumps(obj, protocol=protocol)),
                               encoding="latin1").load()


PLAIN_STATE = (3, "|", None, None, None, -1, -1, 0)

CRAFTED_DTYPES = [
    # a void item claiming an object field while its flags say there is none
    CraftedDtype("V8", (3, "|", None, ("x",), {"x": (np.dtype(object), 0)}, 8, 1, 0)),
    # a field offset outside the item
    CraftedDtype("V8", (3, "|", None, ("x",), {"x": (np.dtype("i8"), 4096)}, 8, 1, 16)),
    # an item size of 1 with an 8-byte field
    CraftedDtype("V1", (3, "|", None, ("x",), {"x": (np.dtype("f8"), 0)}, 1, 1, 16)),
    # fields smuggled into the state of a plain dtype
    CraftedDtype("f8", (3, "<", None, ("x",), {"x": (np.dtype(object), 0)}, 8, 8, 63)),
    # an item size that does not match the description
    CraftedDtype("U2", (3, "<", None, None, None, 400, 4, 8)),
    CraftedDtype("f8", (3, "<", None, None, None, 1, 1, 0)),
    # a sub-array
    CraftedDtype("f8", (3, "<", (np.dtype("f8"), (1000,)), None, None, 8000, 8, 0)),
    # metadata, unknown versions, odd byte orders, malformed states
    CraftedDtype("f8", (4, "<", None, None, None, -1, -1, 0, {"m": 1})),
    CraftedDtype("f8", (9, "<", None, None, None, -1, -1, 0)),
    CraftedDtype("f8", (3, "!", None, None, None, -1, -1, 0)),
    CraftedDtype("f8", "not a tuple"),
    # descriptions that are not plain numeric, bool or string dtypes
    CraftedDtype("O8", PLAIN_STATE),  # an object dtype alone is fine, but not from bytes (below)
    CraftedDtype("V8", PLAIN_STATE),
    CraftedDtype("M8", PLAIN_STATE),
    CraftedDtype("f8,i4", PLAIN_STATE),
    CraftedDtype("(2,)f8", PLAIN_STATE),
    CraftedDtype("S0", PLAIN_STATE),
    CraftedDtype({"names": ["a"], "formats": ["O"]}, PLAIN_STATE),
]


@pytest.mark.parametrize("dtype", CRAFTED_DTYPES, ids=range(len(CRAFTED_DTYPES)))
def test_crafted_dtype_in_an_array_is_refused(dtype):
    # 8 bytes that, read as a pointer, would point anywhere
    crafted = CraftedArray((1,), dtype, b"\x41" * 8)
    with pytest.raises(UnsafePickleError):
        _load({"labels": crafted})


def test_flags_of_a_plain_dtype_are_never_applied():
    # flags claiming object items on float64 bytes: the dtype is rebuilt from its description
    dtype = CraftedDtype("f8", (3, "<", None, None, None, -1, -1, 63))
    out = _load(CraftedArray((2,), dtype, np.array([1.5, -2.0]).tobytes()))
    assert out.dtype == np.float64 and not out.dtype.hasobject
    np.testing.assert_array_equal(out, [1.5, -2.0])


@pytest.mark.parametrize("shape, data", [
    ((1000,), b"\x00" * 8),       # claims more items than its bytes hold
    ((1,), b"\x00" * 80),         # fewer
    ((2 ** 62, 2 ** 62), b""),    # a product that overflows int64
    ((-1,), b"\x00" * 8),
    ((1.5,), b"\x00" * 8),
    ((1,), 12345),                # data that is not bytes
])
def test_array_shape_must_match_its_bytes(shape, data):
    dtype = CraftedDtype("f8", (3, "<", None, None, None, -1, -1, 0))
    with pytest.raises(UnsafePickleError):
        _load(CraftedArray(shape, dtype, data))


def test_object_array_from_bytes_is_refused_but_from_a_list_is_built():
    dtype = CraftedDtype("O8", (3, "|", None, None, None, -1, -1, 63))
    with pytest.raises(UnsafePickleError, match="object"):
        _load(CraftedArray((1,), dtype, b"\x41" * 8))
    ids = np.array([["vid0", "0"], ["vid1", "1"]], dtype=object)
    out = _load(ids)
    assert out.dtype == object and out.tolist() == ids.tolist()


class CraftedScalar:
    def __init__(self, dtype, data):
        self.args = (dtype, data)

    def __reduce__(self):
        return type(np.float64(0)).__reduce__(np.float64(0))[0], self.args


@pytest.mark.parametrize("dtype, data", [
    (np.dtype("f8"), b"\x00" * 3),
    (np.dtype(object), b"\x41" * 8),
])
def test_crafted_scalar_is_refused(dtype, data):
    with pytest.raises(UnsafePickleError):
        _load(CraftedScalar(dtype, data))


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_round_trips_as_numpy_does(protocol):
    a = np.arange(6, dtype=">i4").reshape(2, 3)
    obj = {
        "a": a, "shared": [a, a], "f": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "u": np.array(["ab", "c"]), "b": np.array([b"xy"]), "bool": np.array([True, False]),
        "c": np.array([1 + 2j], dtype=np.complex64), "scalar": np.float32(3.5),
        "ids": np.array([["v", 1]], dtype=object), "empty": np.zeros((0, 3), dtype=np.float32),
    }
    data = pickle.dumps(obj, protocol=protocol)
    got = RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    ref = pickle.loads(data)
    assert got["shared"][0] is got["shared"][1]
    for key in ("a", "f", "u", "b", "bool", "c", "ids", "empty"):
        assert got[key].dtype == ref[key].dtype
        assert got[key].shape == ref[key].shape
        assert got[key].flags.f_contiguous == ref[key].flags.f_contiguous
        np.testing.assert_array_equal(got[key], ref[key])
    assert got["scalar"] == ref["scalar"] and got["scalar"].dtype == ref["scalar"].dtype


class CraftedBytes:
    def __init__(self, codec):
        self.codec = codec

    def __reduce__(self):
        import _codecs
        return _codecs.encode, ("abc", self.codec)


@pytest.mark.parametrize("codec", ["no-such-codec", "rot13", "zlib_codec", "utf-16"])
def test_unknown_or_other_codec_gives_value_error(tmp_path, codec):
    path = tmp_path / "codec.pkl"
    path.write_bytes(pickle.dumps({"x": CraftedBytes(codec)}, protocol=2))
    with pytest.raises(ValueError, match="codec"):
        safe_load_pickle(path)


def test_build_on_other_objects_is_refused():
    class Build:
        def __reduce__(self):
            return dict, (), {"__class__": "x"}

    with pytest.raises(UnsafePickleError, match="state of a dict"):
        _load(Build())


def _affect_dict(text):
    part = {"vision": np.zeros((2, 3, 20), np.float32), "audio": np.zeros((2, 3, 5), np.float32),
            "text": text, "labels": np.zeros((2, 1, 1), np.float32)}
    return {"train": part, "valid": part, "test": part}


def test_fetch_mosi_refuses_a_crafted_dtype_end_to_end(tmp_path):
    folder = tmp_path / "multibench"
    folder.mkdir()
    dtype = CRAFTED_DTYPES[0]
    text = CraftedArray((2, 3, 1), dtype, b"\x41" * 48)
    (folder / "mosi_raw.pkl").write_bytes(pickle.dumps(_affect_dict(text), protocol=4))
    for cache in (False, True):
        with pytest.raises(ValueError, match="mosi_raw.pkl"):
            fetch_mosi(data_home=tmp_path, cache=cache)


def test_fuzzed_pickles_never_crash(tmp_path):
    # random byte flips of a valid file: each load either succeeds or raises ValueError; run in a
    # child process so that a crash would show as a failure instead of killing the test run
    rng = np.random.default_rng(0)
    obj = {"x": np.arange(12.0).reshape(3, 4), "ids": np.array(["a", "b"], dtype=object),
           "u": np.array(["xy"]), "s": np.float64(2.0)}
    base = pickle.dumps(obj, protocol=4)
    cases = []
    for i in range(300):
        data = bytearray(base)
        for pos in rng.integers(0, len(data), size=rng.integers(1, 4)):
            data[pos] = int(rng.integers(0, 256))
        path = tmp_path / f"fuzz{i}.pkl"
        path.write_bytes(bytes(data))
        cases.append(str(path))
    script = textwrap.dedent(f"""
        import sys
        from mmalign_sk.datasets import safe_load_pickle
        bad = []
        for path in {cases!r}:
            try:
                safe_load_pickle(path)
            except ValueError:
                pass
            except Exception as exc:
                bad.append((path, type(exc).__name__, str(exc)[:200]))
        print(bad)
        sys.exit(1 if bad else 0)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, (result.returncode, result.stdout[-2000:],
                                    result.stderr[-2000:])
