"""Readable displays of the named results (one-line ``repr``, text and HTML tables).

Shared by every module that returns a named result: ``__repr__ = result_repr`` in the class body
gives a one-line summary (numbers to 4 significant digits, arrays by shape and range, units where
the field name says them); ``_repr_html_ = result_html`` renders the per-row arrays of a
table-like result (for example the per-layer arrays of a simulation run) as an HTML table.
:func:`text_table` and :func:`html_table` draw a table from column heads and formatted rows (the
model of ``NetworkInit``'s display).
"""
from __future__ import annotations

import dataclasses
import html
import math
import numbers

import numpy as np

__all__ = ["format_value", "result_repr", "result_html", "text_table", "html_table"]

#: units of the fields of the results whose units are fixed (a ``rate`` is in Hz in some results
#: and per step in others, so units are listed per class)
_V, _HZ = "V", "Hz"
UNITS = {
    "LayerInit": {"w_mean": _V, "w_std": _V, "input_rate": _HZ, "rate": _HZ, "v_mean": _V, "v_std": _V,
                  "rate_spread": _HZ, "target_rate": _HZ, "model_w_mean": _V, "calibrated_rate": _HZ,
                  "calibrated_stderr": _HZ, "verified_rate": _HZ, "verified_stderr": _HZ},
    "WeightStats": {"mean": _V, "std": _V, "rate": _HZ, "v_mean": _V, "v_std": _V},
    "NetworkRun": {"rates": _HZ, "neuron_rates": _HZ, "rate_stderr": _HZ, "dt": "s", "v_mean": _V, "v_std": _V},
    "LayerRates": {"rates": "/step"},
}
#: name of the row index of a table-like result (default "row")
INDEX = {"NetworkRun": "layer", "LayerRates": "layer"}
#: arrays with at most this many elements are written out in a repr
SHORT = 6


def _num(x):
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real):
        return f"{complex(x):.4g}"
    return f"{float(x):.4g}"


def format_value(value, unit=""):
    """One short string for a field value: numbers to 4 significant digits, short arrays written
    out, long arrays as ``array(shape) in [min, max]``, results by class name."""
    u = f" {unit}" if unit else ""
    if value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, (numbers.Number, np.generic)) and np.ndim(value) == 0:
        return _num(value) + u
    if isinstance(value, (list, tuple)) and value and not all(np.ndim(v) == 0 for v in value):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            a = np.asarray(value)
        except (ValueError, TypeError):
            return f"{type(value).__name__} of {len(value)}"
        if a.dtype.kind not in "biufc":
            return f"{type(value).__name__} of {len(value)}"
        if a.ndim == 0:
            return _num(a.item()) + u
        if a.size <= SHORT and a.ndim == 1:
            return "[" + ", ".join(_num(x) for x in a) + "]" + u
        shape = "x".join(str(n) for n in a.shape)
        if a.size == 0:
            return f"array({shape})"
        finite = a[np.isfinite(a)] if a.dtype.kind in "fc" else a
        if finite.size == 0 or a.dtype.kind == "c":
            return f"array({shape})"
        return f"array({shape}) in [{_num(finite.min())}, {_num(finite.max())}]{u}"
    name = type(value).__name__
    return name if len(repr(value)) > 60 else repr(value)


def _fields(obj):
    if dataclasses.is_dataclass(obj):
        return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr]
    return [(name, getattr(obj, name)) for name in obj._fields]


def result_repr(self):
    """``Name(field=value, ...)`` on one line (see :func:`format_value`)."""
    units = UNITS.get(type(self).__name__, {})
    parts = [f"{k}={format_value(v, units.get(k, ''))}" for k, v in _fields(self)]
    return f"{type(self).__name__}({', '.join(parts)})"


def _rows_fields(obj):
    """The 1-d numeric fields of the most common length (the table's columns) and the rest."""
    cols, lengths = [], {}
    for k, v in _fields(obj):
        if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "biuf" and v.size > 1:
            lengths[v.size] = lengths.get(v.size, 0) + 1
            cols.append((k, v))
    if not lengths:
        return [], _fields(obj)
    n = max(lengths, key=lambda m: (lengths[m], m))
    cols = [(k, v) for k, v in cols if v.size == n]
    names = {k for k, _ in cols}
    return cols, [(k, v) for k, v in _fields(obj) if k not in names]


def text_table(title, heads, rows):
    """A plain-text table: the title line, then right-aligned columns."""
    table = [list(heads)] + [list(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(heads))]
    return "\n".join([title] + ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in table])


def html_table(title, heads, rows):
    """A compact HTML table (Jupyter's rich display): bold title, one header row, escaped cells."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (f"<p><b>{html.escape(title)}</b></p>"
            f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")


def _cell(x):
    return "" if isinstance(x, float) and math.isnan(x) else _num(x)


def result_html(self):
    """HTML table of a table-like result: one row per element of its 1-d numeric fields (heads
    with units), the other fields in the title line."""
    cols, rest = _rows_fields(self)
    name = type(self).__name__
    units, index_name = UNITS.get(name, {}), INDEX.get(name, "row")
    title = f"{name}(" + ", ".join(f"{k}={format_value(v, units.get(k, ''))}" for k, v in rest) + ")"
    if not cols:
        return html_table(title, [], [])
    heads = [index_name] + [f"{k} {units.get(k, '')}".strip() for k, _ in cols]
    n = cols[0][1].size
    rows = [[str(i)] + [_cell(v[i].item()) for _, v in cols] for i in range(n)]
    return html_table(title, heads, rows)
