"""GraphiQL, served by Gridline itself: the page and its files (React, GraphiQL, the
explorer plugin) come from the package (server/static/graphiql, licences in
LICENSES.txt), never from a CDN, so an analyst on a restricted network gets a working
IDE. The same versions as Strawberry's CDN page (GraphiQL 3.8.3, explorer 1.0.2, React
18.2.0); the page opens on a sign-in example.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
ASSETS_DIR = HERE / "static" / "graphiql"
ASSETS_PATH = "/graphiql"


@cache
def graphiql_page() -> str:
    """The page's HTML, its files under :data:`ASSETS_PATH`."""
    template = (HERE / "graphiql.html").read_text(encoding="utf-8")
    return template.replace("{{ASSETS}}", ASSETS_PATH)


def graphiql_assets() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIR), name="graphiql")
