"""SHA-256 of every recording of the Free Spoken Digit Dataset at a pinned commit.

The checksums ship as package data, ``fsdd.sha256``, in the format of ``sha256sum`` (one
``<sha256>  <file name>`` per line), computed from the repository snapshot at :data:`COMMIT`; in a
folder of the recordings, ``sha256sum -c fsdd.sha256`` checks them.
"""

from importlib.resources import files

COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"

#: The package-data file that holds the checksums.
MANIFEST_FILE = "fsdd.sha256"


def parse_sha256sum(text):
    """``{file name: sha256}`` from the text of a ``sha256sum`` listing.

    Each non-empty line is ``<64 hex digits><two spaces or space and '*'><file name>``; anything
    else raises a ValueError naming the line.

    Examples
    --------
    >>> from mmalign_sk.datasets._fsdd_manifest import parse_sha256sum
    >>> parse_sha256sum("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.wav\\n")
    {'a.wav': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'}
    """
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, name = line[:64], line[66:]
        if (len(line) < 67 or line[64] != " " or line[65] not in " *"
                or any(c not in "0123456789abcdef" for c in digest)):
            raise ValueError(f"line {number} of the checksum list must be '<sha256>  <file name>' "
                             f"(64 lower-case hex digits, two spaces); got {line!r}.")
        out[name] = digest
    return out


def manifest():
    """``{file name: sha256}`` of the 3000 recordings (read from the package data)."""
    text = files("mmalign_sk.datasets").joinpath(MANIFEST_FILE).read_text(encoding="ascii")
    return parse_sha256sum(text)
