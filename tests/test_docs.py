"""The documentation builds warning-free (``python -m sphinx -W``) from the checkout: API reference
from the docstrings, rendered derivations with their equations, the figure gallery and the
notebooks. Skipped cleanly without the ``docs`` extra. (The docstring examples run as doctests in
the ordinary test run: ``--doctest-modules`` in pyproject.toml.)"""
import subprocess
import sys
from pathlib import Path

import pytest

for _mod in ("sphinx", "numpydoc", "myst_nb"):
    pytest.importorskip(_mod)

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["neuron", "diffusion", "wiener", "shotnoise", "discrete", "surrogate", "network", "inverse", "simulate",
           "plot", "errors"]


def _build(src, out, *extra):
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", *extra,
                           str(src), str(out)], capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.mark.slow
def test_docs_build_warning_free(tmp_path):
    out = tmp_path / "html"
    res = _build(ROOT / "docs", out, "-d", str(tmp_path / "doctrees"))
    assert res.returncode == 0, res.stderr[-4000:]
    for mod in MODULES:
        page = (out / "api" / f"{mod}.html").read_text()
        assert f'id="snntheory.{mod}' in page, mod          # the module's members were documented
    assert 'id="snntheory.diffusion.firing_rate"' in (out / "api" / "diffusion.html").read_text()
    assert 'id="snntheory.plot.network"' in (out / "api" / "plot.html").read_text()
    deriv = (out / "derivations" / "diffusion.html").read_text()
    assert deriv.count('class="math') >= 10                   # equations rendered as math, not text
    assert len(list((out / "_images").glob("*.png"))) >= 8    # the gallery's figures
    for nb in ("01_one_neuron", "02_rate_collapse", "03_init_pytorch"):
        assert (out / "examples" / f"{nb}.html").exists()


@pytest.mark.slow
def test_a_broken_docstring_fails_the_build(tmp_path):
    """-W turns a docstring's reST error into a failed build (the check the docs test relies on)."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "broken.py").write_text('def f():\n    """Bad |substitution| here."""\n')
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"import sys; sys.path.insert(0, {str(pkg)!r})\nextensions = ['sphinx.ext.autodoc']\n")
    (src / "index.rst").write_text("T\n=\n\n.. automodule:: broken\n   :members:\n")
    res = _build(src, tmp_path / "out")
    assert res.returncode != 0 and "substitution" in res.stderr
