"""Readable displays: every named result prints on one short line with its numbers (to 4
significant digits, checked against Python's own formatting of the fields), long arrays are
summarised instead of dumped, and table-like results render an HTML table with units."""
import dataclasses
import html.parser
import importlib

import numpy as np
import pytest

from snntheory import LIF, _display, diffusion, discrete, shotnoise, wiener
from snntheory._sim.network import NetworkRun
from snntheory.network import NetworkInit

#: every public named result (module, class)
RESULTS = [("diffusion", "RateGradient"), ("diffusion", "MembraneMoments"),
           ("discrete", "StationaryDensity"), ("discrete", "MembraneMoments"), ("discrete", "ISIMoments"),
           ("discrete", "QuenchedLayer"), ("discrete", "SiegertComparison"), ("discrete", "CountMixture"),
           ("discrete", "GridChain"), ("discrete", "Transient"), ("network", "NetworkTransient"),
           ("network", "BPTTGain"), ("network", "CorrelationMap"), ("_sim.replica", "ReplicaRun"),
           ("inverse", "WeightStats"), ("network", "LayerInit"),
           ("neuron", "ChainParams"), ("neuron", "LayerInput"), ("neuron", "FreeMembrane"),
           ("neuron", "LayerMembrane"), ("shotnoise", "Amplitudes"), ("shotnoise", "ShotInput"),
           ("shotnoise", "MembraneMoments"), ("shotnoise", "FreeCumulants"), ("shotnoise", "DiffusionComparison"),
           ("shotnoise", "ISIMoments"), ("wiener", "StepStats"), ("wiener", "LayerRates"),
           ("_calibrate", "Calibration"), ("_sim.backprop", "BackpropRun"), ("_sim.layer", "LayerRun"),
           ("_sim.network", "NetworkRun"), ("_sim.ou", "OURun"), ("_sim.shot", "ShotRun"),
           ("_sim.shot", "FirstPassageRun"), ("_sim.stepmap", "StepMapRun")]


@pytest.mark.parametrize("module,name", RESULTS)
def test_every_named_result_uses_the_readable_repr(module, name):
    cls = getattr(importlib.import_module(f"snntheory.{module}"), name)
    assert cls.__repr__ is _display.result_repr


def test_repr_numbers_and_long_arrays():
    d = discrete.stationary_density(0.05, 0.2, beta=0.9)
    text = repr(d)
    assert "\n" not in text and len(text) < 300 and "np.float64" not in text
    assert text.startswith("StationaryDensity(v=array(")
    assert f"rate={d.rate:.4g}" in text and f"[{d.v.min():.4g}, {d.v.max():.4g}]" in text
    assert "Hz" not in text   # the step map's rate is per step: no unit guessed from the field name
    m = diffusion.membrane_moments(np.array([0.5, 0.8]), 0.3, tau_m=0.02, v_th=1.0, v_reset=0.0)
    assert repr(m) == f"MembraneMoments(mean=[{m.mean[0]:.4g}, {m.mean[1]:.4g}], var=[{m.var[0]:.4g}, {m.var[1]:.4g}])"
    # a deliberately long field: the full array would be thousands of characters
    long = wiener.StepStats(np.linspace(0, 1, 5000), np.full(5000, np.nan))
    assert len(repr(long)) < 120 and "array(5000) in [0, 1]" in repr(long) and "array(5000)" in repr(long)
    assert len(np.array2string(long.step_mean, threshold=10 ** 6)) > 1000


def test_format_value_cases():
    f = _display.format_value
    assert f(1.23456789) == "1.235" and f(3) == "3" and f(np.float64(2.5), "V") == "2.5 V"
    assert f("zero") == "'zero'" and f(None) == "None" and f(True) == "True"
    assert f([1.0, 2.0]) == "[1, 2]" and f(np.zeros((2, 3))) == "array(2x3) in [0, 0]"
    assert f([np.zeros(3), np.ones(2)]) == "list of 2"
    assert f(float("nan")) == "nan"


class _Table(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.heads, self._tag = [], [], None

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        if tag == "tr":
            self.cells.append([])

    def handle_data(self, data):
        if self._tag == "td":
            self.cells[-1].append(data)
        elif self._tag == "th":
            self.heads.append(data)

    def handle_endtag(self, tag):
        self._tag = None


def _parse(markup):
    p = _Table()
    p.feed(markup)
    return p.heads, [r for r in p.cells if r]


def test_network_run_html_table_per_layer_with_units():
    run = NetworkRun(rates=np.array([50.0, 31.25, 0.0]), neuron_rates=[np.zeros(2)] * 3,
                     silent_fraction=np.array([0.0, 0.1, 1.0]), population_spikes=np.zeros((3, 4)),
                     rate_stderr=np.array([1.0, 2.0, 0.0]), n_steps=4, batch=1, dt=1e-3,
                     v_mean=np.array([np.nan, 0.3, 0.1]), v_std=np.array([np.nan, 0.2, 0.05]))
    heads, rows = _parse(run._repr_html_())
    assert heads[:3] == ["layer", "rates Hz", "silent_fraction"] and "v_std V" in heads
    assert [r[0] for r in rows] == ["0", "1", "2"]
    assert rows[1][1] == "31.25" and rows[2][2] == "1"
    assert "Hz" in repr(run) and "dt=0.001 s" in repr(run)


def test_network_init_text_and_html_share_one_table():
    from snntheory.network import predict_network
    plan = predict_network([40, 40], [0.02], [0.1], neuron=LIF.from_beta(0.9), input_rate=50.0)
    assert isinstance(plan, NetworkInit)
    heads, rows = _parse(plan._repr_html_())
    text = str(plan).splitlines()
    assert text[1].split() == " ".join(heads).split()
    assert [r for r in rows] == [line.split() for line in text[2:]]
    assert [float(r[heads.index("rate Hz")]) for r in rows] == pytest.approx(plan.rates, rel=1e-3)
    lay = repr(plan.layers[0])
    assert lay.startswith("LayerInit(index=1, n_in=40") and f"rate={plan.layers[0].rate:.4g} Hz" in lay
    assert "\n" not in lay


def test_free_cumulants_repr():
    run = shotnoise.free_cumulants(1000.0, 0.01, tau_m=0.02)
    assert repr(run) == f"FreeCumulants(mean={run.mean:.4g}, variance={run.variance:.4g}, cumulants=" \
        + "[" + ", ".join(f"{c:.4g}" for c in run.cumulants) + "])"


@dataclasses.dataclass(frozen=True)
class _Probe:
    a: float = 1.0
    hidden: object = dataclasses.field(default=None, repr=False)
    __repr__ = _display.result_repr


def test_dataclass_keeps_its_repr_and_hides_repr_false_fields():
    assert repr(_Probe(hidden=np.zeros(10 ** 4))) == "_Probe(a=1)"
