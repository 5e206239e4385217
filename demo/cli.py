"""The ``gridline-demo`` command line: the demo world, for trying Gridline and for the bench.

``gridline-demo serve`` is what ``make run`` runs: migrate, seed the embedded database
when it is empty, then serve it exactly as ``gridline serve`` does. Production runs
``gridline serve``, which never seeds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from core.db import create_engine
from core.logs import configure_logging
from core.settings import Settings, get_settings
from demo.seed import database_is_empty, run_seed, seed_demo
from migrations.upgrade import upgrade_to_head
from server import cli as server_cli

logger = logging.getLogger("gridline.demo")


async def _prepare(settings: Settings) -> None:
    """Migrate; on an empty embedded (SQLite) database, seed the demo world."""
    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
        if settings.is_sqlite and await database_is_empty(engine):
            logger.info("empty database: seeding the demo world (logins in README.md)")
            logger.info("seeded %s", await seed_demo(engine))
    finally:
        await engine.dispose()


def serve(args: argparse.Namespace) -> None:
    if not args.no_migrate:
        asyncio.run(_prepare(get_settings()))
    server_cli.serve(argparse.Namespace(**{**vars(args), "no_migrate": True}))


def seed(args: argparse.Namespace) -> None:
    summary = asyncio.run(run_seed(get_settings(), size=args.size, reset=args.reset))
    print(summary)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridline-demo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser(
        "serve", help="serve the demo: seed an empty embedded database first, then serve"
    )
    server_cli.add_serve_arguments(p)
    p.set_defaults(func=serve)

    p = commands.add_parser("seed", help="load the demo world into the configured database")
    p.add_argument("--size", choices=["default", "large"], default="default")
    p.add_argument("--reset", action="store_true", help="delete all data first")
    p.set_defaults(func=seed)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(get_settings())
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
