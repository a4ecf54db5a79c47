"""A return's flow, made when first asked for: reading a declaration (as the commands that
describe the returns do) then loads neither Prefect nor the run machinery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statreturns.declaration import ReturnDeclaration


def flow_on_demand(declaration: ReturnDeclaration, namespace: dict[str, Any]
                   ) -> Callable[[str], Any]:
    """The ``__getattr__`` of a return's module: its flow, named as the return's id with
    ``_`` for ``-`` (``flows/pspo_breaches.py:pspo_breaches``, the deployment's
    entrypoint), made once and kept in the module."""
    name = declaration.id.replace("-", "_")

    def __getattr__(attribute: str) -> Any:
        if attribute != name:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute "
                                 f"{attribute!r}")
        from flows.skeleton import return_flow

        namespace[name] = made = return_flow(declaration)
        return made

    return __getattr__
