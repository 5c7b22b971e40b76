"""Regression tests for issue 14's time bound: the calls that the deep reliability profile
(``benchmarks/bench_reliability.py --deep``) found over 2 s now stop early, at their cause, or
refuse before spending the time. Each test counts the expensive steps (or bounds CPU time
generously) so that it can fail against the code before the fix."""

import math

import pytest

import snntheory.discrete as discrete
from snntheory.errors import ConvergenceError
from snntheory.neuron import LIF, increment_distribution


def test_atom_chain_refinement_stops_at_its_rounding_floor(monkeypatch):
    # a quenched_layer node of the profile (p_in = 0.005: P(no input) = 0.61, rate ~3e-7): the
    # refinement's rate changes stall at ~3e-3 relative (rounding of the bordered solve); it ran
    # all 6 halvings (11 solves of ~1,600-2,400 nodes, 10 s) before raising, now stops after the
    # first halving that does not shrink the change (at most 6 solves)
    n = LIF.from_beta(0.844348, reset="zero")
    inc = increment_distribution(100, 0.00491341, -0.1326699693855881, math.sqrt(0.03786837657623175),
                                 gain=n.gain, quenched=True)
    beta, v_th, v_reset, reset, ref = n.chain_params()
    chain = discrete._Chain(beta, inc, v_th, v_reset, reset, ref)
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(ConvergenceError, match="stalled"):
        chain.converged()
    assert len(calls) <= 6, calls


def test_isi_distribution_near_perfect_integrator_keeps_the_kernel_banded():
    # the deep profile's silent death: beta = 1 - 1e-6 with s = 5000 puts the converged grid at
    # ~40,000 nodes (sparse solve), and the step kernel was built dense (12.8 GB: the process was
    # killed). Now banded; the walk is symmetric to 1e-5, so the first-passage law is Sparre
    # Andersen's P(T = k) = C(2k, k) / ((2k - 1) 4^k) (independent of the step law)
    import resource

    pmf = discrete.isi_distribution(20, -0.0300029, 5000.0, beta=0.999999)
    # the process's peak resident set (kB on Linux): a dense kernel would have put it above 12 GB
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 4 << 20
    for k in (1, 2, 3, 10):
        exact = math.comb(2 * k, k) / ((2 * k - 1) * 4.0**k)
        assert abs(pmf[k - 1] - exact) < 2e-3 * exact + 1e-4, (k, pmf[k - 1], exact)


def test_simulate_ou_refuses_many_spikes_per_step_early():
    # tau_m = 1e-10 s with dt = 1e-4 s and mu above threshold: hundreds of spikes of each neuron
    # inside every step (one loop pass each); the run took 5 s (all 100 steps), now refuses within
    # the first step (over _MAX_PASSES_PER_STEP); with tau_ref = 1e-6 s each neuron fires ~90 times
    # per step, and the refusal comes after the first 10 steps, from the passes projected over the
    # run (counted in steps, not CPU time)
    from snntheory.simulate import simulate_ou

    for tau_ref, when in [(0.0, "after 1 steps"), (1e-6, "after 10 steps")]:
        with pytest.raises(ConvergenceError, match="lower dt") as err:
            simulate_ou(1.45437, 1.8671, dt=1e-4, t_max=0.01, n_neurons=10, tau_m=1e-10, v_th=0.801948,
                        v_reset=-3.3971, tau_ref=tau_ref)
        assert when in str(err.value)
    # a neuron firing about once per 10 steps runs as before (rate vs. noise-free 1/(tau_m ln 3))
    run = simulate_ou(1.5, 0.0, tau_m=0.01, v_th=1.0, v_reset=0.0, dt=1e-3, t_max=0.5, n_neurons=4, seed=1)
    assert abs(run.rate * 0.01 * math.log(3.0) - 1) < 0.05


