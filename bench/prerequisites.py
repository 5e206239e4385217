"""What ``make bench`` needs besides the virtualenv, checked before anything runs.

    .venv/bin/python -m bench.prerequisites [--databases postgresql,sqlite] [bench.run options]

The bench installs no system package. This lists what is missing, why the bench needs
it and how to install it, and exits 1; with everything there it exits 0 silently, so
that ``make bench`` goes on to ``bench.run``:

- ``wrk`` drives every screen;
- ``npm`` installs PostGraphile 5 and the Node 22 it runs on into ``bench/postgraphile/``
  (any Node.js with npm will do), unless they are installed already; only when PostgreSQL
  is benchmarked, since PostGraphile serves PostgreSQL only.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bench import peer

Which = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Missing:
    program: str
    needed_for: str
    how_to_install: str

    def __str__(self) -> str:
        return f"- {self.program}: {self.needed_for}.\n  Install it: {self.how_to_install}"


WRK = Missing(
    "wrk",
    "the load generator that drives every screen",
    "`sudo apt-get install wrk` (Debian, Ubuntu), `brew install wrk` (macOS), "
    "or build it from https://github.com/wg/wrk",
)
NPM = Missing(
    "npm",
    "installs PostGraphile 5 and the Node 22 it runs on into bench/postgraphile/, the peer "
    "compared on PostgreSQL",
    "`sudo apt-get install npm` (Debian, Ubuntu), `brew install node` (macOS), or any "
    "Node.js with npm (https://nodejs.org); or bench SQLite only: "
    "BENCH_ARGS='--databases sqlite'",
)


def missing(
    databases: list[str],
    which: Which | None = None,
    peer_installed: Callable[[], bool] | None = None,
) -> list[Missing]:
    """What the bench of ``databases`` needs and cannot find (on the PATH, by default)."""
    which = which or shutil.which
    peer_installed = peer_installed or peer.is_installed
    absent = []
    if which("wrk") is None:
        absent.append(WRK)
    if "postgresql" in databases and not peer_installed() and which("npm") is None:
        absent.append(NPM)
    return absent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    args, _ = parser.parse_known_args(argv)  # bench.run's other options are not ours
    absent = missing(args.databases.split(","))
    if absent:
        print("make bench cannot run; missing:", file=sys.stderr)
        for item in absent:
            print(item, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
