"""The ``gridline`` command line: serve, migrate, create-user, export-schema, schema-diff,
documents. The demo world has its own, ``gridline-demo`` (``demo.cli``)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path

from core.settings import DEVELOPMENT_SECRET_KEY, Settings, get_settings

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"

logger = logging.getLogger("gridline")


async def _migrate(settings: Settings) -> None:
    from core.db import create_engine
    from migrations.upgrade import upgrade_to_head

    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


def _check_secret(settings: Settings) -> None:
    if settings.environment != "development" and settings.secret_key == DEVELOPMENT_SECRET_KEY:
        raise SystemExit(
            "GRIDLINE_SECRET_KEY is the development default; set a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )


def _clear_metrics_directory() -> None:
    """prometheus-client's multiprocess files must not outlive the workers that wrote them."""
    from core.metrics import MULTIPROCESS_DIR_VARIABLE

    directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    for path in Path(directory).glob("*.db"):
        path.unlink()


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from core.logs import logging_config

    settings = get_settings()
    _check_secret(settings)
    if not args.no_migrate:
        asyncio.run(_migrate(settings))
    _clear_metrics_directory()
    uvicorn.run(
        "server.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=logging_config(settings),  # each worker configures its logging with it
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        ws_per_message_deflate=settings.websocket_compression,
    )


def migrate(_: argparse.Namespace) -> None:
    asyncio.run(_migrate(get_settings()))
    print("database is at the newest migration")


def export_schema(args: argparse.Namespace) -> None:
    from strawberry.printer import print_schema

    from schema import schema

    text = print_schema(schema) + "\n"
    if args.check:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
            raise SystemExit(f"{SCHEMA_PATH} is out of date: run `gridline export-schema`")
        print(f"{SCHEMA_PATH} is up to date")
        return
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")


def schema_diff(args: argparse.Namespace) -> None:
    from server.schema_diff import SchemaDiffError, run

    try:
        status = run(args.previous, args.git, args.changelog)
    except SchemaDiffError as error:
        print(f"gridline schema-diff: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if status:
        raise SystemExit(status)


def documents(args: argparse.Namespace) -> None:
    from server.manifests import manifest_text
    from server.trusted_documents import TrustedDocuments

    text = manifest_text(TrustedDocuments.load(), args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")


def compiled(_: argparse.Namespace) -> None:
    """Which trusted documents are compiled, and for the others, what runs the standard way."""
    from core.db import create_engine
    from schema import schema
    from schema.execution.compiled.service import CompiledDocuments
    from server.trusted_documents import TrustedDocuments

    settings = get_settings()
    documents = CompiledDocuments(
        schema, create_engine(settings), settings, TrustedDocuments.load().by_name()
    )
    report = documents.report()
    width = max(len(name) for name in report)
    for name, operations in report.items():
        for reason in operations.values():
            print(f"{name:<{width}}  {reason}")
    counted = [reason for operations in report.values() for reason in operations.values()]
    queries = [reason for reason in counted if reason != "not a query"]
    print(
        f"\n{queries.count('compiled')} of {len(queries)} queries compiled; "
        f"{len(counted) - len(queries)} mutations and subscriptions run the standard way"
    )


def create_user(args: argparse.Namespace) -> None:
    from resolvers.errors import DomainError
    from server.admin_cli import create_user as create

    password = args.password or getpass.getpass("Password: ")
    try:
        user_id = asyncio.run(
            create(
                get_settings(),
                name=args.name,
                email=args.email,
                phone=args.phone,
                role=args.role,
                password=password,
                plant_codes=args.plant or [],
                cluster_code=args.cluster,
                state_code=args.state,
            )
        )
    except DomainError as error:
        where = f" ({'.'.join(error.field)})" if error.field else ""
        raise SystemExit(f"{error.code.value}: {error.message}{where}") from None
    print(f"created user {user_id}")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``serve`` (shared with ``gridline-demo serve``)."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="processes; one per core is typical")
    parser.add_argument("--no-migrate", action="store_true", help="skip migrating before start")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the API server (uvicorn)")
    add_serve_arguments(p)
    p.set_defaults(func=serve)

    p = commands.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=migrate)

    p = commands.add_parser("export-schema", help="write schema/schema.graphql")
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p.set_defaults(func=export_schema)

    p = commands.add_parser(
        "schema-diff",
        help="breaking and dangerous changes since a previous SDL; exit 1 if any breaking",
    )
    p.add_argument("previous", nargs="?", type=Path, help="the previous schema.graphql")
    p.add_argument("--git", metavar="REV", help="compare with schema/schema.graphql at REV")
    p.add_argument(
        "--changelog",
        metavar="CHANGELOG.md",
        type=Path,
        help="compare with the last release the changelog gives (unless --git), and fail "
        "only on breaking changes its Unreleased section does not name",
    )
    p.set_defaults(func=schema_diff)

    p = commands.add_parser(
        "documents",
        help="the trusted-document manifest (JSON): Gridline's, Apollo's persisted-query "
        "manifest or GraphQL Codegen's persisted documents",
    )
    p.add_argument("--format", choices=["gridline", "apollo", "codegen"], default="gridline")
    p.add_argument("--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(func=documents)

    p = commands.add_parser(
        "compiled", help="which trusted documents are compiled, and why the others are not"
    )
    p.set_defaults(func=compiled)

    p = commands.add_parser("create-user", help="create a staff user")
    p.add_argument("--name", required=True)
    p.add_argument("--email")
    p.add_argument("--phone", help="E.164, e.g. +919812345678")
    p.add_argument(
        "--role",
        required=True,
        choices=["ADMIN", "STATE_INCHARGE", "CLUSTER_INCHARGE", "CSA", "TECHNICIAN", "OPERATOR"],
    )
    p.add_argument("--password", help="prompted for when omitted")
    p.add_argument("--plant", action="append", help="plant code (repeat) for plant roles")
    p.add_argument("--cluster", help="cluster code for a cluster in-charge")
    p.add_argument("--state", help="state code for a state in-charge")
    p.set_defaults(func=create_user)
    return parser


def main(argv: list[str] | None = None) -> None:
    from core.logs import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging(get_settings())
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
