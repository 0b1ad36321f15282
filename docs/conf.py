"""Sphinx configuration: the user guide (Markdown, via MyST) and the API reference (numpydoc)."""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "mmalign_sk"
author = "mmalign_sk developers"
copyright = "2026, mmalign_sk developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "README*"]
myst_heading_anchors = 3
autosummary_generate = True
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
nitpicky = False
html_theme = "alabaster"
suppress_warnings = ["myst.header"]


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    """scikit-learn's generated ``set_*_request`` methods document its own routing, not ours."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
