"""The raw floor: the benchmarked screens answered by hand-written SQL, straight to JSON.

    GRIDLINE_DATABASE_URL=postgresql+asyncpg://... GRIDLINE_SECRET_KEY=... \\
        uvicorn bench.floor:app --workers 2

What the GraphQL server could at best do for the same answer: no schema, no ORM, no
DataLoaders; a JWT check with the same secret, one statement for the actor and their
plants, then one to five statements per screen (the summary sends the resolver's five
simple ones, no more), each a plain driver call (asyncpg's prepared statements on
PostgreSQL, sqlite3 through aiosqlite on SQLite). Every screen answers exactly the
``data`` of its document in ``queries/`` (``bench/screens.py`` checks that at the start of
every run, and ``tests/test_bench_floor.py`` in the suite).

``POST /<screen>`` takes the same JSON body as ``/graphql`` (``query`` is ignored,
``variables`` is read) and answers ``{"data": ...}``.

The package: ``database`` (the drivers), ``values`` (output values), ``caller`` (who is
calling), ``screen`` (what a handler takes), one module per area of screens
(``packages``, ``summary``, ``schemes``, ``inventory``), ``screens`` (the handlers by
name, and ``answer``) and ``asgi`` (the app).
"""

from __future__ import annotations

from typing import Any

from bench.floor.caller import Caller, Unauthenticated, caller_of
from bench.floor.database import Database, open_database
from bench.floor.packages import in_process_tab
from bench.floor.screen import Forbidden, Screen
from bench.floor.screens import SCREENS, answer
from bench.floor.values import global_id, node_id

__all__ = [
    "SCREENS",
    "Caller",
    "Database",
    "Forbidden",
    "Screen",
    "Unauthenticated",
    "answer",
    "caller_of",
    "global_id",
    "in_process_tab",
    "node_id",
    "open_database",
]


def __getattr__(name: str) -> Any:
    # ``uvicorn bench.floor:app``: built on first access, so importing the module for
    # its handlers (the harness, the test) reads no settings and opens nothing.
    if name == "app":
        from bench.floor.asgi import create_floor_app

        return create_floor_app()
    raise AttributeError(name)
