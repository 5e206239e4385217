"""Reading consumers, always within the actor's plants."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from models.consumers import Consumer, ConsumerStatus
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageArgs, SortKey, paginate
from resolvers.search import contains_text, normalise_search, starts_with

CONSUMER_ORDER = (SortKey(col(Consumer.name), "name"), SortKey(col(Consumer.id), "id"))


@dataclass(frozen=True, slots=True)
class ConsumerFilter:
    plant_ids: list[int] | None = None
    status: ConsumerStatus | None = None
    search: str | None = None


def _search_clause(text: str) -> sa.ColumnElement[bool]:
    """Name (contains), account number (prefix) or phone (its digits contain these digits)."""
    text = normalise_search(text)
    clauses = [
        contains_text(col(Consumer.name), text),
        starts_with(col(Consumer.account_number), text.upper()),
    ]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:  # fewer digits would match nearly everyone
        clauses.append(col(Consumer.phone).contains(digits))
    return sa.or_(*clauses)


def consumers_statement(ctx: RequestContext, filter: ConsumerFilter) -> sa.Select[Consumer]:
    """Consumers the actor may see, narrowed by ``filter``."""
    actor = ctx.require_actor()
    statement = sa.select(Consumer).where(
        actor.scope.narrow(filter.plant_ids).restrict(col(Consumer.plant_id))
    )
    if filter.status is not None:
        statement = statement.where(col(Consumer.status) == filter.status)
    if filter.search and filter.search.strip():
        statement = statement.where(_search_clause(filter.search))
    return statement


async def list_consumers(
    ctx: RequestContext, filter: ConsumerFilter, page: PageArgs
) -> Page[Consumer]:
    return await paginate(
        ctx.sessions,
        consumers_statement(ctx, filter),
        CONSUMER_ORDER,
        page,
        default_size=ctx.settings.page_size_default,
        max_size=ctx.settings.page_size_max,
    )
