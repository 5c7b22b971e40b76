"""Property-based reliability suite for ``snntheory.neuron`` (issue 14): typical, extreme and
invalid tiers for ``layer_input``, ``free_membrane``, ``layer_membrane``,
``increment_distribution`` and ``IncrementDistribution``, ``LIF``.

References: Campbell's theorem in closed form (moments of the binomial mixture against
``layer_input``), the kernel sums as geometric series, and sampling from the mixture.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import neuron as nrn
from snntheory.errors import ParameterError
from snntheory.neuron import LIF
from tests.strategies import invalid, typical

BETAS = st.floats(0.05, 0.999)


@settings(max_examples=40)
@given(n=st.integers(1, 2000), p=st.floats(0.0, 1.0), mu=typical("w_mean"), sd=typical("w_std"))
def test_layer_input_moments(n, p, mu, sd):
    li = nrn.layer_input(n, p, mu, sd)
    assert all(np.isfinite(x) for x in li)
    assert li.var >= 0 and li.temporal_var >= 0 and li.quenched_var >= 0
    assert li.var == pytest.approx(li.temporal_var + li.quenched_var, rel=1e-12, abs=1e-300)


@settings(max_examples=30)
@given(beta=BETAS, m=typical("m"), s=typical("s"))
def test_free_membrane_is_the_geometric_sum(beta, m, s):
    fm = nrn.free_membrane(LIF.from_beta(beta), m, s)
    assert fm.mean == pytest.approx(m / (1 - beta), rel=1e-12, abs=1e-300)
    assert fm.var == pytest.approx(s * s / (1 - beta * beta), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("m,s", [(0.1, 0.2), (-0.1, 0.0), (0.0, 0.0), (0.0, 0.3)])
def test_perfect_integrator_free_membrane_is_not_stationary(m, s):
    fm = nrn.free_membrane(LIF.from_beta(1.0), m, s)
    assert fm.mean == (math.inf if m > 0 else -math.inf if m < 0 else 0.0)
    assert fm.var == (math.inf if s > 0 else 0.0)


@settings(max_examples=20)
@given(beta=BETAS, n=st.integers(1, 500), p=st.floats(0.0, 1.0), mu=typical("w_mean"), sd=typical("w_std"))
def test_layer_membrane_matches_its_parts(beta, n, p, mu, sd):
    neuron = LIF.from_beta(beta)
    lm = nrn.layer_membrane(neuron, n, p, mu, sd)
    li = nrn.layer_input(n, p, mu, sd)
    assert lm.mean == pytest.approx(li.mean / (1 - beta), rel=1e-12, abs=1e-300)
    assert lm.var == pytest.approx(li.var / (1 - beta**2), rel=1e-12, abs=1e-300)
    assert lm.quenched_var >= 0 and lm.temporal_var >= 0


@settings(max_examples=30)
@given(n=st.integers(1, 400), p=st.one_of(st.floats(0.0, 1.0), st.sampled_from([1e-300, 5e-324, 1e-17, 1.0])),
       mu=typical("w_mean"), sd=st.floats(1e-3, 0.3), quenched=st.booleans())
def test_increment_distribution_moments_and_mass(n, p, mu, sd, quenched):
    if quenched and n > 1 and p > 0.9:
        p = 0.9  # (all inputs active would be an atom of its own)
    d = nrn.increment_distribution(n, p, mu, sd, quenched=quenched)
    assert 0 <= d.atom_mass <= 1 and np.all(d.weights >= 0) and np.all(d.sds > 0)
    assert d.atom_mass + d.weights.sum() == pytest.approx(1.0, abs=1e-12)
    if not quenched:
        li = nrn.layer_input(n, p, mu, sd)
        assert d.mean == pytest.approx(li.mean, rel=1e-9, abs=1e-12)
        assert d.var == pytest.approx(li.var, rel=1e-9, abs=1e-12)


def test_increment_distribution_sampling_matches_its_moments():
    d = nrn.increment_distribution(50, 0.1, 0.02, 0.1)
    x = d.sample(np.random.default_rng(0), 200_000)
    assert abs(x.mean() - d.mean) < 4 * math.sqrt(d.var / x.size)
    assert x.var() == pytest.approx(d.var, rel=0.02)
    assert float(d.sf(np.array(-1e9))) == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------------------------------
# invalid tier
# ------------------------------------------------------------------------------------------

BAD = st.sampled_from([None, "x", math.nan, object()])


@settings(max_examples=20)
@given(which=st.sampled_from(["n_in", "p_in", "w_mean", "w_std"]), bad=BAD)
def test_layer_functions_name_the_bad_argument(which, bad):
    kw = dict(n_in=100, p_in=0.1, w_mean=0.0, w_std=0.1)
    kw[which] = bad
    for f in (nrn.layer_input, nrn.increment_distribution):
        with pytest.raises(ParameterError, match=which):
            f(kw["n_in"], kw["p_in"], kw["w_mean"], kw["w_std"])
    with pytest.raises(ParameterError, match=which):
        nrn.layer_membrane(LIF.from_beta(0.9), kw["n_in"], kw["p_in"], kw["w_mean"], kw["w_std"])


@given(bad=invalid("p_in"))
def test_invalid_input_rate(bad):
    with pytest.raises(ParameterError, match="p_in"):
        nrn.layer_input(10, bad, 0.0, 0.1)


def test_neuron_none_shapes_and_empties():
    for f, args in ((nrn.free_membrane, (0.1, 0.1)), (nrn.layer_membrane, (10, 0.1, 0.0, 0.1))):
        with pytest.raises(ParameterError, match="neuron"):
            f(None, *args)
    with pytest.raises(ParameterError, match="broadcast"):
        nrn.free_membrane(LIF.from_beta(0.9), [0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(ParameterError, match="broadcast"):
        nrn.layer_input([10, 20], [0.1, 0.2, 0.3], 0.0, 0.1)
    with pytest.raises(ParameterError, match="empty"):
        nrn.layer_input([], 0.1, 0.0, 0.1)
    with pytest.raises(ParameterError, match="beta"):
        LIF.from_beta(None)
    with pytest.raises(ParameterError, match="tau_m"):
        LIF(math.nan, 1e-3)
