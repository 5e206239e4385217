"""What every screen handler takes: the settings the answers depend on, who may read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bench.floor.caller import Caller
from bench.floor.database import Database


@dataclass(frozen=True, slots=True)
class Screen:
    """Settings the answers depend on."""

    currency: str
    zone: ZoneInfo
    page_size_default: int


REQUEST_READERS = {"TECHNICIAN", "CSA", "CLUSTER_INCHARGE", "STATE_INCHARGE", "ADMIN"}
SUMMARY_READERS = REQUEST_READERS
SCHEME_READERS = {"CSA", "CLUSTER_INCHARGE", "STATE_INCHARGE", "ADMIN"}


class Forbidden(Exception):
    pass


Handler = Callable[[Database, Caller, dict[str, Any], Screen], Awaitable[dict[str, Any]]]
