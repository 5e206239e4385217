"""What every resolver receives: settings, sessions, the actor and request-scoped loaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.actor import Actor
from auth.actor_cache import ActorCache
from core.settings import Settings
from resolvers.errors import unauthenticated
from resolvers.loaders import Loaders
from resolvers.pagination import Page, PageArgs, SortKey, paginate

if TYPE_CHECKING:
    from core.events.feed import EventFeed


@dataclass
class RequestContext:
    """One per HTTP request, or per websocket connection (whose subscriptions take fresh
    loaders for each event with :meth:`sign_in`): never shared between callers."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    actor: Actor | None
    request_id: str
    loaders: Loaders = field(init=False)
    # Set by the websocket protocol from the connection_init payload.
    connection_params: dict[str, Any] | None = None
    # The process's live event feed, which subscriptions join.
    events: EventFeed | None = None
    # The caller's address (the proxy's X-Forwarded-For when uvicorn trusts the proxy)
    # and User-Agent header, for sign-in throttling and its audit.
    client_address: str | None = None
    user_agent: str | None = None
    # Sessions for single-statement reads (loaders, pages); ``sessions`` when not given.
    reads: async_sessionmaker[AsyncSession] | None = None
    # The process's remembered actors, which a change to staff or geography drops.
    actors: ActorCache | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.read_sessions, self.actor)

    @property
    def read_sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.reads if self.reads is not None else self.sessions

    def sign_in(self, actor: Actor | None, loaders: Loaders | None = None) -> None:
        """Set the actor (a websocket learns it after connecting), with fresh loaders
        (or ``loaders`` made for this same actor)."""
        self.actor = actor
        self.loaders = loaders if loaders is not None else Loaders(self.read_sessions, actor)

    def forget_actors(self, user_id: int | None = None) -> None:
        """After committing a change to a user (or to the geography: ``None``), this
        process stops reusing the actors it decided; other processes hear the outbox."""
        if self.actors is not None:
            self.actors.forget(user_id)

    def require_actor(self) -> Actor:
        """The signed-in actor, or an UNAUTHENTICATED error."""
        if self.actor is None:
            raise unauthenticated()
        return self.actor

    async def paginate(
        self, statement: sa.Select[Any], keys: Sequence[SortKey], args: PageArgs
    ) -> Page[Any]:
        """One page of ``statement`` with this deployment's page sizes."""
        return await paginate(
            self.read_sessions,
            statement,
            keys,
            args,
            default_size=self.settings.page_size_default,
            max_size=self.settings.page_size_max,
        )
