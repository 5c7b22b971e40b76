"""Every registered figure builds in quick mode under Agg (so figures never rot).

Figures whose module has not been written yet are skipped with a reason naming the file.
"""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

FIG_DIR = Path(__file__).resolve().parents[1] / "figures"
sys.path.insert(0, str(FIG_DIR))
make_figures = importlib.import_module("make_figures")
FIGURES = make_figures.FIGURES

# the CLI smoke test runs this figure (cheap in quick mode)
CLI_FIGURE = "heterogeneity"


@pytest.fixture(scope="module")
def fig_cache(tmp_path_factory):
    """One temporary cache for the module (figures that share a dataset compute it once; the CLI
    run reuses the quick data of its figure)."""
    tmp = tmp_path_factory.mktemp("figures")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SNNTHEORY_FIG_CACHE", str(tmp / "cache"))
        yield tmp


def _require(name):
    path = FIG_DIR / f"{FIGURES[name]}.py"
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")


def test_registry_lists_nine_figures_and_names_resolve():
    assert len(FIGURES) == 9
    for i, name in enumerate(FIGURES, start=1):
        assert make_figures.resolve(name) == name
        assert make_figures.resolve(str(i)) == name
        assert make_figures.resolve(f"fig{i}") == name
    with pytest.raises(SystemExit):
        make_figures.resolve("fig10")


def test_cache_roundtrip_and_off(tmp_path, monkeypatch):
    import numpy as np
    import _common
    calls = []

    def compute(a):
        calls.append(a)
        return {"x": np.arange(a)}

    monkeypatch.setenv("SNNTHEORY_FIG_CACHE", str(tmp_path))
    assert list(_common.cached("t", {"a": 3}, compute)["x"]) == [0, 1, 2]
    assert list(_common.cached("t", {"a": 3}, compute)["x"]) == [0, 1, 2]
    assert calls == [3]                                   # second call read the npz
    assert len(list(tmp_path.glob("t-*.npz"))) == 1
    _common.cached("t", {"a": 4}, compute)                # other params -> other key
    assert calls == [3, 4]
    monkeypatch.setenv("SNNTHEORY_FIG_CACHE", "off")
    _common.cached("t", {"a": 3}, compute)
    assert calls == [3, 4, 3]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_quick(name, fig_cache):
    _require(name)
    import matplotlib.pyplot as plt
    fig = make_figures.figure_function(name)(quick=True)
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        axes = fig.get_axes()
        assert len(axes) >= 1
        assert any(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
        png = fig_cache / f"{name}.png"
        fig.savefig(png, dpi=60)
        assert png.stat().st_size > 1000
    finally:
        plt.close(fig)


@pytest.mark.slow
def test_cli_quick(fig_cache):
    _require(CLI_FIGURE)
    out = fig_cache / "out"
    root = str(FIG_DIR.parent)   # the checkout under test, not an installed copy
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    res = subprocess.run([sys.executable, str(FIG_DIR / "make_figures.py"),
                          f"fig{list(FIGURES).index(CLI_FIGURE) + 1}", "--quick",
                          "--out", str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    assert (out / f"{CLI_FIGURE}.png").stat().st_size > 1000
    pdf = (out / f"{CLI_FIGURE}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"git" in pdf
    assert CLI_FIGURE in res.stdout and "total" in res.stdout
