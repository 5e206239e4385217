"""GraphiQL served by Gridline itself (#17): the page references nothing outside the
server, its files are served from the package, and it opens on a sign-in example."""

from __future__ import annotations

import base64
import hashlib
import re

from server.graphiql import ASSETS_DIR
from tests.conftest import GraphQLClient

# The Subresource Integrity values of Strawberry's CDN page: the same files, unchanged.
CDN_INTEGRITY = {
    "react-18.2.0.production.min.js": (
        "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"
    ),
    "react-dom-18.2.0.production.min.js": (
        "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"
    ),
    "graphiql-3.8.3.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "graphiql-3.8.3.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "plugin-explorer-1.0.2.css": (
        "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"
    ),
    "plugin-explorer-1.0.2.umd.js": (
        "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"
    ),
}
CONTENT_TYPES = {".js": "javascript", ".css": "text/css"}


async def _page(client: GraphQLClient) -> str:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def test_the_page_references_no_external_url(client: GraphQLClient) -> None:
    page = await _page(client)
    assert not re.search(r"https?://", page)
    assert "//" not in re.sub(r"(?m)^\s*//.*$", "", page)  # no protocol-relative URL
    references = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(references) == 6
    assert all(reference.startswith("/graphiql/") for reference in references)


async def test_the_assets_are_served_from_the_package(client: GraphQLClient) -> None:
    page = await _page(client)
    served = set()
    for reference in re.findall(r'(?:src|href)="([^"]*)"', page):
        response = await client.http.get(reference)
        assert response.status_code == 200, reference
        name = reference.rsplit("/", 1)[1]
        suffix = name[name.rindex(".") :]
        assert CONTENT_TYPES[suffix] in response.headers["content-type"]
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert digest == CDN_INTEGRITY[name], name
        served.add(name)
    assert served == set(CDN_INTEGRITY)
    licences = (ASSETS_DIR / "LICENSES.txt").read_text(encoding="utf-8")
    for package in ("react 18.2.0", "react-dom 18.2.0", "graphiql 3.8.3", "plugin-explorer"):
        assert package in licences
    assert licences.count("MIT License") >= 3


async def test_the_stylesheets_load_nothing_from_outside(client: GraphQLClient) -> None:
    for name in ("graphiql-3.8.3.min.css", "plugin-explorer-1.0.2.css"):
        css = (await client.http.get(f"/graphiql/{name}")).text
        assert "@import" not in css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)


async def test_the_page_opens_on_a_sign_in_example_with_the_explorer_and_headers(
    client: GraphQLClient,
) -> None:
    page = await _page(client)
    assert "login(input: {login: $login, password: $password})" in page
    assert "accessToken" in page
    assert "explorerPlugin()" in page
    assert "isHeadersEditorEnabled: true" in page
    assert '"Bearer <accessToken>"' in page or "Bearer <accessToken>" in page