def test_simulate_ou_refuses_a_reset_at_the_threshold_within_one_step():
    # the deep profile (seed 29): v_reset 1e-8 below v_th with tau_ref = 0 re-fires ~1e9 times per
    # second (the mean first-passage time from the reset is linear in the gap), so every neuron
    # re-spikes thousands of times inside the first step: 20,000 passes (2.5-3.5 s on that core)
    # before the refusal. Now refused after _MAX_PASSES_PER_STEP passes of the first step.
    from snntheory._sim import ou
    from snntheory.simulate import simulate_ou

    for mu, sigma, tau_m, v_th, v_reset in [(-1.1840741, 1.7487420, 0.0152090, 15.0, 14.99999999002301),
                                            (300.0, 1.9637588, 0.0044862, 1.375844335117964, 1.3758439962650595)]:
        with pytest.raises(ConvergenceError, match="v_th - v_reset") as err:
            simulate_ou(mu, sigma, dt=1e-4, t_max=0.01, n_neurons=10, tau_m=tau_m, v_th=v_th, v_reset=v_reset)
        assert "after 1 steps" in str(err.value) and f"{ou._MAX_PASSES_PER_STEP + 1} extra" in str(err.value)


def test_perfect_integrator_grid_rows_from_distinct_offsets_match_the_direct_cdf(monkeypatch):
    # beta = 1: the grid chain's transition CDFs depend only on edge - centre = h (j - i + 1/2), so
    # 2 nb + 1 mixture CDFs replace (nb + 1)^2 (weights_for_rate at beta = 1 spent most of its 3.6 s
    # there); the shortcut must equal every component's normal CDF summed at every point, entry by
    # entry (and _mix_cdf's table for the full array within its stated 1e-11)
    import numpy as np
    from scipy import special

    rng = np.random.default_rng(3)
    for _ in range(4):
        m = rng.uniform(0.001, 0.1, 3)
        s = float(rng.uniform(0.02, 0.3))
        g = discrete._grid(m, s, 1.0, 1.0, 0.0, "zero", 0, max_bins=200)
        q = np.array([0.3, 0.4, 0.2, 0.1])
        mix = (q, m, s)
        fast = discrete._toeplitz_cdf(g, g.pts, s, mix)
        x, mu = g.edges[:, None, :], g.pts[:, :, None]
        plain = q[0] * (x >= mu) + sum(q[j] * special.ndtr((x - mu - j * m[:, None, None]) / (np.sqrt(j) * s))
                                       for j in range(1, 4))
        assert fast is not None
        assert np.max(np.abs(fast - plain)) < 1e-13
        assert np.max(np.abs(discrete._mix_cdf(x, mu, s, mix) - plain)) < 1e-11
    # grid_chain's rates through the shortcut against the direct evaluation
    mix = discrete.CountMixture(np.array([0.5, 0.3, 0.2]), np.array([0.05, 0.08]), 0.1)
    fast = discrete.grid_chain([0.05, 0.08], 0.1, beta=1.0, counts=mix)
    monkeypatch.setattr(discrete, "_toeplitz_cdf", lambda *a: None)
    direct = discrete.grid_chain([0.05, 0.08], 0.1, beta=1.0, counts=mix)
    assert np.all(fast.rate > 0)
    assert np.max(np.abs(fast.rate / direct.rate - 1)) < 1e-10


def test_shotnoise_fpt_density_far_below_rest_is_not_nan():
    # v_start 7,300 jumps below threshold: Kummer's series overflowed and the density was NaN at
    # t = 5.4e-4 s; the exact route now hands over to the chain route, whose grid cannot span
    # 100 V at 0.014 V jumps and says so
    import numpy as np

    from snntheory import shotnoise

    kw = dict(rate_e=1750.75, a_e=0.0139006, tau_m=0.0140631, v_th=1.47203, v_start=-100.0)
    try:
        vals = shotnoise.fpt_density(np.array([0.000542872, 0.02]), **kw)
    except ConvergenceError as err:
        assert "GRID" in str(err) or "grid" in str(err)
    else:
        assert np.all(np.isfinite(vals)) and np.all(vals >= 0), vals
    # the same start 2 V below rest is unaffected (the exact route, finite and positive)
    vals = shotnoise.fpt_density(np.array([0.01, 0.05]), **dict(kw, v_start=-2.0))
    assert np.all(np.isfinite(vals)) and np.all(vals > 0), vals


