"""Kept for the binding modules' imports: the named transaction lives in :mod:`chalicelib.transactions`."""

from chalicelib.transactions import NamedTransaction, conflicted

__all__ = ["NamedTransaction", "conflicted"]
