"""Hypothesis strategies built from the parameter table in ``snntheory._validate``."""

import math

from hypothesis import strategies as st

from snntheory._validate import DOMAINS


def typical(name, **kw):
    """Floats in the typical range of parameter ``name`` (closed, finite)."""
    lo, hi = DOMAINS[name].typical
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, **kw)


def invalid(name):
    """Values that violate the domain of ``name`` (for validation tests), NaN included."""
    dom = DOMAINS[name]
    options = [st.just(math.nan)]
    if not math.isinf(dom.low):
        options.append(st.floats(max_value=dom.low, exclude_max=not dom.low_open, allow_nan=False,
                                 allow_infinity=False, min_value=dom.low - 1e6))
    if not math.isinf(dom.high):
        options.append(st.floats(min_value=dom.high, exclude_min=not dom.high_open, allow_nan=False,
                                 allow_infinity=False, max_value=dom.high + 1e6))
    return st.one_of(options)
