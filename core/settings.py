"""One typed settings object, read from the environment (prefix ``GRIDLINE_``)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "gridline-development-secret-key-change-me"  # noqa: S105
# What Apollo Client sends: its name and version (client awareness), and the header that
# forces a preflight (Apollo's CSRF prevention).
APOLLO_CLIENT_HEADERS = (
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
)


class Settings(BaseSettings):
    """Everything Gridline reads from its environment, with the reason for each default."""

    model_config = SettingsConfigDict(env_prefix="GRIDLINE_", env_file=None, extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        default="development",
        description="development enables demo seeding and the development secret key.",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./gridline.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    secret_key: str = Field(
        default=DEVELOPMENT_SECRET_KEY,
        description="Signs access tokens. Set a long random value outside development.",
    )
    access_token_ttl_seconds: int = Field(
        default=15 * 60,
        gt=0,
        description="Short, because a deactivated user's token must stop working soon.",
    )
    refresh_token_ttl_seconds: int = Field(
        default=30 * 24 * 3600,
        gt=0,
        description="A field agent offline for weeks should not have to sign in again.",
    )
    time_zone: str = Field(
        default="Asia/Kolkata",
        description="The company's calendar: DateRange and 'today' are read in this zone.",
    )
    currency: str = Field(
        default="INR", description="ISO 4217 code of every amount; stored in minor units."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (JSON list or comma-separated).",
    )
    cors_client_headers: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(APOLLO_CLIENT_HEADERS),
        description="Request headers those origins may send besides Authorization, "
        "Content-Type and X-Request-ID (JSON list or comma-separated); Apollo Client's "
        "by default.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="Unset: text in development (a terminal), JSON lines elsewhere (collectors).",
    )
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    metrics_token: str | None = Field(
        default=None,
        description="When set, /metrics wants `Authorization: Bearer <token>` (public port).",
    )
    https_only: bool = Field(
        default=False,
        description="Served only over HTTPS: responses tell browsers never to use plain HTTP.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        description="How long a SQLite writer waits for the single write lock.",
    )
    database_pool_size: int = Field(default=10, gt=0, description="PostgreSQL pool per process.")
    database_pool_pre_ping: bool = Field(
        default=False,
        description="Ping each pooled PostgreSQL connection as it is taken: one more round "
        "trip per statement batch. Off, a dead connection fails one request and the pool "
        "replaces every connection older than the failure.",
    )
    actor_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a signed-in user's actor (role, active, plants) is reused "
        "between their requests; any change to that user or to the geography drops it at "
        "once (the event feed). 0 loads it on every request.",
    )
    page_size_default: int = Field(default=20, gt=0, description="Connections' default `first`.")
    page_size_max: int = Field(
        default=100, gt=0, description="Upper bound of `first`/`last`: keeps pages cheap."
    )
    max_query_depth: int = Field(
        default=12, gt=0, description="Deeper documents are refused before execution."
    )
    max_aliases: int = Field(
        default=30, gt=0, description="Aliases per document: stops one request fanning out."
    )
    max_tokens: int = Field(
        default=5000, gt=0, description="Tokens per document: the parser's work is bounded."
    )
    max_query_cost: int = Field(
        default=50_000,
        gt=0,
        description="Estimated cost per document; a connection's first multiplies what it selects.",
    )
    max_input_list_length: int = Field(
        default=100, gt=0, description="Items in any input list (ids, filters)."
    )
    max_request_bytes: int = Field(
        default=256 * 1024, gt=0, description="Body size of one HTTP request."
    )
    request_timeout_seconds: float = Field(
        default=20.0, gt=0, description="A request still running after this is cancelled."
    )
    live_groups: bool = Field(
        default=True,
        description="Live subscriptions with the same document, variables and audience "
        "share one execution per event (schema/execution/live/); off, each runs alone.",
    )
    compiled_execution: bool = Field(
        default=True,
        description="Answer known documents with compiled SQL (schema/execution/compiled); "
        "off, every document runs through standard execution.",
    )
    batched_execution: bool = Field(
        default=True,
        description="Complete planned selections in bulk (schema/execution/batched.py); "
        "false runs every field the standard way, answering the same.",
    )
    trusted_documents_only: bool = Field(
        default=False,
        description="Accept only the documents of queries/ (by hash or text), except from ADMIN.",
    )
    persisted_queries_enabled: bool = Field(
        default=True,
        description="Automatic persisted queries (Apollo's APQ): a document sent with its "
        "sha256 is stored in the database and found by hash alone afterwards, by every "
        "worker. Never in trusted-only mode.",
    )
    persisted_queries_limit: int = Field(
        default=5000,
        gt=0,
        description="How many automatic persisted queries are kept; past it, the least "
        "recently used are dropped.",
    )
    introspection_enabled: bool = True
    graphiql_enabled: bool = True
    max_subscriptions_per_connection: int = Field(
        default=10,
        gt=0,
        description="Live subscriptions one websocket may hold: a phone needs two or three.",
    )
    subscriber_queue_size: int = Field(
        default=256,
        gt=0,
        description="Events waiting for one slow subscriber; past it the subscription ends "
        "with SUBSCRIBER_TOO_SLOW and the client resumes from its cursor.",
    )
    websocket_compression: bool = Field(
        default=True,
        description="permessage-deflate on websockets: smaller messages for phones, at a "
        "compression per socket and message (a tenth of a worker's time fanning an event out "
        "to 1,000 sockets).",
    )
    websocket_ping_seconds: float = Field(
        default=20.0,
        gt=0,
        description="graphql-transport-ws pings: keep mobile NATs open, find dead peers.",
    )
    events_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="The feed reads the outbox at least this often, signal or not "
        "(a safety net; NOTIFY or this process's commits wake it at once).",
    )
    events_reconnect_give_up_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the PostgreSQL listener retries before ending subscriptions.",
    )
    signin_free_failures_per_account: int = Field(
        default=5,
        gt=0,
        description="Wrong passwords for one account before delays start: room for typos. "
        "Counted separately from each trusted address and from all strangers together.",
    )
    signin_stranger_failures_per_window: int = Field(
        default=5,
        gt=0,
        description="At most this many wrong passwords for one account from addresses it "
        "does not trust, in any stranger window, however many addresses they come from.",
    )
    signin_stranger_window_seconds: int = Field(
        default=15 * 60,
        gt=0,
        description="The sliding window of the strangers' limit.",
    )
    signin_trusted_address_days: int = Field(
        default=90,
        gt=0,
        description="An address from which an account signed in within this many days is "
        "trusted for it: strangers' failures do not slow it.",
    )
    signin_free_failures_per_address: int = Field(
        default=20,
        gt=0,
        description="Higher than per account: many phones share one carrier NAT address.",
    )
    signin_delay_base_seconds: float = Field(
        default=2.0,
        gt=0,
        description="The first delay after the free failures; doubles with each further one.",
    )
    signin_delay_max_seconds: float = Field(
        default=15 * 60,
        gt=0,
        description="Cap: about 100 guesses a day at most, and never a permanent lockout.",
    )
    signin_failure_window_seconds: int = Field(
        default=24 * 3600,
        gt=0,
        description="Older failures are forgotten; much longer than the cap, so that waiting "
        "out the window buys no fresh free attempts.",
    )

    @field_validator("cors_origins", "cors_client_headers", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # fail at start-up rather than mid-request
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