def test_layer_rate_refuses_a_dense_mixture_solve_over_budget_before_it_starts(monkeypatch):
    # beta = 1, subtract reset, 5 ms refractory, 25 % input: 68 mixture components on a 2,664-node
    # grid took 16 s (two dense solves); the cost model refuses it before any solve
    import time

    from snntheory.discrete import layer_rate

    n = LIF.from_beta(1.0, reset="subtract", tau_ref=0.005)
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    t0 = time.process_time()
    with pytest.raises(ConvergenceError, match="increments='gaussian'"):
        layer_rate(n, 100, 0.250488, 0.00163181, 0.0671429)
    assert not calls and time.process_time() - t0 < 0.5
    # the advice works: the Gaussian increment is cheap (one component, banded or small)
    assert 0.0 < layer_rate(n, 100, 0.250488, 0.00163181, 0.0671429, increments="gaussian") < 1.0


@pytest.mark.parametrize("beta,m,s", [(0.9999, 0.0002, 0.002), (1.0, 0.0005, 0.0015), (0.9999, 0.6, 0.002)])
def test_banded_chain_above_1000_nodes_is_solved_sparsely_and_agrees_with_the_dense_solve(monkeypatch, beta, m, s):
    # a dense LU of 2,000-3,000 nodes took 0.4-0.7 s and a root finder (weight_mean_for_rate,
    # w_std = 3e-7: 3.4 s) calls the chain ~8 times; the banded sparse LU gives the same rate
    # (to ~3e-14; near one spike per step via the renewal form, as the dense solve)
    from snntheory.neuron import IncrementDistribution

    chain = discrete._Chain(beta, IncrementDistribution.gaussian(m, s), 1.0, 0.0, "zero", 0)
    sparse_calls = []
    sparse = discrete._Chain.solve_sparse
    monkeypatch.setattr(discrete._Chain, "solve_sparse", lambda self, *a: sparse_calls.append(a) or sparse(self, *a))
    fast = chain.solve(0, 12)
    assert fast.nodes.size > 1000 and sparse_calls
    monkeypatch.setattr(discrete, "_N_DENSE_BANDED", discrete._N_MAX)
    dense = chain.solve(0, 12)
    assert 0.0 < fast.rate <= 1.0
    assert abs(fast.rate / dense.rate - 1) < 1e-11
    mass = float(fast.weights @ fast.density) + fast.atoms_mass.sum() + fast.tail_mass
    assert abs(mass - 1) < 1e-10, (mass, fast.rate, fast.atoms_mass, float(dense.weights @ dense.density))


def test_simulate_ou_long_runs_are_not_refused():
    # the budget counts only the extra within-step passes of re-spiking neurons: 30,000 ordinary
    # steps (one pass each) run; the rate matches the noise-free 1 / (tau_m ln 3) within 2 %
    from snntheory.simulate import simulate_ou

    run = simulate_ou(1.5, 0.0, tau_m=0.01, v_th=1.0, v_reset=0.0, dt=1e-5, t_max=0.3, n_neurons=2, seed=1)
    assert abs(run.rate * 0.01 * math.log(3.0) - 1) < 0.02


def test_mixture_neuron_that_crosses_in_one_step_skips_the_solve(monkeypatch):
    # the deep profile's quenched_rate_quantiles (beta = 0.9999, w_mean = v_th, 21 active inputs
    # per step): 75 chain solves of ~0.7 s each (20-50 s). A neuron whose first free step from
    # the reset crosses except with probability P(T > 1) ~ 1e-9 fires at 1/(ref + 1 + P(T > 1)),
    # the later steps bounded (Chernoff) below 1e-9: no solve. Checked against the solve itself.
    n = LIF.from_beta(0.9999, reset="zero", tau_ref=0.005)
    beta, v_th, v_reset, reset, ref = n.chain_params()
    inc = increment_distribution(100, 0.211775, 0.95, math.sqrt(0.06), gain=n.gain, quenched=True)
    exact = discrete._Chain(beta, inc, v_th, v_reset, reset, ref).converged().rate
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    rate = discrete.quenched_neuron_rate(n, 100, 0.211775, 0.95, 0.06)
    assert not calls
    assert rate == pytest.approx(exact, rel=1e-9)
    assert 1.0 / rate - 6.0 > 0.0   # P(T > 1) > 0 is kept, not rounded to the limit 1/6
    q = discrete.quenched_rate_quantiles(n, 100, 0.211775, 1.0, 0.248651, 0.648193)
    assert len(calls) <= 10, len(calls)
    assert q == pytest.approx(1.0 / 6.0, rel=1e-7)


