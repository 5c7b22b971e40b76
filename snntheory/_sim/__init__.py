"""Reference simulators, one private module per model; :mod:`snntheory.simulate` is the
public face that re-exports them."""
