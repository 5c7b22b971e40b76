"""Generate the mpmath reference values for snntheory.diffusion (50 significant digits).

Run ``python3 tests/reference/generate_diffusion.py`` from the repository root; it writes
``tests/reference/diffusion_rate.csv`` (rate and log rate, all regimes, |y| up to 1e3, and the
points just either side of every regime boundary of the numeric code) and
``tests/reference/diffusion_cv_moments.csv`` (ISI CV and membrane mean/variance).

Nothing from snntheory is imported: every value comes from mpmath quadrature of the textbook
integrals (Brunel 2000, Eqs. 21 and A.1; F3b), evaluated at the exact binary value of each
input (the CSV stores inputs with ``repr``, so they round-trip).
"""

from __future__ import annotations

import csv
import datetime
import math
import sys
from pathlib import Path

import mpmath as mp

DPS = 50
HERE = Path(__file__).resolve().parent


def _pts(a, b, peak_right=False, peak_left=False):
    """Break points for tanh-sinh on [a, b], refined near a peak at an end."""
    pts = {a, b}
    for z in (-1, 0, 1, 7, *(-(10**k) for k in range(1, 10))):
        if a < z < b:
            pts.add(mp.mpf(z))
    if peak_right and b > 0:
        for j in (1, 4, 16, 64, 256):
            z = b - mp.mpf(j) / (2 * b)
            if a < z < b:
                pts.add(z)
    if peak_left and a > 0:
        z = a * 2
        while z < b:
            pts.add(z)
            z *= 2
    return sorted(pts)


def scaled_T(yth, yr):
    """(s, I) with T/tau = exp(s) * I, s = max(yth, 0)**2, exact at DPS digits."""
    if yth <= 0:
        a, b = -yth, -yr
        f = lambda s_: mp.exp(s_ * s_) * mp.erfc(s_)  # erfcx(s), bounded
        return mp.mpf(0), mp.sqrt(mp.pi) * mp.quad(f, _pts(a, b, peak_left=True))
    s = yth * yth
    f = lambda u: mp.exp(u * u - s) * mp.erfc(-u)  # e^{u^2 - y_th^2}(1 + erf u)
    return s, mp.sqrt(mp.pi) * mp.quad(f, _pts(yr, yth, peak_right=True))


def rate_row(mu, sigma, tau_m, v_th, v_reset, tau_ref):
    mu_, sg, tm, th, vr, tr = (mp.mpf(x) for x in (mu, sigma, tau_m, v_th, v_reset, tau_ref))
    yth, yr = (th - mu_) / sg, (vr - mu_) / sg
    s, I = scaled_T(yth, yr)
    log_rate = -(s + mp.log(tm * I + tr * mp.exp(-s)))
    return yth, yr, mp.exp(log_rate), log_rate


def cv_and_moments(mu, sigma, tau_m, v_th, v_reset, tau_ref):
    """ISI CV from the swapped Brunel double integral; membrane mean/var from F3b."""
    mu_, sg, tm, th, vr, tr = (mp.mpf(x) for x in (mu, sigma, tau_m, v_th, v_reset, tau_ref))
    yth, yr = (th - mu_) / sg, (vr - mu_) / sg
    s, I = scaled_T(yth, yr)
    nu = mp.exp(-s) / (tm * I + tr * mp.exp(-s))
    with mp.workdps(DPS + 30):
        spi = mp.sqrt(mp.pi)

        def W(y):  # int_{max(y, yr)}^{yth} e^{x^2} dx
            m = max(y, yr)
            return spi / 2 * (mp.erfi(yth) - mp.erfi(m))

        g = lambda y: mp.exp(y * y - 2 * s) * mp.erfc(-y) ** 2  # e^{y^2}(1+erf y)^2 e^{-2s}
        # lower tail: Gaussian decay on the scale 1/(2|y_r|) below y_r
        edge = min(yr, 0)
        w_ = 1 / (1 + 2 * abs(edge))
        low = mp.quad(lambda y: g(y) * W(y), [-mp.inf, edge - 60 * w_, edge - 4 * w_, edge])
        if yr > 0:
            low += mp.quad(lambda y: g(y) * W(y), _pts(mp.mpf(0), yr))
        mid = mp.quad(lambda y: g(y) * W(y), _pts(yr, yth, peak_right=True))
        K = low + mid
        cv2 = 2 * mp.pi * (nu * tm * mp.exp(s)) ** 2 * K
    cv = mp.sqrt(cv2)
    m0 = 1 - nu * tr
    m1 = mu_ * m0 - nu * tm * (th - vr)
    m2 = mu_ * m1 + sg**2 * m0 / 2 - nu * tm * (th**2 - vr**2) / 2
    ev = m1 + nu * tr * vr
    ev2 = m2 + nu * tr * vr**2
    return nu, cv, ev, ev2 - ev**2


