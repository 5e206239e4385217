"""The store of automatic persisted queries (Apollo's APQ): a document a client sent with
its sha256 is kept in the database, so every worker, and every other device of the same
app, finds it by hash alone afterwards.

The store is bounded by count: past ``limit`` documents, the least recently used go. A
worker remembers the documents it served in a small LRU of its own, and tells the
database that a remembered document was used at most every ``touch_interval``, so a hit
costs no write on most requests.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import utcnow
from models.persisted_queries import PersistedQuery

TOUCH_INTERVAL_SECONDS = 600.0
LOCAL_SIZE = 512
TABLE: sa.Table = PersistedQuery.__table__  # type: ignore[attr-defined]


@dataclass
class _Local:
    document: str
    touched: float  # time.monotonic() of the last write of last_used_at


@dataclass
class PersistedQueries:
    sessions: async_sessionmaker[AsyncSession]
    limit: int
    touch_interval: float = TOUCH_INTERVAL_SECONDS
    local_size: int = LOCAL_SIZE
    _local: OrderedDict[str, _Local] = field(default_factory=OrderedDict)

    async def get(self, digest: str) -> str | None:
        """The document stored under ``digest``, its use recorded; None if there is none."""
        local = self._local.get(digest)
        now = time.monotonic()
        if local is not None:
            self._local.move_to_end(digest)
            if now - local.touched >= self.touch_interval:
                local.touched = now
                await self._touch(digest)
            return local.document
        table = TABLE
        async with self.sessions() as session, session.begin():
            document = await session.scalar(
                sa.update(table)
                .where(table.c.sha256 == digest)
                .values(last_used_at=utcnow())
                .returning(table.c.document)
            )
        if document is None:
            return None
        self._remember(digest, document, now)
        return str(document)

    async def put(self, digest: str, document: str) -> None:
        """Store ``document`` under ``digest`` (the caller checked the hash), then evict
        the least recently used past the limit."""
        table = TABLE
        async with self.sessions() as session, session.begin():
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(table).values(
                sha256=digest, document=document, last_used_at=utcnow()
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.sha256], set_={"last_used_at": utcnow()}
                )
            )
            kept = (
                sa.select(table.c.sha256)
                .order_by(table.c.last_used_at.desc(), table.c.sha256)
                .limit(self.limit)
            )
            await session.execute(sa.delete(table).where(table.c.sha256.not_in(kept)))
        self._remember(digest, document, time.monotonic())

    async def count(self) -> int:
        async with self.sessions() as session:
            total = await session.scalar(sa.select(sa.func.count()).select_from(TABLE))
        return int(total or 0)

    def forget_local(self) -> None:
        """Drop this worker's remembered documents (the database keeps them)."""
        self._local.clear()

    async def _touch(self, digest: str) -> None:
        table = TABLE
        async with self.sessions() as session, session.begin():
            await session.execute(
                sa.update(table).where(table.c.sha256 == digest).values(last_used_at=utcnow())
            )

    def _remember(self, digest: str, document: str, now: float) -> None:
        self._local[digest] = _Local(document, now)
        self._local.move_to_end(digest)
        while len(self._local) > self.local_size:
            self._local.popitem(last=False)
