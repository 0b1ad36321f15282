"""What a built wheel ships: the FSDD checksums as package data, and the licence."""

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mmalign_sk.datasets._fsdd_manifest import manifest, parse_sha256sum

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_the_declared_bsd_3_clause():
    text = (ROOT / "LICENSE").read_text()
    assert 'license = "BSD-3-Clause"' in (ROOT / "pyproject.toml").read_text()
    assert text.startswith("BSD 3-Clause License") and "mmalign_sk developers" in text
    # the three clauses of the BSD-3-Clause text
    for clause in ("Redistributions of source code must retain",
                   "Redistributions in binary form must reproduce",
                   "Neither the name of the copyright holder"):
        assert clause in text


def test_checksum_list_is_sha256sum_format():
    lines = (ROOT / "mmalign_sk" / "datasets" / "fsdd.sha256").read_text().splitlines()
    assert len(lines) == 3000
    for line in lines:
        digest, sep, name = line[:64], line[64:66], line[66:]
        assert sep == "  " and int(digest, 16) >= 0 and name.endswith(".wav"), line
    assert manifest() == {line[66:]: line[:64] for line in lines}


def test_parse_sha256sum_checks_each_line():
    # lines in the two forms sha256sum writes (text mode "  ", binary mode " *")
    digest = hashlib.sha256(b"RIFF").hexdigest()
    assert parse_sha256sum(f"{digest}  a.wav\n\n{digest} *b.wav\n") == {"a.wav": digest,
                                                                       "b.wav": digest}
    with pytest.raises(ValueError, match="line 1 of the checksum list"):
        parse_sha256sum(f"{digest} a.wav\n")
    with pytest.raises(ValueError, match="line 2 of the checksum list"):
        parse_sha256sum(f"{digest}  a.wav\n{digest.upper()}  b.wav\n")


@pytest.mark.slow
def test_built_wheel_contains_the_checksums_and_the_licence(tmp_path):
    """Build the wheel from a copy of the sources (pip, build isolation from the configured index;
    about 40 s) and read the checksums back from it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.cfg", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "mmalign_sk", src / "mmalign_sk",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(tmp_path / "dist"), str(src)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("mmalign_sk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        shipped = archive.read("mmalign_sk/datasets/fsdd.sha256").decode("ascii")
        licences = [n for n in names if n.endswith("/LICENSE")]
        assert licences and "BSD 3-Clause" in archive.read(licences[0]).decode()
    assert parse_sha256sum(shipped) == manifest()
