"""Domain code loads on the first call of a route that uses it, not when ``app.py`` is imported.

A Lambda cold start imports ``app.py`` and so every blueprint; without this it would also import every
domain module behind every route (about 80 ms on a 2-core machine, issue 18). An api module names its
domain modules the same way for mypy and lazily at run time::

    if TYPE_CHECKING:
        from chalicelib.inbox import intake
    else:
        intake = lazy("chalicelib.inbox.intake")

Module-level code in an api module must not read attributes of a lazy module (that would load it at
import); build such request fields inside the handler. ``make bench`` reports each blueprint's first
request import cost (:func:`load_all`).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until one of its attributes is first read; from then on the module answers."""

    def __init__(self, name: str) -> None:
        self._lazy_name = name
        self._lazy_module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._lazy_module or self.load(), attr)

    def load(self) -> ModuleType:
        if self._lazy_module is None:
            self._lazy_module = importlib.import_module(self._lazy_name)
        return self._lazy_module

    def __repr__(self) -> str:
        state = "loaded" if self._lazy_module is not None else "not loaded"
        return f"<lazy module {self._lazy_name!r} ({state})>"


def lazy(name: str) -> Any:
    """A stand-in for the module ``name`` that imports it on first use (typed ``Any``; see the module docstring)."""
    return LazyModule(name)


def load_all(api_module: ModuleType) -> list[str]:
    """Load every lazy module an api module names (what its routes' first requests import, at most)."""
    lazies = [value for value in vars(api_module).values() if isinstance(value, LazyModule)]
    for value in lazies:
        value.load()
    return [value._lazy_name for value in lazies]
