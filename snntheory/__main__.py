"""``python -m snntheory`` (or the ``snntheory`` script): a short demo of the diffusion neuron.

Prints, for a few inputs from mean-driven to deeply fluctuation-driven, the stationary rate,
the ISI coefficient of variation and the mean/SD of the membrane potential over the whole
population (refractory neurons at the reset), next to the free-membrane mean/SD the input
alone would give. Neuron: tau_m = 20 ms, v_th = 20 mV, v_reset = 10 mV, tau_ref = 2 ms
(Brunel 2000), potentials in mV relative to rest, Brunel noise convention (free V has SD
sigma/sqrt(2)).
"""

from __future__ import annotations

import argparse
import math

from . import diffusion

NEURON = dict(tau_m=0.020, v_th=20e-3, v_reset=10e-3, tau_ref=0.002)

# Regime names as the branches of the Siegert kernel in snntheory.diffusion: mean-driven
# mu >= v_th (y_th <= 0), straddling v_reset <= mu < v_th (y_r <= 0 < y_th), fluctuation-driven
# mu < v_reset (y_r > 0). Every label below contains the regime of its mu (tested).
REGIMES = ("mean-driven", "straddling", "fluctuation-driven")

CASES = [
    ("mean-driven", 30e-3, 2e-3),
    ("mean-driven, noisy", 24e-3, 5e-3),
    ("mean-driven, at threshold", 20e-3, 5e-3),
    ("straddling", 15e-3, 5e-3),
    ("fluctuation-driven", 8e-3, 5e-3),
    ("deeply fluctuation-driven", 0.0, 1e-3),
]


def regime(mu: float) -> str:
    """The Siegert-kernel regime of a mean input ``mu`` (V) for :data:`NEURON`."""
    if mu >= NEURON["v_th"]:
        return REGIMES[0]
    return REGIMES[1] if mu >= NEURON["v_reset"] else REGIMES[2]


def table() -> str:
    """The demo table as text."""
    head = (f"{'regime':<26} {'mu':>6} {'sigma':>6} {'y_th':>6} {'rate (Hz)':>12} {'ISI CV':>7} "
            f"{'E[V]':>7} {'SD[V]':>6} {'free SD':>7}")
    lines = ["White-noise LIF neuron (Siegert / Brunel 2000): tau_m = 20 ms, v_th = 20 mV, "
             "v_reset = 10 mV, tau_ref = 2 ms; potentials in mV", head, "-" * len(head)]
    for name, mu, sigma in CASES:
        rate = diffusion.firing_rate(mu, sigma, **NEURON)
        if rate > 1e-3:
            rate_txt = f"{rate:12.5g}"
        else:
            lr = diffusion.log_firing_rate(mu, sigma, **NEURON)
            rate_txt = f"{'e^' + format(lr, '.1f'):>12}"
        cv = diffusion.isi_cv(mu, sigma, **NEURON)
        m = diffusion.membrane_moments(mu, sigma, **NEURON)
        y = (NEURON["v_th"] - mu) / sigma
        lines.append(
            f"{name:<26} {mu * 1e3:6.1f} {sigma * 1e3:6.1f} {y:6.1f} {rate_txt} {cv:7.4f} "
            f"{round(m.mean * 1e3, 3) + 0.0:7.3f} {math.sqrt(m.var) * 1e3:6.3f} {sigma / math.sqrt(2) * 1e3:7.3f}"
        )
    lines.append("E[V], SD[V]: over all neurons incl. refractory ones at v_reset; free SD = sigma/sqrt(2).")
    lines.append("e^x in the rate column: rate = exp(x) Hz, x = log_firing_rate (shown below 1e-3 Hz).")
    lines.append("regime: mean-driven mu >= v_th, straddling v_reset <= mu < v_th, "
                 "fluctuation-driven mu < v_reset.")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Entry point of ``python -m snntheory`` and the ``snntheory`` script."""
    parser = argparse.ArgumentParser(prog="snntheory", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