@pytest.mark.parametrize("which", ["shot", "fpt"])
def test_shot_noise_simulators_refuse_tens_of_millions_of_events_before_the_loop(which, monkeypatch):
    # the deep profile's 20 s calls: 5e7 input events/s over 10 ms is 5e5 loop passes (~45 us
    # each). Refused before the loop: the amplitude draws (one per event and neuron) never run.
    import time

    import snntheory._sim.shot as shot
    from snntheory.simulate import simulate_first_passage, simulate_shot_noise

    draws = []
    jumps = shot._jumps
    monkeypatch.setattr(shot, "_jumps", lambda *a: draws.append(1) or jumps(*a))
    t0 = time.process_time()
    with pytest.raises(ConvergenceError, match="SHOT_MAX_SECONDS"):
        if which == "shot":
            simulate_shot_noise(5e7, 0.0118703, n_neurons=10, t_max=0.01, burn_in=0.0, tau_m=1e-10,
                                v_th=0.770935, v_reset=0.770932)
        else:
            simulate_first_passage(5e7, 5e-7, n_neurons=10, t_max=0.01, tau_m=0.00157691, v_th=0.979792,
                                   v_start=-9998.04)
    assert not draws and time.process_time() - t0 < 1.0
    # the budget is the module constant: raised, a shorter version of the run goes ahead
    monkeypatch.setattr(shot, "SHOT_MAX_SECONDS", 1e9)
    if which == "shot":
        run = simulate_shot_noise(5e7, 0.0118703, n_neurons=2, t_max=2e-5, burn_in=0.0, tau_m=1e-10,
                                  v_th=0.770935, v_reset=0.770932, seed=1)
        assert run.duration == 2e-5
    else:
        run = simulate_first_passage(5e7, 5e-7, n_neurons=2, t_max=2e-5, tau_m=0.00157691, v_th=0.979792,
                                     v_start=-9998.04, seed=1)
        assert run.n_censored == 2
    assert draws


def test_subtract_kernel_is_evaluated_only_on_its_nonzero_rows(monkeypatch):
    # quenched_neuron_rate at p_in = 0.003 (14 count components, ~2,000 nodes, 6 solves: 7 s in
    # the deep profile) spent its time in the kernel's exponentials, evaluated on every row for
    # both halves of the subtract-reset kernel and then masked. Now only rows u < v_th (below)
    # and u >= v_reset (after a spike) are evaluated; the values are the direct formula's.
    import numpy as np

    n = LIF.from_beta(0.97448, reset="subtract")
    inc = increment_distribution(100, 0.00295435, 0.0109593, math.sqrt(0.00533204), gain=n.gain, quenched=True)
    beta, v_th, v_reset, reset, ref = n.chain_params()
    chain = discrete._Chain(beta, inc, v_th, v_reset, reset, ref)
    u = np.linspace(-1.6, 1.37, 301)
    evaluated = []
    fc = discrete._Chain.fc
    monkeypatch.setattr(discrete._Chain, "fc", lambda self, z: evaluated.append(np.size(z)) or fc(self, z))
    kern = chain.F(u, u)
    assert sum(evaluated) <= 1.5 * u.size**2, sum(evaluated)   # was 2 u.size^2
    z = u[:, None] - beta * u[None, :]

    def dens(x):
        return sum(c * np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
                   for c, mu, sd in zip(inc.weights, inc.means, inc.sds))

    direct = dens(z) * (u < v_th)[:, None] + dens(z + v_th - v_reset) * (u >= v_reset)[:, None]
    np.testing.assert_allclose(kern, direct, rtol=1e-12, atol=0)


