"""Sphinx configuration of the snntheory documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors). The API
reference is generated from the docstrings (autosummary + numpydoc), the derivations are the
rendered ``derivations/*.md``, the gallery shows ``figures/img``, and the example notebooks are
shown as committed (not executed here: ``tests/test_notebooks.py`` executes them).
"""
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import snntheory  # noqa: E402

try:  # the PyTorch page documents snntheory.torch; without the torch extra its imports are mocked
    import torch  # noqa: F401
except ImportError:
    autodoc_mock_imports = ["torch", "snntorch"]

project = "snntheory"
author = "the snntheory authors"
release = version = snntheory.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
autosummary_generate = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
myst_enable_extensions = ["dollarmath", "amsmath"]
nb_execution_mode = "off"
suppress_warnings = ["myst.header"]
html_theme = "alabaster"
html_static_path = []
intersphinx_mapping = {}

# the notebooks live in examples/ (where users open them); Sphinx reads sources below docs/ only
(DOCS / "examples").mkdir(exist_ok=True)
for nb in sorted((ROOT / "examples").glob("*.ipynb")):
    shutil.copy2(nb, DOCS / "examples" / nb.name)
