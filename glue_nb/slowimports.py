"""Third-party modules that are slow to import, imported only when they are used.

``rfc3987_syntax`` builds a grammar when it is imported (0.7-1.5 s per process). jsonschema,
which nbformat imports to validate notebooks (model validation, papermill), imports it for its
``"iri"`` format check, which notebooks never use. :func:`defer_slow_imports` makes the first
import of ``rfc3987_syntax`` return a stand-in: its functions, and any other attribute, import
the real module on first use. It imports nothing itself, so calling it is free.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

__all__ = ["SLOW", "defer_slow_imports"]

SLOW = "rfc3987_syntax"


class _StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``rfc3987_syntax`` once, as a stand-in module; steps aside after that."""

    def __init__(self) -> None:
        self.done = False
        self._lock = threading.Lock()
        self._real: types.ModuleType | None = None

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != SLOW or self.done:
            return None
        self.done = True
        if importlib.machinery.PathFinder.find_spec(fullname, path) is None:
            return None  # not installed: the importer gets its ImportError as usual
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = f"A stand-in for {SLOW}: the real module is imported on first use."

        def is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
            return self.real().is_valid_syntax(*args, **kwargs)

        def __getattr__(name: str) -> Any:  # the stand-in module's attribute hook
            if name.startswith("__"):  # e.g. the import system asking for __path__
                raise AttributeError(f"module {SLOW!r} (a stand-in) has no attribute {name!r}")
            return getattr(self.real(), name)

        module.__dict__.update(is_valid_syntax=is_valid_syntax, __getattr__=__getattr__)

    def real(self) -> types.ModuleType:
        """The real module (imported in place of the stand-in the first time)."""
        with self._lock:
            if self._real is None:
                current = sys.modules.get(SLOW)
                if current is not None and current.__loader__ is self:
                    del sys.modules[SLOW]
                self._real = importlib.import_module(SLOW)
            return self._real


_installed: _StandIn | None = None
_install_lock = threading.Lock()


def defer_slow_imports() -> None:
    """Make the first import of ``rfc3987_syntax`` cheap (see the module's doc); idempotent."""
    global _installed
    if _installed is not None or SLOW in sys.modules or "jsonschema" in sys.modules:
        return
    with _install_lock:
        if _installed is None:
            _installed = _StandIn()
            sys.meta_path.insert(0, _installed)