def test_correlation_of_a_driftless_perfect_integrator_is_refused_before_the_chain(monkeypatch):
    # the deep profile's 5 s correlation_fixed_point: beta = 1, subtract reset, mean drive
    # -1.5e-5 V per step against an SD of 0.12: no stationary law (long-run rate 0, as
    # discrete.firing_probability says), but the two-replica chain relaxed for ~4,000 steps to
    # the law of a walk reflected at the grid's lower end and reported f(0.5) = 0.035. Now
    # NoSolutionError (silent layer) before the chain runs.
    import snntheory.network as network
    from snntheory.errors import NoSolutionError

    n = LIF.from_beta(1.0, reset="subtract")
    assert discrete.firing_probability(-1.5e-5, 0.12, beta=1.0, reset="subtract") == 0.0
    runs = []
    chain = network._replica_chain
    monkeypatch.setattr(network, "_replica_chain", lambda *a, **k: runs.append(1) or chain(*a, **k))
    with pytest.raises(NoSolutionError, match="silent"):
        network.correlation_fixed_point(neuron=n, n_in=50, input_rate=3e-7, w_mean=-1000, w_std=3e-7, grid=3,
                                        n_nodes=2, window=4)
    assert not runs


def test_banded_sparse_kernel_is_built_in_one_vectorised_pass(monkeypatch):
    # lif_normal_ at beta = 0.9999 (6 Nystrom solves of ~2,700 nodes: 2.1 s in the deep profile)
    # spent its time in one F call (and its Python overhead) per column of the banded kernel. Now
    # the band of every column is evaluated in one pass (F is called for the reset orbit only),
    # and the matrix is the same: the rate equals the dense solve's.
    from snntheory.neuron import IncrementDistribution

    chain = discrete._Chain(0.9999, IncrementDistribution.gaussian(0.002, 0.13), 1.0, 0.0, "zero", 0)
    calls = []
    F = discrete._Chain.F
    monkeypatch.setattr(discrete._Chain, "F", lambda self, u, y: calls.append(1) or F(self, u, y))
    fast = chain.solve_sparse(0, 12)
    assert fast.nodes.size > 1000 and len(calls) <= 2, (fast.nodes.size, len(calls))   # was one per node
    monkeypatch.setattr(discrete, "_N_DENSE_BANDED", discrete._N_MAX)
    assert abs(fast.rate / chain.solve(0, 12).rate - 1) < 1e-11


# --- the seed-28 profile's slow calls (2.1-3.4 s replayed alone); each now stops at its cause


def test_perfect_integrator_weight_mean_takes_walds_identity(monkeypatch):
    # wiener.weight_mean_for_rate(p_out=2e-4, n_in=100, p_in=0.0039, w_std=0): m/s = 0.63 and
    # theta/s = 3,200 put each of its 8 forward rates on a banded Nystrom solve (0.5 s each);
    # Wald's identity with the ladder overshoot is exact there to < 1e-12 (test_discrete) and was
    # only taken for m <= s/2. Now no chain is solved, and the weight mean still gives the rate
    # by an independent route (the Nystrom chain solved directly)
    from snntheory import wiener
    from snntheory.neuron import IncrementDistribution

    solves = []
    init = discrete._Chain.__init__
    monkeypatch.setattr(discrete._Chain, "__init__", lambda self, *a, **k: solves.append(a) or init(self, *a, **k))
    mu = float(wiener.weight_mean_for_rate(2e-4, n_in=100, p_in=0.00393532, w_std=0.0))
    assert solves == []
    monkeypatch.undo()
    st = wiener.step_statistics(n_in=100, p_in=0.00393532, w_mean=mu, w_std=0.0)
    chain = discrete._Chain(1.0, IncrementDistribution.gaussian(float(st.step_mean), float(st.step_std)),
                            1.0, 0.0, "zero", 0)
    assert chain.converged().rate == pytest.approx(2e-4, rel=1e-9)


