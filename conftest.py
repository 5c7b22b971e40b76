"""Collection rules for the whole repository: the PyTorch parts are collected only where torch
is installed (the ``torch`` extra), so ``python -m pytest`` without it skips them cleanly."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore.append("snntheory/torch.py")   # its doctests import torch
    collect_ignore.append("tests/bptt_reference.py")
