"""snntheory.plot draws the library's own result objects: the drawn data are the objects' numbers
(or an independent closed form), the decorations (threshold line, reset atom, survival axis) are
where the physics puts them, and wrong input is refused."""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from snntheory import LIF, discrete, plot, wiener  # noqa: E402
from snntheory.network import predict_network  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def two_plans():
    neuron = LIF.from_beta(0.9, dt=1e-3)
    widths = [100, 100, 100]
    a = predict_network(widths, [0.02] * 2, [0.1] * 2, neuron=neuron, input_rate=50.0)
    b = predict_network(widths, [0.0] * 2, [0.14] * 2, neuron=neuron, input_rate=50.0)
    return a, b


def test_plans_without_a_method_get_distinct_colours(two_plans):
    a, _ = two_plans
    ax = plot.network([a, {"rate": a.rates}], quantities=("rate",))[0]
    assert len({ln.get_color() for ln in ax.lines}) == 2


def test_network_draws_each_plans_numbers_and_simulation(two_plans):
    a, b = two_plans
    sim = {"rate": (np.array([40.0, 30.0]), np.array([1.0, 2.0]))}
    axes = plot.network([a, b], labels=["a", "b"], simulated=[sim, None])
    assert len(axes) == 4
    lines = [ln for ln in axes[0].lines if ln.get_label() in ("a", "b")]
    np.testing.assert_array_equal(lines[0].get_ydata(), a.rates)
    np.testing.assert_array_equal(lines[1].get_ydata(), b.rates)
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2])
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), [l.v_std for l in a.layers])
    np.testing.assert_array_equal(axes[2].lines[1].get_ydata(), [l.silent_fraction for l in b.layers])
    markers = [ln for ln in axes[0].lines if ln.get_marker() == "o"]
    assert len(markers) == 1
    np.testing.assert_array_equal(markers[0].get_ydata(), [40.0, 30.0])
    drawn = np.concatenate([a.rates, b.rates, [40.0, 30.0]])
    assert axes[0].get_yscale() == ("log" if drawn.max() / drawn.min() > 20 else "linear")
    assert axes[0].get_legend() is not None
    assert axes[0].lines[0].get_color() != axes[0].lines[-1].get_color()   # two plans, two colours


def test_network_reads_a_simulation_run(two_plans):
    a, _ = two_plans
    run = a.simulate(n_steps=100, seed=3, burn_in=20)
    ax = plot.network(a, quantities=("rate",), simulated=run)[0]
    pts = [ln for ln in ax.lines if ln.get_marker() == "o"][0]
    np.testing.assert_allclose(pts.get_ydata(), run.rates[1:])   # layer 0 of the run is the input


def test_network_floor_and_refusals(two_plans):
    a, b = two_plans
    ax = plot.network({"rate": [0.0, 5.0]}, quantities=("rate",), floor=0.01)[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.01, 5.0])
    assert ax.get_yscale() == "log"                       # 500-fold range
    assert plot.network({"rate": [40.0, 50.0]}, quantities=("rate",))[0].get_yscale() == "linear"
    with pytest.raises(ValueError, match="quantities"):
        plot.network(a, quantities=("rates",))
    with pytest.raises(ValueError, match="2 plans"):
        plot.network([a, b], simulated=[None])
    with pytest.raises(TypeError, match="NetworkInit"):
        plot.network([np.ones(3)])
    _, axs = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes"):
        plot.network(a, quantities=("rate",), axes=axs)


def test_density_of_the_step_map_chain():
    d = discrete.stationary_density(0.05, 0.2, beta=0.9)
    ax = plot.density(d, v_th=1.0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), d.density[:d.v.size if d.n_grid < 0 else d.n_grid])
    assert [ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == ":"] == [1.0]   # threshold line
    arrows = [c for c in ax.texts if getattr(c, "arrow_patch", None) is not None]
    big = d.atoms_v[d.atoms_mass > 1e-3]
    assert sorted(a.xy[0] for a in arrows) == pytest.approx(sorted(big))              # one arrow per atom
    assert any(f"{d.atoms_mass.max():.3g}" in t.get_text() for t in ax.texts)


def test_density_on_a_grid_with_reset_mass():
    v = np.linspace(-0.5, 1.0, 50)
    ax = plot.density(v, np.exp(-v ** 2), v_th=1.0, reset_mass=0.2, v_reset=0.0, simulated=(v[::5], np.ones(10)))
    assert [a.xy for a in ax.texts if getattr(a, "arrow_patch", None) is not None] == [(0.0, 0.0)]
    with pytest.raises(ValueError, match="v_reset"):
        plot.density(v, np.exp(-v ** 2), v_th=1.0, reset_mass=0.2)
    with pytest.raises(ValueError, match="values"):
        plot.density(v, v_th=1.0)


def test_fpt_survival_matches_the_inverse_gaussian_closed_form():
    """The default survival (1 - trapezoid integral of the density) against wiener.fpt_sf."""
    t = np.linspace(1e-5, 0.2, 4001)
    kw = dict(distance=1.0)
    pdf = wiener.fpt_pdf(t, 20.0, 3.0, **kw)
    ax = plot.fpt(t, pdf)
    sf = ax.survival_axes.lines[0].get_ydata()
    np.testing.assert_allclose(sf, wiener.fpt_sf(t, 20.0, 3.0, **kw), atol=2e-4)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), pdf / 1e3)                 # 1/ms
    # a density of the wrong drift gives a survival function the check rejects
    wrong = plot.fpt(t, wiener.fpt_pdf(t, 15.0, 3.0, **kw)).survival_axes.lines[0].get_ydata()
    assert np.max(np.abs(wrong - wiener.fpt_sf(t, 20.0, 3.0, **kw))) > 0.1


def test_fpt_with_samples_and_given_survival():
    rng = np.random.default_rng(0)
    t = np.linspace(1e-4, 0.3, 300)
    samples = rng.wald(1.0 / 20.0, 1.0 / 9.0, size=4000)   # inverse Gaussian: mean a/v, shape a^2/sigma^2
    pdf = wiener.fpt_pdf(t, 20.0, 3.0, distance=1.0)
    ax = plot.fpt(t, pdf, wiener.fpt_sf(t, 20.0, 3.0, distance=1.0), samples=samples)
    pts = [ln for ln in ax.lines if ln.get_marker() == "o"][0]
    x, y = pts.get_xdata() / 1e3, pts.get_ydata() * 1e3
    ref = wiener.fpt_pdf(x, 20.0, 3.0, distance=1.0)
    assert np.mean(np.abs(y - ref) / ref.max()) < 0.1   # histogram of numpy's sampler against the density


def test_plot_module_imports_without_matplotlib():
    import subprocess
    import sys
    code = "import sys; import snntheory.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