def test_count_mixture_table_is_not_refused_by_the_infinite_top_edge():
    # network.bptt_gain([50, 40], beta = 1, subtract): _chain_operators asks the count mixture's
    # CDF at sub-cell edges that end in 1e300 (for +inf); the table's span was then infinite, so
    # every node fell to the banded sum (1.4 s of 2.7 s). The table now spans the edges where a
    # component's CDF is neither 0 nor 1, and agrees with the banded sum there as everywhere
    import numpy as np

    q = np.array([0.2, 0.5, 0.25, 0.05])
    xe = np.concatenate([np.linspace(-3.0, 4.0, 400), [1e300]])
    src = np.linspace(-1.0, 1.0, 60)
    table = discrete._mix_table(xe, src, q, 0.7, 0.3)
    assert table is not None
    np.testing.assert_allclose(table, discrete._mix_band(xe, src, q, 0.7, 0.3), rtol=0, atol=1e-10)
    assert np.all(table[:, -1] == pytest.approx(1.0, abs=1e-15))   # the CDF at +inf


def test_correlation_map_refuses_a_cut_membrane_law_before_the_joint_chain(monkeypatch):
    # correlation_map at beta = 0.9999 with w_mean = 10 ran the two-replica chain (208 steps of
    # ~30 ms) before comparing its rate with the one-neuron chain's and refusing. The check now
    # uses one replica's marginal chain on the same grid, solved directly, before the joint chain
    import snntheory.network as network

    runs = []
    chain = network._replica_chain
    monkeypatch.setattr(network, "_replica_chain", lambda *a, **k: runs.append(1) or chain(*a, **k))
    with pytest.raises(ConvergenceError, match="lower end"):
        network.correlation_map(0.673, neuron=LIF.from_beta(0.9999, reset="subtract"), n_in=50, input_rate=1.34,
                                w_mean=10.0, w_std=0.272, window=4, n_nodes=2)
    assert not runs


@pytest.mark.parametrize("beta,reset,drives,s_ind,s_com", [
    (0.9, "zero", (0.05, 0.12), 0.2, 0.1), (0.95, "subtract", (0.02, 0.08), 0.1, 0.15),
    (1.0, "subtract", (0.05,), 0.3, 0.2), (0.8, "zero", (0.3,), 0.05, 0.0)])
def test_replica_marginal_is_the_joint_chains_marginal(beta, reset, drives, s_ind, s_com):
    # the marginal chain solved directly against the joint chain iterated to its stationary law
    import numpy as np

    import snntheory.network as network

    cp = LIF.from_beta(beta, reset=reset).chain_params()
    drive = network._PairDrive(s_ind, s_com)
    joint = network._replica_chain(cp, np.array(drives), drive, lags=2, tol=1e-12, max_iter=20000)[0]
    np.testing.assert_allclose(network._replica_marginal_rate(cp, np.array(drives), drive), joint, rtol=1e-7)


def test_shot_noise_fpt_density_far_start_goes_to_the_chain_route_before_summing(monkeypatch):
    # fpt_density at a start 58,000 jumps below rest (v_start = -9998, a_e = 0.173): the exact
    # route summed two Kummer series of 60,700 terms for 65 and 64 transform values (3.3 s)
    # before the doubling of M exceeded the series' memory bound and the chain route refused
    # (its cost, 8.9 s, is over FPT_CHAIN_MAX_SECONDS). The exact route's size is now judged from
    # the parameters alone, before any series is summed
    import snntheory.shotnoise as sn

    calls = []
    monkeypatch.setattr(sn, "_kummer_scaled", lambda *a: calls.append(a))
    with pytest.raises(ConvergenceError, match="FPT_CHAIN_MAX_SECONDS"):
        sn.fpt_density(10.0, rate_e=5.0, a_e=0.173, tau_m=0.0077, v_th=0.867, v_start=-9998.0)
    assert calls == []


