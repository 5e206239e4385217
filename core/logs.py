"""Logging for the whole process, configured in one place: JSON lines or plain text.

Named ``logs`` rather than ``logging`` so that it can never shadow the standard module.
Every record logged while a request is being served carries that request's id (a context
variable set by the shell's ``server.request_ids.RequestIds``), so a support reference
leads to all of its lines.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from core.settings import Settings

REQUEST_ID_HEADER = "x-request-id"

# A client's id is kept only if it is short and plain (it is echoed and logged).
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

current_request_id: ContextVar[str | None] = ContextVar("gridline_request_id", default=None)

# uvicorn.access logs its line with these arguments, in this order.
_ACCESS_ARGS = ("client", "method", "path", "http_version", "status")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (None outside a request) to every record the handler sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class AccessLogFilter(logging.Filter):
    """uvicorn's access line without the query string: a GET carries variables there."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == len(_ACCESS_ARGS):
            client, method, path, version, status = args
            path = str(path).split("?", 1)[0]
            record.args = (client, method, path, version, status)
            record.http_method, record.path, record.status = method, path, status
        return True


def json_formatter() -> JsonFormatter:
    """One JSON object per line: timestamp (ISO 8601, UTC), level, logger, message, and the
    record's extra fields (request_id, and an operation's fields: see
    schema.execution.operation_log)."""
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's copy with ANSI colours
        timestamp=True,
    )


def log_format(settings: Settings) -> Literal["json", "text"]:
    """The chosen format: text for a developer's terminal, JSON lines everywhere else."""
    if settings.log_format is not None:
        return settings.log_format
    return "text" if settings.environment == "development" else "json"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the process; uvicorn applies it in each worker."""
    formatter: dict[str, Any]
    if log_format(settings) == "json":
        formatter = {"()": "core.logs.json_formatter"}
    else:
        formatter = {"format": TEXT_FORMAT}
    uvicorn_logger = {"handlers": [], "propagate": True, "level": settings.log_level}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "core.logs.RequestIdFilter"},
            "access": {"()": "core.logs.AccessLogFilter"},
        },
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": settings.log_level},
        "loggers": {
            "uvicorn": uvicorn_logger,
            "uvicorn.error": uvicorn_logger,
            "uvicorn.access": {**uvicorn_logger, "filters": ["access"]},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Configure this process's logging (the command line calls it before anything else)."""
    logging.config.dictConfig(logging_config(settings))


def accepted_request_id(value: str | None) -> str:
    """The client's request id when it is plain enough to echo and log, else a new one."""
    if value is not None and _ACCEPTED_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex
