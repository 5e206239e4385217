"""Consumers and the history of their connection.

Each consumer is connected on a day in the last three years (a STATUS entry from
nothing to ACTIVE at 10:00 local time). Consumers connected before the app went live
may carry changes from the paper records of that time (a package change, a ban, a
reconnection). Package requests (``demo.requests``) add later changes through
``ConsumerBook.change_status`` and ``change_package``, so that a consumer's status and
package always agree with their latest history entries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from typing import Protocol

from demo.bulk import Clock, Dataset
from demo.catalog import (
    FEMALE_FIRST_NAMES,
    FEMALE_SURNAME,
    MALE_FIRST_NAMES,
    PACKAGES,
    SHOP_KINDS,
    SHOP_PACKAGE_CODES,
    SURNAMES,
    SizeSpec,
)
from demo.world import (
    CONNECTION_SPAN_DAYS,
    FEMALE_SHARE,
    PackageInfo,
    PlantInfo,
    World,
    random_phone,
)
from models import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus

CONNECTION_SECONDS = 10 * 3_600  # connections are recorded at 10:00 local time
# The app went live this long ago; changes before it come from the paper records.
GO_LIVE_DAYS_AGO = 540
LEGACY_PACKAGE_CLOSED_DAYS_AGO = 730
PAPER_RECORD_NOTE = "From the plant's paper records"
PAPER_CHANGE_MIN_AGE_DAYS = 30  # no change in a connection's first month
PAPER_PACKAGE_CHANGE_SHARE = 0.12
PAPER_UPGRADE_SHARE = 0.7
PAPER_BAN_SHARE = 0.16
PAPER_RECONNECT_SHARE = 0.3
SHOP_SHARE = 0.1
DEVI_SHARE = 0.4  # of women, how many are known as "<name> Devi"
PLANT_SIZE_SPREAD = (0.6, 1.4)  # plants differ in size by this factor around the mean


class Identified(Protocol):
    """Anything given an id once all rows of its kind are ordered (a package request)."""

    @property
    def id(self) -> int: ...


@dataclass(slots=True)
class ConsumerDraft:
    """A consumer, mutable while its history is being made up."""

    id: int
    plant: PlantInfo
    account_number: str
    name: str
    phone: str
    connected_day: int  # a date ordinal
    created_at: datetime  # the connection, at 10:00 local time
    package_id: int
    status: ConsumerStatus
    # When they last became ACTIVE (connection or reconnection), and last changed.
    active_since: datetime
    updated_at: datetime


@dataclass(slots=True)
class HistoryDraft:
    """A consumer history entry; its request gets its id later."""

    consumer_id: int
    kind: ConsumerHistoryKind
    changed_at: datetime
    from_status: ConsumerStatus | None = None
    to_status: ConsumerStatus | None = None
    from_package_id: int | None = None
    to_package_id: int | None = None
    actor_id: int | None = None
    request: Identified | None = None
    note: str | None = None


class ConsumerBook:
    """All consumers and their history, kept consistent with each other."""

    def __init__(self, packages: list[PackageInfo]) -> None:
        self.consumers: list[ConsumerDraft] = []
        self.history: list[HistoryDraft] = []
        self.packages_by_id = {p.id: p for p in packages}
        # Active packages by load: where upgrades and downgrades may lead.
        self.active_packages = sorted((p for p in packages if p.active), key=lambda p: p.load_watts)

    def change_status(
        self,
        consumer: ConsumerDraft,
        to_status: ConsumerStatus,
        at: datetime,
        *,
        actor_id: int | None = None,
        request: Identified | None = None,
        note: str | None = None,
    ) -> None:
        """Ban or reconnect, with its history entry."""
        self.history.append(
            HistoryDraft(
                consumer.id,
                ConsumerHistoryKind.STATUS,
                at,
                consumer.status,
                to_status,
                actor_id=actor_id,
                request=request,
                note=note,
            )
        )
        consumer.status = to_status
        consumer.updated_at = at
        if to_status is ConsumerStatus.ACTIVE:
            consumer.active_since = at

    def change_package(
        self,
        consumer: ConsumerDraft,
        to_package_id: int,
        at: datetime,
        *,
        actor_id: int | None = None,
        request: Identified | None = None,
        note: str | None = None,
    ) -> None:
        """Move to another package, with its history entry."""
        self.history.append(
            HistoryDraft(
                consumer.id,
                ConsumerHistoryKind.PACKAGE,
                at,
                from_package_id=consumer.package_id,
                to_package_id=to_package_id,
                actor_id=actor_id,
                request=request,
                note=note,
            )
        )
        consumer.package_id = to_package_id
        consumer.updated_at = at

    def neighbour_package(self, package_id: int, *, higher: bool) -> PackageInfo | None:
        """The next active package up or down in load, if there is one."""
        load = self.packages_by_id[package_id].load_watts
        if higher:
            return next((p for p in self.active_packages if p.load_watts > load), None)
        lower = [p for p in self.active_packages if p.load_watts < load]
        return lower[-1] if lower else None


def _plant_sizes(total: int, plants: int, rng: random.Random) -> list[int]:
    """``total`` consumers over ``plants`` plants of varied size."""
    weights = [rng.uniform(*PLANT_SIZE_SPREAD) for _ in range(plants)]
    scale = total / sum(weights)
    sizes = [int(weight * scale) for weight in weights]
    for index in range(total - sum(sizes)):
        sizes[index] += 1
    return sizes


class _Connector:
    """Connects consumers: a name, a phone, a first package, the STATUS entry."""

    def __init__(self, rng: random.Random, clock: Clock, book: ConsumerBook) -> None:
        self.rng, self.clock, self.book = rng, clock, book
        ids = {p.code: p.id for p in book.packages_by_id.values()}
        self._home_ids = [ids[spec.code] for spec in PACKAGES]
        self._home_weights = list(accumulate(spec.weight for spec in PACKAGES))
        self._shop_ids = [ids[code] for code in SHOP_PACKAGE_CODES]
        self._legacy_ids = {p.id for p in book.packages_by_id.values() if not p.active}
        self._legacy_closed_day = clock.day(LEGACY_PACKAGE_CLOSED_DAYS_AGO)

    def _household(self) -> str:
        rng = self.rng
        if rng.random() < FEMALE_SHARE:
            surname = FEMALE_SURNAME if rng.random() < DEVI_SHARE else rng.choice(SURNAMES)
            return f"{rng.choice(FEMALE_FIRST_NAMES)} {surname}"
        return f"{rng.choice(MALE_FIRST_NAMES)} {rng.choice(SURNAMES)}"

    def _first_package(self, shop: bool, day: int) -> int:
        if shop:
            return self.rng.choice(self._shop_ids)
        package_id = self.rng.choices(self._home_ids, cum_weights=self._home_weights)[0]
        if package_id in self._legacy_ids and day >= self._legacy_closed_day:
            return self.book.active_packages[0].id  # closed to new connections by then
        return package_id

    def connect(self, plant: PlantInfo, number: int, day: int) -> ConsumerDraft:
        """Consumer ``number`` of ``plant``, connected on ``day``."""
        rng = self.rng
        shop = rng.random() < SHOP_SHARE
        package_id = self._first_package(shop, day)
        at = self.clock.instant(day, CONNECTION_SECONDS)
        consumer = ConsumerDraft(
            id=len(self.book.consumers) + 1,
            plant=plant,
            account_number=f"{plant.state_code}-{plant.code}-{number:06d}",
            name=f"{rng.choice(SURNAMES)} {rng.choice(SHOP_KINDS)}" if shop else self._household(),
            phone=random_phone(rng),
            connected_day=day,
            created_at=at,
            package_id=package_id,
            status=ConsumerStatus.ACTIVE,
            active_since=at,
            updated_at=at,
        )
        self.book.consumers.append(consumer)
        self.book.history.append(
            HistoryDraft(
                consumer.id,
                ConsumerHistoryKind.STATUS,
                at,
                to_status=ConsumerStatus.ACTIVE,
                actor_id=plant.csa_ids[-1],  # the plant's own CSA
            )
        )
        return consumer


def draft_consumers(rng: random.Random, clock: Clock, world: World, size: SizeSpec) -> ConsumerBook:
    """Connect every plant's consumers and add the paper-record history."""
    book = ConsumerBook(world.packages)
    connector = _Connector(rng, clock, book)
    go_live_day = clock.day(GO_LIVE_DAYS_AGO)
    sizes = _plant_sizes(size.consumers, len(world.plants), rng)
    for plant, count in zip(world.plants, sizes, strict=True):
        # Account numbers follow the order of connection.
        days = sorted(clock.day(rng.randint(1, CONNECTION_SPAN_DAYS)) for _ in range(count))
        for number, day in enumerate(days, start=1):
            consumer = connector.connect(plant, number, day)
            # Paper records need a month of connection and a month before go-live.
            if day < go_live_day - 2 * PAPER_CHANGE_MIN_AGE_DAYS:
                _paper_records(rng, clock, book, consumer, go_live_day)
    return book