def rate_cases():
    """(regime, mu, sigma, tau_m, v_th, v_reset, tau_ref): every regime and each boundary +-eps."""
    eps = 1e-9
    tm, th, vr = 0.02, 1.0, 0.0
    rows = []

    def at(regime, yth, yr_minus_yth=-1.0, tau_ref=0.0, v_th=th, tau_m=tm):
        # choose sigma and mu so that y_th and y_r take the wanted values (v_th - v_reset = 1 or given)
        d = -yr_minus_yth  # (v_th - v_reset)/sigma
        sigma = (v_th - vr) / d
        mu = v_th - yth * sigma
        rows.append((regime, mu, sigma, tau_m, v_th, vr, tau_ref))

    for y in (-1000.0, -40.0, -10.0, -3.0, -0.5, -1e-3):
        at("mean", y, -2.0)
        at("mean", y, -0.01)
    for y in (0.3, 1.0, 3.0):
        at("straddle", y, -y - 0.7)
    for y in (1.0, 3.0, 10.0, 20.0, 40.0, 100.0, 1000.0):
        at("fluct", y, -0.5)
        at("fluct", y, -1e-4)
    # regime boundaries +- eps
    for yth in (-eps, 0.0, eps):
        at("bound_yth0", yth, -1.5)
    for yr in (-eps, 0.0, eps):
        at("bound_yr0", 1.2, yr - 1.2)
    # fluctuation-driven switch Delta = y_th^2 - y_r^2 = 0.5
    for yth in (0.8, 3.0):
        for dd in (-1e-7, 0.0, 1e-7):
            yr = math.sqrt(yth * yth - 0.5 - dd)
            at("bound_delta", yth, yr - yth)
    # erfcx-integral switch points: s = 7 and the short-interval criterion
    for a in (7.0 - 1e-7, 7.0, 7.0 + 1e-7):
        at("bound_x0", -a, -3.0)
        at("bound_x0", -1.0, -a + 1.0 - 1e-12)
    for f in (1 - 1e-6, 1 + 1e-6):
        b = 3.0
        at("bound_short", -(b - 0.025 * (1 + b) * f), -0.025 * (1 + b) * f)
    # refractoriness and other constants
    at("tau_ref", -2.0, -1.0, tau_ref=0.002)
    at("tau_ref", 2.0, -1.0, tau_ref=0.005)
    at("tau_ref", 30.0, -1.0, tau_ref=0.005)
    rows.append(("typical", 0.8, 0.5, 0.01, 1.0, -0.2, 0.001))
    rows.append(("typical", 1.3, 0.2, 0.005, 1.5, 0.5, 0.0))
    rows.append(("typical", -0.3, 1.2, 0.03, 0.9, 0.1, 0.003))
    rows.append(("tiny_sigma", 1.5, 1e-4, 0.01, 1.0, 0.0, 0.0))
    return rows


def cv_cases():
    rows = []
    for regime, mu, sigma, tm, th, vr, tr in [
        ("mean", 2.0, 0.2, 0.01, 1.0, 0.0, 0.0),
        ("mean", 1.5, 0.5, 0.02, 1.0, 0.0, 0.002),
        ("mean", 30.0, 0.5, 0.02, 1.0, 0.0, 0.002),
        ("straddle", 0.8, 0.5, 0.01, 1.0, 0.0, 0.0),
        ("straddle", 0.5, 1.0, 0.02, 1.0, -0.5, 0.002),
        ("straddle", 1.0, 0.3, 0.01, 1.0, 0.0, 0.0),
        ("fluct", -0.2, 0.3, 0.01, 1.0, 0.0, 0.0),
        ("fluct", 0.0, 0.1, 0.02, 1.0, 0.5, 0.001),
        ("fluct", 0.0, 0.05, 0.02, 1.0, 0.2, 0.0),
        ("fluct", -1.0, 0.1, 0.02, 1.0, -0.5, 0.0),
        ("fluct", 0.0, 1 / 40, 0.02, 1.0, 0.0, 0.0),
        ("typical", 15e-3, 5e-3, 0.02, 20e-3, 10e-3, 0.002),
        ("typical", 22e-3, 2e-3, 0.02, 20e-3, 10e-3, 0.002),
        ("fluct", 0.0, 1e-3, 0.01, 1.0, 0.0, 0.001),
        ("tiny_sigma", 0.999999, 1e-6, 0.01, 1.0, 0.0, 0.001),
        ("tiny_sigma", 3.0, 1e-5, 0.01, 1.0, 0.0, 0.001),
        ("tiny_sigma", 1.000001, 1e-6, 0.01, 1.0, 0.0, 0.0),
    ]:
        rows.append((regime, mu, sigma, tm, th, vr, tr))
    return rows


def main():
    mp.mp.dps = DPS
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    head = [
        f"# generated by tests/reference/generate_diffusion.py on {stamp}",
        f"# mpmath {mp.__version__} at {DPS} significant digits, python {sys.version.split()[0]}",
        "# Brunel (2000) Eq. 21 (Siegert), Eq. A.1 (CV), F3b (moments); inputs are exact binary doubles (repr)",
    ]
    with open(HERE / "diffusion_rate.csv", "w", newline="") as fh:
        fh.write("\n".join(head) + "\n")
        w = csv.writer(fh)
        w.writerow(["regime", "mu", "sigma", "tau_m", "v_th", "v_reset", "tau_ref", "y_th", "y_r", "rate", "log_rate"])
        for regime, *p in rate_cases():
            yth, yr, rate, lr = rate_row(*p)
            w.writerow([regime, *(repr(float(x)) for x in p), mp.nstr(yth, 20), mp.nstr(yr, 20),
                        mp.nstr(rate, 25), mp.nstr(lr, 25)])
    with open(HERE / "diffusion_cv_moments.csv", "w", newline="") as fh:
        fh.write("\n".join(head) + "\n")
        w = csv.writer(fh)
        w.writerow(["regime", "mu", "sigma", "tau_m", "v_th", "v_reset", "tau_ref", "rate", "cv", "v_mean", "v_var"])
        for regime, *p in cv_cases():
            nu, cv, ev, var = cv_and_moments(*p)
            w.writerow([regime, *(repr(float(x)) for x in p), mp.nstr(nu, 25), mp.nstr(cv, 25),
                        mp.nstr(ev, 25), mp.nstr(var, 25)])


if __name__ == "__main__":
    main()
