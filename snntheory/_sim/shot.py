"""Reference simulator (see snntheory.simulate)."""

__all__ = []
