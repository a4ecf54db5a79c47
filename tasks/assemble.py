"""Assemble: the return's own pure function, from source frames to its tables."""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import Context, ReturnDeclaration


@task(name="assemble", cache_policy=NO_CACHE)
def assemble(declaration: ReturnDeclaration, frames: dict[str, pd.DataFrame],
             ctx: Context) -> dict[str, pd.DataFrame]:
    tables = declaration.assemble(frames, ctx)
    missing = [t.name for t in declaration.tables if t.name not in tables]
    if missing:
        raise ValueError(f"{declaration.id} assembled no table {', '.join(missing)}")
    declared = {t.name for t in declaration.tables}
    undeclared = [name for name in tables if name not in declared and not name.startswith("_")]
    if undeclared:
        raise ValueError(f"{declaration.id} assembled {', '.join(undeclared)}, which it does "
                         "not declare (a working frame's name starts with _)")
    return tables
