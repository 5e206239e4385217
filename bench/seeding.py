"""The large demo world in the benchmark's databases, seeded again only when it changed.

A database carries a marker of the seed that made it: on PostgreSQL the database's
comment, on SQLite a file beside it. The marker names the seed size, a hash of the code
that decides the rows (the seed, the models, the migrations) and the day it was seeded;
a database whose marker matches and is recent enough is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
SEED_SIZE = "large"
# The demo places everything relative to the day it was seeded; after a week the
# "last 30 days" of the summary hold noticeably less activity.
MAX_SEED_AGE_DAYS = 7


@dataclass(frozen=True, slots=True)
class SeedMarker:
    size: str
    code: str
    seeded_on: str

    def text(self) -> str:
        return json.dumps({"size": self.size, "code": self.code, "seeded_on": self.seeded_on})

    @classmethod
    def parse(cls, text: str | None) -> SeedMarker | None:
        try:
            fields = json.loads(text or "")
            return cls(fields["size"], fields["code"], fields["seeded_on"])
        except (ValueError, KeyError, TypeError):
            return None


def seed_code_hash() -> str:
    """A hash of every file that decides what the seed writes."""
    digest = hashlib.sha256()
    files = sorted(
        [
            *(ROOT / "demo").glob("*.py"),
            *(ROOT / "models").rglob("*.py"),
            *(ROOT / "migrations" / "versions").glob("*.py"),
        ]
    )
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(marker: SeedMarker | None, wanted: SeedMarker, today: date) -> bool:
    if marker is None or (marker.size, marker.code) != (wanted.size, wanted.code):
        return False
    return (today - date.fromisoformat(marker.seeded_on)).days <= MAX_SEED_AGE_DAYS


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _postgres_marker(url: str) -> SeedMarker | None:
    """The marker of the database at ``url``, creating the (empty) database if missing."""
    dsn = _plain_dsn(url)
    name = dsn.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
            return None
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
    finally:
        await admin.close()
    return SeedMarker.parse(comment)


async def _set_postgres_marker(url: str, marker: SeedMarker) -> None:
    dsn = _plain_dsn(url)
    name = dsn.rsplit("/", 1)[1].split("?")[0]
    connection = await asyncpg.connect(dsn)
    try:
        literal = marker.text().replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    finally:
        await connection.close()


def _sqlite_marker_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1] + ".seed.json")


async def ensure_seeded(url: str, *, force: bool = False) -> tuple[SeedMarker, bool]:
    """Seed ``url`` with the large demo world unless it already holds the current one.

    Returns the marker and whether the seed ran.
    """
    today = datetime.now(UTC).date()
    wanted = SeedMarker(SEED_SIZE, seed_code_hash(), today.isoformat())
    postgres = url.startswith("postgresql")
    if postgres:
        marker = await _postgres_marker(url)
    else:
        path = _sqlite_marker_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = SeedMarker.parse(path.read_text()) if path.exists() else None
    if not force and marker is not None and is_current(marker, wanted, today):
        return marker, False
    environment = {**os.environ, "GRIDLINE_DATABASE_URL": url, "GRIDLINE_LOG_LEVEL": "WARNING"}
    # The seed runs in its own process, as `gridline-demo seed` would; nothing else is waiting.
    subprocess.run(  # noqa: S603, ASYNC221 - our own command line, fixed arguments
        [sys.executable, "-m", "demo.cli", "seed", "--size", SEED_SIZE, "--reset"],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if postgres:
        await _set_postgres_marker(url, wanted)
    else:
        _sqlite_marker_path(url).write_text(wanted.text())
    return wanted, True
