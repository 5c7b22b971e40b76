"""``python -m snntheory.symbolic``: render every derivation to ``derivations/<model>.md``."""

from ._render import render_all

if __name__ == "__main__":
    for path in render_all():
        print(f"wrote {path}")