def _paper_records(
    rng: random.Random, clock: Clock, book: ConsumerBook, consumer: ConsumerDraft, until: int
) -> None:
    """Changes made before the app: maybe a package change, maybe a ban (and its end)."""
    changes: list[str] = []
    if rng.random() < PAPER_PACKAGE_CHANGE_SHARE:
        changes.append("package")
    if rng.random() < PAPER_BAN_SHARE:
        changes.append("ban")
        if rng.random() < PAPER_RECONNECT_SHARE:
            changes.append("reconnect")
    if not changes:
        return
    first = consumer.connected_day + PAPER_CHANGE_MIN_AGE_DAYS
    days = sorted(rng.sample(range(first, until), len(changes)))
    for change, day in zip(changes, days, strict=True):
        at = clock.instant(day, CONNECTION_SECONDS)
        if change == "package":
            target = book.neighbour_package(
                consumer.package_id, higher=rng.random() < PAPER_UPGRADE_SHARE
            ) or book.neighbour_package(consumer.package_id, higher=False)
            if target is not None:
                book.change_package(consumer, target.id, at, note=PAPER_RECORD_NOTE)
        else:
            to_status = ConsumerStatus.BANNED if change == "ban" else ConsumerStatus.ACTIVE
            book.change_status(consumer, to_status, at, note=PAPER_RECORD_NOTE)


def emit_consumers(data: Dataset, book: ConsumerBook) -> None:
    """Queue consumer rows, and history rows in time order (requests have ids by now)."""
    data.extend(
        Consumer,
        (
            {
                "id": c.id,
                "account_number": c.account_number,
                "name": c.name,
                "phone": c.phone,
                "plant_id": c.plant.id,
                "package_id": c.package_id,
                "status": c.status,
                "connected_at": date.fromordinal(c.connected_day),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
            for c in book.consumers
        ),
    )
    ordered = sorted(book.history, key=lambda h: (h.changed_at, h.consumer_id))
    data.extend(
        ConsumerHistoryEntry,
        (
            {
                "id": number,
                "consumer_id": h.consumer_id,
                "kind": h.kind,
                "from_status": h.from_status,
                "to_status": h.to_status,
                "from_package_id": h.from_package_id,
                "to_package_id": h.to_package_id,
                "changed_at": h.changed_at,
                "actor_id": h.actor_id,
                "request_id": h.request.id if h.request is not None else None,
                "note": h.note,
            }
            for number, h in enumerate(ordered, start=1)
        ),
    )
