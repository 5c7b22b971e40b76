r"""Symbolic parts of surrogate-gradient backpropagation through time (``network.bptt_gain``).

Model: per layer l, neuron i, step t the backward recursion of the step map with a surrogate,

    delta[t] = sigma'[t] g[t] + c[t] delta[t+1],   g_{l-1}[t] = gain sum_i W_i delta_i[t],

``c`` the time path (beta for a detached subtractive reset). The sympy parts are the geometric
sums of the detached subtractive reset, where the path factor is deterministic: the top layer's
through-time factor for a white error, and the count-readout variance for a surrogate with
short-range correlation; and the mean-field layer map with its common mode. ``tests/test_symbolic_bptt.py``
checks them against brute-force sums and against :func:`snntheory.network.bptt_gain`.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import sympy as sp

from ._render import Document, Step

__all__ = ["symbols", "white_top_factor", "count_top_variance", "layer_map", "ar_memory_fit", "document"]


def symbols():
    """The symbols of the model (with assumptions) as a namespace."""
    beta = sp.Symbol("beta", positive=True)
    T, t, u, up, n = sp.symbols("T t u u' n", integer=True, nonnegative=True)
    m1, v1, sw, mw = sp.symbols(r"m_{\sigma'} v_{\sigma'} sigma_w mu_w", real=True)
    return SimpleNamespace(beta=beta, T=T, t=t, u=u, up=up, n=n, m1=m1, v1=v1, sw=sw, mw=mw)


@lru_cache(maxsize=None)
def white_top_factor():
    r"""Top layer, white unit error at every step, detached subtractive reset:
    :math:`E[\delta_t^2] = E[\sigma'^2]\sum_{u=t}^{T-1}\beta^{2(u-t)}`; returns
    ``(per-step factor, through-time factor)`` with the latter the mean over t = 0..T-1
    (the ``through_time`` of :func:`snntheory.network.bptt_gain` for the top layer)."""
    s = symbols()
    k = sp.Symbol("k", integer=True, nonnegative=True)
    per_step = sp.simplify(sp.summation(s.beta ** (2 * k), (k, 0, s.T - 1 - s.t)))
    mean = sp.simplify(sp.summation(per_step, (s.t, 0, s.T - 1)) / s.T)
    return per_step, mean


@lru_cache(maxsize=None)
def count_top_variance():
    r"""Top layer, count readout (the same unit error at every step), detached subtractive reset,
    surrogate values with mean :math:`m` and variance :math:`v` uncorrelated across steps:
    :math:`E[\delta_t^2] = m^2 (\sum_{k<T-t}\beta^k)^2 + v\sum_{k<T-t}\beta^{2k}`."""
    s = symbols()
    k = sp.Symbol("k", integer=True, nonnegative=True)
    r = s.T - s.t
    a = sp.summation(s.beta ** k, (k, 0, r - 1))
    b = sp.summation(s.beta ** (2 * k), (k, 0, r - 1))
    return sp.simplify(s.m1 ** 2 * a ** 2 + s.v1 * b)


def layer_map():
    r"""Mean-field map of the error's time covariance from layer l to l - 1: ``(G, G_b)`` as
    expressions in placeholders D (the layer's delta covariance), M G_b M^T (its common part
    carried by the mean response) and n (the layer's width)."""
    s = symbols()
    D, MGM = sp.symbols(r"D_l \mathcal{M}G^{b}_l\mathcal{M}^{T}")
    G = s.n * (s.sw ** 2 + s.mw ** 2) * D + s.mw ** 2 * (s.n ** 2 - s.n) * MGM
    Gb = s.mw ** 2 * s.n * D + s.mw ** 2 * (s.n ** 2 - s.n) * MGM
    return G, Gb


@lru_cache(maxsize=None)
def ar_memory_fit():
    r"""The AR(1) fit of a coloured drive (``network._ar_fit``): lagged covariances
    :math:`A a^k` matched in their plain sum :math:`S_1 = A a/(1-a)` and their sum with weights
    :math:`b^k`, :math:`S_b = A a b/(1-ab)`; returns ``(a, A)`` in terms of the ratio
    :math:`r = S_b/S_1` and :math:`S_1`, and the stationary membrane variance of the leaky
    integrator driven by white (variance :math:`s_w^2`) plus this AR(1) part."""
    a, A, b, r, S1, beta, sw = sp.symbols(r"a A b r S_1 beta s_w", positive=True)
    sol_a = sp.solve(sp.Eq(r, (A * a * b / (1 - a * b)) / (A * a / (1 - a))), a)[0]
    sol_A = sp.simplify(sp.solve(sp.Eq(S1, A * a / (1 - a)), A)[0].subs(a, sol_a))
    k = sp.Symbol("k", integer=True, positive=True)
    lagged = sp.simplify(sp.summation(beta ** k * a ** k, (k, 1, sp.oo)).rewrite(sp.Piecewise).args[0][0])
    var = sp.simplify((sw ** 2 + A * (1 + 2 * lagged)) / (1 - beta ** 2))
    return sp.simplify(sol_a), sol_A, var


def document() -> Document:
    """The bptt derivation, rendered to ``derivations/bptt.md`` by ``python -m snntheory.symbolic``."""
    per_step, mean = white_top_factor()
    count = count_top_variance()
    G, Gb = layer_map()
    fit_a, fit_A, fit_var = ar_memory_fit()
    D, Gs, P, H = sp.symbols(r"D_l(t\,t') G_l(u\,u') P(t\,u) H")
    steps = [
        Step("Backward recursion of the step map",
             "Layer l, neuron i, step t: V the pre-reset potential compared with the threshold, S its spike, "
             "g = dL/dS, delta = dL/dV. The surrogate σ' replaces H'. The time path c = β dV_post/dV is β for a "
             "detached subtractive reset, β(1 - S) for a detached reset to zero (snnTorch's `mem_reset` detaches "
             "the reset), β(1 - θσ') for a subtractive reset through the surrogate (snnTorch "
             "`Leaky(reset_delay=False)`), β[(1 - S) + (v_reset - V)σ'] for a reset to zero through it.",
             [r"\delta^l_i[t] = \sigma'(V^l_i[t]-v_\mathrm{th})\,g^l_i[t] + c^l_i[t]\,\delta^l_i[t+1],\qquad"
              r" g^{l-1}_j[t] = g\sum_i W^l_{ij}\,\delta^l_i[t]"]),
        Step("Second moment under mean-field independence",
             "The error arriving at a layer is taken independent of the layer's own state; its time covariance "
             "is G_l(u, u'). Unrolling the recursion, with P(t, u) the product of c over t ≤ k < u, the delta "
             "covariance is a sum over pairs of surrogate times of a two-path expectation over the neuron's "
             "stationary step-map chain. On the chain's grid (post-reset states x, weighted transfer operators "
             "M_f[x, x'] = E[f(V) 1{V_post = x'} | x], π the stationary law) every two-path expectation is a "
             "product of operators: for overlapping paths π M_c^a M_{c²}^b M_{cσ'} M_c^{d-1} M_{σ'} 1 "
             "(a steps on one path, b on both, d between the surrogate times; M_{σ'²} 1 when d = 0), for "
             "disjoint ones π M_c^a M_{σ'} M_1^g M_c^b M_{σ'} 1. This is exact given the chain and the "
             "independence; the neurons' quenched drives are averaged with the depth model's nodes.",
             [r"D_l(t,t') = \sum_{u\ge t,\;u'\ge t'} E\left[P(t,u)\,\sigma'_u\,P(t',u')\,\sigma'_{u'}\right]\,G_l(u,u')"]),
        Step("Top layer, white error, detached subtractive reset",
             "c = β is deterministic, so E[δ_t²] = E[σ'²] Σ β^{2(u-t)}; the through-time factor is its mean over "
             "the window relative to E[σ'²] (→ 1/(1-β²) for a long window).",
             [("per step", sp.Eq(sp.Symbol("F_t"), per_step)), ("mean over t", sp.Eq(sp.Symbol("F"), mean))]),
        Step("Top layer, count readout, detached subtractive reset",
             "The same unit error e_i at every step; with surrogate values of mean m and variance v uncorrelated "
             "across steps (the chain supplies the true autocorrelation K(d); this is its short-memory form) "
             "the error grows towards early steps with the squared geometric sum.",
             [("E[δ_t²]", count)]),
        Step("The layer map with its common mode",
             "Across neurons, W = μ_w + ξ. The ξ part gives an error independent across the neurons below "
             "(variance n σ_w² D). The μ_w part, μ_w Σ_i δ_i, is common to all of them: it carries n μ_w² D "
             "plus, for a common error G_b arriving at the layer, n² μ_w² M G_b Mᵀ with "
             "M(t, u) = E[P(t, u) σ'_u] (n(n-1) once the neurons' own fluctuations are counted). With a "
             "non-zero mean weight this term dominates in deep layers (a perfect integrator at n μ_w = 1 is "
             "off by 10³ over five layers without it).",
             [sp.Eq(sp.Symbol("G_{l-1}"), G), sp.Eq(sp.Symbol("G^{b}_{l-1}"), Gb)]),
        Step("Norms and what is left out",
             "||dL/dV_l||² = n_l Σ_t D_l(t, t); ||dL/dW_l||² = g² n_l n_{l-1} Σ_{t,t'} D_l(t, t') E[S_j[t] S_j[t']] "
             "with E[S S'] = E[p²] + δ_{tt'}(E[p] - E[p²]) (the input train's autocorrelation left out). Left out: "
             "the correlation of a neuron's spike with the error it receives back, and the depth model's own "
             "forward errors, which compound over the layers (section 7).",
             []),
        Step("Where the gap comes from: forward law times independence",
             "Run the same mean-field map (sections 2 and 5) on the measured forward pass: each neuron's path "
             "matrix A_i(t, u) = σ'_i[u] Π_{t≤k<u} c_i[k] from a simulation's own membranes and spikes, "
             "D_l = mean_i A_i G_l A_iᵀ, M = mean_i A_i (`mean_field` of tests/bptt_reference.py). Per layer, the "
             "ratio to the top layer of autograd over the prediction then factors exactly into forward "
             "(mean_field / prediction: the chain's path statistics against the measured ones) times independence "
             "(autograd / mean_field). Measured over 8 layers, T = 16, count readout, i.i.d. weights of "
             "`init_network`'s 50 Hz plans (β 0.8-1, both resets, widths 100-500, fast sigmoid 0.02/0.04/0.1 V, "
             "ATan, sigmoid, attached subtractive resets; benchmarks/results/bptt.md): no point meets 20 % on every "
             "layer; the forward factor alone meets it nowhere (subtractive reset 1.05-4.7, reset to zero "
             "0.07-0.85, deepest layers worst), the independence factor at 9 of 26 points (range 0.49-4.0).\n\n"
             "Through time the theory is exact given its law: one layer on the Bernoulli input, where the chain's "
             "law is the input's own, gives autograd / prediction 0.96-1.04 (count and step readouts, relative SE "
             "0.01-0.07) for both resets, detached and attached "
             "(subtractive: β(1 - θσ'), to zero: β[(1 - S) + (v_reset - V)σ']), β 0.9 and 1, with E[σ'²] 0-4 % "
             "off. The path covariance through time (the surrogate's autocorrelation K and the products of c "
             "along a trajectory) is therefore not the gap; nor is the common mode of the mean weight: replacing "
             "M G_b Mᵀ by the measured cross-neuron second moment mean_{i≠k} A_i G_b A_kᵀ changes mean_field by "
             "at most 1 % (6 layers, β 0.9 and 1, both resets).\n\n"
             "Forward law. A layer driven by Bernoulli trains at the measured rates of the layer below matches "
             "the chain given those rates (rate 0.95-1.00, E[σ'²] 0.99-1.02); driven by the layer's actual spike "
             "trains it does not: with a subtractive reset the trains are bursty (autocorrelation 0.18-0.20 at "
             "lag 1, 0.11 at lag 2: a membrane left above threshold after subtracting θ fires again, and the "
             "leaky membrane's slow excursions cluster spikes), which raises the next layer's rate by 15-21 % and "
             "E[σ'²] by 10-17 % at layer 2; with a reset to zero they are regular (-0.09 at lag 1) and the error "
             "is small at layer 2 (rate 0.94, E[σ'²] 0.97) but grows with depth (over 8 layers the rate falls to "
             "0.69 and E[σ'²] to 0.55 of the prediction). A white drive with the coloured drive's filtered "
             "variance (s² → s²(1 + 2 Σ_d β^d ρ(d))) does not repair it (β 0.9 subtract, layer 2, one weight draw: rate "
             "0.056 vs 0.049 measured, E[σ'] 0.0084 vs 0.0096): the memory of the input has to be a state of the chain "
             "(a two-dimensional chain over the membrane and the input's slow component), the change to the depth "
             "model made in section 8 (`input_memory=True`). Each layer's E[σ'²] error enters the error variance once per "
             "layer below it, so 8 layers need the per-layer law to a few per cent.\n\n"
             "Independence. With the error sent down through an independent copy of each weight matrix the "
             "mean-field map on measured paths holds over 4 layers (autograd / mean_field 1.06, 1.00, 1.04 at "
             "β 0.9 subtract) and over 8 at β 0.9 with a reset to zero (0.94-1.11), but not at β 0.9 subtract over 8 "
             "(1.01-1.67) nor for the perfect integrator (1.05-1.73), and "
             "the true backward pass differs again (0.49-4.0; largest for the reset to zero at β 0.8 and the "
             "perfect integrator). What is left is a neuron's own spike moving its targets: V_k shifts by W_ki "
             "when neuron i spikes, and the error g_i = Σ_k W_ki δ_k(V_k) depends on that shift. The kicks are "
             "not small on the scale the surrogate resolves (σ_w = 0.14-0.19 V against widths 0.02-0.1 V for "
             "β < 1), so no expansion in W_ki applies; the correction needs the two-path expectations of section "
             "2 with one kicked step, conditioned on the lower neuron's spike, and is not derived here.",
             []),
        Step("Coloured input: the input's memory as a chain state",
             "With `input_memory=True` each layer above the first is driven by the autocovariance of the layer "
             "below's trains as the chain gives it, not by white noise. Per node the chain runs on (x, z): x the "
             "post-reset membrane on the depth model's grid, z the state of Rouwenhorst's 5-state chain for an "
             "AR(1) part of the drive (`_rouwenhorst` of the correlation map, section 5 of derivations/correlation.md; "
             "its autocovariance is exactly A a^|k|). One step: V = βx + d + z + white N(0, s_w²), threshold and "
             "reset, then z → z' with the AR transition R; the operators of section 2 become "
             "M_f[(x, z), (x', z')] = M_f^{(z)}[x, x'] R[z, z'] (M_f^{(z)} the white chain's operators at drive d + z), "
             "so the two-path expectations, the stationary law and the output autocovariance "
             "E[y_0 y_k] = π M_y M_1^{k-1} M_y 1 (M_y the spiking part) are products of operators as before. "
             "The drive is fitted to the population-averaged autocovariance C(k) of the layer below (lags 0-48, "
             "scaled by g² n (σ_w² + μ_w²)). Bursty trains (a subtractive reset): an AR(1) matching the plain and "
             "the 0.8^k-weighted sums of C(k) (below), its variance capped at 0.75 of the per-step variance. "
             "Regular trains (a reset to zero; the membrane-weighted lagged sum Σ_k u_k C(k) < 0, u_k = β^k, or "
             "the count window's (1 - k/T) for β = 1): an AR(1) with a < 0, variance 0.5 (else 0.75) of the "
             "per-step variance, a solving A Σ_k u_k a^k = Σ_k u_k C(k). In both the white part takes the rest of "
             "the membrane-weighted variance C(0) + 2 Σ_k u_k C(k), which is therefore exact; the lag-1 "
             "correlation is approximate (fitted 0.14 against 0.17 measured at β 0.9, subtract). Increments are "
             "Gaussian (no count mixture), and the neurons' cross-covariances are left out as before.\n\n"
             "Measured (benchmarks/results/bptt_memory.md; 8 layers, width 200, fast sigmoid 0.04 V, 4 weight "
             "seeds). Layer 2 on layer 1's spike trains, given their measured rates and autocovariance: rate and "
             "E[σ'²] measured / chain 0.94-1.00 and 0.97-0.99 (white 0.94-1.21, 0.97-1.17). The chain's own "
             "layer-1 memory has the simulation's lag-1 autocorrelation (0.167 vs 0.164 at β 0.9, subtract). Over "
             "8 layers the forward factor's largest |x - 1| falls from 1.14 to 0.39 (β 0.9, subtract), 0.63 to "
             "0.45 (β 0.9, zero), 0.59 to 0.12 (β 1, subtract) and 0.92 to 0.58 (β 1, zero); the total's from "
             "1.62 to 0.39, 0.61 to 0.42, 2.95 to 1.42 and 0.88 to 0.41. The per-layer E[σ'²] and rates move "
             "towards the measured ones (β 1, zero: E[σ'²] 0.73-1.00 → 0.89-1.00 of the prediction). At β 0.9 "
             "with a subtractive reset the correction overshoots (forward 0.61-0.83): the fitted AR(1) has a "
             "smaller lag-1 and a longer tail than the measured trains, and deep layers' rates are 0.78-0.96 of "
             "it. The 20 % criterion is met by the forward factor at β 1, subtract only; what remains there is "
             "the independence factor (section 7).",
             [("AR(1) fit, a", sp.Eq(sp.Symbol("a"), fit_a)), ("variance", sp.Eq(sp.Symbol("A"), fit_A)),
              ("membrane variance", sp.Eq(sp.Symbol(r"\mathrm{Var}\,V_\mathrm{free}"), fit_var))]),
        Step("The 8-layer gap split four ways",
             "benchmarks/diag_bptt_gap.py runs one forward pass per weight seed and four backward maps on it: "
             "autograd; autograd with the error sent down through an independent copy of each weight matrix "
             "(`indep_fb`); the mean-field map of section 7 on the measured paths run per trial (`mf_trial`: it "
             "keeps, within a trial, the correlation between one layer's paths and the error the layers above "
             "send down); the same pooled over trials (`mf`, section 7). Per layer, as ratios to the top layer, "
             "total = forward (mf / prediction) x cross-layer (mf_trial / mf) x quenched feedback "
             "(indep_fb / mf_trial) x weight symmetry (autograd / indep_fb). The quenched-feedback factor is 1 "
             "in expectation (the independent copy enters only through its second moments, which mf_trial "
             "takes exactly up to the 1/n common-mode term of section 7); measured 0.95-1.01 (SE 0.12-0.20, 32 "
             "trials per seed) at β 1, it only carries the readout's sampling noise, which is large at β 1 "
             "because there the common mode dominates (n μ_w²/σ_w² ≈ 19) and every deep layer's error is one "
             "scalar per trial: 8 trials per seed leave SE 0.3-0.5 on the autograd ratios.\n\n"
             "At the deepest layer (layer 1 of 8; fast sigmoid 0.04 V, width 200 unless stated; "
             "benchmarks/results/bptt_gap.md, 6 seeds x 8 trials, and bptt_gap_large.md, 3-4 seeds x 16-32 "
             "trials):\n\n"
             "- forward, white law: 2.6-2.7 (β 0.8-0.9, subtract), 0.33-0.45 (β 0.8-0.9, zero), 1.33-1.38 "
             "(β 1, subtract), 0.11 (β 1, zero); with `input_memory`: 0.77-0.94, 0.39-0.71, 0.81-0.84, 0.52-0.57.\n"
             "- cross-layer: 1.30 ± 0.08 (β 0.9, subtract), 1.27 ± 0.19 (β 0.9, zero), 2.17 ± 0.23 (β 0.8, zero), "
             "1.18-1.20 ± 0.03 (β 1), 0.89 ± 0.07 (β 0.8, subtract); the control with each layer's trial drawn by "
             "an independent permutation 0.84-1.10. At width 500 it is 1.04-1.05 (β 0.9 and 1, subtract): a "
             "finite-size term. Its forward side is synchrony that grows with depth (bptt_gap_sync.md): the "
             "per-step population spike count's CV is 1.2 times that of independent neurons at layer 1 and 3.5 "
             "times at layer 8 (β 0.8, zero, width 200; n times the mean pairwise spike correlation 0.5 → 11), "
             "and the count of layer l correlates at the same step with the summed σ'² of layer l + 1 (0.26 → "
             "0.66 up the layers). In a step where many neurons of layer l fire, layer l + 1's drive is wider, "
             "more of its neurons sit near threshold and it sends back a larger error at the very step at which "
             "layer l's σ' is large. The depth model's neurons are independent (binomial count mixture), so "
             "these shared-input correlations (of order 1/n per pair, amplified through depth) are left out "
             "forward and backward (this factor). Forward: layer 6 re-driven by layer 5's trains with each train "
             "circularly shifted by its own random offset (rates and autocorrelations kept, synchrony removed) "
             "has E[σ'²] 1.32 times that under the actual trains at β 0.8, zero (1.10 at width 500), 1.09 at "
             "β 0.9, subtract (1.02 at width 500) and 1.03-1.04 at β 1: synchrony lowers the next layer's "
             "surrogate moment, and at β 0.8 with a reset to zero it, not the trains' own memory that the "
             "coloured law of section 8 adds, is the forward factor (white 0.33, coloured 0.39 at layer 1). The "
             "excess of the count's variance over independent neurons does not fall with the width (n c 11 at "
             "width 200, 15 at 500, layer 8), but the count's relative fluctuation, and with it both effects, "
             "falls with n.\n"
             "- weight symmetry: β 1: 2.29 ± 0.15 (subtract), 2.11 ± 0.35 (zero), 2.52 ± 0.14 at width 500 "
             "(subtract): it does not shrink with the width. β 0.9, subtract: 1.24 ± 0.22 (width 200), 1.06 ± "
             "0.34 (width 500); β 0.8: 0.71 ± 0.23 (subtract), 1.45 ± 0.86 (zero). This is the kick of section 7: "
             "when neuron j fires its targets k move by W_kj, so g_j = Σ_k W_kj δ_k is correlated with j's own "
             "σ'. By Stein's identity its coherent part is σ_w² Σ_k E[∂δ_k/∂W_kj], against the common mode "
             "μ_w Σ_k δ_k; under the plans σ_w² and μ_w both scale as 1/n (σ_w²/μ_w = 0.053 V at widths 200 and 500, "
             "β 1), so the ratio does not fall with the width, and at β 1 a kick is never leaked away.\n\n"
             "So the dominant missing term depends on the regime. With the default white law it is the forward "
             "law at 5 of the 6 width-200 points (at β 0.8 with a reset to zero the white prediction is within "
             "8 % only because forward 0.33 x cross-layer 2.17 x symmetry 1.45 cancel; the coloured law is worse "
             "there, 0.23 against 0.08 largest error, so it is not the default). With `input_memory` it is the "
             "weight symmetry at β 1 (2.1-2.5: with a subtractive reset the total is 1.01-2.35 over layers 1-7 at "
             "widths 200 and 500; with a reset to zero 0.95-1.32 only because forward 0.52 and symmetry 2.11 "
             "partly cancel), and at β 0.8-0.9 "
             "the population synchrony (cross-layer factor and the forward residual), which falls with the "
             "width: at β 0.9, subtract the coloured total is 0.80-1.07 at width 200 (32 trials per seed) and "
             "0.91-1.29 at width 500. Neither term is modelled: the symmetry term needs the two-path "
             "expectations of section 2 conditioned on a kicked step (a second derivative of the surrogate "
             "through the targets' chains); the synchrony needs the population count's excess variance "
             "propagated through depth (a linear-response map of the population mode, the forward counterpart "
             "of the common mode of section 5) and an over-dispersed count mixture in the chain.",
             []),
    ]
    return Document(
        title="Surrogate gradients through depth and time (BPTT)",
        summary=("Derivation behind `snntheory.network.bptt_gain`: the per-layer norm of the backpropagated "
                 "error of a deep network of the discrete-time LIF step map, trained by backpropagation through "
                 "time with a surrogate derivative, from the stationary step-map chain of the depth model."),
        steps=steps,
        sources=[
            "Schoenholz SS, Gilmer J, Ganguli S & Sohl-Dickstein J (2017) Deep information propagation, ICLR (mean-field backpropagation).",
            "Zenke F & Vogels TP (2021) Neural Comput 33:899 (surrogate gradients, detached reset).",
            "Eshraghian JK et al. (2023) Proc IEEE 111:1016 (snnTorch Leaky, reset_mechanism, reset_delay).",
        ],
        feeds=[
            ("two-path expectations on the chain", "snntheory.network._path_functions"),
            ("delta covariance D_l", "snntheory.network._time_covariance"),
            ("layer map with common mode", "snntheory.network.bptt_gain"),
            ("white-error top-layer factor", "tests/test_symbolic_bptt.py"),
            ("AR(1) fit of a coloured drive", "snntheory.network._ar_fit"),
            ("membrane x Rouwenhorst chain", "snntheory.network._coloured_node"),
        ],
    )
