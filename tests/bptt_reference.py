"""Independent reference for :func:`snntheory.network.bptt_gain`: PyTorch autograd on the network itself.

Written without snntheory: the weights and Bernoulli inputs are drawn with torch, the neuron is the
canonical step map (``V <- beta V + W S_in``, spike ``V > v_th``, immediate reset to ``v_reset`` or by
subtraction of ``v_th - v_reset``), run in float64, and the spike non-linearity is snnTorch's own
surrogate (``snntorch.surrogate.fast_sigmoid / atan / sigmoid``: Heaviside forward, surrogate
backward). The reset uses the spike detached (snnTorch's ``mem_reset``) or not. ``burn_in`` steps
run without a graph (the network reaches its stationary state), then ``n_steps`` steps with one;
the loss is a random linear readout of the top layer's spike counts (``"count"``) or a white error
at every step (``"step"``). Returned: per layer, the mean over seeds and batch of
``||dL/dV_l||^2`` (V the pre-reset potential), ``||dL/dS_l||^2`` and ``||dL/dW_l||^2``, the spikes per step and E[sigma'^2].

``mean_field`` (also returned) is the mean-field backward map evaluated on the *measured* forward
pass: each neuron's path matrix A_i(t, u) = sigma'_i[u] prod_{t<=k<u} c_i[k] taken from the run's
own membranes and spikes, then the layer recursion of mean-field backpropagation (the error arriving
at a neuron independent of its own path; W = mu + xi: G_{l-1} = n (mu^2 + sigma^2) D_l +
mu^2 (n^2 - n) M G^b M^T, G^b_{l-1} = mu^2 n D_l + the same common term, D_l = mean_i A_i G_l A_i^T,
M = mean_i A_i). It splits a gap between ``network.bptt_gain`` and autograd into the forward law
(prediction vs ``mean_field``: the depth model's chain vs the measured paths) and the correlations
mean-field independence leaves out (``mean_field`` vs autograd).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from snntorch import surrogate as sts

_TORCH_SURROGATE = {
    # snntheory width w -> snnTorch parameter (fast sigmoid / sigmoid: slope = 1/w; atan: alpha = 2/(pi w))
    "fast_sigmoid": lambda w: sts.fast_sigmoid(slope=1.0 / w),
    "sigmoid": lambda w: sts.sigmoid(slope=1.0 / w),
    "atan": lambda w: sts.atan(alpha=2.0 / (math.pi * w)),
}


def measure(widths, w_means, w_stds, *, beta, reset, n_steps, input_p, surrogate, width, v_th=1.0, v_reset=0.0,
            readout="count", detach_reset=True, seeds=(0, 1, 2), batch=8, burn_in=150, feedback="same"):
    """Mean squared gradient norms per spiking layer (arrays of length L) over ``seeds`` (one weight draw
    each) and ``batch`` (input/readout draws); also their standard errors across seeds.

    ``feedback="independent"`` is a diagnostic: the error is sent down through an independent copy of
    each weight matrix (same law), which removes the correlation between a neuron's forward effect
    on its targets and the error it receives back, the one correlation mean-field backpropagation
    leaves out; the forward pass and the weight gradients' inputs are unchanged."""
    L = len(widths) - 1
    w_means = np.broadcast_to(np.asarray(w_means, float), (L,))
    w_stds = np.broadcast_to(np.asarray(w_stds, float), (L,))
    spike = _TORCH_SURROGATE[surrogate](width)
    theta = v_th - v_reset
    per_seed = []
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed))
        W = [(w_means[l] + w_stds[l] * torch.randn(widths[l + 1], widths[l], generator=gen, dtype=torch.float64))
             .requires_grad_(True) for l in range(L)]
        B = [w_means[l] + w_stds[l] * torch.randn(widths[l + 1], widths[l], generator=gen, dtype=torch.float64)
             for l in range(L)] if feedback == "independent" else None
        x = (torch.rand(burn_in + n_steps, batch, widths[0], generator=gen, dtype=torch.float64) < input_p).double()
        vs, ss = run_graph(W, B, x, beta=beta, reset=reset, spike=spike, detach_reset=detach_reset, burn_in=burn_in,
                           v_th=v_th, v_reset=v_reset)
        top = torch.stack(ss[-1])                               # (T, batch, n_L)
        if readout == "count":
            e = torch.randn(batch, widths[-1], generator=gen, dtype=torch.float64)
            loss = (top.sum(0) * e).sum()
        else:
            e = torch.randn(*top.shape, generator=gen, dtype=torch.float64)
            loss = (top * e).sum()
        loss.backward()
        dv = np.array([sum(float((a.grad ** 2).sum()) for a in vs[l]) for l in range(L)]) / batch
        ds = np.array([sum(float((a.grad ** 2).sum()) for a in ss[l]) for l in range(L)]) / batch
        # weight gradients: the batch sums them; per input draw E||dW||^2 needs single-draw gradients,
        # so report ||sum_b dW_b||^2 / batch (= E||dW_b||^2 when the draws' gradients are uncorrelated)
        dw = np.array([float((W[l].grad ** 2).sum()) for l in range(L)]) / batch
        rate = np.array([float(torch.stack(ss[l]).detach().mean()) for l in range(L)])
        paths = []
        for l in range(L):
            vv = torch.stack(vs[l]).detach()
            sg = _surrogate_grad(spike, vv - v_th)
            paths.append(_path_matrices(sg.numpy(), _time_path(vv, torch.stack(ss[l]).detach(), sg, beta, reset,
                                                                v_reset, theta, detach_reset).numpy()))
        e2 = np.array([float(np.mean(np.diagonal(a, axis1=-2, axis2=-1) ** 2)) for a in paths])
        mf = mean_field_map(paths, widths, w_means, w_stds, readout)
        per_seed.append((dv, ds, dw, rate, e2, mf))
    arr = np.array(per_seed)                                     # (seeds, 6, L)
    mean = arr.mean(axis=0)
    se = arr.std(axis=0, ddof=1) / math.sqrt(len(seeds)) if len(seeds) > 1 else np.zeros_like(mean)
    return dict(delta=mean[0], spike=mean[1], weight=mean[2], delta_se=se[0], spike_se=se[1], weight_se=se[2],
                rate=mean[3], surrogate_moment=mean[4], mean_field=mean[5], per_seed=arr)


