"""The declared returns: every module in flows/ that has a DECLARATION."""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from types import ModuleType

import flows
from statreturns.arguments import shown
from statreturns.declaration import ReturnDeclaration

DECLARED = re.compile(r'^DECLARATION = ReturnDeclaration\(\s*id="([a-z0-9-]+)"', re.M)


@cache
def _declared() -> dict[str, str]:
    """Return id -> the name of the module in flows/ that declares it, read from the
    modules' text without importing them."""
    return dict(sorted((m.group(1), path.stem) for path in Path(flows.__path__[0]).glob("*.py")
                       if (m := DECLARED.search(path.read_text(encoding="utf-8")))))


def ids() -> tuple[str, ...]:
    """The declared returns' ids: for the commands that only read the store, which need
    none of the declarations' machinery."""
    return tuple(_declared())


@cache
def modules() -> dict[str, ModuleType]:
    """Return id -> its module (which makes its flow only when asked: `flows.on_demand`)."""
    found = {}
    for rid, name in _declared().items():
        module = importlib.import_module(f"flows.{name}")
        declaration = getattr(module, "DECLARATION", None)
        if not isinstance(declaration, ReturnDeclaration) or declaration.id != rid:
            raise TypeError(f"flows/{name}.py: DECLARATION is not the ReturnDeclaration of "
                            f"{rid}")
        found[rid] = module
    return found


def check(return_id: str) -> str:
    """`return_id`, if a return is declared by that id; else KeyError, as `get` says."""
    if return_id not in ids():
        raise KeyError(f"no return {shown(return_id)}; declared returns: {', '.join(ids())}")
    return return_id


def declarations() -> dict[str, ReturnDeclaration]:
    return {rid: m.DECLARATION for rid, m in modules().items()}


def get(return_id: str) -> ModuleType:
    try:
        return modules()[return_id]
    except KeyError:
        check(return_id)
        raise


def flow_of(return_id: str):
    module = get(return_id)
    return getattr(module, module.__name__.rsplit(".", 1)[-1])


def demo_data(return_id: str) -> ModuleType:
    module = get(return_id).__name__.rsplit(".", 1)[-1]
    return importlib.import_module(f"flows.demo_data.{module}")
