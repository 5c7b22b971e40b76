"""``python -m snntheory.symbolic [--out DIR]``: render every derivation to ``DIR/<model>.md``."""

import argparse

from ._render import render_all


def main(argv=None):
    """Parse the command line and render (default folder: ``./derivations``)."""
    ap = argparse.ArgumentParser(prog="python -m snntheory.symbolic", description=__doc__.strip("`"))
    ap.add_argument("--out", default="derivations", help="folder to write the Markdown to (default: ./derivations)")
    for path in render_all(ap.parse_args(argv).out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