def test_shot_noise_fpt_density_below_the_smallest_double_is_zero_without_the_inversion(monkeypatch):
    # tau_m = 10 s, 1321 Hz of 5 V jumps from 20 jumps below rest: the mean FPT is 15 ms and
    # t = 10 s was inverted at its saddle-point tilt with mpmath's Kummer function (544 values,
    # 4.4 s). Only an excitatory jump crosses a threshold above rest, so g(t) <= R_E P(T > t)
    # <= R_E E[e^(lambda T)] e^(-lambda t) for lambda below the first pole: checked here
    # independently (the transform in mpmath at 30 digits, lambda = 100 /s) to be below the
    # smallest double, and the density is 0 without the tilted inversion
    import mpmath as mp

    import snntheory.shotnoise as sn

    re_, ae, tau, th, v0 = 1321.0, 5.0, 10.0, 0.622, -98.76
    with mp.workdps(30):
        rho, s = mp.mpf(re_) * tau, mp.mpf(-100.0) * tau
        f = rho / (s + rho) * mp.hyp1f1(s, s + rho + 1, mp.mpf(v0) / ae) / mp.hyp1f1(s, s + rho, mp.mpf(th) / ae)
        assert f > 0
        assert re_ * f * mp.exp(-100.0 * 10.0) < mp.mpf("1e-330")
    inversions = []
    invert = sn._invert_windows
    monkeypatch.setattr(sn, "_invert_windows", lambda *a: inversions.append(a) or invert(*a))
    got = sn.fpt_density([0.02, 10.0], rate_e=re_, a_e=ae, tau_m=tau, v_th=th, v_start=v0)
    assert got[1] == 0.0 and got[0] > 1.0
    assert len(inversions) == 1   # the body's window only; no tilted inversion at t = 10 s


def test_quenched_layer_refuses_when_its_nodes_solves_sum_beyond_the_budget(monkeypatch):
    # seed 29's 'over 20 s' quenched_layer: beta = 1 - 1e-7, 26 % of 100 inputs active, 32 nodes
    # whose mixture chains (69 components) each passed the per-solve cost check (0.56-0.72 s
    # estimated, 0.86-1.5 s measured): 57 s in all. Now the nodes' estimates are summed first
    # (15 s > 8 s) and the call refuses before any solve; the advice (Gaussian increments) works
    from snntheory.discrete import quenched_layer

    n = LIF.from_beta(0.9999999, reset="zero")
    args = (n, 100, 0.2602616911081348, 0.06485677824043817, 0.026240303235799945)
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(ConvergenceError, match="increments='gaussian'"):
        quenched_layer(*args)
    assert not calls
    q = quenched_layer(*args, increments="gaussian")
    assert 0.9 < q.mean_rate < 1.0 and q.rate_sd > 0.0


def test_quenched_rate_quantiles_refuses_when_its_nodes_solves_sum_beyond_the_budget(monkeypatch):
    # seed 29's other 'over 20 s': 75 nodes (25 weight means x 3 spreads) of 60-component mixtures
    # at beta = 0.92, 36 s by the cost model; refused before any solve
    from snntheory.discrete import quenched_rate_quantiles

    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(ConvergenceError, match="increments='gaussian'"):
        quenched_rate_quantiles(LIF.from_beta(0.9219835059150482, reset="subtract"), 100, 0.2866291233477686,
                                0.01212738003230765, 0.2258660627049163, 0.2639609030568572)
    assert not calls


def test_refinement_over_the_node_cap_refuses_before_its_coarse_solve(monkeypatch):
    # seed 29's weights_for_rate at beta 0.9999 (0.03 active inputs per step): the first halving's
    # fine grid needs 4,430 nodes (> 3,000), which its coarse solve (~0.8 s of 2.4 s) learnt only
    # after running; the grid is now checked first: 2 solves, then the refusal naming the change
    n = LIF.from_beta(0.9999, reset="subtract")
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(ConvergenceError, match=r"after 1 halving\(s\): the Nyström grid would need"):
        discrete.layer_rate(n, 100, 0.0003, -0.294591, 5.773503, increments="gaussian")
    assert len(calls) == 2, calls


