import numpy as np
import pytest

from mmalign_sk._checks import check_int, check_option, check_optional_int, check_real


def test_check_int_converts_numpy_integers_and_reports_bounds():
    assert check_int(np.int64(3), "k", 1, 5) == 3 and type(check_int(np.int64(3), "k")) is int
    with pytest.raises(ValueError, match=r"^k must be in 1\.\.5; got 6\.$"):
        check_int(6, "k", 1, 5)
    with pytest.raises(ValueError, match=r"^k must be >= 1; got 0\.$"):
        check_int(0, "k", 1)
    with pytest.raises(ValueError, match=r"^k must be <= 4; got 9\.$"):
        check_int(9, "k", maximum=4)
    for bad in (True, 2.0, "3", None):
        with pytest.raises(TypeError, match="k must be an int; got"):
            check_int(bad, "k")


def test_check_optional_int():
    assert check_optional_int(None, "width") is None
    assert check_optional_int(4, "width") == 4
    with pytest.raises(ValueError, match="width must be >= 1"):
        check_optional_int(0, "width")


def test_check_real():
    assert check_real(np.float32(0.5), "q", 0, 1, low_inclusive=False) == 0.5
    with pytest.raises(ValueError, match="q must be > 0; got 0.0"):
        check_real(0, "q", 0, 1, low_inclusive=False)
    with pytest.raises(ValueError, match="q must be finite"):
        check_real(float("nan"), "q")
    with pytest.raises(TypeError, match="q must be a real number"):
        check_real("0.5", "q")


def test_check_option_with_unhashable_value():
    assert check_option("a", "mode", {"a", "b"}) == "a"
    with pytest.raises(ValueError, match=r"mode must be one of 'a', 'b'; got \['a'\]"):
        check_option(["a"], "mode", {"a", "b"})