def run_graph(W, B, x, *, beta, reset, spike, detach_reset=True, burn_in=150, v_th=1.0, v_reset=0.0):
    """The step map through the layers ``W`` on the input spikes ``x`` (steps, batch, n_0) from V = v_reset:
    ``burn_in`` steps without a graph, then one over the rest. ``B`` (None: the true backward pass) sends
    the error down through other matrices (value s_in W^T, gradient to s_in through B). Returns, per
    layer, the lists over the graph's steps of the pre-reset potentials and the spikes (grads retained)."""
    L = len(W)
    theta = v_th - v_reset
    batch = x.shape[1]
    v = [torch.full((batch, w.shape[0]), v_reset, dtype=torch.float64) for w in W]
    vs = [[] for _ in range(L)]
    ss = [[] for _ in range(L)]
    for t in range(x.shape[0]):
        grad_on = t >= burn_in
        with torch.set_grad_enabled(grad_on):
            s_in = x[t]
            for l in range(L):
                if B is None or not grad_on:
                    vp = beta * v[l] + s_in @ W[l].T
                else:       # value s_in W^T; gradient to s_in through B, to W as usual
                    fb = s_in @ B[l].T
                    vp = beta * v[l] + s_in.detach() @ W[l].T + (fb - fb.detach())
                s = spike(vp - v_th).double()        # snnTorch returns float32 spikes
                r = s.detach() if detach_reset else s
                if reset == "subtract":
                    v[l] = vp - theta * r
                else:
                    v[l] = vp * (1.0 - r) + v_reset * r
                if grad_on:
                    vp.retain_grad()
                    s.retain_grad()
                    vs[l].append(vp)
                    ss[l].append(s)
                s_in = s
        if t == burn_in - 1:
            v = [vv.detach() for vv in v]
    return vs, ss


def step_map(drive, beta, reset, v_th=1.0, v_reset=0.0):
    """Forward pass only: spikes and pre-reset potentials (each (steps, ...)) of the step map from
    V = v_reset under ``drive`` (steps, ...), Heaviside spikes, immediate reset."""
    v = torch.full(drive.shape[1:], v_reset, dtype=torch.float64)
    S, V = [], []
    for x in drive:
        vp = beta * v + x
        s = (vp > v_th).double()
        v = vp - (v_th - v_reset) * s if reset == "subtract" else vp * (1.0 - s) + v_reset * s
        S.append(s)
        V.append(vp)
    return torch.stack(S), torch.stack(V)


def _time_path(v, s, sg, beta, reset, v_reset, theta, detach):
    """c = beta dV_post/dV_pre of the step map at every step (the factor carrying dL/dV from t+1 to t)."""
    if reset == "subtract":
        return torch.full_like(v, beta) if detach else beta * (1.0 - theta * sg)
    return beta * (1.0 - s) if detach else beta * ((1.0 - s) + (v_reset - v) * sg)


def _path_matrices(sg, c):
    """A[b, i, t, u] = sg[u] prod_{t<=k<u} c[k] for u >= t (0 below): dL/dV[t] = sum_u A[t, u] dL/dS[u]
    along one neuron's trajectory. ``sg``, ``c``: arrays (T, batch, n)."""
    T = sg.shape[0]
    A = np.zeros(sg.shape[1:] + (T, T))
    for t in range(T):
        P = np.ones(sg.shape[1:])
        for u in range(t, T):
            A[..., t, u] = P * sg[u]
            P = P * c[u]
    return A


def mean_field_map(paths, widths, w_means, w_stds, readout="count"):
    """Per layer, n_l sum_t D_l(t, t) from mean-field backpropagation on measured path matrices
    (``paths[l]``: A of :func:`_path_matrices`, layer l + 1); the top error is the readout's
    (all ones over time for ``"count"``, the identity for ``"step"``)."""
    L = len(paths)
    w_means = np.broadcast_to(np.asarray(w_means, float), (L,))
    w_stds = np.broadcast_to(np.asarray(w_stds, float), (L,))
    T = paths[0].shape[-1]
    G = np.ones((T, T)) if readout == "count" else np.eye(T)
    Gb = np.zeros((T, T))
    out = np.empty(L)
    for l in range(L - 1, -1, -1):
        A = paths[l]
        n = widths[l + 1]
        D = np.einsum("bitu,uv,bisv->ts", A, G, A) / (A.shape[0] * A.shape[1])
        out[l] = n * np.trace(D)
        M = A.mean(axis=(0, 1))
        common = w_means[l] ** 2 * (n * n - n) * (M @ Gb @ M.T)
        Gb = w_means[l] ** 2 * n * D + common
        G = n * (w_stds[l] ** 2 + w_means[l] ** 2) * D + common
    return out


def _surrogate_grad(spike, x):
    """The surrogate derivative snnTorch's spike function applies at ``x`` (by autograd on it)."""
    x = x.clone().requires_grad_(True)
    spike(x).sum().backward()
    return x.grad