def test_quenched_node_whose_refinement_stops_keeps_its_mixture_rate():
    # seed 29's slowest quenched_neuron_rate (3.1 s): the mixture chain's refinement stops at the
    # cost budget with the rate's change at 6e-7 (> 1e-7), and the ConvergenceError made the call
    # return the Gaussian increment's rate, 7.4e-7, for a neuron that fires at 7.3e-4 per step
    # (sparse input: P(no input) = 0.71, each input ~N(0.016, 0.27^2)). Checked against a seeded
    # simulation of the same increments (binomial count of active inputs, subset-sum Gaussian)
    import numpy as np

    n = LIF.from_beta(0.6233404714431418, reset="subtract")
    p, wb, wv, n_in = 0.003396639665851653, 0.016426456992860092, 0.07549429749837076, 100
    rate = discrete.quenched_neuron_rate(n, n_in, p, wb, wv)
    beta, v_th, v_reset, _, _ = n.chain_params()
    rng = np.random.default_rng(2)
    v, spikes, n_sim, steps = np.zeros(10000), 0, 10000, 2000
    for t in range(steps + 300):
        k = rng.binomial(n_in, p, n_sim)
        v = beta * v + n.gain * (k * wb + np.sqrt(k * wv * (n_in - k) / (n_in - 1)) * rng.standard_normal(n_sim))
        crossed = v >= v_th
        spikes += int(crossed.sum()) if t >= 300 else 0
        v[crossed] -= v_th - v_reset
    sim, se = spikes / (n_sim * steps), math.sqrt(spikes) / (n_sim * steps)
    assert abs(rate - sim) < 4 * se, (rate, sim, se)


def test_order_12_solves_at_their_rounding_floor_stop_the_refinement(monkeypatch):
    # the same chain: its order-12 rates on successive halvings change by 1.9e-7, 1.4e-7, 1.5e-7
    # (no longer converging: the solve's floor) while the order-8 ones still move; the refinement
    # ran to the cost budget (8 solves, 2.7 s). It now stops at the second non-shrinking change
    # (5 solves), reporting the rate and the change reached
    n = LIF.from_beta(0.6233404714431418, reset="subtract")
    inc = increment_distribution(100, 0.003396639665851653, 0.016426456992860092, math.sqrt(0.07549429749837076),
                                 gain=n.gain, quenched=True)
    beta, v_th, v_reset, reset, ref = n.chain_params()
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(discrete._RefinementStopped, match="order-12 solves change") as err:
        discrete._Chain(beta, inc, v_th, v_reset, reset, ref).converged()
    assert len(calls) == 5, calls
    assert err.value.change < 3e-7 and err.value.rate == pytest.approx(7.266e-4, rel=1e-4)


def test_cost_model_counts_the_rows_of_both_halves_of_a_subtract_kernel(monkeypatch):
    # The dense-solve cost model counted the n x n kernel once; F evaluates the rows below v_th
    # and, for a subtractive reset, again those above v_reset (1.37 n^2 at this 47-component
    # layer). It estimated 1.24 s for a solve that took 1.7-2.1 s of one core (2.3 s in the deep
    # profile). Counted on the solve's own first grid: the model's kernel entries must equal the
    # entries F evaluates to the node density's unevenness (5 %), for both resets.
    import numpy as np

    from snntheory.discrete import layer_rate

    for reset in ("subtract", "zero"):
        n = LIF.from_beta(0.9069505159940581, reset=reset)
        inc = increment_distribution(100, 0.10884106729660936, 0.029538608345658524, 0.006769836244659799,
                                     gain=n.gain)
        beta, v_th, v_reset, rs, ref = n.chain_params()
        chain = discrete._Chain(beta, inc, v_th, v_reset, rs, ref)
        entries = []
        monkeypatch.setattr(discrete, "_SEC_PER_KERNEL_ENTRY", 1.0)
        monkeypatch.setattr(discrete, "_SEC_PER_LU", 0.0)
        monkeypatch.setattr(discrete._Chain, "_kernel_fill", lambda self, n_, span: 1.0)
        model = chain._dense_seconds()
        low, high = chain.bounds()
        edges = chain.breakpoints(low, high)
        width = discrete._PANEL * chain.s_res
        for order in discrete._ORDERS:
            u = discrete._gl_nodes(edges, width, order, discrete._N_MAX)[0]
            entries.append(u.size * (np.sum(u < chain.v_th) + (0 if chain.renewal else np.sum(u >= chain.v_reset))))
        assert model == pytest.approx(sum(entries), rel=0.05), (reset, model, entries)
    monkeypatch.undo()
    # the corrected estimate (1.7 s) is over the 1.5 s budget: refused before any solve, with advice
    with pytest.raises(ConvergenceError, match="increments='gaussian'"):
        layer_rate(LIF.from_beta(0.9069505159940581, reset="subtract"), 100, 0.10884106729660936,
                   0.029538608345658524, 0.006769836244659799)
