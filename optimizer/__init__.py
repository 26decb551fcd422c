"""Touchpath budget optimizer: a piecewise-linear LP over response curves (DESIGN.md)."""

__all__: list[str] = []
