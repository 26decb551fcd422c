"""Touchpath interfaces: the HTTP API and the ``touchpath`` command line.

Both are thin shells: they parse, call the data / attribution / optimizer
layers, and render.
"""

__all__: list[str] = []
