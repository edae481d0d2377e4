"""Kindred on Matrix (matrix-nio with end-to-end encryption). The only package that imports nio."""

from bot.adapters.matrix.adapter import MatrixAdapter

__all__ = ["MatrixAdapter"]
