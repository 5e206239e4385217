"""Security headers on every HTTP response.

Nothing of ours may be framed (clickjacking), content types are not sniffed, and no
referrer leaves the API. There is deliberately no script policy: the GraphiQL page runs an
inline script (its files are served by Gridline itself, ``server.graphiql``). With
``https_only`` browsers are told to use HTTPS for a year (set it only when every client
reaches the API by HTTPS).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and HSTS when ``https_only``) to every HTTP response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if settings.https_only:
            self.headers.append(
                (b"strict-transport-security", f"max-age={HSTS_MAX_AGE_SECONDS}".encode())
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(name, value) for name, value in self.headers if name not in present]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
