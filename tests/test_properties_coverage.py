"""Property tests for the surrogate, simulate and torch public functions (issue 14).

Typical and extreme-but-valid draws; invariants: finite results, spike counts in range,
symmetry and monotonicity where the model has them, and the torch spike's autograd gradient
equal to the numpy surrogate derivative. (inverse/network properties: not done yet.)
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import surrogate
from snntheory.simulate import run_step_map

KINDS = st.sampled_from(surrogate.SURROGATES)
X = st.floats(-50.0, 50.0, allow_nan=False)
WIDTH = st.one_of(st.none(), st.floats(1e-4, 10.0))


@given(KINDS, X, WIDTH)
def test_surrogate_derivative_is_finite_symmetric_and_peaks_at_zero(kind, x, width):
    d = surrogate.derivative(x, kind, width)
    assert math.isfinite(d) and d >= 0.0
    assert surrogate.derivative(-x, kind, width) == pytest.approx(d, rel=1e-12, abs=1e-300)
    assert d <= surrogate.derivative(0.0, kind, width) * (1 + 1e-12)


@given(KINDS, WIDTH, st.floats(0.0, 20.0), st.floats(0.0, 20.0))
def test_surrogate_derivative_decreases_with_distance(kind, width, a, b):
    lo, hi = sorted((a, b))
    assert surrogate.derivative(hi, kind, width) <= surrogate.derivative(lo, kind, width) * (1 + 1e-12) + 1e-300


@given(st.floats(0.05, 1.0), st.floats(-0.5, 1.5), st.floats(0.0, 1.0), st.sampled_from(["zero", "subtract"]),
       st.integers(0, 3))
@settings(max_examples=min(settings().max_examples, 30))
def test_step_map_spike_probability_in_range(beta, m, s, reset, ref):
    run = run_step_map(lambda g, sh: m + s * g.standard_normal(sh), n_neurons=20, n_steps=50, beta=beta,
                       reset=reset, ref_steps=ref, seed=1)
    # at most one spike per 1 + ref_steps steps, the first one possibly at step 0
    assert run.spike_counts.min() >= 0 and run.spike_counts.max() <= math.ceil(50 / (1 + ref))
    assert np.all(np.isfinite(run.v_final))


def test_step_map_bound_catches_a_wrong_refractory_count():
    """The bound fails for a refractory period the run did not use (the property can fail)."""
    run = run_step_map(lambda g, sh: 1.5 + 0.0 * g.standard_normal(sh), n_neurons=5, n_steps=50, beta=0.9,
                       ref_steps=0, seed=1)
    assert run.spike_counts.max() > math.ceil(50 / (1 + 2))


torch = pytest.importorskip("torch")


@given(KINDS, st.lists(X, min_size=1, max_size=8), WIDTH)
@settings(max_examples=min(settings().max_examples, 30))
def test_torch_spike_fn_gradient_is_the_surrogate(kind, xs, width):
    from snntheory.torch import spike_fn

    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    y = spike_fn(x, kind, width)
    assert set(y.detach().tolist()) <= {0.0, 1.0}
    np.testing.assert_array_equal(y.detach().numpy(), (np.array(xs) >= 0).astype(float))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), surrogate.derivative(np.array(xs), kind, width), rtol=1e-10,
                               atol=1e-300)
