"""The declared returns: every module in flows/ that has a DECLARATION."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

import flows
from statreturns.arguments import shown
from statreturns.declaration import ReturnDeclaration


@cache
def modules() -> dict[str, ModuleType]:
    """Return id -> its flow module."""
    found = {}
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        declaration = getattr(module, "DECLARATION", None)
        if isinstance(declaration, ReturnDeclaration):
            found[declaration.id] = module
    return dict(sorted(found.items()))


def declarations() -> dict[str, ReturnDeclaration]:
    return {rid: m.DECLARATION for rid, m in modules().items()}


def get(return_id: str) -> ModuleType:
    try:
        return modules()[return_id]
    except KeyError:
        known = ", ".join(modules()) or "none"
        raise KeyError(f"no return {shown(return_id)}; declared returns: {known}") from None


def flow_of(return_id: str):
    module = get(return_id)
    return getattr(module, module.__name__.rsplit(".", 1)[-1])


def demo_data(return_id: str) -> ModuleType:
    module = get(return_id).__name__.rsplit(".", 1)[-1]
    return importlib.import_module(f"flows.demo_data.{module}")
